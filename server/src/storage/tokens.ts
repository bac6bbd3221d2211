import type { Db, EnrollmentTokensTable } from './schema.js';

export async function insertToken(db: Db, row: EnrollmentTokensTable): Promise<void> {
  await db.insertInto('enrollment_tokens').values(row).execute();
}

/**
 * Takes one use of a token atomically: the conditional UPDATE is the lock, so two agents racing for
 * the last use cannot both win. Returns the institution it enrolls into, or null.
 */
export async function consumeToken(db: Db, tokenHash: string, now: string): Promise<{ institution_code: string } | null> {
  const res = await db
    .updateTable('enrollment_tokens')
    .set((eb) => ({ uses_left: eb('uses_left', '-', 1) }))
    .where('token_hash', '=', tokenHash)
    .where('uses_left', '>', 0)
    .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]))
    .executeTakeFirst();
  if (Number(res.numUpdatedRows) !== 1) return null;
  const row = await db.selectFrom('enrollment_tokens').select('institution_code').where('token_hash', '=', tokenHash).executeTakeFirst();
  return row ?? null;
}
