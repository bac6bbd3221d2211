import { z } from 'zod';

/** Bounds on everything an agent may send: anything over is rejected, never silently cut. */
export const LIMITS = {
  /** Whole request body, checked before JSON parsing. */
  bodyBytes: 2 * 1024 * 1024,
  shortText: 256,
  longText: 4096,
  ports: 4096,
  updates: 5000,
  interfaces: 128,
  addressesPerInterface: 64,
  disks: 256,
  filesystems: 256,
  backupJobs: 64,
  warnings: 32,
} as const;

export const text = (max: number = LIMITS.shortText) => z.string().max(max);
/** ISO-8601 instant with an offset, as produced by Date#toISOString. */
export const instant = () => z.iso.datetime({ offset: true });
export const nullableInstant = () => instant().nullable();
export const sha256Hex = () => z.string().regex(/^[0-9a-f]{64}$/, 'expected a lowercase hex SHA-256');
export const count = () => z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);
export const bytes = () => z.number().nonnegative().max(Number.MAX_SAFE_INTEGER);

export const ADDRESS_SCOPES = ['loopback', 'link-local', 'private', 'public'] as const;
export const AddressScope = z.enum(ADDRESS_SCOPES);
export type AddressScope = z.infer<typeof AddressScope>;
