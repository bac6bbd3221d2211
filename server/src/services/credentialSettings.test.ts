import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestDb, DIALECTS, enrollHost, sampleReport, type TestDb } from '../testing/harness.js';
import type { Principal } from './auth.js';
import { ingestReport } from './ingest.js';
import { putSettings } from './settings.js';

// The weak-credential check (issue 24) is opt-in per region and reaches the agents in the settings
// their acknowledgements carry; below the province a level may turn it on and add words, never off.

const ADMIN: Principal = { userId: 'u_admin', username: 'admin', displayName: 'admin', role: 'admin', scopeCode: null, scope: { kind: 'all' }, regionCode: null, institutionCode: null };

describe.each(DIALECTS)('credential-check settings to the agents (%s)', (dialect) => {
  // Resolved settings are cached per region code in the process: each dialect has its own province.
  const p = dialect === 'sqlite' ? '33' : '32';
  let t: TestDb;
  beforeEach(async () => {
    t = await createTestDb(dialect);
  });
  afterEach(async () => {
    await t.close();
  });
  const ackSettings = async (region: string, hostname: string) => {
    const a = await enrollHost(t.deps, { institution: `I-${hostname}`, region, hostname });
    return (await ingestReport(t.deps, a, sampleReport(a.id, t.clock.now, {}, hostname), 1000)).settings;
  };

  it('off by default: the acknowledgement carries no credentials part', async () => {
    expect((await ackSettings(`${p}0106`, 'h1')).credentials).toBeUndefined();
  });

  it("a county turns it on with its own initials; its agents get it, the neighbour county's do not", async () => {
    await putSettings(t.deps, ADMIN, `${p}0106`, { credentialChecks: { enabled: true, initials: ['xhqrmyy'] } });
    expect((await ackSettings(`${p}0106`, 'h2')).credentials).toEqual({ enabled: true, words: [], initials: ['xhqrmyy'], cpuBudgetMsPerDay: 60_000 });
    expect((await ackSettings(`${p}0105`, 'h3')).credentials).toBeUndefined();
  });

  it('the province turns it on; a county adds words but cannot turn it off', async () => {
    await putSettings(t.deps, ADMIN, `${p}0000`, { credentialChecks: { enabled: true, words: ['Zj@2024'] } });
    await expect(putSettings(t.deps, ADMIN, `${p}0106`, { credentialChecks: { enabled: false } })).rejects.toThrow(/cannot be turned off/);
    await putSettings(t.deps, ADMIN, `${p}0106`, { credentialChecks: { enabled: true, words: ['Xh@2025'], cpuBudgetMsPerDay: 120_000 } });
    expect((await ackSettings(`${p}0106`, 'h4')).credentials).toMatchObject({ enabled: true, words: ['Zj@2024', 'Xh@2025'], cpuBudgetMsPerDay: 120_000 });
  });
});
