import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKUP_ACTION } from '../../server/src/services/serverBackup.js';
import { TEST_ADMIN } from '../helpers/auth.js';
import { createPgDatabase } from '../helpers/pg.js';
import { freePort, tempDir } from '../helpers/server.js';
import { enrollSimulatedAgents, runLoad, type Sim } from '../load/loadgen.js';
import { FIXTURES } from '../load/reports.js';
import { startNode, type NodeProcess } from './procs.js';
import { cutTrace } from './sqlTrace.js';

/**
 * What a report costs the database, read from the real server's own SQL trace (the bench's recorder,
 * test/bench/sqlTrace.ts): everything a host's first report writes commits in one transaction, one
 * statement per kind of row, and a steady report stays a handful of statements: on SQLite and on
 * PostgreSQL alike (the same statements, whatever the dialect).
 */
type Entry = [sql: string, params: unknown[], connection?: number, inFlight?: number];
/** The times a transaction waited on PostgreSQL: statements sent with none of its others in flight (the recorder's fourth element). */
const waits = (t: Entry[]) => t.filter((e) => e[3] === 0).length;
const WRITE = /^\s*(?:\/\*.*?\*\/\s*)?(insert into|update|delete from)\s+"?([a-z_]+)"?/i;
const tableWritten = (sql: string) => WRITE.exec(sql)?.[2] ?? null;
/** The rows of a receipt insert, by its placeholders: seven a receipt (report id, agent, host, collected, received, answer, bytes). */
const receiptRows = (sql: string) => (sql.match(/\?|\$\d+/g)?.length ?? 0) / 7;

/**
 * The trace's statements cut into transactions (`begin` … `commit`, both kept), each connection's apart
 * (PostgreSQL's pool runs several side by side); statements outside one are a transaction of their own.
 */
function transactions(statements: Entry[]): Entry[][] {
  const out: Entry[][] = [];
  const open = new Map<number, Entry[]>();
  for (const e of statements) {
    const verb = e[0].trim().toLowerCase();
    const connection = e[2] ?? 0;
    if (verb.startsWith('begin')) {
      const tx: Entry[] = [e];
      out.push(tx);
      open.set(connection, tx);
    } else if (open.has(connection)) {
      open.get(connection)!.push(e);
      if (verb === 'commit' || verb === 'rollback') open.delete(connection);
    } else out.push([e]);
  }
  return out;
}

/**
 * The scheduler's own bookkeeping, the notification outbox's 10-second tick, the alert counts' every-minute fold
 * (ingest's own count changes are its triggers', not statements) and the audit line of WeiAn's own hourly backup
 * (at minute 41): written on their clocks, whatever reports come.
 */
const BACKGROUND = ['job_runs', 'notification_deliveries', 'alert_counts'];
const background = (t: Entry[]) => t.some(([sql, params]) => BACKGROUND.some((table) => sql.includes(`"${table}"`)) || (tableWritten(sql) === 'audit_log' && params.includes(BACKUP_ACTION)));

