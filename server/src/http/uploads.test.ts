import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EVIDENCE_UPLOAD_MAX_BYTES } from '@weian/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config.js';
import { createLogger } from '../log.js';
import { login, SESSION } from '../services/auth.js';
import { createUser } from '../services/users.js';
import { listAudit } from '../storage/audit.js';
import { userCaller } from '../testing/callers.js';
import { createTestDb, enrollHost, type TestDb } from '../testing/harness.js';
import { textNotice } from '../testing/notices.js';
import { createHttpStack, type HttpStack } from './server.js';

const PASSWORD = 'Uploads-Test-Pass-1';
const YEAR = 2026;
/** A PDF of `size` bytes: the header, then padding. */
const pdf = (size: number) => Buffer.concat([Buffer.from('%PDF-1.7\n'), Buffer.alloc(size - 9, 0x20)]);
const EXE = Buffer.concat([Buffer.from([0x4d, 0x5a, 0x90, 0x00]), Buffer.alloc(4096)]);

let t: TestDb;
let stack: HttpStack;
let port: number;
let dataDir: string;
let noticeId: string;
const cookies = new Map<string, string>();

/** One raw POST; `chunked` sends no Content-Length (the server cannot refuse it up front). */
function post(
  username: string | null,
  query: string,
  body: Buffer,
  opts: { type?: string; chunked?: boolean } = {},
): Promise<{ status: number; body: { error?: { message: string; code: string } } & Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { 'content-type': opts.type ?? 'application/octet-stream' };
    if (username) headers.cookie = `${SESSION.cookie}=${cookies.get(username)}`;
    if (!opts.chunked) headers['content-length'] = String(body.length);
    const req = request({ host: '127.0.0.1', port, method: 'POST', path: `/upload/evidence?${query}`, headers }, (res) => {
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
const leftovers = () => readdirSync(join(dataDir, 'uploads'));

beforeAll(async () => {
  t = await createTestDb('sqlite');
  dataDir = mkdtempSync(join(tmpdir(), 'weian-uploads-'));
  await enrollHost(t.deps, { institution: 'A', name: '西湖区人民医院', region: '330106' });
  await enrollHost(t.deps, { institution: 'C', name: '拱墅区中医院', region: '330105' });
  for (const [username, role, scopeCode] of [
    ['xihu', 'county', '330106'],
    ['inst-a', 'institution', 'A'],
    ['inst-c', 'institution', 'C'],
  ] as const) {
    await createUser(t.deps, 'cli', { username, role, scopeCode, password: PASSWORD });
    cookies.set(username, (await login(t.deps, { username, password: PASSWORD }, '127.0.0.1')).token);
  }
  const county = await userCaller(t.deps, 'xihu', PASSWORD);
  const { issued } = await county.notices.issue(textNotice('A', { title: '机房门禁', requirement: '安装门禁并登记' }));
  noticeId = issued[0]!.id;
  await (await userCaller(t.deps, 'inst-a', PASSWORD)).notices.sign({ noticeId });
  const config = { ...loadConfig({}, { port: 0, host: '127.0.0.1' }), dataDir };
  stack = createHttpStack(config, t.deps, createLogger('silent'));
  await new Promise<void>((r) => stack.server.listen(0, '127.0.0.1', r));
  port = (stack.server.address() as AddressInfo).port;
});
afterAll(async () => {
  await stack?.close();
  await t?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('POST /upload/evidence (files over the tRPC limit)', () => {
  it('a 5 MB PDF is accepted for a notice, kept by SHA-256, and served within scope; the temporary file is gone', async () => {
    const file = pdf(5_000_000);
    const r = await post('inst-a', q({ notice: noticeId, name: '机房门禁改造验收报告.pdf' }), file);
    const sha256 = createHash('sha256').update(file).digest('hex');
    expect([r.status, r.body]).toEqual([200, { sha256, size: 5_000_000, type: 'pdf' }]);
    expect(leftovers()).toEqual([]);
    const inst = await userCaller(t.deps, 'inst-a', PASSWORD);
    expect((await inst.notices.get({ noticeId })).evidence.map((e) => [e.name, e.size])).toEqual([['机房门禁改造验收报告.pdf', 5_000_000]]);
    const got = await fetch(`http://127.0.0.1:${port}/download/evidence/notice/${noticeId}/${sha256}`, { headers: { cookie: `${SESSION.cookie}=${cookies.get('xihu')}` } });
    expect(Buffer.from(await got.arrayBuffer()).equals(file)).toBe(true);
    const audit = await listAudit(t.deps.db, { kind: 'all' }, { limit: 50 });
    expect(audit.find((e) => e.action === 'notices.upload' && e.outcome === 'ok')?.detail).toContain(sha256);
  });

  it('over the cap: refused, declared or not, without a partial file or a stored row', async () => {
    const before = (await (await userCaller(t.deps, 'inst-a', PASSWORD)).notices.get({ noticeId })).evidence.length;
    const big = pdf(EVIDENCE_UPLOAD_MAX_BYTES + 1);
    for (const chunked of [false, true]) {
      const r = await post('inst-a', q({ notice: noticeId, name: '太大.pdf' }), big, { chunked });
      expect([r.status, r.body.error?.code, r.body.error?.message]).toEqual([413, 'PAYLOAD_TOO_LARGE', expect.stringMatching(/over the limit of 5242880/)]);
      expect(leftovers()).toEqual([]);
    }
    expect((await (await userCaller(t.deps, 'inst-a', PASSWORD)).notices.get({ noticeId })).evidence).toHaveLength(before);
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
    const audit = await listAudit(t.deps.db, { kind: 'all' }, { limit: 100 });
    expect(
      audit
        .filter((e) => e.action === 'notices.upload' && e.outcome === 'denied')
        .map((e) => e.actor_name)
        .sort(),
    ).toEqual(['inst-c', 'xihu']);
  });

  it('self-inspection evidence over 1.4 MB goes the same way', async () => {
    const file = pdf(3_000_000);
    const r = await post('inst-a', q({ selfInspection: String(YEAR), name: '网络安全培训记录.pdf' }), file);
    expect([r.status, r.body.size]).toEqual([200, 3_000_000]);
    const inst = await userCaller(t.deps, 'inst-a', PASSWORD);
    expect((await inst.selfInspection.get({ institutionCode: 'A', year: YEAR })).evidence.map((e) => e.name)).toContain('网络安全培训记录.pdf');
    expect((await post('inst-c', q({ selfInspection: String(YEAR), name: 'x.pdf' }), EXE)).status).toBe(400);
    expect(leftovers()).toEqual([]);
  });
});
