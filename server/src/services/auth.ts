import { badRequest, DomainError, unauthorized } from '../errors.js';
import { getInstitution } from '../storage/institutions.js';
import type { Role } from '../storage/schema.js';
import {
  clearLoginFailures,
  clearLoginFailuresWithPrefix,
  countLoginFailures,
  deleteSession,
  deleteUserSessions,
  extendSession,
  getLiveSession,
  insertSession,
  loginFailureStats,
  pruneLoginFailures,
  pruneSessions,
  recordLoginFailure,
} from '../storage/sessions.js';
import { countUsers, getUser, getUserByUsername, insertUserUnlessTaken, setPassword } from '../storage/users.js';
import { recordAudit } from './audit.js';
import type { ServiceDeps } from './deps.js';
import { checkPasswordStrength, dummyHash, hashPassword, verifyPassword } from './passwords.js';
import { scopeOf, type Scope } from './scope.js';
import { hashSecret, newId, newSecret } from './secrets.js';
import { failureKeys, LOGIN_LIMITS, loginVerdict } from './loginThrottle.js';

export const SESSION = { absoluteMs: 12 * 3600_000, idleMs: 2 * 3600_000, cookie: 'weian_session' } as const;
export { LOGIN_LIMITS };

/** The signed-in caller, as procedures and services see it. */
export interface Principal {
  userId: string;
  username: string;
  displayName: string;
  role: Role;
  scopeCode: string | null;
  scope: Scope;
  /** For the audit log: the region (and institution) the user belongs to. */
  regionCode: string | null;
  institutionCode: string | null;
}

function principalOf(u: { user_id: string; username: string; display_name: string; role: Role; scope_code: string | null; institution_region_code: string | null }): Principal {
  return {
    userId: u.user_id,
    username: u.username,
    displayName: u.display_name,
    role: u.role,
    scopeCode: u.scope_code,
    scope: scopeOf(u),
    regionCode: u.role === 'institution' ? u.institution_region_code : u.scope_code,
    institutionCode: u.role === 'institution' ? u.scope_code : null,
  };
}

export async function login(deps: ServiceDeps, input: { username: string; password: string }, remoteAddress: string): Promise<{ token: string; principal: Principal; expiresAt: string }> {
  const now = deps.now();
  const since = new Date(now.getTime() - LOGIN_LIMITS.windowMs).toISOString();
  const keys = failureKeys(input.username, remoteAddress);
  const [pair, byUser, byAddr] = await Promise.all([loginFailureStats(deps.db, keys.pair, since), countLoginFailures(deps.db, keys.user, since), countLoginFailures(deps.db, keys.address, since)]);
  const verdict = loginVerdict({ pair, user: byUser, address: byAddr }, now);
  if (verdict.kind === 'refuse') {
    await recordAudit(deps, { actor: { type: 'anonymous', id: null, name: input.username }, action: 'auth.login', outcome: 'denied', detail: { reason: 'rate-limited' }, remoteAddress });
    throw new DomainError('TOO_MANY_REQUESTS', `too many failed sign-ins for this user from your address: try again in ${Math.ceil(verdict.retryAfterMs / 1000)} s`);
  }
  // Many failures for this user (from anywhere) or from this address: slowed, never locked out.
  if (verdict.delayMs) await new Promise((r) => setTimeout(r, verdict.delayMs));
  const user = await getUserByUsername(deps.db, input.username);
  // Verify against a dummy hash for unknown users so that timing does not tell which usernames exist.
  const ok = await verifyPassword(input.password, user?.password_hash ?? (await dummyHash()));
  if (!user || !ok) {
    await recordLoginFailure(deps.db, [keys.user, keys.address, keys.pair], now.toISOString());
    await recordAudit(deps, { actor: { type: 'anonymous', id: null, name: input.username }, action: 'auth.login', outcome: 'denied', detail: { reason: 'bad credentials' }, remoteAddress });
    // Sustained guessing at one account: the admins are told once per window (the audit log, and the server log).
    if (byUser + 1 === LOGIN_LIMITS.alertAfter) {
      await recordAudit(deps, {
        actor: { type: 'system', id: null, name: 'login-throttle' },
        action: 'auth.sustained-failures',
        outcome: 'denied',
        detail: { username: input.username, failures: byUser + 1, windowMinutes: LOGIN_LIMITS.windowMs / 60_000, lastAddress: remoteAddress },
      });
      deps.bus.emit('auth.sustained-failures', { username: input.username, failures: byUser + 1, at: now.toISOString(), lastAddress: remoteAddress });
    }
    throw unauthorized('wrong username or password');
  }
  await clearLoginFailures(deps.db, keys.user);
  await clearLoginFailures(deps.db, keys.pair);
  const token = newSecret(32);
  const expiresAt = new Date(now.getTime() + SESSION.absoluteMs).toISOString();
  await insertSession(deps.db, {
    token_hash: hashSecret(token),
    user_id: user.id,
    created_at: now.toISOString(),
    expires_at: expiresAt,
    idle_expires_at: new Date(now.getTime() + SESSION.idleMs).toISOString(),
    remote_address: remoteAddress,
  });
  const institution = user.role === 'institution' && user.scope_code ? await getInstitution(deps.db, user.scope_code) : undefined;
  const principal = principalOf({ ...user, user_id: user.id, institution_region_code: institution?.region_code ?? null });
  await recordAudit(deps, {
    actor: { type: 'user', id: user.id, name: user.username },
    action: 'auth.login',
    regionCode: principal.regionCode,
    institutionCode: principal.institutionCode,
    remoteAddress,
  });
  return { token, principal, expiresAt };
}

