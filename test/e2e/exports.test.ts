import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import ExcelJS from 'exceljs';
import { parse } from 'csv-parse/sync';
import { chinaDate } from '@weian/shared';
import { EventBus } from '../../server/src/events.js';
import { createUser } from '../../server/src/services/users.js';
import { migrate, openDb } from '../../server/src/storage/db.js';
import { RANKING_COLUMNS, rowValues } from '../../server/src/services/exports/columns.js';
import { seedExportFixture, TRICKY_NAMES, type ExportFixture } from '../../server/src/testing/exportFixture.js';
import { signedInClient, signIn, startServerProcess, tempDir, TEST_ADMIN, type ServerProcess } from '../helpers/index.js';

const COUNTY = { username: 'xihu-bureau', password: 'Xihu-Bureau-Pass-1' };
const INSTITUTION = { username: 'hz-xh-1-officer', password: 'Hz-Xh-1-Officer-Pass' };

/** Seeds real scores (ingest + daily job) into a fresh data directory, then the real server serves it. */
async function seed(dataDir: string): Promise<ExportFixture> {
  const handle = openDb({ dataDir });
  await migrate(handle.db);
  const clock = { now: new Date() };
  const deps = { db: handle.db, dialect: handle.dialect, bus: new EventBus(), now: () => clock.now };
  try {
    const f = await seedExportFixture(deps, clock, new Date());
    await createUser(deps, 'cli', { username: TEST_ADMIN.username, role: 'admin', scopeCode: null, password: TEST_ADMIN.password });
    await createUser(deps, 'cli', { username: COUNTY.username, role: 'county', scopeCode: '330106', password: COUNTY.password });
    await createUser(deps, 'cli', { username: INSTITUTION.username, role: 'institution', scopeCode: 'HZ-XH-1', password: INSTITUTION.password });
    return f;
  } finally {
    await handle.close();
  }
}

/** RFC 5987: the UTF-8 name from `filename*=UTF-8''…`, and the ASCII fallback. */
const fileNames = (header: string | null) => ({
  name: decodeURIComponent(/filename\*=UTF-8''([^;]+)/.exec(header ?? '')?.[1] ?? ''),
  ascii: /filename="([^"]+)"/.exec(header ?? '')?.[1] ?? '',
});

