import { createHash } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { EVIDENCE_UPLOAD_MAX_BYTES } from '@weian/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reportIncident } from '../services/incidents.js';
import { listAudit } from '../storage/audit.js';
import { evidenceHttpFixture, type EvidenceHttpFixture } from '../testing/evidenceHttp.js';
import { institutionUser } from '../testing/principals.js';

const YEAR = 2026;
/** A PDF of `size` bytes: the header, then padding. */
const pdf = (size: number) => Buffer.concat([Buffer.from('%PDF-1.7\n'), Buffer.alloc(size - 9, 0x20)]);
const NONE = { cii: false, systemsDownHours: 0, recordsLeaked: 0, patientsAffected: 0 };
const EXE = Buffer.concat([Buffer.from([0x4d, 0x5a, 0x90, 0x00]), Buffer.alloc(4096)]);

let f: EvidenceHttpFixture;
let noticeId: string;

/** One raw POST; `chunked` sends no Content-Length (the server cannot refuse it up front). */
function post(
  username: string | null,
  query: string,
  body: Buffer,
  opts: { type?: string; chunked?: boolean } = {},
): Promise<{ status: number; body: { error?: { message: string; code: string } } & Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { 'content-type': opts.type ?? 'application/octet-stream' };
    if (username) headers.cookie = f.cookie(username);
    if (!opts.chunked) headers['content-length'] = String(body.length);
    const req = request({ host: '127.0.0.1', port: f.port, method: 'POST', path: `/upload/evidence?${query}`, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) }));
    });
    // The server may refuse and close before the whole body is sent: its answer is what counts.
    req.on('error', reject);
    if (opts.chunked) {
      for (let i = 0; i < body.length; i += 256 * 1024) req.write(body.subarray(i, i + 256 * 1024));
      req.end();
    } else req.end(body);
  });
}
const q = (params: Record<string, string>) => new URLSearchParams(params).toString();
const leftovers = () => readdirSync(join(f.dataDir, 'uploads'));

beforeAll(async () => {
  f = await evidenceHttpFixture();
  noticeId = f.noticeId;
});
afterAll(() => f?.close());