/** The principal behind a session token, or null. Extends the idle window (at most once a minute, to spare writes). */
export async function resolveSession(deps: ServiceDeps, token: string | null): Promise<Principal | null> {
  if (!token) return null;
  const now = deps.now();
  const hash = hashSecret(token);
  const s = await getLiveSession(deps.db, hash, now.toISOString());
  if (!s) return null;
  const idle = new Date(now.getTime() + SESSION.idleMs);
  if (idle.getTime() - Date.parse(s.idle_expires_at) > 60_000) await extendSession(deps.db, hash, idle.toISOString());
  return principalOf(s);
}

/** Whether a session still stands (not expired, ended, or its user deleted), without extending it: for open sockets. */
export async function isSessionLive(deps: ServiceDeps, token: string): Promise<boolean> {
  return Boolean(await getLiveSession(deps.db, hashSecret(token), deps.now().toISOString()));
}

export async function logout(deps: ServiceDeps, token: string | null, userId?: string): Promise<void> {
  if (token) await deleteSession(deps.db, hashSecret(token));
  // Open sockets on every process check their session at once, not at their next periodic check.
  if (token && userId) deps.bus.emit('session.ended', { userId });
}

export async function changePassword(deps: ServiceDeps, principal: Principal, token: string | null, input: { currentPassword: string; newPassword: string }): Promise<void> {
  const user = await getUser(deps.db, principal.userId);
  if (!user || !(await verifyPassword(input.currentPassword, user.password_hash))) throw unauthorized('current password is wrong');
  const weak = checkPasswordStrength(input.newPassword);
  if (weak) throw badRequest(weak);
  await setPassword(deps.db, user.id, await hashPassword(input.newPassword), deps.now().toISOString());
  // Other sessions of this user end: a changed password is often a response to a leaked one.
  await deleteUserSessions(deps.db, user.id, token ? hashSecret(token) : undefined);
  deps.bus.emit('session.ended', { userId: user.id });
}

/** Retention: expired sessions and login failures older than the rate-limit window are deleted (hourly job). */
/** An admin clears a user's failed sign-ins (every address): the user may sign in again at once. */
export async function clearUserFailures(deps: ServiceDeps, username: string): Promise<void> {
  const keys = failureKeys(username, '');
  await clearLoginFailures(deps.db, keys.user);
  await clearLoginFailuresWithPrefix(deps.db, keys.pairsOfUser);
}

export async function pruneAuthRecords(deps: ServiceDeps): Promise<void> {
  const now = deps.now();
  await pruneSessions(deps.db, now.toISOString());
  await pruneLoginFailures(deps.db, new Date(now.getTime() - LOGIN_LIMITS.windowMs).toISOString());
}

/** On first start: the first admin from WEIAN_ADMIN_PASSWORD, when no user exists yet. */
export async function bootstrapAdmin(deps: ServiceDeps, password: string | undefined): Promise<'created' | 'exists' | 'no-password'> {
  if ((await countUsers(deps.db)) > 0) return 'exists';
  if (!password) return 'no-password';
  const weak = checkPasswordStrength(password);
  if (weak) throw badRequest(`WEIAN_ADMIN_PASSWORD: ${weak}`);
  const now = deps.now().toISOString();
  // Two processes started together on an empty PostgreSQL both count no users: one creates the admin, the other finds it made.
  const created = await insertUserUnlessTaken(deps.db, {
    id: newId('u'),
    username: 'admin',
    display_name: '系统管理员',
    password_hash: await hashPassword(password),
    role: 'admin',
    scope_code: null,
    created_at: now,
    created_by: 'bootstrap',
    password_changed_at: now,
    deleted_at: null,
  });
  if (!created) return 'exists';
  await recordAudit(deps, { actor: { type: 'system', id: null, name: 'bootstrap' }, action: 'users.create', detail: { username: 'admin', role: 'admin' } });
  return 'created';
}
