import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listAudit } from '../../storage/audit.js';
import { createTestDb, enrollHost, type TestDb } from '../../testing/harness.js';
import { login, type Principal } from '../auth.js';
import { answerNoticeItem, getNoticeDetail, issueNotices, signNotice, submitNotice, uploadEvidence } from '../notices.js';
import { createUser } from '../users.js';
import { prepareNoticeExport } from './index.js';
import { createPdfRenderer, DEFAULT_CHROMIUM, type PdfRenderer } from './pdfRenderer.js';
import { textNotice } from '../../testing/notices.js';

const PASSWORD = 'Notice-Docs-Pass-1';
const PDF = Buffer.from('%PDF-1.7\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n');
const dir = mkdtempSync(join(tmpdir(), 'weian-notice-docs-'));
const pdfText = (pdf: Buffer, name: string) => {
  const file = join(dir, `${name}.pdf`);
  writeFileSync(file, pdf);
  return execFileSync('/usr/bin/pdftotext', ['-layout', '-enc', 'UTF-8', file, '-'], { encoding: 'utf8' });
};
async function bytesOf(prepared: Awaited<ReturnType<typeof prepareNoticeExport>>): Promise<Buffer> {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  await prepared.write(out);
  return Buffer.concat(chunks);
}

describe('notice documents: 整改通知书 (PDF) and 整改报告 (PDF, XLSX)', () => {
  let t: TestDb;
  let renderer: PdfRenderer;
  let county: Principal;
  let neighbour: Principal;
  let noticeId: string;
  let number: string;
  const sha = createHash('sha256').update(PDF).digest('hex');
  const as = async (username: string) => (await login(t.deps, { username, password: PASSWORD }, '127.0.0.1')).principal;

  beforeAll(async () => {
    t = await createTestDb('sqlite');
    renderer = createPdfRenderer({ executablePath: DEFAULT_CHROMIUM });
    await enrollHost(t.deps, { institution: 'A', name: '西湖区人民医院', region: '330106', hostname: 'his-a' });
    for (const [username, role, scopeCode] of [
      ['xihu', 'county', '330106'],
      ['gongshu', 'county', '330105'],
      ['inst-a', 'institution', 'A'],
    ] as const)
      await createUser(t.deps, 'cli', { username, role, scopeCode, password: PASSWORD });
    county = await as('xihu');
    neighbour = await as('gongshu');
    const inst = await as('inst-a');
    const { issued } = await issueNotices(t.deps, county, textNotice('A', { title: '机房门禁记录缺失', requirement: '补齐门禁登记制度和记录' }));
    noticeId = issued[0]!.id;
    number = issued[0]!.number;
    await signNotice(t.deps, inst, noticeId);
    await uploadEvidence(t.deps, inst, { noticeId, name: '门禁登记表.pdf', content: PDF });
    const itemId = (await getNoticeDetail(t.deps, inst, noticeId)).items[0]!.id;
    await answerNoticeItem(t.deps, inst, { noticeId, itemId, measures: '已安装门禁并建立登记制度', evidence: [sha] });
    await submitNotice(t.deps, inst, noticeId);
  });
  afterAll(async () => {
    await renderer.close();
    await t.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const req = (principal: Principal) => ({ principal, remoteAddress: '127.0.0.1' });

  it('the notice letter names the institution, the items, the deadline and the issuing region', async () => {
    const prepared = await prepareNoticeExport(t.deps, req(county), { noticeId, document: 'notice', format: 'pdf' }, renderer);
    expect(prepared.fileName.name).toBe(`整改通知书_${number}_2026-11-02.pdf`);
    const text = pdfText(await bytesOf(prepared), 'letter');
    for (const s of ['网络安全问题整改通知书', number, '西湖区人民医院', '机房门禁记录缺失', '补齐门禁登记制度和记录', '2026-11-16', '西湖区卫生健康行政部门']) expect(text).toContain(s);
  });

  it('the rectification report lists measures and every evidence file with its SHA-256, in PDF and XLSX', async () => {
    const text = pdfText(await bytesOf(await prepareNoticeExport(t.deps, req(county), { noticeId, document: 'rectification', format: 'pdf' }, renderer)), 'report');
    for (const s of ['整改报告', '已安装门禁并建立登记制度', '门禁登记表.pdf', sha]) expect(text.replace(/\s+/g, ' ')).toContain(s);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load((await bytesOf(await prepareNoticeExport(t.deps, req(county), { noticeId, document: 'rectification', format: 'xlsx' }, renderer))) as never);
    expect(wb.worksheets.map((s) => s.name)).toEqual(['整改情况', '佐证材料']);
    expect(wb.getWorksheet('整改情况')!.getRow(2).getCell(3).value).toBe('已安装门禁并建立登记制度');
    expect(wb.getWorksheet('佐证材料')!.getRow(2).getCell(4).value).toBe(sha);
  });

  it('refuses another county, a letter in XLSX, and audits', async () => {
    await expect(prepareNoticeExport(t.deps, req(neighbour), { noticeId, document: 'rectification', format: 'pdf' }, renderer)).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(prepareNoticeExport(t.deps, req(county), { noticeId, document: 'notice', format: 'xlsx' }, renderer)).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    const audit = (await listAudit(t.deps.db, { kind: 'all' }, { limit: 50 })).map((e) => `${e.action}:${e.outcome}`);
    for (const x of ['exports.notice:ok', 'exports.rectification:ok', 'exports.rectification:denied', 'exports.notice:failed']) expect(audit).toContain(x);
  });
});
