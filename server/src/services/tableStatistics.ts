import { analyzeTables, autovacuumOn } from '../storage/statistics.js';
import type { ServiceDeps } from './deps.js';

/**
 * PostgreSQL plans the statements WeiAn prepares from its tables' statistics, which autovacuum keeps current.
 * Where it is off, a table never analyzed keeps the plans it got while empty: the receipts' lookup read the whole
 * table for every group of reports (docs/sizing.md). Then the server analyzes its tables itself, every hour.
 * SQLite's planner needs no statistics for WeiAn's statements (their indexes decide).
 */
export async function keepTableStatistics(deps: ServiceDeps): Promise<'sqlite' | 'autovacuum' | 'analyzed'> {
  if (deps.dialect !== 'postgres') return 'sqlite';
  if (await autovacuumOn(deps.db)) return 'autovacuum';
  await analyzeTables(deps.db);
  return 'analyzed';
}

/** What the start log says when PostgreSQL's autovacuum is off (null when it is on, or on SQLite). */
export async function tableStatisticsWarning(deps: ServiceDeps): Promise<string | null> {
  if (deps.dialect !== 'postgres' || (await autovacuumOn(deps.db))) return null;
  return "PostgreSQL's autovacuum is off: WeiAn analyzes its tables every hour so that its statements keep good plans, but dead rows are not reclaimed and tables grow; turn autovacuum on (docs/operations.md)";
}