describe('POST /upload/evidence (files over the tRPC limit)', () => {
  it('a 5 MB PDF is accepted for a notice, kept by SHA-256, and served within scope; the temporary file is gone', async () => {
    const file = pdf(5_000_000);
    const r = await post('inst-a', q({ notice: noticeId, name: '机房门禁改造验收报告.pdf' }), file);
    const sha256 = createHash('sha256').update(file).digest('hex');
    expect([r.status, r.body]).toEqual([200, { sha256, size: 5_000_000, type: 'pdf' }]);
    expect(leftovers()).toEqual([]);
    const inst = await f.caller('inst-a');
    expect((await inst.notices.get({ noticeId })).evidence.map((e) => [e.name, e.size])).toEqual([['机房门禁改造验收报告.pdf', 5_000_000]]);
    const got = await fetch(`http://127.0.0.1:${f.port}/download/evidence/notice/${noticeId}/${sha256}`, { headers: { cookie: f.cookie('xihu') } });
    expect(Buffer.from(await got.arrayBuffer()).equals(file)).toBe(true);
    const audit = await listAudit(f.t.deps.db, { kind: 'all' }, { limit: 50 });
    expect(audit.find((e) => e.action === 'notices.upload' && e.outcome === 'ok')?.detail).toContain(sha256);
  });

  it('over the cap: refused, declared or not, without a partial file or a stored row', async () => {
    const before = (await (await f.caller('inst-a')).notices.get({ noticeId })).evidence.length;
    const big = pdf(EVIDENCE_UPLOAD_MAX_BYTES + 1);
    for (const chunked of [false, true]) {
      const r = await post('inst-a', q({ notice: noticeId, name: '太大.pdf' }), big, { chunked });
      expect([r.status, r.body.error?.code, r.body.error?.message]).toEqual([413, 'PAYLOAD_TOO_LARGE', expect.stringMatching(/over the limit of 5242880/)]);
      expect(leftovers()).toEqual([]);
    }
    expect((await (await f.caller('inst-a')).notices.get({ noticeId })).evidence).toHaveLength(before);
    // Exactly at the cap passes.
    expect((await post('inst-a', q({ notice: noticeId, name: '刚好.pdf' }), pdf(EVIDENCE_UPLOAD_MAX_BYTES))).status).toBe(200);
  });

  it('judged by the bytes and the name: an .exe named .pdf and path tricks are refused', async () => {
    const exe = await post('inst-a', q({ notice: noticeId, name: '整改报告.pdf' }), EXE);
    expect([exe.status, exe.body.error?.message]).toEqual([400, expect.stringMatching(/not a PDF, PNG, JPEG or Office document/)]);
    for (const name of ['../../etc/passwd.pdf', '..\\boot.pdf', '.hidden.pdf', 'a/b.pdf', '']) {
      const r = await post('inst-a', q({ notice: noticeId, name }), pdf(2_000_000));
      expect([name, r.status]).toEqual([name, 400]);
    }
    expect(leftovers()).toEqual([]);
  });

  it("scope and auth as the procedures: another county's institution, a bureau, no session and a form post are refused", async () => {
    const other = await post('inst-c', q({ notice: noticeId, name: '佐证.pdf' }), pdf(2_000_000));
    expect([other.status, other.body.error?.code]).toEqual([403, 'FORBIDDEN']);
    const bureau = await post('xihu', q({ notice: noticeId, name: '佐证.pdf' }), pdf(1000));
    expect([bureau.status, bureau.body.error?.message]).toEqual([403, expect.stringMatching(/notices:answer/)]);
    expect((await post(null, q({ notice: noticeId, name: '佐证.pdf' }), pdf(1000))).status).toBe(401);
    expect((await post('inst-a', q({ notice: noticeId, name: '佐证.pdf' }), pdf(1000), { type: 'multipart/form-data; boundary=x' })).status).toBe(415);
    expect((await post('inst-a', q({ name: '佐证.pdf' }), pdf(1000))).status).toBe(400);
    expect(leftovers()).toEqual([]);
    const audit = await listAudit(f.t.deps.db, { kind: 'all' }, { limit: 100 });
    expect(
      audit
        .filter((e) => e.action === 'notices.upload' && e.outcome === 'denied')
        .map((e) => e.actor_name)
        .sort(),
    ).toEqual(['inst-c', 'xihu']);
  });

  it('incident attachments go the same way: on the incident timeline with their hash; bad bytes, names, size, scope and roles refused', async () => {
    const inc = await reportIncident(f.t.deps, institutionUser('A', '330106'), {
      institutionCode: 'A',
      incident: {
        title: '勒索病毒',
        type: 'ransomware',
        discoveredAt: new Date(f.t.clock.now.getTime() - 60_000).toISOString(),
        level: 'general',
        criteria: NONE,
        impact: '门诊中断',
        measures: '断网',
      },
    });
    const file = pdf(3_000_000);
    const r = await post('inst-a', q({ incident: inc.id, name: '处置记录.pdf' }), file);
    expect([r.status, r.body.sha256]).toEqual([200, createHash('sha256').update(file).digest('hex')]);
    const inst = await f.caller('inst-a');
    expect((await inst.incidents.get({ incidentId: inc.id })).evidence.map((e) => [e.name, e.size, e.stage])).toEqual([['处置记录.pdf', 3_000_000, 'report']]);
    const refused = async (who: string, name: string, body: Buffer) => {
      const res = await post(who, q({ incident: inc.id, name }), body);
      return [res.status, res.body.error?.message];
    };
    expect(await refused('inst-a', '截图.pdf', EXE)).toEqual([400, expect.stringMatching(/not a PDF, PNG, JPEG or Office document/)]);
    expect(await refused('inst-a', '../报告.pdf', pdf(1000))).toEqual([400, expect.stringMatching(/path separator/)]);
    expect(await refused('inst-a', '太大.pdf', pdf(EVIDENCE_UPLOAD_MAX_BYTES + 1))).toEqual([413, expect.stringMatching(/over the limit of 5242880/)]);
    expect(await refused('inst-c', '佐证.pdf', pdf(1000))).toEqual([403, expect.stringMatching(/not visible to you/)]);
    expect(await refused('xihu', '佐证.pdf', pdf(1000))).toEqual([403, expect.stringMatching(/incidents:report/)]);
    expect((await post('inst-a', q({ incident: inc.id, notice: noticeId, name: 'x.pdf' }), pdf(1000))).body.error?.message).toMatch(/name one upload target/);
    expect((await inst.incidents.get({ incidentId: inc.id })).evidence).toHaveLength(1);
    // Downloaded by a plain GET within scope, byte-exact; another county's institution gets what a missing file gets.
    const url = `http://127.0.0.1:${f.port}/download/evidence/incident/${inc.id}/${r.body.sha256 as string}`;
    for (const who of ['inst-a', 'xihu']) {
      const got = await fetch(url, { headers: { cookie: f.cookie(who) } });
      expect([who, got.status, got.headers.get('x-evidence-sha256')]).toEqual([who, 200, r.body.sha256]);
      expect(Buffer.from(await got.arrayBuffer()).equals(file)).toBe(true);
    }
    expect((await fetch(url, { headers: { cookie: f.cookie('inst-c') } })).status).toBe(404);
    expect(leftovers()).toEqual([]);
  });

  it('self-inspection evidence over 1.4 MB goes the same way', async () => {
    const file = pdf(3_000_000);
    const r = await post('inst-a', q({ selfInspection: String(YEAR), name: '网络安全培训记录.pdf' }), file);
    expect([r.status, r.body.size]).toEqual([200, 3_000_000]);
    const inst = await f.caller('inst-a');
    expect((await inst.selfInspection.get({ institutionCode: 'A', year: YEAR })).evidence.map((e) => e.name)).toContain('网络安全培训记录.pdf');
    expect((await post('inst-c', q({ selfInspection: String(YEAR), name: 'x.pdf' }), EXE)).status).toBe(400);
    expect(leftovers()).toEqual([]);
  });
});