const NOTIFY = /^select pg_notify\(/;
/** A statement's text whatever the dialect: PostgreSQL numbers its placeholders, SQLite's writer begins immediately. */
const normalised = (q: string) => q.replace(/\$\d+/g, '?').replace(/^begin immediate$/, 'begin');
/** Each dialect's statements of a steady report (SQLite's run first). */
const steadyStatements: Partial<Record<'sqlite' | 'postgres', string[]>> = {};

describe.each(['sqlite', 'postgres'] as const)('the SQL of a report, from the server process on %s', (dialect) => {
  const dataDir = tempDir('weian-statements-');
  const prefix = join(dataDir, 'trace');
  let drop = async () => {};
  let server: NodeProcess;
  let url: string;
  let sims: Sim[];
  let segment = 0;
  const cut = async () => (JSON.parse(readFileSync(await cutTrace(server.pid, prefix, segment++), 'utf8')) as { statements: Entry[] }).statements;

  beforeAll(async () => {
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    const env: Record<string, string> = { WEIAN_DATA_DIR: dataDir };
    if (dialect === 'postgres') {
      const pg = await createPgDatabase('weian_statements');
      env.DATABASE_URL = pg.url;
      drop = pg.drop;
    }
    server = await startNode(
      ['--import', 'tsx', '--import', './test/bench/sqlTrace.ts', 'server/src/cli.ts', 'serve'],
      { ...env, WEIAN_HOST: '127.0.0.1', WEIAN_PORT: String(port), WEIAN_ADMIN_PASSWORD: TEST_ADMIN.password, WEIAN_BENCH_SQL_TRACE: prefix },
      'listening on',
    );
    sims = await enrollSimulatedAgents({ url, agents: FIXTURES.length, serverEnv: env });
    await cut();
  });
  afterAll(async () => {
    await server?.stop();
    await drop();
  });

  it("writes each host's first report with its findings, transitions, alerts and score in its report group's one transaction, one statement per kind of row", async () => {
    // One host per fixture (Linux and Windows, old and new): some first reports open alerts, some resolve none.
    const first = await runLoad({ url, agents: sims.length, rate: 0, durationS: 60, once: true }, sims);
    expect(first.acked).toBe(sims.length);
    // The alert engine (notices) and the institution score follow within a second: let them run into this segment.
    await new Promise((r) => setTimeout(r, 2500));
    const statements = await cut();
    const txs = transactions(statements);
    const groups = txs.filter((t) => t.some(([sql]) => tableWritten(sql) === 'report_receipts'));
    // A group's receipts are one multi-row statement: its rows, by their parameters (seven a receipt).
    const receiptStatements = (t: Entry[]) => t.filter(([sql]) => tableWritten(sql) === 'report_receipts');
    const receipts = (t: Entry[]) => receiptStatements(t).reduce((n, [sql]) => n + receiptRows(sql), 0);
    expect(groups.reduce((n, t) => n + receipts(t), 0)).toBe(sims.length);
    const written = new Set<string>();
    for (const t of groups) {
      const perTable = new Map<string, number>();
      for (const table of t.map(([sql]) => tableWritten(sql)).filter((x): x is string => x !== null)) perTable.set(table, (perTable.get(table) ?? 0) + 1);
      // What every report of the group writes alike is one statement for the whole group: its receipts, its hosts' marks,
      // its sections, and (its hosts judged together) their findings, transitions and scores.
      for (const table of ['report_receipts', 'host_sections', 'findings', 'finding_transitions', 'host_scores']) expect(perTable.get(table) ?? 0, table).toBe(1);
      expect(t.filter(([sql]) => /^(?:\/\*.*?\*\/\s*)?update "hosts"/.test(sql.trim()))).toHaveLength(1);
      // Alerts and their events: those opened, then those resolved, for all the group's hosts.
      for (const table of ['alerts', 'alert_events']) expect(perTable.get(table) ?? 0, table).toBeLessThanOrEqual(2);
      // Judging read the hosts with their institution's name: their alerts are named from that, not read again.
      expect(t.filter(([sql]) => /^select "id", "hostname" from "hosts"|^select \* from "institutions"/.test(sql.trim())).map(([sql]) => sql)).toEqual([]);
      for (const table of perTable.keys()) written.add(table);
    }
    for (const table of ['report_receipts', 'host_sections', 'findings', 'finding_transitions', 'host_scores', 'alerts', 'alert_events', 'hosts']) expect([...written]).toContain(table);
    // On PostgreSQL each wait is a wake-up of the backend and of the server: reads that need no other's answer go out
    // together (storage/together.ts), so a group waits on its lookup, its hosts' marks, their rows with their rules'
    // inputs and findings, their alerts, the alerts' channels and COMMIT: 6 (13-14 when each read was awaited in turn,
    // 7 while the hosts' rows were read before the rest). Its region's settings, cached for a minute
    // (services/settings.ts), cost one wait more when a slow machine lets them expire: that read is not counted.
    const settingsRead = (e: Entry) => /from "region_settings"/.test(e[0]);
    if (dialect === 'postgres') for (const t of groups) expect(waits(t.filter((e) => !settingsRead(e)))).toBeLessThanOrEqual(6);
    // Nothing the reports caused is written anywhere else: only the institutions' scores, batched a second later.
    const elsewhere = txs.filter((t) => !groups.includes(t) && !background(t)).flatMap((t) => t.map(([sql]) => tableWritten(sql)).filter((x): x is string => x !== null));
    expect(new Set(elsewhere)).toEqual(new Set(['institution_scores']));
    expect(statements.length / sims.length).toBeLessThanOrEqual(30);
  });

  it('keeps a steady report (nothing changed) to a handful of statements', async () => {
    // One report at a time: no group commit to share a transaction's begin and commit.
    const steady = await runLoad({ url, agents: sims.length, rate: 0, durationS: 3, concurrency: 1 }, sims);
    expect(steady.acked).toBeGreaterThan(5);
    const statements = transactions(await cut())
      .filter((t) => !background(t))
      .flat();
    // PostgreSQL only: the events other server processes hear, one NOTIFY per 250 ms (events-pg.ts NOTIFY_WINDOW_MS).
    const notify = statements.filter(([q]) => NOTIFY.test(q)).length;
    expect(notify).toBeLessThanOrEqual(steady.acked);
    expect((statements.length - notify) / steady.acked).toBeLessThanOrEqual(7);
    // Every statement a steady report runs, the same on both dialects (placeholders aside).
    const counts = new Map<string, number>();
    for (const [q] of statements) if (!NOTIFY.test(q)) counts.set(normalised(q), (counts.get(normalised(q)) ?? 0) + 1);
    steadyStatements[dialect] = [...counts]
      .filter(([, n]) => n >= steady.acked / 2)
      .map(([q]) => q)
      .sort();
    if (dialect === 'postgres') expect(steadyStatements.postgres).toEqual(steadyStatements.sqlite);
    // Their credentials were verified by their first reports: the report's own context lookup confirms them, no lookup of its own.
    expect(statements.filter(([q]) => /from "agents"/.test(q) && !/report_receipts/.test(q)).map(([q]) => q)).toEqual([]);
  });

  it('shares one lookup, one receipt statement and one host statement among the steady reports of a group', async () => {
    // Every host's report in flight at once: the writer takes them together.
    const steady = await runLoad({ url, agents: sims.length, rate: 0, durationS: 3, concurrency: sims.length }, sims);
    const groups = transactions(await cut()).filter((t) => t.some(([sql]) => tableWritten(sql) === 'report_receipts'));
    const reports = groups.map((t) => t.filter(([sql]) => tableWritten(sql) === 'report_receipts').reduce((n, [sql]) => n + receiptRows(sql), 0));
    expect(reports.reduce((a, b) => a + b, 0)).toBe(steady.acked);
    const shared = groups.filter((_, i) => reports[i]! > 1);
    expect(shared.length).toBeGreaterThan(0);
    for (const t of shared) {
      expect(t.filter(([sql]) => /from "report_receipts"/.test(sql))).toHaveLength(1);
      expect(t.filter(([sql]) => tableWritten(sql) === 'report_receipts')).toHaveLength(1);
      // The hosts: one statement for the reports that carry a device section (they set the name), one for the rest.
      const marks = t.filter(([sql]) => /^(?:\/\*.*?\*\/\s*)?update "hosts"/.test(sql.trim())).map(([sql]) => (/"hostname" =/.test(sql) ? 'named' : 'unnamed'));
      expect(new Set(marks).size).toBe(marks.length);
    }
    // A group that changes nothing waits on two statements, its lookup and COMMIT: its writes' results are unread
    // (storage/hot.ts), and on PostgreSQL they go out with COMMIT (storage/pgPrepared.ts).
    const quiet = groups.filter((t) => !t.some(([sql]) => tableWritten(sql) === 'host_sections'));
    expect(quiet.length).toBeGreaterThan(0);
    for (const t of quiet) expect(t.filter(([sql]) => !/^\s*(begin|\/\* unread \*\/)/i.test(sql)).map(([sql]) => sql.trim().split(/\s/)[0]!.toLowerCase())).toEqual(['select', 'commit']);
  });
});
