import { createHash } from 'node:crypto';
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acceptEvidence } from '../services/evidenceFiles.js';
import { attachEvidence } from '../storage/notices.js';
import { evidenceHttpFixture, type EvidenceHttpFixture } from '../testing/evidenceHttp.js';

const YEAR = 2026;
/** A PDF of `size` bytes whose every byte value occurs (a decoding slip would show). */
const pdf = (size: number) => {
  const body = Buffer.alloc(size);
  Buffer.from('%PDF-1.7\n').copy(body);
  for (let i = 9; i < size; i++) body[i] = (i * 131 + (i >> 8)) & 0xff;
  return body;
};
const DOCX = Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04]), Buffer.alloc(2000, 7)]);
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

let f: EvidenceHttpFixture;
let noticeId: string;

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}
function http(method: 'GET' | 'POST' | 'HEAD', username: string | null, path: string, body?: Buffer): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = body ? { 'content-type': 'application/octet-stream', 'content-length': String(body.length) } : {};
    if (username) headers.cookie = f.cookie(username);
    const req = request({ host: '127.0.0.1', port: f.port, method, path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end(body);
  });
}
const upload = async (username: string, query: Record<string, string>, file: Buffer) => {
  const r = await http('POST', username, `/upload/evidence?${new URLSearchParams(query)}`, file);
  expect(r.status, r.body.toString()).toBe(200);
  return (JSON.parse(r.body.toString()) as { sha256: string }).sha256;
};
const noticeUrl = (id: string, sha256: string) => `/download/evidence/notice/${encodeURIComponent(id)}/${sha256}`;
const selfUrl = (code: string, sha256: string) => `/download/evidence/self-inspection/${YEAR}/${encodeURIComponent(code)}/${sha256}`;

beforeAll(async () => {
  f = await evidenceHttpFixture([
    ['gongshu', 'county', '330105'],
    ['hangzhou', 'city', '330100'],
  ]);
  noticeId = f.noticeId;
});
afterAll(() => f?.close());

describe('GET /download/evidence/… (evidence as a plain download)', () => {
  it('a file over the old 1.4 MB tRPC limit comes back byte-exact, with its type, length, name and SHA-256', async () => {
    const file = pdf(3_100_000);
    const sha256 = await upload('inst-a', { notice: noticeId, name: '机房门禁改造验收报告.pdf' }, file);
    expect(sha256).toBe(sha(file));
    for (const who of ['inst-a', 'xihu', 'hangzhou']) {
      const r = await http('GET', who, noticeUrl(noticeId, sha256));
      expect(r.status).toBe(200);
      expect(r.body.equals(file)).toBe(true);
      expect(sha(r.body)).toBe(r.headers['x-evidence-sha256']);
      expect(r.headers).toMatchObject({
        'content-type': 'application/pdf',
        'content-length': '3100000',
        'content-disposition': `attachment; filename="weian-evidence-${sha256.slice(0, 12)}.pdf"; filename*=UTF-8''${encodeURIComponent('机房门禁改造验收报告.pdf')}`,
        'repr-digest': `sha-256=:${Buffer.from(sha256, 'hex').toString('base64')}:`,
        'x-content-type-options': 'nosniff',
        'cache-control': 'private, no-store',
      });
    }
    const head = await http('HEAD', 'xihu', noticeUrl(noticeId, sha256));
    expect([head.status, head.headers['content-length'], head.body.length]).toEqual([200, '3100000', 0]);
  });

  it('self-inspection evidence: its institution and the bureaus above it download it; an Office file gets its exact type', async () => {
    const file = pdf(1_500_000);
    const sha256 = await upload('inst-a', { selfInspection: String(YEAR), name: '网络安全培训记录.pdf' }, file);
    for (const who of ['inst-a', 'xihu', 'hangzhou']) {
      const r = await http('GET', who, selfUrl('A', sha256));
      expect([who, r.status, r.body.equals(file)]).toEqual([who, 200, true]);
    }
    const docx = await upload('inst-a', { selfInspection: String(YEAR), name: '数据分类分级清单.docx' }, DOCX);
    const r = await http('GET', 'xihu', selfUrl('A', docx));
    expect(r.headers['content-type']).toBe('application/vnd.openxmlformats-officedocument.wordprocessingml.document');
  });

  it('out of scope answers 404, exactly as a file that does not exist; no session 401', async () => {
    const file = pdf(200_000);
    const sha256 = await upload('inst-a', { notice: noticeId, name: '门禁登记表.pdf' }, file);
    const si = await upload('inst-a', { selfInspection: String(YEAR), name: '应急预案.pdf' }, file);
    const missing = await http('GET', 'xihu', noticeUrl(noticeId, '0'.repeat(64)));
    expect(missing.status).toBe(404);
    for (const who of ['gongshu', 'inst-c']) {
      for (const url of [noticeUrl(noticeId, sha256), selfUrl('A', si)]) {
        const r = await http('GET', who, url);
        expect([who, url, r.status, r.body.toString()]).toEqual([who, url, 404, missing.body.toString()]);
      }
    }
    // The right file under another notice or institution is not a way round the scope.
    expect((await http('GET', 'inst-c', selfUrl('C', si))).status).toBe(404);
    expect((await http('GET', null, noticeUrl(noticeId, sha256))).status).toBe(401);
    expect((await http('POST', 'xihu', noticeUrl(noticeId, sha256), file)).status).toBe(405);
    expect((await http('GET', 'xihu', `/download/evidence/notice/${noticeId}/not-a-hash`)).status).toBe(404);
  });

  it('names with quotes, line breaks, path tricks and bidi controls cannot reach the header as they are', async () => {
    const file = pdf(5000);
    // Allowed at upload: kept and sent back percent-encoded.
    const odd = "王's 报告;%20 (1).pdf";
    const sha256 = await upload('inst-a', { notice: noticeId, name: odd }, file);
    const r = await http('GET', 'xihu', noticeUrl(noticeId, sha256));
    expect(decodeURIComponent(/filename\*=UTF-8''(.+)$/.exec(r.headers['content-disposition'] as string)![1]!)).toBe(odd);
    // Stored before the upload checks (or written around them): the name is made safe on the way out.
    const nasty = ['a"\r\nSet-Cookie: x=1\r\n".pdf', '../../etc/passwd.pdf', '..\\..\\路径\\报告.pdf', '\u202Efdp.exe报告.pdf', '"><script>.pdf'];
    for (const [i, name] of nasty.entries()) {
      const bytes = Buffer.concat([file, Buffer.from([i])]);
      const accepted = acceptEvidence('x.pdf', bytes, new Date().toISOString());
      await attachEvidence(f.t.deps.db, accepted.file, { notice_id: noticeId, sha256: accepted.sha256, name, uploaded_at: new Date().toISOString(), uploaded_by: 'inst-a' });
      const got = await http('GET', 'xihu', noticeUrl(noticeId, accepted.sha256));
      const disposition = got.headers['content-disposition'] as string;
      expect([name, got.status, got.body.equals(bytes), got.headers['set-cookie']]).toEqual([name, 200, true, undefined]);
      const [, ascii, encoded] = /^attachment; filename="([^"]*)"; filename\*=UTF-8''([^\s"';]+)$/.exec(disposition)!;
      expect(ascii).toMatch(/^weian-evidence-[0-9a-f]{12}\.pdf$/);
      const shown = decodeURIComponent(encoded!);
      expect(shown).toMatch(/\.pdf$/);
      expect(shown).not.toMatch(/[\r\n"/\\\u202E]|^\.|\.\./);
    }
  });
});
