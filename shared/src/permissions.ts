/**
 * Roles and what each may do: pure data, no imports, so the dashboard can read it without pulling in
 * zod (`@weian/shared/permissions`). The server enforces it; the dashboard only hides what the server
 * would refuse. Data is further limited to the caller's scope: a permission says what, the scope where.
 */
export type Role = 'admin' | 'province' | 'city' | 'county' | 'institution';
export const ROLES: readonly Role[] = ['admin', 'province', 'city', 'county', 'institution'];

const ALL = ROLES;
const BUREAUS: readonly Role[] = ['admin', 'province', 'city', 'county'];
const INSTITUTION: readonly Role[] = ['admin', 'institution'];
/** The health bureaus themselves: rectification is their act, not a system administrator's. */
const REGION_BUREAUS: readonly Role[] = ['province', 'city', 'county'];

export const PERMISSIONS = {
  /** Own account: me, change password, logout. */
  self: ALL,
  'regions:read': ALL,
  'institutions:read': ALL,
  'hosts:read': ALL,
  'audit:read': BUREAUS,
  'users:manage': BUREAUS,
  'settings:write': BUREAUS,
  'channels:write': BUREAUS,
  'alerts:work': ALL,
  'records:write': INSTITUTION,
  'tokens:create': INSTITUTION,
  'agents:manage': INSTITUTION,
  /** Remote upgrade of agents to the release the server holds: whoever installs them. */
  'agents:upgrade': INSTITUTION,
  /** The national holiday calendar behind every working-day deadline: one administrator's job. */
  'calendar:manage': ['admin'],
  /** The server itself (its own backups, its database): the system administrator's. */
  'system:read': ['admin'],
  /** Rectification notices (整改通知): read within scope; bureaus issue and review, the institution answers. */
  'notices:read': ALL,
  'notices:issue': REGION_BUREAUS,
  'notices:answer': ['institution'],
  /** The yearly self-inspection (自查自评): bureaus publish the checklist and review, the institution fills it in. */
  'selfInspection:read': ALL,
  'selfInspection:publish': REGION_BUREAUS,
  'selfInspection:review': REGION_BUREAUS,
  'selfInspection:fill': ['institution'],
  /** Incidents (事件上报): everyone reads within scope, institutions report, bureaus receive and comment. */
  'incidents:read': ALL,
  'incidents:report': INSTITUTION,
  'incidents:receive': BUREAUS,
  /** Institutions' public addresses and domains (资产测绘): registered by the region's users, read within scope. */
  'exposure:read': ALL,
  'exposure:register': REGION_BUREAUS,
} as const satisfies Record<string, readonly Role[]>;

export type Permission = keyof typeof PERMISSIONS;

export const roleHas = (role: Role | string, permission: Permission): boolean => (PERMISSIONS[permission] as readonly string[]).includes(role);
