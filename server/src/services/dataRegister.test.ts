import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { getFindings } from '../storage/findings.js';
import { createTestDb, DIALECTS, enrollHost, hostSections, sampleReport, type TestDb } from '../testing/harness.js';
import { ingestReport } from './ingest.js';
import { putSettings } from './settings.js';
import { dataRegisterView, removeDataRegisterEntry, saveDataRegisterEntry, saveImportantDataFiling } from './dataRegister.js';
import { addGovernanceRecord, saveMlpsSystem } from './records.js';
import { ADMIN, INST_A, institutionUser, outcome as code } from '../testing/principals.js';

const INST_B = institutionUser('B', '330105');
// Level 2, no personal-information flag of its own, last evaluated 2022-12-01: due 2027-12-01 on the 5-year cycle, 2025-12-01 on the 3-year one.
const LIS = {
  name: 'LIS 检验系统',
  level: 2 as const,
  criticalInfrastructure: false,
  personalInfoOver100k: false,
  gradedOn: '2022-01-05',
  filedOn: '2022-01-12',
  lastEvaluatedOn: '2022-12-01',
  wentLiveOn: '2020-01-01',
  prelaunchTestedOn: '2019-12-01',
  retiredOn: null,
  hostIds: [],
};
const ENTRY = { category: 'health-status' as const, level: 'important' as const, volume: '100k-10m' as const };

