import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDb, DIALECTS, type TestDb } from '../testing/harness.js';
import { listAudit } from '../storage/audit.js';
import { bootstrapAdmin, LOGIN_LIMITS, login, pruneAuthRecords, resolveSession, SESSION } from './auth.js';
import { createUser } from './users.js';

const PASSWORD = 'Prune-Test-Pass-1';

describe.each(DIALECTS)('auth retention (%s)', (dialect) => {
  let t: TestDb;
  beforeAll(async () => {
    t = await createTestDb(dialect);
    await createUser(t.deps, 'cli', { username: 'keeper', role: 'admin', password: PASSWORD });
  });
  afterAll(() => t.close());

  const rows = async () => ({
    sessions: Number(
      (
        await t.deps.db
          .selectFrom('sessions')
          .select((eb) => eb.fn.countAll<string | number>().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    ),
    failures: Number(
      (
        await t.deps.db
          .selectFrom('login_failures')
          .select((eb) => eb.fn.countAll<string | number>().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    ),
  });

  it('deletes expired sessions and aged-out login failures, and keeps what still counts', async () => {
    const old = await login(t.deps, { username: 'keeper', password: PASSWORD }, '10.0.0.1');
    await expect(login(t.deps, { username: 'keeper', password: 'wrong' }, '10.0.0.1')).rejects.toThrow();
    t.clock.advance(SESSION.absoluteMs + 60_000);
    const fresh = await login(t.deps, { username: 'keeper', password: PASSWORD }, '10.0.0.1');
    await expect(login(t.deps, { username: 'keeper', password: 'wrong' }, '10.0.0.1')).rejects.toThrow();
    // Each failure is counted per user, per address and per (user, address); the second sign-in cleared the first's user and pair rows.
    expect(await rows()).toEqual({ sessions: 2, failures: 4 });

    await pruneAuthRecords(t.deps);
    // The expired session and the failures older than the rate-limit window are gone; the rest stays.
    expect(await rows()).toEqual({ sessions: 1, failures: 3 });
    expect(await resolveSession(t.deps, old.token)).toBeNull();
    expect(await resolveSession(t.deps, fresh.token)).not.toBeNull();
    expect(LOGIN_LIMITS.windowMs).toBeLessThan(SESSION.absoluteMs);
  });
});

describe.each(DIALECTS)('the first admin (%s)', (dialect) => {
  let t: TestDb;
  beforeAll(async () => {
    t = await createTestDb(dialect);
  });
  afterAll(() => t.close());

  it('two processes starting together on an empty database: one creates the admin, the other finds it, neither fails', async () => {
    const outcomes = await Promise.all([bootstrapAdmin(t.deps, PASSWORD), bootstrapAdmin(t.deps, PASSWORD)]);
    expect(outcomes.sort()).toEqual(['created', 'exists']);
    const admins = await t.deps.db.selectFrom('users').select(['username', 'role']).execute();
    expect(admins).toEqual([{ username: 'admin', role: 'admin' }]);
    const audited = await listAudit(t.deps.db, { kind: 'all' }, { limit: 10, action: 'users.create' });
    expect(audited).toHaveLength(1);
    expect(await bootstrapAdmin(t.deps, PASSWORD)).toBe('exists');
    await expect(login(t.deps, { username: 'admin', password: PASSWORD }, '10.0.0.1')).resolves.toMatchObject({ token: expect.any(String) });
  });
});
