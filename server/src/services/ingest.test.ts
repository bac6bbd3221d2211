import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { getHost } from '../storage/hosts.js';
import { getReceipt, getSectionHashes, getSections, insertReceipts, isDuplicateReceipt } from '../storage/reports.js';
import { listAlerts } from '../storage/alerts.js';
import { getEvaluationState, getFindings } from '../storage/findings.js';
import { insertException, upsertMlpsSystem } from '../storage/records.js';
import { listTransitions } from '../storage/transitions.js';
import { createTestDb, DIALECTS, enrollHost, hostSections, sampleReport, steadyReport, type TestDb } from '../testing/harness.js';
import { GATHERED, groupCommitStats, ingestReport, MAX_GROUP } from './ingest.js';

describe.each(DIALECTS)('ingest with group commit (%s)', (dialect) => {
  let t: TestDb;
  beforeEach(async () => {
    t = await createTestDb(dialect);
  });
  afterEach(async () => {
    await t.close();
  });

  const hosts = async (n: number) => {
    const out = [];
    for (let i = 0; i < n; i++) out.push(await enrollHost(t.deps, { institution: 'GC-1', region: '330106', hostname: `gc-${i}` }));
    return out;
  };

  it('stores reports that arrive together in shared transactions, each answered with its own acknowledgement', async () => {
    const agents = await hosts(40);
    const reports = agents.map((a) => sampleReport(a.id, t.clock.now, {}, a.id));
    const acks = await Promise.all(agents.map((a, i) => ingestReport(t.deps, a, reports[i]!, 1000)));
    for (const [i, ack] of acks.entries()) {
      expect(ack).toMatchObject({ reportId: reports[i]!.reportId, hostId: agents[i]!.hostId, resend: [] });
      expect(await getReceipt(t.deps.db, reports[i]!.reportId)).toMatchObject({ host_id: agents[i]!.hostId });
      expect((await getSectionHashes(t.deps.db, agents[i]!.hostId)).length).toBe(5);
      // Judged together: 40 hosts' findings are more rows than one statement writes, every host has all its own.
      expect((await getFindings(t.deps.db, 'host', agents[i]!.hostId)).map((f) => f.rule_id).sort()).toEqual((await getFindings(t.deps.db, 'host', agents[0]!.hostId)).map((f) => f.rule_id).sort());
    }
    expect((await getFindings(t.deps.db, 'host', agents[0]!.hostId)).length * 40).toBeGreaterThan(256);
    const stats = groupCommitStats(t.deps);
    expect(stats.reports).toBe(40);
    // Grouped: fewer transactions than reports, none over the bound.
    expect(stats.transactions).toBeLessThan(40);
    expect(stats.transactions).toBeGreaterThanOrEqual(Math.ceil(40 / MAX_GROUP));
  });

  /** A report that changes nothing: its device section as the hash its first report stored. */
  const steady = (a: { id: string }) => {
    const r = sampleReport(a.id, t.clock.now);
    return { ...r, sections: { ...r.sections, device: { status: 'unchanged' as const, hash: 'd'.repeat(64) } } };
  };

  it('in the serving process, a report with nothing new that finds the writer idle waits for company: reports sent milliseconds apart share one transaction', async () => {
    const agents = await hosts(3);
    await Promise.all(agents.map((a) => ingestReport(t.deps, a, sampleReport(a.id, t.clock.now, {}, a.id), 1000)));
    // A wait longer than the sends take on any machine (the server's is INGEST_GATHER_MS).
    const serving = { ...t.deps, ingestGatherMs: 2_000 };
    const sent: Array<Promise<unknown>> = [];
    for (const a of agents) {
      sent.push(ingestReport(serving, a, steady(a), 1000));
      await new Promise((r) => setTimeout(r, 5));
    }
    await Promise.all(sent);
    expect(groupCommitStats(serving)).toEqual({ transactions: 1, reports: 3 });
  });

  it('waits for no company once enough reports have come, nor for a report with sections to write', async () => {
    const agents = await hosts(GATHERED + 1);
    // A wait longer than the test may run: only the reports' number, or what one carries, can end it.
    const serving = { ...t.deps, ingestGatherMs: 600_000 };
    await ingestReport(serving, agents[GATHERED]!, sampleReport(agents[GATHERED]!.id, t.clock.now), 1000);
    expect(groupCommitStats(serving)).toEqual({ transactions: 1, reports: 1 });
    await Promise.all(agents.slice(0, GATHERED).map((a) => ingestReport(t.deps, a, sampleReport(a.id, t.clock.now, {}, a.id), 1000)));
    await Promise.all(agents.slice(0, GATHERED).map((a) => ingestReport(serving, a, steady(a), 1000)));
    expect(groupCommitStats(serving)).toEqual({ transactions: 2, reports: 1 + GATHERED });
  });

  it('marks every host of a group reported: the name from a device section that came, kept when it came as a hash', async () => {
    const [a, b] = await hosts(2);
    const named = sampleReport(a!.id, t.clock.now, {}, 'renamed-a');
    const first = sampleReport(b!.id, t.clock.now, {}, 'gc-1');
    await Promise.all([ingestReport(t.deps, a!, named, 1000), ingestReport(t.deps, b!, first, 1000)]);
    t.clock.advance(60_000);
    // b's device section unchanged (its hash only), a's renamed again, in one group.
    const hashOnly = steadyReport(b!.id, t.clock.now);
    await Promise.all([ingestReport(t.deps, a!, sampleReport(a!.id, t.clock.now, {}, 'renamed-again'), 1000), ingestReport(t.deps, b!, hashOnly, 1000)]);
    const row = async (id: string) => {
      const { hostname, last_report_at, last_seen_at } = (await getHost(t.deps.db, { kind: 'all' }, id))!;
      return { hostname, last_report_at, last_seen_at };
    };
    expect(await row(a!.hostId)).toEqual({ hostname: 'renamed-again', last_report_at: t.clock.now.toISOString(), last_seen_at: t.clock.now.toISOString() });
    expect(await row(b!.hostId)).toEqual({ hostname: 'gc-1', last_report_at: t.clock.now.toISOString(), last_seen_at: t.clock.now.toISOString() });
  });

  it('keeps an error or unsupported section that says the same again, and takes one that changed', async () => {
    const [a] = await hosts(1);
    const failing = (message: string) => ({
      patches: { status: 'error' as const, error: { code: 'command-failed', message } },
      backups: { status: 'unsupported' as const, reason: 'no backup jobs configured' },
    });
    const state = async () => {
      const rows = await getSections(t.deps.db, a!.hostId);
      const at = (name: string) => rows.find((r) => r.section === name)!.collected_at;
      return { patches: at('patches'), backups: at('backups'), judged: (await getEvaluationState(t.deps.db, a!.hostId)).evaluatedAt };
    };
    const t0 = t.clock.now.toISOString();
    await ingestReport(t.deps, a!, sampleReport(a!.id, t.clock.now, failing('Windows Update service is stopped')), 1000);
    expect(await state()).toEqual({ patches: t0, backups: t0, judged: t0 });
    // Ten minutes later, the same error and the same reason: nothing rewritten, nothing judged again.
    t.clock.advance(10 * 60_000);
    await ingestReport(t.deps, a!, sampleReport(a!.id, t.clock.now, failing('Windows Update service is stopped')), 1000);
    expect(await state()).toEqual({ patches: t0, backups: t0, judged: t0 });
    // Another error: stored and judged again.
    t.clock.advance(10 * 60_000);
    const t2 = t.clock.now.toISOString();
    await ingestReport(t.deps, a!, sampleReport(a!.id, t.clock.now, failing('0x80244022 from the update server')), 1000);
    expect(await state()).toEqual({ patches: t2, backups: t0, judged: t2 });
    expect(JSON.parse((await getSections(t.deps.db, a!.hostId)).find((r) => r.section === 'patches')!.error!)).toMatchObject({ message: '0x80244022 from the update server' });
  });

  it('stores the same report sent twice at once once, and answers both the same', async () => {
    const [a] = await hosts(1);
    const report = sampleReport(a!.id, t.clock.now);
    const [first, second] = await Promise.all([ingestReport(t.deps, a!, report, 1000), ingestReport(t.deps, a!, report, 1000)]);
    expect(second).toEqual(first);
    expect(groupCommitStats(t.deps).reports).toBe(2);
  });

  it('fails only the report that cannot be stored, not the others in its transaction', async () => {
    const agents = await hosts(7);
    const taken = sampleReport(agents[6]!.id, t.clock.now);
    await ingestReport(t.deps, agents[6]!, taken, 1000);
    // The first agent re-uses a report id another agent already sent: refused inside the shared transaction.
    const reports = agents.slice(0, 6).map((a, i) => ({ ...sampleReport(a.id, t.clock.now), ...(i === 0 ? { reportId: taken.reportId } : {}) }));
    const results = await Promise.allSettled(agents.slice(0, 6).map((a, i) => ingestReport(t.deps, a, reports[i]!, 1000)));
    expect(results[0]).toMatchObject({ status: 'rejected', reason: { message: expect.stringMatching(/already sent by another agent/) } });
    for (const r of results.slice(1)) expect(r.status).toBe('fulfilled');
    for (const a of agents.slice(1, 6)) expect((await getSectionHashes(t.deps.db, a.hostId)).length).toBe(5);
    expect(await getSectionHashes(t.deps.db, agents[0]!.hostId)).toEqual([]);
    expect(await getReceipt(t.deps.db, taken.reportId)).toMatchObject({ agent_id: agents[6]!.id });
  });

  it('refuses a report in the future or from another agent before it joins a transaction', async () => {
    const [a, b] = await hosts(2);
    await expect(ingestReport(t.deps, a!, sampleReport(b!.id, t.clock.now), 10)).rejects.toThrow(/names agent/);
    await expect(ingestReport(t.deps, a!, sampleReport(a!.id, new Date(t.clock.now.getTime() + 3600_000)), 10)).rejects.toThrow(/in the future/);
    expect(groupCommitStats(t.deps).transactions).toBe(0);
  });

  it("judges a group's hosts together as it would each alone: the same findings, transitions, scores and alerts, opened and resolved", async () => {
    const kinds = ['exposed', 'healthy', 'bare', 'exposed', 'healthy'] as const;
    const together = await hosts(kinds.length);
    const alone: typeof together = [];
    for (let i = 0; i < kinds.length; i++) alone.push(await enrollHost(t.deps, { institution: 'GC-2', region: '330106', hostname: `gc-alone-${i}` }));
    const send = async (k: (typeof kinds)[number][]) => {
      const report = (a: (typeof together)[number], i: number, name: string) => sampleReport(a.id, t.clock.now, hostSections(t.clock.now, name, k[i]!), name);
      const before = groupCommitStats(t.deps).transactions;
      await Promise.all(together.map((a, i) => ingestReport(t.deps, a, report(a, i, `gc-${i}`), 1000)));
      expect(groupCommitStats(t.deps).transactions - before).toBeLessThan(together.length);
      for (const [i, a] of alone.entries()) await ingestReport(t.deps, a, report(a, i, `gc-alone-${i}`), 1000);
    };
    /** A host's judgement as a supervisor reads it: findings, their history, its score and its alerts. */
    const judgement = async (hostId: string) => {
      const { rows: alerts } = await listAlerts(t.deps.db, { kind: 'all' }, { limit: 500, offset: 0 });
      const score = await t.deps.db
        .selectFrom('host_scores')
        .select(['score', 'capped', 'failing_critical', 'failing_high', 'failing_medium', 'failing_low'])
        .where('host_id', '=', hostId)
        .executeTakeFirstOrThrow();
      return {
        findings: (await getFindings(t.deps.db, 'host', hostId)).map((f) => [f.rule_id, f.status, f.severity, f.evidence.replace(/gc-(alone-)?\d/g, 'NAME'), f.exception_id !== null]).sort(),
        transitions: (await listTransitions(t.deps.db, 'host', hostId, 500)).map((x) => [x.rule_id, x.from_status, x.to_status]).sort(),
        score,
        alerts: alerts
          .filter((a) => a.subject_id === hostId)
          .map((a) => [a.rule_id, a.status, a.subject_name?.replace(/gc-(alone-)?\d/, 'NAME')])
          .sort(),
      };
    };
    const compare = async () => {
      for (const [i, a] of together.entries()) expect(await judgement(a.hostId), `host ${i}`).toEqual(await judgement(alone[i]!.hostId));
    };
    // What each host's rules read besides its report, told apart per host: an MLPS level-3 system holds host 0 (a
    // retired level-4 one host 2, which must not count).
    const system = (id: string, level: number, retired_on: string | null, institution_code: string, hostIds: string[]) =>
      upsertMlpsSystem(
        t.deps.db,
        {
          id,
          institution_code,
          name: id,
          level,
          critical_infrastructure: 0,
          personal_info_over_100k: 0,
          graded_on: null,
          filed_on: null,
          last_evaluated_on: null,
          went_live_on: null,
          prelaunch_tested_on: null,
          retired_on,
          updated_at: t.clock.now.toISOString(),
        },
        hostIds,
      );
    for (const [institution, of] of [
      ['GC-1', together],
      ['GC-2', alone],
    ] as const) {
      await system(`${institution}-l3`, 3, null, institution, [of[0]!.hostId]);
      await system(`${institution}-l4`, 4, '2026-01-01', institution, [of[2]!.hostId]);
    }
    await send([...kinds]);
    await compare();
    expect((await judgement(together[0]!.hostId)).score).not.toEqual((await judgement(together[3]!.hostId)).score);
    // Host 4 is exposed next: an exception for a rule the exposed hosts fail, granted to host 4 alone.
    const failing = (await getFindings(t.deps.db, 'host', together[3]!.hostId)).find((f) => f.status === 'fail')!;
    for (const [institution, of] of [
      ['GC-1', together],
      ['GC-2', alone],
    ] as const)
      await insertException(t.deps.db, {
        id: `ex-${institution}`,
        institution_code: institution,
        subject_kind: 'host',
        subject_id: of[4]!.hostId,
        rule_id: failing.rule_id,
        reason: 'compensating control',
        approver: 'ciso',
        expires_on: '2099-01-01',
        created_at: t.clock.now.toISOString(),
        created_by: 'test',
        withdrawn_at: null,
      });
    const opened = (await listAlerts(t.deps.db, { kind: 'all' }, { limit: 500, offset: 0 })).rows.filter((a) => a.status === 'open').length;
    expect(opened).toBeGreaterThan(0);
    // The exposed hosts are put right, the healthy ones exposed: alerts of several hosts resolve, and open, in one group.
    t.clock.advance(3_600_000);
    await send(['healthy', 'exposed', 'bare', 'healthy', 'exposed']);
    await compare();
    expect((await getFindings(t.deps.db, 'host', together[4]!.hostId)).find((f) => f.rule_id === failing.rule_id)!.exception_id).toBe('ex-GC-1');
    expect((await getFindings(t.deps.db, 'host', together[1]!.hostId)).find((f) => f.rule_id === failing.rule_id)!.exception_id).toBeNull();
    expect((await listAlerts(t.deps.db, { kind: 'all' }, { limit: 500, offset: 0 })).rows.filter((a) => a.status === 'resolved').length).toBeGreaterThan(0);
  });
});

