import type { AuditLogTable, Db } from './schema.js';
import { inScope, type Scope } from './scope.js';

/** Append-only: there is no delete function for the audit log, and one update (`countAggregatedAudit`), by design. */
export async function appendAudit(db: Db, row: AuditLogTable): Promise<void> {
  await db.insertInto('audit_log').values(row).execute();
}

export function listAudit(db: Db, scope: Scope, opts: { limit: number; before?: string | undefined; action?: string | undefined }) {
  let q = db
    .selectFrom('audit_log')
    .selectAll()
    .where(inScope(scope, { region: 'audit_log.region_code', institution: 'audit_log.institution_code' }) as never);
  if (opts.before) q = q.where('at', '<', opts.before);
  if (opts.action) q = q.where('action', '=', opts.action);
  return q.orderBy('at', 'desc').orderBy('id', 'desc').limit(opts.limit).execute();
}

/** The aggregated row of refused `action` for `address` opened at or after `since` (one per address and window). */
export function getAggregatedAudit(db: Db, action: string, address: string, since: string) {
  return db
    .selectFrom('audit_log')
    .select(['id', 'detail'])
    .where('remote_address', '=', address)
    .where('action', '=', action)
    .where('at', '>=', since)
    .where('outcome', '=', 'denied')
    .orderBy('at')
    .limit(1)
    .executeTakeFirst();
}

/**
 * The one update the audit log allows: the count of an aggregated row (refused enrollments from one
 * address in one window), so that a flood of anonymous attempts adds one row per window, not one per attempt.
 */
export async function countAggregatedAudit(db: Db, id: string, detail: string): Promise<void> {
  await db.updateTable('audit_log').set({ detail }).where('id', '=', id).execute();
}
