import { listOpenAlertsOfRule } from '../storage/alerts.js';
import { getInstitution } from '../storage/institutions.js';
import { countLoginFailures } from '../storage/sessions.js';
import { getUserByUsername } from '../storage/users.js';
import type { EventMap } from '../events.js';
import { SIGN_IN_RULE } from './alertRules.js';
import type { RaiseInput } from './alertInput.js';
import type { ServiceDeps } from './deps.js';
import { failureKeys, LOGIN_LIMITS } from './loginThrottle.js';

/**
 * Sustained failed sign-ins reach admins as an alert (issue 18), not only the audit and server logs:
 * one open alert per account (a repeat in a later window counts on it), where the account lives
 * (a county user's in the county, an institution user's at the institution, an admin's in the
 * admin scope only), resolved by itself once the failures stop for a whole throttling window, or
 * when an admin unlocks the account (users.unlock). Guesses at names that are no account stay in
 * the audit log: an alert per invented name would let anyone fill the alerts view.
 */

/** The alert for a sustained-failures event, or null when the name is no account. */
export async function signInAlertOf(deps: ServiceDeps, e: EventMap['auth.sustained-failures']): Promise<RaiseInput | null> {
  const user = await getUserByUsername(deps.db, e.username);
  if (!user || user.deleted_at) return null;
  let where = { regionCode: '', institutionCode: '' };
  if (user.role === 'institution' && user.scope_code) {
    const inst = await getInstitution(deps.db, user.scope_code);
    if (inst) where = { regionCode: inst.region_code, institutionCode: inst.code };
  } else if (user.role !== 'admin' && user.scope_code) where = { regionCode: user.scope_code, institutionCode: '' };
  const minutes = LOGIN_LIMITS.windowMs / 60_000;
  return {
    subjectKind: 'user',
    subjectId: user.username.toLowerCase(),
    subjectName: user.username,
    ruleId: SIGN_IN_RULE,
    kind: 'sign-in',
    severity: 'high',
    ...where,
    evidence: {
      zh: `账号 ${user.username} 在 ${minutes} 分钟内登录失败 ${e.failures} 次（最近来自 ${e.lastAddress}）；该账号从各地址的尝试均已被限速，管理员可在用户管理中解除锁定`,
      en: `${e.failures} failed sign-ins for ${user.username} within ${minutes} minutes (last from ${e.lastAddress}); attempts from each address are throttled, and an admin can unlock the account under Users`,
    },
  };
}

/** Accounts whose sign-in alert is open and that had no failed sign-in for a whole window: their alerts resolve. */
export async function quietSignInAlerts(deps: ServiceDeps): Promise<Array<{ subjectKind: 'user'; subjectId: string; ruleId: string }>> {
  const since = new Date(deps.now().getTime() - LOGIN_LIMITS.windowMs).toISOString();
  const quiet: Array<{ subjectKind: 'user'; subjectId: string; ruleId: string }> = [];
  for (const a of await listOpenAlertsOfRule(deps.db, SIGN_IN_RULE)) {
    if (a.subject_kind !== 'user') continue;
    if ((await countLoginFailures(deps.db, failureKeys(a.subject_id, '').user, since)) === 0) quiet.push({ subjectKind: 'user', subjectId: a.subject_id, ruleId: SIGN_IN_RULE });
  }
  return quiet;
}

/** The key of an account's sign-in alert (for unlocking). */
export const signInAlertKey = (username: string) => ({ subjectKind: 'user' as const, subjectId: username.toLowerCase(), ruleId: SIGN_IN_RULE });