describe.each(DIALECTS)('data register (%s)', (dialect) => {
  let t: TestDb;
  const status = async (ruleId: string) => (await getFindings(t.deps.db, 'institution', 'A')).find((f) => f.rule_id === ruleId)?.status;

  beforeEach(async () => {
    t = await createTestDb(dialect);
    await enrollHost(t.deps, { institution: 'A', name: '西湖区人民医院', region: '330106', hostname: 'his-01' });
    await enrollHost(t.deps, { institution: 'B', name: '拱墅区人民医院', region: '330105', hostname: 'his-b' });
  });
  afterEach(() => t.close());

  it('a host of a system the register lists with important data keeps logs the region’s longer minimum, re-judged as the register changes', async () => {
    const agent = await enrollHost(t.deps, { institution: 'A', name: '西湖区人民医院', region: '330106', hostname: 'lis-01' });
    await ingestReport(t.deps, agent, sampleReport(agent.id, t.clock.now, hostSections(t.clock.now, 'lis-01', 'healthy')), 1000);
    const logs = async () => (await getFindings(t.deps.db, 'host', agent.hostId)).find((f) => f.rule_id === 'HOST-LOG-RETENTION')?.status;
    await putSettings(t.deps, ADMIN, '330106', { rules: [{ ruleId: 'HOST-LOG-RETENTION', thresholds: { importantDataMinDays: 365 } }] });
    const { id: lis } = await saveMlpsSystem(t.deps, INST_A, 'A', { ...LIS, hostIds: [agent.hostId] });
    // The healthy fixture keeps 182 days: enough for the general minimum.
    expect(await logs()).toBe('pass');
    const { id: entry } = await saveDataRegisterEntry(t.deps, INST_A, 'A', { ...ENTRY, systemIds: [lis] });
    expect(await logs()).toBe('fail');
    await saveDataRegisterEntry(t.deps, INST_A, 'A', { id: entry, ...ENTRY, level: 'general', systemIds: [lis] });
    expect(await logs()).toBe('pass');
    await saveDataRegisterEntry(t.deps, INST_A, 'A', { id: entry, ...ENTRY, level: 'core', systemIds: [lis] });
    expect(await logs()).toBe('fail');
    await removeDataRegisterEntry(t.deps, INST_A, 'A', entry);
    expect(await logs()).toBe('pass');
  });

  it('drives the data rules and the level-2 evaluation cycle as it is edited', async () => {
    const { id: lis } = await saveMlpsSystem(t.deps, INST_A, 'A', LIS);
    expect(await status('INST-DATA-FILING')).toBe('unknown'); // no register yet
    expect(await status('INST-MLPS-EVALUATION')).toBe('pass');

    const { id: entry } = await saveDataRegisterEntry(t.deps, INST_A, 'A', { ...ENTRY, systemIds: [lis] });
    // Important data in a level-2 system; not filed; over 100,000 people puts LIS on the 3-year cycle.
    expect(await status('INST-DATA-IMPORTANT-LEVEL')).toBe('fail');
    expect(await status('INST-DATA-FILING')).toBe('fail');
    expect(await status('INST-MLPS-EVALUATION')).toBe('fail');

    await saveImportantDataFiling(t.deps, INST_A, 'A', { filedOn: '2026-10-20', receipt: 'WJ-2026-1020' });
    expect(await status('INST-DATA-FILING')).toBe('pass');
    await saveDataRegisterEntry(t.deps, INST_A, 'A', { id: entry, ...ENTRY, level: 'general', volume: 'under-100k', systemIds: [lis] });
    expect(await status('INST-DATA-IMPORTANT-LEVEL')).toBe('not-applicable');
    expect(await status('INST-MLPS-EVALUATION')).toBe('pass');

    await addGovernanceRecord(t.deps, INST_A, 'A', { kind: 'data-inventory', date: '2026-10-30' });
    const view = await dataRegisterView(t.deps, INST_A.scope, 'A');
    expect(view).toMatchObject({ importantDataFiledOn: '2026-10-20', importantDataReceipt: 'WJ-2026-1020', updatedBy: 'xinxike-a', review: { lastOn: '2026-10-30', dueOn: '2027-10-30' } });
    expect(view.entries).toEqual([{ id: entry, category: 'health-status', level: 'general', volume: 'under-100k', systemIds: [lis] }]);
    expect(view.systems.map((s) => s.name)).toEqual(['LIS 检验系统']);

    await removeDataRegisterEntry(t.deps, INST_A, 'A', entry);
    expect((await dataRegisterView(t.deps, INST_A.scope, 'A')).entries).toEqual([]);
  });

  it('refuses bad input clearly: unknown or foreign systems, future filings, half filings, oversized notes, other institutions', async () => {
    const { id: bSystem } = await saveMlpsSystem(t.deps, INST_B, 'B', LIS);
    expect(await code(saveDataRegisterEntry(t.deps, INST_A, 'A', { ...ENTRY, systemIds: ['sys-nope'] }))).toBe('BAD_REQUEST');
    expect(await code(saveDataRegisterEntry(t.deps, INST_A, 'A', { ...ENTRY, systemIds: [bSystem] }))).toBe('BAD_REQUEST');
    expect(await code(saveDataRegisterEntry(t.deps, INST_A, 'A', { ...ENTRY, systemIds: [], note: 'x'.repeat(2001) }))).toBe('ZodError');
    expect(await code(saveDataRegisterEntry(t.deps, INST_A, 'A', { ...ENTRY, category: 'genome' as never, systemIds: [] }))).toBe('ZodError');
    expect(await code(saveImportantDataFiling(t.deps, INST_A, 'A', { filedOn: '2026-11-03', receipt: 'WJ-1' }))).toBe('BAD_REQUEST'); // tomorrow in China
    expect(await code(saveImportantDataFiling(t.deps, INST_A, 'A', { filedOn: '2026-10-01', receipt: null }))).toBe('ZodError');
    expect(await code(saveDataRegisterEntry(t.deps, INST_A, 'B', { ...ENTRY, systemIds: [] }))).toBe('FORBIDDEN');
    const { id } = await saveDataRegisterEntry(t.deps, INST_B, 'B', { ...ENTRY, systemIds: [] });
    expect(await code(removeDataRegisterEntry(t.deps, INST_A, 'A', id))).toBe('FORBIDDEN');
    expect(await code(saveDataRegisterEntry(t.deps, INST_A, 'A', { id, ...ENTRY, systemIds: [] }))).toBe('FORBIDDEN');
    expect((await dataRegisterView(t.deps, INST_A.scope, 'A')).entries).toEqual([]);
  });
});
