import type { Db, SessionsTable } from './schema.js';

export async function insertSession(db: Db, row: SessionsTable): Promise<void> {
  await db.insertInto('sessions').values(row).execute();
}

/** A live session joined with its (not deleted) user; expired sessions and deleted users give nothing. */
export function getLiveSession(db: Db, tokenHash: string, now: string) {
  return db
    .selectFrom('sessions')
    .innerJoin('users', 'users.id', 'sessions.user_id')
    .leftJoin('institutions', 'institutions.code', 'users.scope_code')
    .select([
      'sessions.token_hash',
      'sessions.expires_at',
      'sessions.idle_expires_at',
      'users.id as user_id',
      'users.username',
      'users.display_name',
      'users.role',
      'users.scope_code',
      'institutions.region_code as institution_region_code',
    ])
    .where('sessions.token_hash', '=', tokenHash)
    .where('sessions.expires_at', '>', now)
    .where('sessions.idle_expires_at', '>', now)
    .where('users.deleted_at', 'is', null)
    .executeTakeFirst();
}

export async function extendSession(db: Db, tokenHash: string, idleExpiresAt: string): Promise<void> {
  await db.updateTable('sessions').set({ idle_expires_at: idleExpiresAt }).where('token_hash', '=', tokenHash).execute();
}

export async function deleteSession(db: Db, tokenHash: string): Promise<void> {
  await db.deleteFrom('sessions').where('token_hash', '=', tokenHash).execute();
}

export async function deleteUserSessions(db: Db, userId: string, exceptTokenHash?: string): Promise<void> {
  let q = db.deleteFrom('sessions').where('user_id', '=', userId);
  if (exceptTokenHash) q = q.where('token_hash', '!=', exceptTokenHash);
  await q.execute();
}

export async function pruneSessions(db: Db, now: string): Promise<void> {
  await db
    .deleteFrom('sessions')
    .where((eb) => eb.or([eb('expires_at', '<=', now), eb('idle_expires_at', '<=', now)]))
    .execute();
}

/** Failures older than the rate-limit window no longer count for anything. */
export async function pruneLoginFailures(db: Db, before: string): Promise<void> {
  await db.deleteFrom('login_failures').where('at', '<', before).execute();
}

export async function recordLoginFailure(db: Db, keys: string[], at: string): Promise<void> {
  if (keys.length)
    await db
      .insertInto('login_failures')
      .values(keys.map((key) => ({ key, at })))
      .execute();
}

export async function countLoginFailures(db: Db, key: string, since: string): Promise<number> {
  const r = await db
    .selectFrom('login_failures')
    .select((eb) => eb.fn.countAll<string | number>().as('n'))
    .where('key', '=', key)
    .where('at', '>', since)
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

export async function clearLoginFailures(db: Db, key: string): Promise<void> {
  await db.deleteFrom('login_failures').where('key', '=', key).execute();
}

/** Failures under `key` since `since`, and the time of the last one. */
export async function loginFailureStats(db: Db, key: string, since: string): Promise<{ count: number; last: string | null }> {
  const r = await db
    .selectFrom('login_failures')
    .select((eb) => [eb.fn.countAll<string | number>().as('n'), eb.fn.max('at').as('last')])
    .where('key', '=', key)
    .where('at', '>', since)
    .executeTakeFirstOrThrow();
  return { count: Number(r.n), last: (r.last as string | null) ?? null };
}

/** Clears every failure whose key starts with `prefix` (an admin unlocking a user: all its address pairs). */
export async function clearLoginFailuresWithPrefix(db: Db, prefix: string): Promise<void> {
  // LIKE would read "_" in a username as a wildcard (and SQLite has no default escape): filter exactly here.
  const keys = (await db.selectFrom('login_failures').select('key').distinct().where('key', 'like', `${prefix}%`).execute()).map((r) => r.key).filter((k) => k.startsWith(prefix));
  if (keys.length) await db.deleteFrom('login_failures').where('key', 'in', keys).execute();
}
