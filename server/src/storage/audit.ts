import type { AuditLogTable, Db } from './schema.js';
import { inScope, type Scope } from './scope.js';

/** Append-only: there is no update or delete function for the audit log, by design. */
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