describe.each(DIALECTS)('a report stored twice (%s)', (dialect) => {
  let t: TestDb;
  beforeEach(async () => {
    t = await createTestDb(dialect);
  });
  afterEach(async () => {
    await t.close();
  });

  it('is told apart from other failures by its receipt’s key', async () => {
    const a = await enrollHost(t.deps, { institution: 'DUP-1', region: '330106' });
    const row = { report_id: 'r-1', agent_id: a.id, host_id: a.hostId, collected_at: t.clock.now.toISOString(), received_at: t.clock.now.toISOString(), ack: '{}', bytes: 1 };
    await insertReceipts(t.deps.db, [row]);
    const twice = await t.deps.db
      .transaction()
      .execute((tx) => insertReceipts(tx, [{ ...row, report_id: 'r-2' }, row]))
      .catch((e: unknown) => e);
    expect(isDuplicateReceipt(twice)).toBe(true);
    // Nothing of the failed statement stays.
    expect(await getReceipt(t.deps.db, 'r-2')).toBeUndefined();
    const other = await t.deps.db
      .transaction()
      .execute((tx) => insertReceipts(tx, [{ ...row, report_id: 'r-3', agent_id: null as unknown as string }]))
      .catch((e: unknown) => e);
    expect(other).toBeInstanceOf(Error);
    expect(isDuplicateReceipt(other)).toBe(false);
  });
});

