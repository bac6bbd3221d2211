import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Report } from '@weian/shared';
import { createTestDb, DIALECTS, enrollHost, hostSections, sampleReport, type TestDb } from '../testing/harness.js';
import { getFindings } from '../storage/findings.js';
import { getInstitutionScore } from '../storage/scores.js';
import { getHost } from '../storage/hosts.js';
import { insertInstitution } from '../storage/institutions.js';
import { listTransitions } from '../storage/transitions.js';
import type { AuthenticatedAgent } from './agentAuth.js';
import { login } from './auth.js';
import { runDailyEvaluation } from './daily.js';
import { ingestReport } from './ingest.js';
import { ranking } from './rankings.js';
import { addException, addGovernanceRecord } from './records.js';
import { saveDataRegisterEntry } from './dataRegister.js';
import { createUser } from './users.js';
import { regionOverview } from './overview.js';
import { flushInstitutionScores } from './scoreRefresher.js';
import { listHostSummaries } from './hosts.js';

describe.each(DIALECTS)('compliance engine through the services (%s)', (dialect) => {
  let t: TestDb;
  let a1: AuthenticatedAgent;
  let a2: AuthenticatedAgent;
  let b1: AuthenticatedAgent;
  const send = (agent: AuthenticatedAgent, sections: Partial<Report['sections']>) => ingestReport(t.deps, agent, sampleReport(agent.id, t.clock.now, sections), 1000);

  beforeEach(async () => {
    t = await createTestDb(dialect, new Date('2026-11-02T02:00:00Z'));
    a1 = await enrollHost(t.deps, { institution: 'A', name: '西湖区人民医院', region: '330106', machineId: 'm-a1' });
    a2 = await enrollHost(t.deps, { institution: 'A', region: '330106', hostname: 'a2', machineId: 'm-a2' });
    b1 = await enrollHost(t.deps, { institution: 'B', name: '拱墅区中医院', region: '330105', machineId: 'm-b1' });
  });
  afterEach(() => t.close());

  it('judges a host on ingest, caps it for a public SSH port, and records when it changed', async () => {
    await send(a1, hostSections(t.clock.now, 'a1', 'exposed'));
    const findings = new Map((await getFindings(t.deps.db, 'host', a1.hostId)).map((f) => [f.rule_id, f]));
    expect(findings.get('HOST-PORT-REMOTE-PUBLIC')?.status).toBe('fail');
    expect(findings.get('HOST-PORT-REMOTE-PUBLIC')?.since).toBe(t.clock.now.toISOString());
    // Applicable weights (by hand): OS-EOL 10, PATCH-SECURITY 5, PATCH-STALE 2, REBOOT 1, REMOTE-PUBLIC 10,
    // RISKY-PUBLIC 10, PLAINTEXT 5, DB-WILDCARD 2, FIREWALL 5, AUDIT 2, TIME 2, SSH-ROOT 5, PASSWORD-POLICY 5,
    // ACCOUNT-LOCKOUT 2, REMOTE-HARDENING 5, LOG-RETENTION 2, AGENT-SILENT 5 = 78. Anti-malware (Linux, not required),
    // backups (no MLPS level, no jobs), the Windows audit policy and the opt-in credential checks (the region has not turned them on) do not apply.
    // Earned 78 − 10 = 68 → 87.2, but a failing critical rule caps the host at 59.
    const notApplicable = [...findings.values()]
      .filter((f) => f.status === 'not-applicable')
      .map((f) => f.rule_id)
      .sort();
    expect(notApplicable).toEqual([
      'HOST-AUDIT-POLICY',
      'HOST-AV-MISSING',
      'HOST-AV-STALE',
      'HOST-BACKUP-FAILED',
      'HOST-BACKUP-NONE',
      'HOST-BACKUP-OFFSITE',
      'HOST-BACKUP-RESTORE-TEST',
      'HOST-BACKUP-STALE',
      'HOST-SERVICE-NOAUTH',
      'HOST-WEAK-PASSWORD',
    ]);
    expect([...findings.values()].filter((f) => f.status === 'unknown')).toEqual([]);
    const score = await t.deps.db.selectFrom('host_scores').selectAll().where('host_id', '=', a1.hostId).executeTakeFirstOrThrow();
    expect(score.score).toBe(59);
    expect(score.capped).toBe(1);

    t.clock.advance(3600_000);
    await send(a1, hostSections(t.clock.now, 'a1', 'healthy'));
    const after = (await getFindings(t.deps.db, 'host', a1.hostId)).find((f) => f.rule_id === 'HOST-PORT-REMOTE-PUBLIC')!;
    expect(after.status).toBe('pass');
    expect(after.since).toBe(t.clock.now.toISOString());
    const history = await listTransitions(t.deps.db, 'host', a1.hostId, 100);
    expect(history.filter((h) => h.rule_id === 'HOST-PORT-REMOTE-PUBLIC').map((h) => [h.from_status, h.to_status])).toEqual([
      ['fail', 'pass'],
      [null, 'fail'],
    ]);
    expect((await t.deps.db.selectFrom('host_scores').select('score').where('host_id', '=', a1.hostId).executeTakeFirstOrThrow()).score).toBe(100);
  });

  it('never counts a collector error as a pass', async () => {
    await send(a1, { ...hostSections(t.clock.now, 'a1', 'healthy'), ports: { status: 'error', error: { code: 'timeout', message: 'ss hung' } } });
    const f = (await getFindings(t.deps.db, 'host', a1.hostId)).filter((x) => x.rule_id.startsWith('HOST-PORT'));
    expect(f.map((x) => x.status)).toEqual(['unknown', 'unknown', 'unknown', 'unknown']);
    const score = (await t.deps.db.selectFrom('host_scores').select('score').where('host_id', '=', a1.hostId).executeTakeFirstOrThrow()).score!;
    // The four port rules (critical 10 + critical 10 + high 5 + medium 2 = 27) weigh as not passed: 51/78.
    expect(score).toBeLessThanOrEqual(59);
  });

  it('scores an institution from its hosts, governance and coverage, and ranks the region', async () => {
    await send(a1, hostSections(t.clock.now, 'a1', 'healthy')); // 100
    await send(a2, hostSections(t.clock.now, 'a2', 'exposed')); // 59
    await send(b1, hostSections(t.clock.now, 'b1', 'healthy')); // 100
    await runDailyEvaluation(t.deps);
    // A: technical (100 + 59) / 2 = 79.5; governance 0 (ungraded, no records: every institution rule fails);
    // coverage 2/2 = 100. 0.6 × 79.5 + 0.3 × 0 + 0.1 × 100 = 57.7 → D.
    const a = await getInstitutionScore(t.deps.db, 'A');
    expect([a?.technical, a?.governance, a?.coverage, a?.score, a?.grade]).toEqual([79.5, 0, 100, 57.7, 'D']);

    await createUser(t.deps, 'cli', { username: 'inst-a', role: 'institution', scopeCode: 'A', password: 'Inst-A-Pass-123' });
    const user = (await login(t.deps, { username: 'inst-a', password: 'Inst-A-Pass-123' }, '127.0.0.1')).principal;
    for (const kind of ['leadership-meeting', 'emergency-drill', 'data-inventory', 'training', 'permission-review'] as const)
      await addGovernanceRecord(t.deps, user, 'A', { kind, date: '2026-10-15' });
    await addGovernanceRecord(t.deps, user, 'A', { kind: 'self-inspection', date: '2026-10-20', vulnerabilityScan: true, penetrationTest: true });
    await addGovernanceRecord(t.deps, user, 'A', { kind: 'data-security-meeting', date: '2026-10-15' });
    // A data register of general data without personal information: the other data rules do not apply.
    await saveDataRegisterEntry(t.deps, user, 'A', { category: 'health-resources', level: 'general', volume: 'no-personal-info', systemIds: [] });
    // Governance now fails only INST-MLPS-UNGRADED (high 5) of: leadership 2, self-inspection 5, drill 2,
    // inventory 2, training 1, permission review 1, data meeting 2, ungraded 5 = 20 → 15/20 = 75.0.
    // Score 0.6 × 79.5 + 0.3 × 75.0 + 0.1 × 100 = 47.7 + 22.5 + 10 = 80.2 → B.
    const a2s = await getInstitutionScore(t.deps.db, 'A');
    expect([a2s?.governance, a2s?.score, a2s?.grade]).toEqual([75, 80.2, 'B']);

    const admin = { kind: 'all' } as const;
    const r = await ranking(t.deps, admin, { regionCode: '330100' });
    // B: technical 100, governance 0, coverage 100 → 70.0; A (80.2) ranks first.
    expect(r.rows.map((x) => [x.rank, x.code, x.score, x.grade])).toEqual([
      [1, 'A', 80.2, 'B'],
      [2, 'B', 70, 'C'],
    ]);
    expect(r.rows[0]!.failing).toEqual({ critical: 1, high: 1, medium: 0, low: 0 });
    // The first page by default; both institutions are of the type an enrollment gives.
    expect([r.total, r.totalAll, r.page, r.pageSize, r.types]).toEqual([2, 2, 1, 50, [['other', { zh: '其他', en: 'Other' }]]]);
    // Sorted by name and paged one at a time, B keeps its rank 2 on its own page; filtered by grade A, none.
    const byName = await ranking(t.deps, admin, { regionCode: '330100', sort: 'name', order: 'desc', pageSize: 1, page: 2 });
    expect([byName.total, byName.rows.map((x) => [x.rank, x.code])]).toEqual([2, [[2, 'B']]]);
    expect(await ranking(t.deps, admin, { regionCode: '330100', grades: ['A'] })).toMatchObject({ total: 0, totalAll: 2, rows: [] });
    const county = await ranking(t.deps, admin, { regionCode: '330106' });
    expect((await listHostSummaries(t.deps, admin, { regionCode: '330105', limit: 100, offset: 0 })).items.map((h) => h.id)).toEqual([b1.hostId]);
    expect((await listHostSummaries(t.deps, admin, { regionCode: '330100', limit: 100, offset: 0 })).total).toBe(3);
    expect(county.rows.map((x) => x.code)).toEqual(['A']);
    const overview = await regionOverview(t.deps, admin, '330100');
    expect(overview.kpis).toMatchObject({ institutions: 2, hostsRegistered: 3, hostsReporting: 3, averageScore: 75.1 });
    expect(overview.subRegions.map((s) => s.code).sort()).toEqual(['330105', '330106']);
    expect(overview.topFailingRules[0]).toMatchObject({ ruleId: 'INST-MLPS-UNGRADED', count: 2 });
    const exposed = (o: typeof overview) => o.topFailingRules.find((r) => r.ruleId === 'HOST-PORT-REMOTE-PUBLIC')?.count;
    expect(exposed(overview)).toBe(1);
    expect(overview.distribution).toEqual({ A: 0, B: 1, C: 1, D: 0 });
    expect(overview.subRegions.map((s) => [s.code, s.averageScore, s.institutions])).toEqual([
      ['330106', 80.2, 1],
      ['330105', 70, 1],
    ]);
    // A second look with nothing written in between gives the same figures.
    expect(await regionOverview(t.deps, admin, '330100')).toEqual(overview);
    // Looked at again after another host changed, at the same instant: the counts are read anew, not remembered.
    await send(b1, hostSections(t.clock.now, 'b1', 'exposed'));
    await flushInstitutionScores(t.deps);
    const changed = await regionOverview(t.deps, admin, '330100');
    expect(exposed(changed)).toBe(2);
    const b = (await getInstitutionScore(t.deps.db, 'B'))!.score;
    expect(b).toBeLessThan(70);
    expect(changed.kpis.averageScore).toBe(Math.round(((80.2 + b) / 2) * 10) / 10);
    // An institution with nothing reported yet counts, as 0 (D): missing evidence is never a pass.
    await insertInstitution(t.deps.db, { code: 'C', name: '丙卫生院', region_code: '330105', type: 'primary-care', created_at: t.clock.now.toISOString() });
    const withC = await regionOverview(t.deps, admin, '330100');
    expect([withC.kpis.institutions, withC.distribution.D, withC.subRegions.find((s) => s.code === '330105')]).toEqual([
      3,
      (changed.distribution.D ?? 0) + 1,
      { code: '330105', name: expect.any(String), institutions: 2, averageScore: Math.round((b / 2) * 10) / 10 },
    ]);
    // Under a county the groups are its institutions, by name.
    expect((await regionOverview(t.deps, admin, '330105')).subRegions.map((s) => [s.code, s.name])).toEqual([
      ['B', expect.any(String)],
      ['C', '丙卫生院'],
    ]);
  });

  it('an exception lifts a finding out of the score until the day after it expires', async () => {
    await createUser(t.deps, 'cli', { username: 'inst-a', role: 'institution', scopeCode: 'A', password: 'Inst-A-Pass-123' });
    const user = (await login(t.deps, { username: 'inst-a', password: 'Inst-A-Pass-123' }, '127.0.0.1')).principal;
    await send(a2, hostSections(t.clock.now, 'a2', 'exposed'));
    const hostScore = async () => (await t.deps.db.selectFrom('host_scores').select('score').where('host_id', '=', a2.hostId).executeTakeFirstOrThrow()).score;
    expect(await hostScore()).toBe(59);
    await addException(t.deps, user, 'A', {
      subject: { kind: 'host', id: a2.hostId },
      ruleId: 'HOST-PORT-REMOTE-PUBLIC',
      reason: '远程运维专线改造中',
      approver: '信息科主任',
      expiresOn: '2026-11-10',
    });
    // Excepted: the failing critical leaves the ratio and the cap: 54/54 = 100.
    expect(await hostScore()).toBe(100);
    const excepted = (await getFindings(t.deps.db, 'host', a2.hostId)).find((f) => f.rule_id === 'HOST-PORT-REMOTE-PUBLIC')!;
    expect([excepted.status, excepted.exception_expires_on]).toEqual(['fail', '2026-11-10']);
    // The host keeps reporting (else HOST-AGENT-SILENT would fail too: 49/54 = 90.7).
    t.clock.now = new Date('2026-11-10T15:00:00Z'); // 23:00 on the 10th in China: still valid
    await send(a2, hostSections(t.clock.now, 'a2', 'exposed'));
    expect(await hostScore()).toBe(100);
    t.clock.now = new Date('2026-11-10T16:30:00Z'); // 00:30 on the 11th in China: expired
    await runDailyEvaluation(t.deps);
    expect(await hostScore()).toBe(59);
  });

  it('ranks a past month from its last snapshot and reports the change', async () => {
    await send(a1, hostSections(t.clock.now, 'a1', 'exposed'));
    t.clock.now = new Date('2026-11-30T10:00:00Z');
    await runDailyEvaluation(t.deps);
    const november = (await getInstitutionScore(t.deps.db, 'A'))!.score;
    t.clock.now = new Date('2026-12-01T02:00:00Z');
    await send(a1, hostSections(t.clock.now, 'a1', 'healthy'));
    await runDailyEvaluation(t.deps);
    const admin = { kind: 'all' } as const;
    const past = await ranking(t.deps, admin, { regionCode: '330106', period: '2026-11' });
    expect(past.live).toBe(false);
    expect(past.rows[0]!.score).toBe(november);
    const now = await ranking(t.deps, admin, { regionCode: '330106' });
    expect(now.period).toBe('2026-12');
    expect(now.rows[0]!.change).toBe(Math.round((now.rows[0]!.score - november) * 10) / 10);
    expect(now.rows[0]!.change).toBeGreaterThan(0);
    // Sorted by change, the change is the same as on the default page.
    expect((await ranking(t.deps, admin, { regionCode: '330106', sort: 'change', order: 'desc' })).rows).toEqual(now.rows);
    await expect(ranking(t.deps, admin, { regionCode: '330106', period: '2027-01' })).rejects.toThrow(/has not begun/);
  });

  it('flags a clone that reports another machine id, without merging it', async () => {
    const events: unknown[] = [];
    const ac = new AbortController();
    const reading = (async () => {
      for await (const e of t.deps.bus.stream('host.identity-conflict', ac.signal)) events.push(e);
    })();
    await send(a1, hostSections(t.clock.now, 'a1', 'healthy', 'm-a1'));
    expect((await getHost(t.deps.db, { kind: 'all' }, a1.hostId))?.identity_conflict).toBeNull();
    await send(a1, hostSections(t.clock.now, 'a1', 'healthy', 'm-cloned'));
    const conflict = JSON.parse((await getHost(t.deps.db, { kind: 'all' }, a1.hostId))!.identity_conflict!);
    expect(conflict).toMatchObject({ kind: 'machine-id-mismatch', expected: 'm-a1', observed: 'm-cloned' });
    await new Promise((r) => setTimeout(r, 10));
    ac.abort();
    await reading;
    expect(events).toHaveLength(1);
    // A cloned VM enrolling with the same machine id under another name becomes a new, flagged host.
    const twin = await enrollHost(t.deps, { institution: 'A', region: '330106', hostname: 'a1-copy', machineId: 'm-a1' });
    expect(twin.hostId).not.toBe(a1.hostId);
    expect(JSON.parse((await getHost(t.deps.db, { kind: 'all' }, twin.hostId))!.identity_conflict!)).toMatchObject({ kind: 'duplicate-machine-id', otherHostId: a1.hostId });
  });
});
