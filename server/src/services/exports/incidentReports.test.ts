import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectOutput } from '../../testing/collect.js';
import { createTestDb, enrollHost, type TestDb } from '../../testing/harness.js';
import { EVIDENCE_FIXTURES, mlpsSystemRecord, sha256 } from '../../testing/incidents.js';
import type { Principal } from '../auth.js';
import { fetchSender } from '../channels/index.js';
import { attachIncidentEvidence, closeIncident, followUpIncident, reportIncident, submitIncidentSummary } from '../incidents.js';
import { saveMlpsSystem } from '../records.js';
import { prepareIncidentExport, prepareIncidentStatsExport } from './index.js';
import { createPdfRenderer, DEFAULT_CHROMIUM, type PdfRenderer } from './pdfRenderer.js';
import { INST_A, county, outcome as code } from '../../testing/principals.js';

const XIHU = county('330106');
const GONGSHU = county('330105');
const HOUR = 3600_000;
const none = { cii: false, systemsDownHours: 0, recordsLeaked: 0, patientsAffected: 0 };
const dir = mkdtempSync(join(tmpdir(), 'weian-incident-export-'));
const pdfText = (pdf: Buffer) => {
  const file = join(dir, `${Math.random().toString(36).slice(2)}.pdf`);
  writeFileSync(file, pdf);
  return execFileSync('/usr/bin/pdftotext', ['-layout', '-enc', 'UTF-8', file, '-'], { encoding: 'utf8' });
};
describe('incident exports (事件报告, 事件统计)', () => {
  let t: TestDb;
  let renderer: PdfRenderer;
  let ransomware: string;
  // Evidence of each kind the report takes: a screenshot, a PDF and an Office document.
  const { png: PNG, pdf: PDF, docx: DOCX } = EVIDENCE_FIXTURES;
  const sha = sha256;
  const req = (principal: Principal) => ({ principal, remoteAddress: '127.0.0.1' });
  const body = async (p: Awaited<ReturnType<typeof prepareIncidentExport>>) => collectOutput((out) => p.write(out));
  const sheets = async (bytes: Buffer) => {
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(bytes as never);
    return Object.fromEntries(
      wb.worksheets.map((s) => {
        const rows: unknown[][] = [];
        s.eachRow((row) => rows.push((row.values as unknown[]).slice(1).map((v) => v ?? null)));
        return [s.name, rows];
      }),
    );
  };

  beforeAll(async () => {
    t = await createTestDb('sqlite');
    renderer = createPdfRenderer({ executablePath: DEFAULT_CHROMIUM });
    const host = await enrollHost(t.deps, { institution: 'A', name: '西湖区人民医院', region: '330106', hostname: 'his-01' });
    const his = (await saveMlpsSystem(t.deps, INST_A, 'A', mlpsSystemRecord({ name: 'HIS 医院信息系统', criticalInfrastructure: false, hostIds: [host.hostId] }))) as { id: string };
    const send = fetchSender(5_000);
    const at = (ago: number) => new Date(t.clock.now.getTime() - ago).toISOString();
    const base = { impact: '门诊挂号中断 2 小时', measures: '断网隔离受感染主机' };
    ransomware = (
      await reportIncident(
        t.deps,
        INST_A,
        {
          institutionCode: 'A',
          incident: {
            ...base,
            title: '勒索病毒加密 HIS 数据库',
            type: 'ransomware',
            discoveredAt: at(HOUR),
            level: 'large',
            criteria: { ...none, recordsLeaked: 1_500_000 },
            systemIds: [his.id],
            hostIds: [host.hostId],
          },
        },
        send,
      )
    ).id;
    // Reported 5 h after discovery: late.
    await reportIncident(
      t.deps,
      INST_A,
      { institutionCode: 'A', incident: { ...base, title: 'LIS 服务中断', type: 'outage', discoveredAt: at(5 * HOUR), level: 'large', criteria: { ...none, recordsLeaked: 1_500_000 } } },
      send,
    );
    await reportIncident(t.deps, INST_A, { institutionCode: 'A', incident: { ...base, title: '官网页面被篡改', type: 'defacement', discoveredAt: at(HOUR), level: 'general', criteria: none } }, send);
    await attachIncidentEvidence(t.deps, INST_A, { incidentId: ransomware, name: '勒索信截图.png', content: PNG });
    await followUpIncident(t.deps, INST_A, ransomware, '已从离线备份恢复门诊系统');
    await attachIncidentEvidence(t.deps, INST_A, { incidentId: ransomware, name: '恢复记录.pdf', content: PDF });
    await closeIncident(t.deps, INST_A, ransomware, '处置完毕');
    await attachIncidentEvidence(t.deps, INST_A, { incidentId: ransomware, name: '整改方案.docx', content: DOCX });
    await submitIncidentSummary(t.deps, INST_A, ransomware, { cause: '远程桌面弱口令', measures: '隔离、恢复', rectification: '关闭公网 3389', lessons: '定期复核口令' });
  });
  afterAll(async () => {
    await renderer.close();
    await t.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('the region statistics by level and type with the on-time rate, as XLSX and PDF', async () => {
    const x = await prepareIncidentStatsExport(t.deps, req(XIHU), { regionCode: '330106', format: 'xlsx' }, renderer);
    expect(x.rows).toBe(3);
    expect(x.fileName.name).toMatch(/^网络安全事件统计_西湖区_2026-11_2026-11-02\.xlsx$/);
    const s = await sheets(await body(x));
    expect(Object.keys(s)).toEqual(['总体情况', '按级别', '按类型', '事件清单']);
    expect(s['总体情况']).toEqual(
      expect.arrayContaining([
        ['事件总数', 3],
        ['迟报', 1],
        ['按时报告率', '66.7%'],
      ]),
    );
    expect(s['按级别']).toEqual([
      ['级别', '事件数', '迟报', '按时报告率'],
      ['特别重大', 0, 0, '—'],
      ['重大', 0, 0, '—'],
      ['较大', 2, 1, '50.0%'],
      ['一般', 1, 0, '100.0%'],
    ]);
    expect(s['按类型']!.map((r) => r[0])).toEqual(['类型', '勒索病毒', '系统中断', '网页篡改']);
    expect(s['事件清单']!.filter((r) => r[7] === '迟报').map((r) => r[1])).toEqual(['LIS 服务中断']);

    const p = await prepareIncidentStatsExport(t.deps, req(XIHU), { regionCode: '330106', format: 'pdf' }, renderer);
    const text = pdfText(await body(p));
    expect(text).toContain('网络安全事件统计 西湖区 2026-11');
    expect(text).toMatch(/较大\s+2\s+1\s+50\.0%/);
  });

  it('one incident report with its summary and timeline, as XLSX and PDF', async () => {
    const x = await prepareIncidentExport(t.deps, req(XIHU), { id: ransomware, format: 'xlsx' }, renderer);
    const s = await sheets(await body(x));
    expect(s['事件概况']).toEqual(
      expect.arrayContaining([
        ['事件级别', '较大'],
        ['是否按时报告', '按时'],
        ['状态', '已提交总结报告'],
      ]),
    );
    expect(s['总结报告']).toEqual(expect.arrayContaining([['整改情况', '关闭公网 3389']]));
    expect(s['事件概况']).toEqual(
      expect.arrayContaining([
        ['受影响的等保系统', 'HIS 医院信息系统（3级）'],
        ['受影响的主机', 'his-01'],
      ]),
    );
    expect(s['处置经过']!.map((r) => r[1])).toEqual(['事项', '首报', '附件', '续报', '附件', '处置完毕', '附件', '总结报告']);
    // Each attachment with the part it belongs to and its hash.
    expect(s['附件']!.map((r) => r.slice(0, 5))).toEqual([
      ['文件名', '所属', '类型', '字节数', 'SHA-256'],
      ['勒索信截图.png', '首报', 'PNG', PNG.length, sha(PNG)],
      ['恢复记录.pdf', '续报', 'PDF', PDF.length, sha(PDF)],
      ['整改方案.docx', '总结报告', 'OOXML', DOCX.length, sha(DOCX)],
    ]);
    const text = pdfText(await body(await prepareIncidentExport(t.deps, req(INST_A), { id: ransomware, format: 'pdf' }, renderer)));
    expect(text).toContain('网络安全事件报告：勒索病毒加密 HIS 数据库');
    expect(text).toContain('已从离线备份恢复门诊系统');
    expect(text.replace(/\s+/g, '')).toContain(sha(DOCX));
  });

  it('refuses other regions, institution accounts for a region, unknown formats and periods', async () => {
    expect(await code(prepareIncidentExport(t.deps, req(GONGSHU), { id: ransomware, format: 'pdf' }, renderer))).toBe('FORBIDDEN');
    expect(await code(prepareIncidentStatsExport(t.deps, req(GONGSHU), { regionCode: '330106', format: 'xlsx' }, renderer))).toBe('FORBIDDEN');
    expect(await code(prepareIncidentStatsExport(t.deps, req(INST_A), { regionCode: '330106', format: 'xlsx' }, renderer))).toBe('FORBIDDEN');
    expect(await code(prepareIncidentStatsExport(t.deps, req(XIHU), { regionCode: '330106', format: 'csv' }, renderer))).toBe('BAD_REQUEST');
    expect(await code(prepareIncidentStatsExport(t.deps, req(XIHU), { regionCode: '330106', period: '2027-01', format: 'xlsx' }, renderer))).toBe('BAD_REQUEST');
    expect(await code(prepareIncidentExport(t.deps, req(XIHU), { id: 'x'.repeat(65), format: 'pdf' }, renderer))).toBe('BAD_REQUEST');
  });
});