describe('a report another process is storing at the same moment (postgres)', () => {
  let t: TestDb;
  beforeEach(async () => {
    t = await createTestDb('postgres');
  });
  afterEach(async () => {
    await t.close();
  });

  it('waits for it, then answers with what that process stored, stored once', async () => {
    const a = await enrollHost(t.deps, { institution: 'DUP-2', region: '330106' });
    const report = sampleReport(a.id, t.clock.now);
    const theirAck = { reportId: report.reportId, hostId: a.hostId, receivedAt: t.clock.now.toISOString(), resend: [], settings: null, by: 'the other process' };
    let commit!: () => void;
    const committed = new Promise<void>((r) => (commit = r));
    // The other process: its receipt written, its transaction not yet committed.
    const other = t.deps.db.connection().execute(async (c) => {
      await sql`begin`.execute(c);
      await insertReceipts(c, [
        { report_id: report.reportId, agent_id: a.id, host_id: a.hostId, collected_at: report.collectedAt, received_at: theirAck.receivedAt, ack: JSON.stringify(theirAck), bytes: 1 },
      ]);
      await sql`select 1 where ${1} = 1`.execute(c);
      await committed;
      await sql`commit`.execute(c);
    });
    const ours = ingestReport(t.deps, a, report, 1000);
    // Ours read no receipt (theirs is uncommitted) and now waits on its key.
    for (let i = 0; ; i++) {
      const waiting = await sql<{ n: string }>`select count(*) as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`.execute(t.deps.db);
      if (waiting.rows[0]!.n !== '0') break;
      if (i > 200) throw new Error('ingest never waited on the other process’s receipt');
      await new Promise((r) => setTimeout(r, 25));
    }
    commit();
    await other;
    expect(await ours).toEqual(theirAck);
    const { rows } = await sql<{ n: string }>`select count(*) as n from report_receipts where report_id = ${report.reportId}`.execute(t.deps.db);
    expect(rows[0]!.n).toBe('1');
    // Nothing of ours was stored: the report's sections are the other process's to write.
    expect(await getSectionHashes(t.deps.db, a.hostId)).toEqual([]);
  });
});
