import { mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** Newest modification time under a path (a file, or a directory's whole tree). */
export const newestMtime = (path: string): number => {
  const s = statSync(path);
  if (!s.isDirectory()) return s.mtimeMs;
  return Math.max(s.mtimeMs, ...readdirSync(path).map((f) => newestMtime(join(path, f))));
};

export const mtimeOr0 = (path: string) => {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return 0;
  }
};

/**
 * Runs `fn` holding a lock directory: test files run in parallel, and two builds must not write the
 * same dist/ at once. A lock older than `staleMs` (longer than the longest build) was left by a killed run.
 */
export async function withBuildLock<T>(lock: string, staleMs: number, fn: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + staleMs + 60_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      if (Date.now() - mtimeOr0(lock) > staleMs) rmSync(lock, { recursive: true, force: true });
      else if (Date.now() > deadline) throw new Error(`build lock ${lock} held too long`);
      else await new Promise((r) => setTimeout(r, 250));
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}
