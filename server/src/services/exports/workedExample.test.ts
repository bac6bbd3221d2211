import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import ExcelJS from 'exceljs';
import { chinaDate, countFailing, hostScore, RULE_DATA, type Finding } from '@weian/shared';
import { appRouter } from '../../routers/_app.js';
import { upsertFindings } from '../../storage/findings.js';
import { snapshotScores } from '../../storage/scoreHistory.js';
import { upsertHostScores } from '../../storage/scores.js';
import { insertHost } from '../../storage/hosts.js';
import { insertInstitution } from '../../storage/institutions.js';
import { upsertRegions } from '../../storage/regions.js';
import { collectOutput } from '../../testing/collect.js';
import { createTestDb, DIALECTS, type TestDb } from '../../testing/harness.js';
import { createCallerFactory } from '../../trpc/init.js';
import type { Principal } from '../auth.js';
import { storedFinding } from '../../storage/mappers.js';
import { refreshInstitutionScore } from '../evaluation.js';
import { countyChain } from '../regions.js';
import { institutionReport } from './institutionReport.js';
import { renderInstitutionPdf } from './institutionPdf.js';
import { writeInstitutionXlsx } from './institutionXlsx.js';
import { createPdfRenderer, DEFAULT_CHROMIUM, type PdfRenderer } from './pdfRenderer.js';
import { openRanking } from './rankedRows.js';
import { writeRankingsCsv } from './rankingsCsv.js';
import { renderRankingsPdf } from './rankingsPdf.js';
import { METHODOLOGY_SHEET, RANKING_SHEET, writeRankingsXlsx } from './rankingsXlsx.js';

/**
 * Issue 27's "done when": docs/methodology.md's worked example, read from the document, recomputed
 * here by an independent implementation (exact rationals in BigInt, not the product's scoring code)
 * for every host, institution and the region; then the same inputs are stored in a real database
 * and every surface (tRPC API, CSV, XLSX, PDF text) must show the same numbers to the tenth.
 */
const DOC = readFileSync(new URL('../../../../docs/methodology.md', import.meta.url), 'utf8');
const ALL = { kind: 'all' } as const;
const COUNTY = '330106';

// ---- reading the document ---------------------------------------------------------------------------
const section = (text: string, heading: string) => {
  const start = text.indexOf(heading);
  expect(start, heading).toBeGreaterThanOrEqual(0);
  const rest = text.slice(start + heading.length);
  // Up to the next heading of the same level or above.
  const end = rest.search(new RegExp(`\\n#{1,${heading.indexOf(' ')}} `));
  return end < 0 ? rest : rest.slice(0, end);
};
/** The body rows of the first markdown table in a text, as trimmed cells. */
const table = (text: string) =>
  text
    .split('\n')
    .filter((l) => l.startsWith('|'))
    .slice(2)
    .map((l) =>
      l
        .slice(1, -1)
        .split('|')
        .map((c) => c.trim()),
    );
type Triple = [bigint, bigint, bigint];
const triple = (cell: string): Triple => cell.split('/').map((x) => BigInt(x.trim())) as Triple;
/** The number after the last arrow (or the whole cell): what the document says a figure rounds to. */
const stated = (cell: string) => (cell === '—' ? null : cell.split('→').at(-1)!.trim());

const example = section(DOC, '## 算例 / Worked example');
const docWeights = /机构得分 = (\d+)% 技术 \+ (\d+)% 管理 \+ (\d+)% 覆盖/.exec(DOC)!.slice(1).map(BigInt) as Triple;
const docCap = BigInt(/主机得分最高 (\d+)/.exec(DOC)![1]!);
const docGrades = [...DOC.matchAll(/^- ([A-D]) \S+：≥ (\d+)/gm)].slice(0, 4).map((m) => ({ letter: m[1]!, min: BigInt(m[2]!) * 10n }));
const SEV = ['critical', 'high', 'medium', 'low'] as const;
const docSeverityWeights = SEV.map((s) => BigInt(new RegExp(`${s} \\((\\d+)\\)`).exec(example)![1]!));

