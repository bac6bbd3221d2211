import type { Kysely } from 'kysely';
import type { EventBus } from '../events.js';
import type { AgentRelease } from './agentRelease.js';
import type { Dialect } from '../storage/db.js';
import type { Database } from '../storage/schema.js';

/**
 * What every service is given: side effects passed in, so tests control the clock and the database.
 * Inside a transaction, read and write only through the transaction handle, never `db`: SQLite has a
 * single connection, so a query on `db` would wait for the transaction that holds it, forever.
 */
export interface ServiceDeps {
  db: Kysely<Database>;
  dialect: Dialect;
  bus: EventBus;
  now: () => Date;
  /** Hosts notification channels may send to besides their kinds' documented ones (WEIAN_CHANNEL_HOSTS). */
  channelHosts?: readonly string[];
  /** Where and how often the server backs up its own SQLite database (WEIAN_BACKUP_*), for the status page. */
  backupSchedule?: { dir: string; everyHours: number; keep: number };
  /** The agent release and the key that signs it (remote upgrade); absent: upgrades are refused. */
  agentRelease?: AgentRelease;
  /** WEIAN_DOCUMENTATION_TARGETS: the RFC 5737 documentation ranges may be registered as public targets (labs, tests). */
  documentationTargets?: boolean;
  /**
   * How long a report that finds ingest's writer idle waits for others to share its transaction
   * (services/ingest.ts INGEST_GATHER_MS in the serving process); absent or 0, it is written at once:
   * callers that await each report before the next (seeding, tests) would only wait.
   */
  ingestGatherMs?: number;
}

/** One T per ServiceDeps (a process's state for one database: queues, hubs, caches), made on first use. */
export function perDeps<T>(make: (deps: ServiceDeps) => T): (deps: ServiceDeps) => T {
  const made = new WeakMap<ServiceDeps, T>();
  return (deps) => {
    let t = made.get(deps);
    if (t === undefined) made.set(deps, (t = make(deps)));
    return t;
  };
}
