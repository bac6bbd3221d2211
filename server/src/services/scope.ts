import { prefixAt, REGION_LEVELS } from '@weian/shared';
import type { Role } from '../storage/schema.js';
import type { Scope } from '../storage/scope.js';

export type { Scope } from '../storage/scope.js';

/** The roles of a region's bureau users: one per region level, named after it. */
export const REGION_ROLES = REGION_LEVELS;
export { ROLES } from '@weian/shared/permissions';

/** The scope a user's role and scope code give. */
export function scopeOf(user: { role: Role; scope_code: string | null }): Scope {
  if (user.role === 'admin') return { kind: 'all' };
  // A scoped role without a scope code (never stored so, but defensively) sees nothing: '-' matches no code.
  if (user.role === 'institution') return { kind: 'institution', code: user.scope_code ?? '-' };
  const code = user.scope_code ?? '-';
  return { kind: 'region', code, prefix: prefixAt(code, user.role) };
}

/** Whether something in (regionCode, institutionCode) is visible; for events, which cannot be filtered in SQL. */
export function visibleIn(scope: Scope, at: { regionCode: string; institutionCode: string }): boolean {
  if (scope.kind === 'all') return true;
  if (scope.kind === 'institution') return at.institutionCode === scope.code;
  return at.regionCode.startsWith(scope.prefix);
}

/** Whether scope `inner` lies inside `outer` (used for creating users "below" oneself). */
export function regionCodeWithin(outer: Scope, regionCode: string): boolean {
  return outer.kind === 'all' || (outer.kind === 'region' && regionCode.startsWith(outer.prefix));
}