const hosts = table(section(example, '### 主机 / Hosts')).map(([name, institution, level, c, h, m, l, , score, capped]) => ({
  name: name!,
  institution: institution!,
  level: level === '—' ? null : Number(level),
  counts: [c, h, m, l].map((x) => triple(x!)),
  score: stated(score!),
  capped: capped!.startsWith('是'),
}));
const institutions = table(section(example, '### 机构 / Institutions')).map(([name, technical, gc, gh, gm, gl, governance, coverage, score, grade]) => ({
  name: name!,
  governance: [gc, gh, gm, gl].map((x) => triple(x!)),
  coverage: coverage!
    .split('→')[0]!
    .split('/')
    .map((x) => BigInt(x.trim())) as [bigint, bigint],
  stated: { technical: stated(technical!), governance: stated(governance!), coverage: stated(coverage!), score: stated(score!), grade: grade! },
}));
const regionRow = table(section(example, '### 地区 / Region'))[0]!;
const regionNames = regionRow[0]!.replace(/（\d+）$/, '').split('、');
const unscored = regionNames.filter((n) => !institutions.some((i) => i.name === n));

// ---- the independent implementation -------------------------------------------------------------------
/** p / q rounded half up (p, q ≥ 0). */
const halfUp = (p: bigint, q: bigint) => (2n * p + q) / (2n * q);
const tenthsText = (t: bigint | null) => (t === null ? null : `${t / 10n}.${t % 10n}`);
const ratio = (counts: Triple[]) => {
  let earned = 0n;
  let possible = 0n;
  counts.forEach(([passed, failing, unknown], i) => {
    earned += passed * docSeverityWeights[i]!;
    possible += (passed + failing + unknown) * docSeverityWeights[i]!;
  });
  return { earned, possible };
};
function hostByHand(counts: Triple[]) {
  const { earned, possible } = ratio(counts);
  if (possible === 0n) return { tenths: null, capped: false, earned, possible };
  const raw = halfUp(1000n * earned, possible);
  const criticalNotPassed = counts[0]![1] + counts[0]![2] > 0n;
  const capped = criticalNotPassed && raw > docCap * 10n;
  return { tenths: capped ? docCap * 10n : raw, capped, earned, possible };
}
const gradeByHand = (tenths: bigint) => docGrades.find((g) => tenths >= g.min)!.letter;
function institutionByHand(inst: (typeof institutions)[number]) {
  let sum = 0n;
  let weight = 0n;
  for (const h of hosts.filter((x) => x.institution === inst.name)) {
    const s = hostByHand(h.counts).tenths;
    if (s === null) continue;
    const w = h.level !== null && h.level >= 3 ? 2n : 1n;
    sum += w * s;
    weight += w;
  }
  const technical = weight ? halfUp(sum, weight) : 0n;
  const g = ratio(inst.governance);
  const governance = g.possible ? halfUp(1000n * g.earned, g.possible) : 0n;
  const [reporting, registered] = inst.coverage;
  const coverage = registered ? halfUp(1000n * reporting, registered) : 0n;
  const score = halfUp(docWeights[0] * technical + docWeights[1] * governance + docWeights[2] * coverage, 100n);
  return { technical, governance, coverage, score, grade: gradeByHand(score) };
}
const regionByHand = () => {
  const scores = [...institutions.map((i) => institutionByHand(i).score), ...unscored.map(() => 0n)];
  const average = halfUp(
    scores.reduce((a, b) => a + b, 0n),
    BigInt(scores.length),
  );
  const distribution = Object.fromEntries(docGrades.map((g) => [g.letter, scores.filter((s) => gradeByHand(s) === g.letter).length]));
  // Failing (not unknown) findings of every host and institution rule, and the hosts counted by coverage.
  const failing = (severity: number) => [...hosts.map((h) => h.counts[severity]![1]), ...institutions.map((i) => i.governance[severity]![1])].reduce((a, b) => a + b, 0n);
  const totals = {
    failingCritical: Number(failing(0)),
    failingHigh: Number(failing(1)),
    hostsReporting: Number(institutions.reduce((n, i) => n + i.coverage[0], 0n)),
    hostsRegistered: Number(institutions.reduce((n, i) => n + i.coverage[1], 0n)),
  };
  return { average, grade: gradeByHand(average), distribution, institutions: scores.length, totals };
};

describe('the methodology worked example, recomputed by hand', () => {
  it('is a complete example: hosts, three scored institutions, one without a score, the region', () => {
    expect(hosts.length).toBeGreaterThanOrEqual(5);
    expect(institutions.length).toBeGreaterThanOrEqual(2);
    expect(unscored.length).toBeGreaterThanOrEqual(1);
    expect(docWeights).toEqual([60n, 30n, 10n]);
    expect(docGrades.map((g) => g.letter)).toEqual(['A', 'B', 'C', 'D']);
  });

  it('the document states what the rules it states give, for every host, institution and the region', () => {
    for (const h of hosts) {
      const s = hostByHand(h.counts);
      expect([tenthsText(s.tenths), s.capped], h.name).toEqual([h.score, h.capped]);
    }
    for (const i of institutions) {
      const s = institutionByHand(i);
      expect({ technical: tenthsText(s.technical), governance: tenthsText(s.governance), coverage: tenthsText(s.coverage), score: tenthsText(s.score), grade: s.grade }, i.name).toEqual(i.stated);
    }
    const r = regionByHand();
    expect([tenthsText(r.average), r.grade, ...docGrades.map((g) => String(r.distribution[g.letter]))]).toEqual([stated(regionRow[2]!), regionRow[3], ...regionRow.slice(4)]);
  });
});

