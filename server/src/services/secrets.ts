import { hash, randomBytes, randomFillSync, timingSafeEqual } from 'node:crypto';

/**
 * Agent secrets and enrollment tokens are 256/144-bit random values, so a fast hash is enough
 * (nothing to brute-force); scrypt is for human passwords, where it would also cost every report.
 */
export function newSecret(bytes = 32): string {
  // Secrets go on command lines (`weian-agent scan --secret S`): one starting with '-' (1 in 64 draws) reads as an option.
  for (;;) {
    const secret = randomBytes(bytes).toString('base64url');
    if (!secret.startsWith('-')) return secret;
  }
}
// One-shot: a third of createHash().update().digest()'s cost, and every agent request hashes its secret.
export const hashSecret = (secret: string) => hash('sha256', secret, 'hex');
/** Two hex digests compared in constant time. */
export function sameDigest(a: string, b: string): boolean {
  return a.length === b.length && timingSafeEqual(Buffer.from(a, 'latin1'), Buffer.from(b, 'latin1'));
}
export const secretMatches = (secret: string, storedHash: string): boolean => sameDigest(hashSecret(secret), storedHash);
/** Random bytes for ids, drawn 4 KiB at a time: a first report names dozens of rows, and each draw of its own cost a few per cent of its CPU. */
const ID_BYTES = 12;
const idPool = Buffer.alloc(4096 - (4096 % ID_BYTES));
let idAt = idPool.length;
/**
 * A new row id: the prefix, the time in milliseconds (12 hex digits, so ids sort by when they were made) and 96
 * random bits, never drawn twice from the pool. Time first, a table keyed by these ids grows at its end: with
 * random keys every row of a first report's transitions landed on a B-tree page of its own (a 50-row transaction
 * into a million rows: 2.0-2.8 ms with random keys, 0.44-0.66 ms with these).
 */
export function newId(prefix: string, now = Date.now()): string {
  if (idAt === idPool.length) {
    randomFillSync(idPool);
    idAt = 0;
  }
  idAt += ID_BYTES;
  return `${prefix}_${now.toString(16).padStart(12, '0')}${idPool.toString('base64url', idAt - ID_BYTES, idAt)}`;
}
