import { metricValue } from '../helpers/metrics.js';
import { pgQuery } from '../helpers/pg.js';
import { processCpuS } from './procs.js';

/** A province as the sizing guide plans it: every host reports every 15 minutes; enrolment day brings all first reports within an hour. */
export const PROVINCE_HOSTS = 100_000;
export const STEADY_REPORTS_PER_S = PROVINCE_HOSTS / (15 * 60);
export const FIRST_REPORTS_PER_S = PROVINCE_HOSTS / 3600;

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
