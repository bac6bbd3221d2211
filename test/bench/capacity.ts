import { REEVALUATE_AFTER_MS } from '../../server/src/services/ingest.js';
import { openDb } from '../../server/src/storage/db.js';
import { metricValue } from '../helpers/metrics.js';
import { pgQuery } from '../helpers/pg.js';
import { processCpuS } from './procs.js';

/** A province as the sizing guide plans it: every host reports every 15 minutes; enrolment day brings all first reports within an hour. */
export const PROVINCE_HOSTS = 100_000;
const REPORT_INTERVAL_MS = 15 * 60_000;
export const STEADY_REPORTS_PER_S = PROVINCE_HOSTS / (REPORT_INTERVAL_MS / 1000);
export const FIRST_REPORTS_PER_S = PROVINCE_HOSTS / 3600;
/**
 * Steady reports that judge their host again although nothing changed: the first one more than an hour after its
 * last judgement (ingest.ts REEVALUATE_AFTER_MS), with reports every 15 minutes the fifth after each.
 */
export const REJUDGING_SHARE = 1 / (Math.floor(REEVALUATE_AFTER_MS / REPORT_INTERVAL_MS) + 1);

async function withDb<T>(env: Record<string, string>, run: (db: ReturnType<typeof openDb>['db']) => Promise<T>): Promise<T> {
  const { db, close } = openDb({ databaseUrl: env.DATABASE_URL, dataDir: env.WEIAN_DATA_DIR ?? '' });
  try {
    return await run(db);
  } finally {
    await close();
  }
}

/** Every host's last judgement made two hours old, as after two hours of reports that changed nothing: each host's next report judges it again. */
export const ageJudgements = (env: Record<string, string>): Promise<string> =>
  withDb(env, async (db) => {
    const old = new Date(Date.now() - 2 * 3600_000).toISOString();
    await db.updateTable('host_scores').set({ updated_at: old }).execute();
    return old;
  });

/** Hosts whose last judgement is still `at` or older, and all hosts judged. */
export const judgedBefore = (env: Record<string, string>, at: string): Promise<{ old: number; all: number }> =>
  withDb(env, async (db) => {
    const count = async (old: boolean) => {
      let q = db.selectFrom('host_scores').select((eb) => eb.fn.countAll<string | number>().as('n'));
      if (old) q = q.where('updated_at', '<=', at);
      return Number((await q.executeTakeFirstOrThrow()).n);
    };
    return { old: await count(true), all: await count(false) };
  });

/** Cores kept busy by `reportsPerS` reports that cost `cpuMs` CPU-ms each. */
export const coresFor = (reportsPerS: number, cpuMs: number) => (reportsPerS * cpuMs) / 1000;

/** CPU seconds of a process, 0 once it has gone (a backend that exited took its CPU time with it). */
function cpuOrZero(pid: number): number {
  try {
    return processCpuS(pid);
  } catch {
    return 0;
  }
}

/** The PostgreSQL backends serving one database, other than the connection that asks. */
async function backendPids(adminUrl: string, database: string): Promise<number[]> {
  const rows = await pgQuery(adminUrl, 'SELECT pid FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [database]);
  return rows.map((r) => Number(r.pid));
}

export interface CpuWindow {
  /** CPU-ms used by the server processes over the window. */
  serverMs: number;
  /** CPU-ms used by the database's own processes (PostgreSQL backends of that database; 0 for SQLite, which runs inside the server). */
  dbMs: number;
  /** Backends seen at the end that were not there at the start (their CPU since birth is counted). */
  newBackends: number;
}

/**
 * CPU over a window, read from /proc: the server processes, and on PostgreSQL the backends of the
 * benchmark's database (pg_stat_statements is not installed here; /proc is exact and needs nothing).
 * Shared PostgreSQL processes (WAL writer, checkpointer) serve every database on this machine and
 * are left out, so the database figure is a lower bound.
 */
export async function startCpuWindow(serverPids: number[], pg?: { adminUrl: string; database: string }): Promise<() => Promise<CpuWindow>> {
  const sum = (pids: number[]) => pids.reduce((s, p) => s + cpuOrZero(p), 0);
  const before = pg ? await backendPids(pg.adminUrl, pg.database) : [];
  const backend0 = new Map(before.map((p) => [p, cpuOrZero(p)]));
  const server0 = sum(serverPids);
  return async () => {
    const serverMs = (sum(serverPids) - server0) * 1000;
    if (!pg) return { serverMs, dbMs: 0, newBackends: 0 };
    const after = new Set([...before, ...(await backendPids(pg.adminUrl, pg.database))]);
    let dbS = 0;
    let newBackends = 0;
    for (const pid of after) {
      if (!backend0.has(pid)) newBackends++;
      dbS += Math.max(0, cpuOrZero(pid) - (backend0.get(pid) ?? 0));
    }
    return { serverMs, dbMs: dbS * 1000, newBackends };
  };
}

/** Transactions that stored reports and the reports in them, summed over servers (their /metrics, read from loopback). */
export async function commitCounts(urls: string[]): Promise<{ transactions: number; reports: number }> {
  let transactions = 0;
  let reports = 0;
  for (const url of urls) {
    const text = await (await fetch(`${url}/metrics`)).text();
    transactions += metricValue(text, 'weian_ingest_transactions_total');
    reports += metricValue(text, 'weian_ingest_transaction_reports_total');
  }
  return { transactions, reports };
}