// ---- the product, on every surface ------------------------------------------------------------------
const HOST_RULES = RULE_DATA.filter((r) => r.subject === 'host').map((r) => r.id);
const codeOf = (name: string) => `WE-${[...institutions.map((i) => i.name), ...unscored].indexOf(name) + 1}`;

async function seed(t: TestDb) {
  const db = t.deps.db;
  const at = t.clock.now.toISOString();
  await upsertRegions(db, countyChain(COUNTY));
  for (const name of regionNames) await insertInstitution(db, { code: codeOf(name), name, region_code: COUNTY, type: 'secondary-hospital', created_at: at });
  for (const h of hosts) {
    const institutionCode = codeOf(h.institution);
    await insertHost(db, {
      id: h.name,
      institution_code: institutionCode,
      hostname: h.name,
      machine_id: null,
      status: 'active',
      first_seen_at: at,
      last_report_at: at,
      last_seen_at: at,
      identity_conflict: null,
    });
    // The host's findings as the counts say, one host rule each (severity as counted), then its score
    // as evaluation stores it after judging a report.
    const statuses = h.counts.flatMap(([p, f, u], i) =>
      [...Array<'pass'>(Number(p)).fill('pass'), ...Array<'fail'>(Number(f)).fill('fail'), ...Array<'unknown'>(Number(u)).fill('unknown')].map((status) => ({ status, severity: SEV[i]! })),
    );
    expect(statuses.length).toBeLessThanOrEqual(HOST_RULES.length);
    await upsertFindings(
      db,
      statuses.map((s, k) => ({
        subject_kind: 'host' as const,
        subject_id: h.name,
        rule_id: HOST_RULES[k]!,
        institution_code: institutionCode,
        status: s.status,
        severity: s.severity,
        evidence: JSON.stringify({ zh: '', en: '' }),
        exception_id: null,
        exception_expires_on: null,
        since: at,
        evaluated_at: at,
      })),
    );
    const findings = statuses.map((s, k) =>
      storedFinding({
        subject_kind: 'host',
        subject_id: h.name,
        rule_id: HOST_RULES[k]!,
        institution_code: institutionCode,
        status: s.status,
        severity: s.severity,
        evidence: '{"zh":"","en":""}',
        exception_id: null,
        exception_expires_on: null,
        since: at,
        evaluated_at: at,
      }),
    );
    const score = hostScore(findings, t.clock.now);
    const failing = countFailing(findings, t.clock.now);
    await upsertHostScores(db, [
      {
        host_id: h.name,
        institution_code: institutionCode,
        score: score.score,
        capped: score.capped ? 1 : 0,
        mlps_level: h.level,
        failing_critical: failing.critical,
        failing_high: failing.high,
        failing_medium: failing.medium,
        failing_low: failing.low,
        updated_at: at,
      },
    ]);
  }
  for (const i of institutions) {
    // Governance results as counted (institution rules; the ids do not enter the score), coverage as stated.
    const findings = i.governance.flatMap(([p, f, u], k) =>
      (['pass', 'fail', 'unknown'] as const).flatMap((status, j) =>
        Array.from(
          { length: Number([p, f, u][j]) },
          () => ({ ruleId: 'INST-GOV-DRILL', subject: 'institution', status, severity: SEV[k]!, evidence: { zh: '', en: '' }, exception: null }) as unknown as Finding,
        ),
      ),
    );
    await refreshInstitutionScore(t.deps, db, codeOf(i.name), { findings, systems: [], coverage: { reporting: Number(i.coverage[0]), registered: Number(i.coverage[1]) } });
  }
  // Yesterday's daily snapshot of the same scores: the trend's earlier point, by the snapshot's own path.
  await snapshotScores(db, chinaDate(new Date(t.clock.now.getTime() - 86_400_000)));
}

