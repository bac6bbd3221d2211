import type { Db } from './schema.js';
import type { RegionsTable } from './schema.js';

export type RegionRow = RegionsTable;

export async function upsertRegions(db: Db, rows: RegionRow[]): Promise<void> {
  for (const row of rows) {
    await db
      .insertInto('regions')
      .values(row)
      .onConflict((oc) => oc.column('code').doUpdateSet({ name: row.name, parent_code: row.parent_code, level: row.level }))
      .execute();
  }
}

export function getRegion(db: Db, code: string) {
  return db.selectFrom('regions').selectAll().where('code', '=', code).executeTakeFirst();
}

/**
 * Regions a scope may see: for a region user, their region, everything below it, and its ancestors
 * (names only, so the tree can be drawn from the top); for an institution user, the chain above it.
 */
/** `prefix`: null for every region, undefined for only the named ancestors. */
export function listRegions(db: Db, codes: { prefix: string | null | undefined; ancestors: string[] }) {
  let q = db.selectFrom('regions').selectAll();
  if (codes.prefix !== null) {
    const prefix = codes.prefix;
    q = q.where((eb) => eb.or([...(prefix === undefined ? [] : [eb('code', 'like', `${prefix}%`)]), ...(codes.ancestors.length ? [eb('code', 'in', codes.ancestors)] : []), eb.lit(false)]));
  }
  return q.orderBy('code').execute();
}
