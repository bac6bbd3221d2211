import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listAlerts } from '../storage/alerts.js';
import { createTestDb, DIALECTS, type TestDb } from '../testing/harness.js';
import { onSustainedFailures, resolveQuietSignIns } from './alerts.js';
import { SIGN_IN_RULE } from './alertRules.js';
import { LOGIN_LIMITS } from './auth.js';
import { failureKeys } from './loginThrottle.js';
import { recordLoginFailure } from '../storage/sessions.js';
import { createUser, unlockUser } from './users.js';
import { getUserByUsername } from '../storage/users.js';
import type { Principal } from './auth.js';

const PASSWORD = 'Sign-In-Alert-Pass-4';
const ADMIN: Principal = { userId: 'u_admin', username: 'admin', displayName: 'admin', role: 'admin', scopeCode: null, scope: { kind: 'all' }, regionCode: null, institutionCode: null };

describe.each(DIALECTS)('sustained failed sign-ins raise one alert per account (%s)', (dialect) => {
  let t: TestDb;
  beforeAll(async () => {
    t = await createTestDb(dialect);
    await createUser(t.deps, 'cli', { username: 'Officer', role: 'county', scopeCode: '330106', password: PASSWORD });
  });
  afterAll(() => t.close());

  /**
   * A window's sustained failures, as sign-in records and announces them (auth.ts; the whole path,
   * throttling included, runs against a real server in test/adversarial/throttling.test.ts).
   */
  const guess = async (username: string, round: number) => {
    const keys = failureKeys(username, `10.9.${round}.1`);
    for (let i = 0; i < LOGIN_LIMITS.alertAfter; i++) await recordLoginFailure(t.deps.db, [keys.user, keys.address, keys.pair], t.deps.now().toISOString());
    await onSustainedFailures(t.deps, { username, failures: LOGIN_LIMITS.alertAfter, at: t.deps.now().toISOString(), lastAddress: `10.9.${round}.1` });
  };
  const signInAlerts = async () => (await listAlerts(t.deps.db, { kind: 'all' }, { limit: 50, offset: 0 })).rows.filter((r) => r.rule_id === SIGN_IN_RULE);

  it('opens one alert in the account’s region, counts a later window on it, and resolves once the failures stop', async () => {
    await guess('Officer', 1);
    let alerts = await signInAlerts();
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({
      subject_kind: 'user',
      subject_id: 'officer',
      subject_name: 'Officer',
      region_code: '330106',
      institution_code: '',
      kind: 'sign-in',
      severity: 'high',
      status: 'open',
      count: 1,
    });
    // Still guessed at within the window: the alert stays.
    t.clock.advance(LOGIN_LIMITS.windowMs / 2);
    expect(await resolveQuietSignIns(t.deps)).toBe(0);
    // A whole window later, guessing again: the same alert counts a repeat, no second one.
    t.clock.advance(LOGIN_LIMITS.windowMs);
    await guess('Officer', 2);
    alerts = await signInAlerts();
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ status: 'open', count: 2 });
    // A whole window without a failure: resolved by itself.
    t.clock.advance(LOGIN_LIMITS.windowMs + 1000);
    expect(await resolveQuietSignIns(t.deps)).toBe(1);
    expect((await signInAlerts())[0]).toMatchObject({ status: 'resolved', resolved_by: 'system' });
  });

  it('resolves the alert when an admin unlocks the account, and raises none for names that are no account', async () => {
    t.clock.advance(LOGIN_LIMITS.windowMs + 1000);
    await guess('Officer', 3);
    const open = (await signInAlerts()).filter((a) => a.status === 'open');
    expect(open).toHaveLength(1);
    const user = (await getUserByUsername(t.deps.db, 'Officer'))!;
    await unlockUser(t.deps, ADMIN, user.id);
    expect((await signInAlerts()).filter((a) => a.status === 'open')).toHaveLength(0);
    await guess('nobody-here', 4);
    expect((await signInAlerts()).filter((a) => a.subject_id === 'nobody-here')).toHaveLength(0);
  });
});
