/**
 * Which roles may do what, as the server decides it (shared/src/permissions.ts): the
 * dashboard only uses it to hide what would be refused anyway. The server remains the judge.
 */
import { PERMISSIONS as SERVER_PERMISSIONS, type Role } from '@weian/shared/permissions';

export type { Role };

/** The server's table, with one difference: region views are for bureaus (institution users see their institution). */
export const PERMISSIONS = { ...SERVER_PERMISSIONS, 'regions:read': ['admin', 'province', 'city', 'county'] as readonly Role[] } as const;
export type Permission = keyof typeof PERMISSIONS;

export const roleCan = (role: string | undefined | null, permission: Permission): boolean => !!role && (PERMISSIONS[permission] as readonly string[]).includes(role);
