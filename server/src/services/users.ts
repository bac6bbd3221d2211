import { regionLevelOf } from '@weian/shared';
import { badRequest, conflict, DomainError, forbidden, notFound } from '../errors.js';
import { getInstitution } from '../storage/institutions.js';
import { upsertRegions } from '../storage/regions.js';
import type { Role } from '../storage/schema.js';
import { deleteUserSessions } from '../storage/sessions.js';
import { getUser, getUserByUsername, insertUser, listUsers, markUserDeleted } from '../storage/users.js';
import { clearUserFailures, type Principal } from './auth.js';
import { clearAlert } from './alerts.js';
import { signInAlertKey } from './signInAlerts.js';
import type { ServiceDeps } from './deps.js';
import { checkPasswordStrength, hashPassword } from './passwords.js';
import { regionChain } from './regions.js';
import { visibleIn, type Scope } from './scope.js';
import { newId } from './secrets.js';

export interface NewUser {
  username: string;
  displayName?: string | undefined;
  role: Role;
  /** Region code for province/city/county, institution code for institution, none for admin. */
  scopeCode?: string | null | undefined;
  password: string;
}

const RANK: Record<Role, number> = { admin: 0, province: 1, city: 2, county: 3, institution: 4 };

/** Who may create whom: admins anyone; region users only lower roles inside their region; institution users no one. */
function mayManage(actor: Principal | 'cli', target: { role: Role; regionCode: string; institutionCode: string }): boolean {
  if (actor === 'cli' || actor.role === 'admin') return true;
  if (actor.role === 'institution') return false;
  return RANK[target.role] > RANK[actor.role] && visibleIn(actor.scope, target);
}

/** Validates the role's scope and returns where the user sits (for the permission check and the audit log). */
async function placement(deps: ServiceDeps, role: Role, scopeCode: string | null | undefined): Promise<{ regionCode: string; institutionCode: string; scopeCode: string | null }> {
  if (role === 'admin') {
    if (scopeCode) throw badRequest('an admin has no scope');
    return { regionCode: '', institutionCode: '', scopeCode: null };
  }
  if (!scopeCode) throw badRequest(`a ${role} user needs a scope (${role === 'institution' ? 'an institution code' : 'a region code'})`);
  if (role === 'institution') {
    const inst = await getInstitution(deps.db, scopeCode);
    if (!inst) throw notFound(`institution ${scopeCode} does not exist`);
    return { regionCode: inst.region_code, institutionCode: inst.code, scopeCode };
  }
  if (regionLevelOf(scopeCode) !== role) throw badRequest(`${scopeCode} is not a ${role}-level region code`);
  await upsertRegions(deps.db, regionChain(scopeCode));
  return { regionCode: scopeCode, institutionCode: '', scopeCode };
}

export async function createUser(deps: ServiceDeps, actor: Principal | 'cli', input: NewUser) {
  if (!/^[A-Za-z0-9._-]{3,64}$/.test(input.username)) throw badRequest('username: 3–64 letters, digits, ".", "_" or "-"');
  const weak = checkPasswordStrength(input.password);
  if (weak) throw badRequest(weak);
  // Outside the actor's reach, an unknown scope and someone else's answer the same: existence is not told.
  const refused = () => forbidden(`you may not create a ${input.role} user there`);
  const trusted = actor === 'cli' || actor.role === 'admin';
  const where = await placement(deps, input.role, input.scopeCode).catch((e: unknown) => {
    throw !trusted && e instanceof DomainError ? refused() : e;
  });
  if (!mayManage(actor, { role: input.role, ...where })) throw refused();
  if (await getUserByUsername(deps.db, input.username)) throw conflict(`username ${input.username} is taken`);
  const now = deps.now().toISOString();
  const id = newId('u');
  await insertUser(deps.db, {
    id,
    username: input.username,
    display_name: input.displayName?.trim() || input.username,
    password_hash: await hashPassword(input.password),
    role: input.role,
    scope_code: where.scopeCode,
    created_at: now,
    created_by: actor === 'cli' ? 'cli' : actor.username,
    password_changed_at: now,
    deleted_at: null,
  });
  return { id, username: input.username, role: input.role, scopeCode: where.scopeCode, regionCode: where.regionCode || null, institutionCode: where.institutionCode || null };
}

export async function listVisibleUsers(deps: ServiceDeps, scope: Scope) {
  return (await listUsers(deps.db, scope)).map((u) => ({
    id: u.id,
    username: u.username,
    displayName: u.display_name,
    role: u.role,
    scopeCode: u.scope_code,
    createdAt: u.created_at,
    createdBy: u.created_by,
  }));
}

/** Deleting keeps the row (the audit log names it) but ends its sessions at once. */
export async function deleteUser(deps: ServiceDeps, actor: Principal, userId: string) {
  const user = await getUser(deps.db, userId);
  if (!user) throw forbidden('no such user in your scope');
  const where = await placement(deps, user.role, user.scope_code).catch(() => ({ regionCode: '', institutionCode: '', scopeCode: user.scope_code }));
  if (user.id === actor.userId) throw badRequest('you cannot delete yourself');
  if (!mayManage(actor, { role: user.role, ...where })) throw forbidden('no such user in your scope');
  await markUserDeleted(deps.db, user.id, deps.now().toISOString());
  await deleteUserSessions(deps.db, user.id);
  deps.bus.emit('session.ended', { userId: user.id });
  return { id: user.id, username: user.username, regionCode: where.regionCode || null, institutionCode: where.institutionCode || null };
}

/** Clears a user's failed sign-ins from every address (SECURITY.md: an admin can unlock). */
export async function unlockUser(deps: ServiceDeps, actor: Principal, userId: string) {
  const user = await getUser(deps.db, userId);
  if (!user || user.deleted_at) throw forbidden('no such user in your scope');
  const where = await placement(deps, user.role, user.scope_code).catch(() => ({ regionCode: '', institutionCode: '', scopeCode: user.scope_code }));
  if (actor.role !== 'admin' && !mayManage(actor, { role: user.role, ...where })) throw forbidden('no such user in your scope');
  await clearUserFailures(deps, user.username);
  // Unlocked by an admin: the account's sign-in alert (if open) is dealt with.
  await clearAlert(deps, signInAlertKey(user.username), { zh: '管理员已解除锁定', en: 'unlocked by an admin' });
  return { id: user.id, username: user.username, regionCode: where.regionCode || null, institutionCode: where.institutionCode || null };
}
