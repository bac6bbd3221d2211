import type { Db, UsersTable } from './schema.js';
import { inScope, type Scope } from './scope.js';

export type UserRow = UsersTable;

export function getUserByUsername(db: Db, username: string) {
  return db.selectFrom('users').selectAll().where('username', '=', username).where('deleted_at', 'is', null).executeTakeFirst();
}

export function getUser(db: Db, id: string) {
  return db.selectFrom('users').selectAll().where('id', '=', id).where('deleted_at', 'is', null).executeTakeFirst();
}

export async function insertUser(db: Db, row: UserRow): Promise<void> {
  await db.insertInto('users').values(row).execute();
}

/** Inserts `row` unless its username is taken (by a row written meanwhile, say by another process starting at once); says whether it did. */
export async function insertUserUnlessTaken(db: Db, row: UserRow): Promise<boolean> {
  const r = await db
    .insertInto('users')
    .values(row)
    .onConflict((oc) => oc.column('username').doNothing())
    .executeTakeFirst();
  return Number(r.numInsertedOrUpdatedRows ?? 0) > 0;
}

export async function countUsers(db: Db): Promise<number> {
  const r = await db
    .selectFrom('users')
    .select((eb) => eb.fn.countAll<string | number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

/**
 * Users whose own scope lies within `scope`: a region user's scope code is a region code (prefix match),
 * an institution user's is an institution code (matched through its institution's region).
 */
export function listUsers(db: Db, scope: Scope) {
  return db
    .selectFrom('users')
    .leftJoin('institutions', 'institutions.code', 'users.scope_code')
    .select(['users.id', 'users.username', 'users.display_name', 'users.role', 'users.scope_code', 'users.created_at', 'users.created_by'])
    .where('users.deleted_at', 'is', null)
    .where((eb) =>
      scope.kind === 'all'
        ? eb.lit(true)
        : eb.or([
            eb.and([eb('users.role', '=', 'institution'), inScope(scope, { region: 'institutions.region_code', institution: 'institutions.code' })(eb as never)]),
            ...(scope.kind === 'region' ? [eb.and([eb('users.role', 'in', ['province', 'city', 'county']), eb('users.scope_code', 'like', `${scope.prefix}%`)])] : []),
          ]),
    )
    .orderBy('users.username')
    .execute();
}

export async function markUserDeleted(db: Db, id: string, at: string): Promise<boolean> {
  const r = await db.updateTable('users').set({ deleted_at: at }).where('id', '=', id).where('deleted_at', 'is', null).executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

export async function setPassword(db: Db, id: string, hash: string, at: string): Promise<void> {
  await db.updateTable('users').set({ password_hash: hash, password_changed_at: at }).where('id', '=', id).execute();
}
