import { sql } from 'kysely';
import type { Db, InstitutionsTable } from './schema.js';
import { INSTITUTION_COLS, inScope, type Scope } from './scope.js';

/** An institution as it is created (its revision starts at 0). */
export type InstitutionRow = Omit<InstitutionsTable, 'revision'>;

export function getInstitution(db: Db, code: string) {
  return db.selectFrom('institutions').selectAll().where('code', '=', code).executeTakeFirst();
}

export async function insertInstitution(db: Db, row: InstitutionRow): Promise<void> {
  await db.insertInto('institutions').values(row).execute();
}

export function listInstitutions(db: Db, scope: Scope) {
  return db
    .selectFrom('institutions')
    .selectAll()
    .where(inScope(scope, INSTITUTION_COLS) as never)
    .orderBy('code')
    .execute();
}

/** An institution only when it lies in `scope`. */
export function getInstitutionInScope(db: Db, scope: Scope, code: string) {
  return db
    .selectFrom('institutions')
    .selectAll()
    .where('code', '=', code)
    .where(inScope(scope, INSTITUTION_COLS) as never)
    .executeTakeFirst();
}

export async function setInstitutionType(db: Db, code: string, type: string): Promise<void> {
  // Every update counts up the revision: rankings and overviews read again only when it changed (regionScoresVersion).
  await db
    .updateTable('institutions')
    .set({ type, revision: sql<number>`revision + 1` })
    .where('code', '=', code)
    .execute();
}

/** Institutions among `codes`, in code order (codes not found are simply missing). */
export function institutionsByCode(db: Db, codes: readonly string[]) {
  if (!codes.length) return Promise.resolve([]);
  return db
    .selectFrom('institutions')
    .select(['code', 'name', 'region_code'])
    .where('code', 'in', [...codes])
    .orderBy('code')
    .execute();
}