describe('export downloads from a real server process', () => {
  let server: ServerProcess;
  let f: ExportFixture;
  let admin: Awaited<ReturnType<typeof signedInClient>>;
  let county: string;
  const today = () => chinaDate(new Date());
  const get = (path: string, cookie?: string) => fetch(`${server.url}${path}`, { headers: cookie ? { cookie } : {} });
  /** `institutions.ranking` answers a page at a time: every page, three rows each, concatenated. */
  const wholeRanking = async (input: { regionCode: string; period?: string }) => {
    const rows = [];
    for (let page = 1; ; page++) {
      const r = await admin.client.institutions.ranking.query({ ...input, page, pageSize: 3 });
      expect([r.page, r.pageSize, r.total]).toEqual([page, 3, r.totalAll]);
      rows.push(...r.rows);
      if (r.rows.length < 3) return { ...r, rows };
    }
  };

  beforeAll(async () => {
    const dataDir = tempDir();
    f = await seed(dataDir);
    server = await startServerProcess({ dataDir });
    admin = await signedInClient(server.url);
    county = await signIn(server.url, COUNTY);
  });
  afterAll(async () => {
    admin?.close();
    await server?.cleanup();
  });

  it('XLSX: every ranking sheet reads back as institutions.ranking of its region, row by row', async () => {
    const res = await get(`/export/rankings.xlsx?region=${f.city}&period=${f.period}`, admin.cookie);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
    expect(res.headers.get('x-export-rows')).toBe('8');
    expect(fileNames(res.headers.get('content-disposition'))).toEqual({ name: `评估排名_杭州市_${f.period}_${today()}.xlsx`, ascii: `weian-ranking-330100-${f.period}-${today()}.xlsx` });
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load((await res.arrayBuffer()) as never);
    expect(wb.worksheets.map((s) => s.name)).toEqual(['排名', '拱墅区', '西湖区', '评估方法']);
    for (const [sheet, code] of [
      ['排名', f.city],
      ['拱墅区', '330105'],
      ['西湖区', '330106'],
    ] as const) {
      const expected = await wholeRanking({ regionCode: code, period: f.period });
      const rows: unknown[][] = [];
      wb.getWorksheet(sheet)!.eachRow((row) => rows.push(RANKING_COLUMNS.map((_, i) => row.getCell(i + 1).value ?? null)));
      expect(rows[0]).toEqual(RANKING_COLUMNS.map((c) => c.header));
      expect(rows.slice(1)).toEqual(expected.rows.map(rowValues));
    }
  });

  it('CSV: BOM, parsed by csv-parse, equal to institutions.ranking row by row (this month and last)', async () => {
    for (const period of [f.period, f.previous]) {
      const res = await get(`/export/rankings.csv?region=${f.city}&period=${period}`, admin.cookie);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
      const bytes = Buffer.from(await res.arrayBuffer());
      expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
      const records: string[][] = parse(bytes.toString('utf8'), { bom: true });
      const expected = await wholeRanking({ regionCode: f.city, period });
      expect(records[0]).toEqual(RANKING_COLUMNS.map((c) => c.header));
      expect(records).toHaveLength(expected.rows.length + 1);
      expected.rows.forEach((row, i) => {
        const want = rowValues(row).map((v) => (v === null ? '' : String(v)));
        // A formula-looking name keeps a leading apostrophe so that Excel shows it instead of running it.
        if (row.name === TRICKY_NAMES.formula) want[2] = `'${row.name}`;
        expect(records[i + 1]).toEqual(want);
      });
      const names = records.map((r) => r[2]);
      for (const n of [TRICKY_NAMES.comma, TRICKY_NAMES.quotes, TRICKY_NAMES.newline, TRICKY_NAMES.script]) expect(names).toContain(n);
    }
  });

  it('PDF: a printed report whose text holds the summary and every institution, markup as text', async () => {
    const res = await get(`/export/rankings.pdf?region=${f.city}`, admin.cookie);
    expect(res.status).toBe(200);
    const bytes = Buffer.from(await res.arrayBuffer());
    expect(res.headers.get('content-length')).toBe(String(bytes.length));
    expect(fileNames(res.headers.get('content-disposition')).name).toBe(`评估排名_杭州市_${f.period}_${today()}.pdf`);
    const file = join(server.dataDir, 'ranking.pdf');
    writeFileSync(file, bytes);
    const text = execFileSync('/usr/bin/pdftotext', ['-layout', '-enc', 'UTF-8', file, '-'], { encoding: 'utf8' });
    expect(text).toContain(`杭州市 网络安全评估排名 ${f.period}`);
    expect(text).toContain('等级分布（机构数）');
    expect(text).toContain(TRICKY_NAMES.script);
    const expected = await wholeRanking({ regionCode: f.city });
    const at = expected.rows.map((r) => text.indexOf(r.code));
    expect(at.every((i) => i >= 0)).toBe(true);
    expect([...at].sort((a, b) => a - b)).toEqual(at);
  });

  it('institution report as XLSX and PDF, for the institution’s own officer too', async () => {
    const officer = await signIn(server.url, INSTITUTION);
    const xlsx = await get(`/export/institution.xlsx?institution=HZ-XH-1&period=${f.period}`, officer);
    expect(xlsx.status).toBe(200);
    expect(fileNames(xlsx.headers.get('content-disposition')).name).toBe(`机构评估报告_西湖区人民医院_${f.period}_${today()}.xlsx`);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load((await xlsx.arrayBuffer()) as never);
    expect(wb.worksheets.map((s) => s.name)).toEqual(['得分构成', '主机得分', '问题项与整改建议', '等保定级对象与期限', '年度管理事项期限', '管理记录', '风险接受（例外）']);
    const detail = await admin.client.institutions.get.query({ institutionCode: 'HZ-XH-1' });
    const summary = new Map<unknown, unknown>();
    wb.getWorksheet('得分构成')!.eachRow((row) => summary.set(row.getCell(1).value, row.getCell(2).value));
    expect(summary.get('得分')).toBe(detail.score!.score);
    const findings = await admin.client.institutions.findings.query({ institutionCode: 'HZ-XH-1' });
    const failing = [...findings.institution, ...findings.failingHostFindings].filter((x) => x.status === 'fail' || x.status === 'unknown');
    expect(wb.getWorksheet('问题项与整改建议')!.rowCount - 1).toBe(failing.length);
    expect(xlsx.headers.get('x-export-rows')).toBe(String(failing.length));

    // The file name of an institution with markup in its name keeps no path or markup characters.
    const pdf = await get(`/export/institution.pdf?institution=HZ-XH-3`, admin.cookie);
    expect(pdf.status).toBe(200);
    expect(fileNames(pdf.headers.get('content-disposition')).name).toBe(`机构评估报告__script_alert(1)_script__${f.period}_${today()}.pdf`);
    const file = join(server.dataDir, 'institution.pdf');
    writeFileSync(file, Buffer.from(await pdf.arrayBuffer()));
    const text = execFileSync('/usr/bin/pdftotext', ['-layout', '-enc', 'UTF-8', file, '-'], { encoding: 'utf8' });
    expect(text).toContain(`${TRICKY_NAMES.script} 网络安全评估报告 ${f.period}`);
    expect(text).toContain('HOST-PORT-REMOTE-PUBLIC');
  });

  it('scope: a county exports its own county and nothing else; anonymous gets 401', async () => {
    expect((await get(`/export/rankings.csv?region=330106`, county)).status).toBe(200);
    for (const path of [`/export/rankings.xlsx?region=330105`, `/export/rankings.csv?region=${f.city}`, `/export/institution.pdf?institution=HZ-GS-1`]) {
      const res = await get(path, county);
      expect(res.status, path).toBe(403);
      expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
      expect((await res.json()).error).toMatchObject({ code: 'FORBIDDEN', message: expect.any(String) });
    }
    const anonymous = await get(`/export/rankings.xlsx?region=330106`);
    expect(anonymous.status).toBe(401);
    expect((await anonymous.json()).error.code).toBe('UNAUTHORIZED');
    expect((await get(`/export/rankings.csv?region=330106`, 'weian_session=forged')).status).toBe(401);
  });

  it('bad requests are 400 and unknown things 404, as JSON', async () => {
    const cases: Array<[string, number, string]> = [
      [`/export/rankings.csv?region=330106&period=2026-13`, 400, 'BAD_REQUEST'],
      [`/export/rankings.csv?region=330106&period=2999-01`, 400, 'BAD_REQUEST'],
      [`/export/rankings.docx?region=330106`, 400, 'BAD_REQUEST'],
      [`/export/institution.csv?institution=HZ-XH-1`, 400, 'BAD_REQUEST'],
      [`/export/rankings.csv`, 400, 'BAD_REQUEST'],
      [`/export/rankings.csv?region=999999`, 404, 'NOT_FOUND'],
      [`/export/institution.pdf?institution=NO-SUCH-ONE`, 404, 'NOT_FOUND'],
      [`/export/elsewhere.csv`, 404, 'NOT_FOUND'],
    ];
    for (const [path, status, code] of cases) {
      const res = await get(path, admin.cookie);
      expect(res.status, path).toBe(status);
      expect((await res.json()).error.code, path).toBe(code);
    }
  });

  it('every export is in the audit log with actor, region, format and outcome', async () => {
    const entries = (await admin.client.audit.list.query({ limit: 200 })).filter((e) => e.action.startsWith('exports.'));
    expect(entries.find((e) => e.action === 'exports.rankings' && e.actor.name === 'admin' && (e.detail as { format: string }).format === 'xlsx')).toMatchObject({
      outcome: 'ok',
      regionCode: f.city,
      detail: { format: 'xlsx', region: f.city, period: f.period, rows: 8 },
    });
    expect(entries.find((e) => e.actor.name === COUNTY.username && e.regionCode === '330105')).toMatchObject({ action: 'exports.rankings', outcome: 'denied' });
    expect(entries.find((e) => e.action === 'exports.institution' && e.actor.name === INSTITUTION.username)).toMatchObject({ outcome: 'ok', institutionCode: 'HZ-XH-1', regionCode: '330106' });
  });
});
