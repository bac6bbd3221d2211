import type { Db, PublicTargetsTable } from './schema.js';
import { inScope, INSTITUTION_COLS, type Scope } from './scope.js';

export type PublicTargetRow = PublicTargetsTable;

export async function insertPublicTarget(db: Db, row: PublicTargetRow): Promise<void> {
  await db.insertInto('public_targets').values(row).execute();
}

/** PostgreSQL returns bigint as text: addresses are numbers to the callers. */
const asRow = (r: PublicTargetRow): PublicTargetRow => ({
  ...r,
  first_address: r.first_address === null ? null : Number(r.first_address),
  last_address: r.last_address === null ? null : Number(r.last_address),
});

/**
 * Every entry that could overlap `first..last` (IPv4), or that names `value` (a domain): across all
 * institutions. For IPv6 (`ipv6`), every IPv6 entry: 128-bit ranges are compared by the caller.
 */
export async function publicTargetsOverlapping(db: Db, t: { kind: string; value: string; first: number | null; last: number | null; ipv6?: boolean }): Promise<PublicTargetRow[]> {
  let q = db.selectFrom('public_targets').selectAll();
  if (t.ipv6) q = q.where('kind', '!=', 'domain').where('first_address', 'is', null);
  else q = t.first === null || t.last === null ? q.where('value', '=', t.value) : q.where('first_address', '<=', t.last).where('last_address', '>=', t.first);
  return (await q.execute()).map(asRow);
}

/** The entries of the institutions in `scope`, or of one of them. */
export async function listPublicTargets(db: Db, scope: Scope, institutionCode?: string): Promise<PublicTargetRow[]> {
  let q = db
    .selectFrom('public_targets')
    .innerJoin('institutions', 'institutions.code', 'public_targets.institution_code')
    .selectAll('public_targets')
    .where(inScope(scope, INSTITUTION_COLS) as never);
  if (institutionCode) q = q.where('public_targets.institution_code', '=', institutionCode);
  return (await q.orderBy('public_targets.institution_code').orderBy('public_targets.value').execute()).map(asRow);
}

export async function getPublicTarget(db: Db, id: string): Promise<PublicTargetRow | undefined> {
  const r = await db.selectFrom('public_targets').selectAll().where('id', '=', id).executeTakeFirst();
  return r && asRow(r);
}

export async function deletePublicTarget(db: Db, id: string): Promise<void> {
  await db.deleteFrom('public_targets').where('id', '=', id).execute();
}

/** One institution's entries (the outside-in rules read them with their last complete round). */
export async function institutionPublicTargets(db: Db, institutionCode: string): Promise<PublicTargetRow[]> {
  return (await db.selectFrom('public_targets').selectAll().where('institution_code', '=', institutionCode).orderBy('value').execute()).map(asRow);
}

/** A scanner finished a complete round over these entries at `at`. */
export async function markPublicTargetsScanned(db: Db, ids: readonly string[], at: string): Promise<void> {
  if (ids.length) await db.updateTable('public_targets').set({ scanned_at: at }).where('id', 'in', ids).execute();
}