const pdfDir = mkdtempSync(join(tmpdir(), 'weian-worked-'));
afterAll(() => rmSync(pdfDir, { recursive: true, force: true }));
const pdfText = (pdf: Buffer, name: string) => {
  const file = join(pdfDir, `${name}.pdf`);
  writeFileSync(file, pdf);
  return execFileSync('/usr/bin/pdftotext', ['-layout', '-enc', 'UTF-8', file, '-'], { encoding: 'utf8' });
};
const sheetRows = (sheet: ExcelJS.Worksheet) => {
  const rows: unknown[][] = [];
  sheet.eachRow((row) => rows.push(Array.from((row.values as unknown[]).slice(1), (v) => v ?? null)));
  return rows;
};
const n1 = (x: unknown) => (typeof x === 'number' ? x.toFixed(1) : String(x));

describe.each(DIALECTS)('the product agrees with the worked example on every surface (%s)', (dialect) => {
  let t: TestDb;
  let renderer: PdfRenderer;
  const admin: Principal = { userId: 'u-admin', username: 'admin', displayName: 'admin', role: 'admin', scopeCode: null, scope: ALL, regionCode: null, institutionCode: null };
  const caller = () =>
    createCallerFactory(appRouter)({ deps: t.deps, agentCredentials: null, principal: admin, sessionToken: null, remoteAddress: '127.0.0.1', bodyBytes: 0, setSessionCookie: () => {} });
  const region = regionByHand();
  const expectedScore = (name: string) => (unscored.includes(name) ? '0.0' : tenthsText(institutionByHand(institutions.find((i) => i.name === name)!).score)!);

  beforeAll(async () => {
    t = await createTestDb(dialect);
    await seed(t);
    renderer = createPdfRenderer({ executablePath: DEFAULT_CHROMIUM });
  });
  afterAll(async () => {
    await renderer.close();
    await t.close();
  });

  it('API: the ranking rows, the overview card, its grade counts, the trend line and the city’s sub-region figure', async () => {
    const r = await caller().institutions.ranking({ regionCode: COUNTY, pageSize: 50 });
    expect(r.rows.map((x) => [x.name, x.score.toFixed(1)])).toEqual(regionNames.map((n) => [n, expectedScore(n)]).sort((a, b) => Number(b[1]) - Number(a[1])));
    for (const i of institutions) {
      const row = r.rows.find((x) => x.name === i.name)!;
      const s = institutionByHand(i);
      expect([row.technical, row.governance, row.coverage, row.score].map(n1), i.name).toEqual([s.technical, s.governance, s.coverage, s.score].map(tenthsText));
      expect(row.grade).toBe(s.grade);
    }
    const o = await caller().regions.overview({ regionCode: COUNTY });
    expect([n1(o.kpis.averageScore), o.kpis.grade, o.kpis.institutions]).toEqual([tenthsText(region.average), region.grade, region.institutions]);
    expect(o.distribution).toEqual(region.distribution);
    expect(o.kpis).toMatchObject(region.totals);
    // One number, one formula: yesterday's snapshot (丙 without a score counted as 0) and today's point are the card's number.
    expect(o.trend.map((p) => [n1(p.score), p.institutions])).toEqual([0, 1].map(() => [tenthsText(region.average), region.institutions]));
    const city = await caller().regions.overview({ regionCode: `${COUNTY.slice(0, 4)}00` });
    expect(n1(city.subRegions.find((s) => s.code === COUNTY)!.averageScore)).toBe(tenthsText(region.average));
    expect(n1(city.kpis.averageScore)).toBe(tenthsText(region.average));
  });

  it('CSV: every institution’s score, and the region average recomputed from its rows', async () => {
    const csv = (await collectOutput(async (out) => writeRankingsCsv(await openRanking(t.deps, ALL, { regionCode: COUNTY }), out))).toString('utf8').replace(/^\uFEFF/, '');
    const [head, ...lines] = csv
      .trim()
      .split('\r\n')
      .map((l) => l.split(','));
    const name = head!.indexOf('机构名称');
    const score = head!.indexOf('得分');
    const byName = new Map(lines.map((l) => [l[name]!, l[score]!]));
    for (const n of regionNames) expect(Number(byName.get(n)).toFixed(1), n).toBe(expectedScore(n));
    const tenths = lines.reduce((s, l) => s + BigInt(Math.round(Number(l[score]) * 10)), 0n);
    expect(tenthsText(halfUp(tenths, BigInt(lines.length)))).toBe(tenthsText(region.average));
    const sum = (header: string) => lines.reduce((s, l) => s + Number(l[head!.indexOf(header)]), 0);
    expect([sum('严重不合规'), sum('高危不合规')]).toEqual([region.totals.failingCritical, region.totals.failingHigh]);
  });

  it('XLSX: the ranking sheet and the summary beside the methodology', async () => {
    const bytes = await collectOutput(async (out) => writeRankingsXlsx(await openRanking(t.deps, ALL, { regionCode: COUNTY }), out));
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(bytes as never);
    const [head, ...rows] = sheetRows(wb.getWorksheet(RANKING_SHEET)!);
    const name = head!.indexOf('机构名称');
    const score = head!.indexOf('得分');
    expect(Object.fromEntries(rows.map((r) => [r[name], n1(r[score])]))).toEqual(Object.fromEntries(regionNames.map((n) => [n, expectedScore(n)])));
    const summary = new Map(sheetRows(wb.getWorksheet(METHODOLOGY_SHEET)!).map((r) => [r[0], r.slice(1)]));
    expect(n1(summary.get('平均得分')![0])).toBe(tenthsText(region.average));
    expect(String(summary.get('地区等级')![0])).toMatch(new RegExp(`^${region.grade} `));
    expect(summary.get('等级分布（机构数）')!.map(String)).toEqual(docGrades.map((g) => expect.stringMatching(new RegExp(`^${g.letter} \\S+ ${region.distribution[g.letter]}$`))));
  });

  it('PDF: the summary figures and every institution’s row, as pdftotext reads them', async () => {
    const { pdf } = await renderRankingsPdf(t.deps, await openRanking(t.deps, ALL, { regionCode: COUNTY }), renderer);
    const text = pdfText(pdf, `ranking-${dialect}`);
    // The summary boxes print each value above its label: the line of values before the line of labels
    // (on a landscape page the MLPS-overdue box, not part of the example, may share the line).
    const lines = text.split('\n');
    const labels = lines.findIndex((l) => /机构数\s+平均得分\s+地区等级/.test(l));
    const values = lines
      .slice(0, labels)
      .reverse()
      .find((l) => l.trim())!
      .trim()
      .split(/\s{2,}/)
      .slice(0, 6);
    const { failingCritical, failingHigh, hostsReporting, hostsRegistered } = region.totals;
    expect(values).toEqual([
      String(region.institutions),
      tenthsText(region.average),
      `${region.grade} ${{ A: '优秀', B: '良好', C: '合格', D: '不合格' }[region.grade]}`,
      `${hostsReporting}/${hostsRegistered}`,
      String(failingCritical),
      String(failingHigh),
    ]);
    for (const n of regionNames) {
      const line = text.split('\n').find((l) => l.includes(n));
      expect(line, n).toBeDefined();
      expect(line!.split(/\s+/), n).toContain(expectedScore(n));
    }
  });

  it('institution report (XLSX and PDF): each host’s score, the cap, and the weights it is rebuilt from', async () => {
    for (const i of institutions) {
      const report = await institutionReport(t.deps, ALL, { institutionCode: codeOf(i.name) });
      const bytes = await collectOutput((out) => writeInstitutionXlsx(report, out));
      const wb = new ExcelJS.Workbook();
      await wb.xlsx.load(bytes as never);
      const [head, ...rows] = sheetRows(wb.getWorksheet('主机得分')!);
      const col = (h: string) => head!.indexOf(h);
      const text = pdfText(await renderInstitutionPdf(report, renderer), `${codeOf(i.name)}-${dialect}`);
      for (const h of hosts.filter((x) => x.institution === i.name)) {
        const byHand = hostByHand(h.counts);
        const row = rows.find((r) => r[col('主机')] === h.name)!;
        expect(row, h.name).toBeDefined();
        expect([row[col('得分')] === null ? null : n1(row[col('得分')]), row[col('因严重项降至59')], row[col('加权合规 / 应计')]], h.name).toEqual([
          tenthsText(byHand.tenths),
          byHand.capped ? '是' : '否',
          `${byHand.earned} / ${byHand.possible}`,
        ]);
        const [c, hi, m, l] = h.counts;
        expect(row[col('合规（严重 / 高危 / 中危 / 低危）')]).toBe([c, hi, m, l].map((x) => String(x![0])).join(' / '));
        // The PDF prints the same table: the host's line holds its score and its weights.
        const line = text.split('\n').find((x) => new RegExp(`^\\s*${h.name}\\s`).test(x));
        expect(line, `${h.name} in the PDF`).toBeDefined();
        if (byHand.tenths !== null) expect(line!.split(/\s+/)).toContain(tenthsText(byHand.tenths));
        expect(line!.replace(/\s+/g, '')).toContain(`${byHand.earned}/${byHand.possible}`);
      }
    }
  });
});
