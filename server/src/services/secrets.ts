import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Agent secrets and enrollment tokens are 256/144-bit random values, so a fast hash is enough
 * (nothing to brute-force); scrypt is for human passwords, where it would also cost every report.
 */
export const newSecret = (bytes = 32) => randomBytes(bytes).toString('base64url');
export const hashSecret = (secret: string) => createHash('sha256').update(secret).digest('hex');
export function secretMatches(secret: string, storedHash: string): boolean {
  const a = Buffer.from(hashSecret(secret), 'hex');
  const b = Buffer.from(storedHash, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}
export const newId = (prefix: string) => `${prefix}_${randomBytes(12).toString('base64url')}`;
