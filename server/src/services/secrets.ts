import { hash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Agent secrets and enrollment tokens are 256/144-bit random values, so a fast hash is enough
 * (nothing to brute-force); scrypt is for human passwords, where it would also cost every report.
 */
export const newSecret = (bytes = 32) => randomBytes(bytes).toString('base64url');
// One-shot: a third of createHash().update().digest()'s cost, and every agent request hashes its secret.
export const hashSecret = (secret: string) => hash('sha256', secret, 'hex');
/** Two hex digests compared in constant time. */
export function sameDigest(a: string, b: string): boolean {
  return a.length === b.length && timingSafeEqual(Buffer.from(a, 'latin1'), Buffer.from(b, 'latin1'));
}
export const secretMatches = (secret: string, storedHash: string): boolean => sameDigest(hashSecret(secret), storedHash);
export const newId = (prefix: string) => `${prefix}_${randomBytes(12).toString('base64url')}`;
