import { regionScoresVersion } from '../storage/scores.js';
import type { Scope } from '../storage/scope.js';
import { perDeps, type ServiceDeps } from './deps.js';

/** A scope as a cache key: two callers with the same scope see the same rows. */
const scopeKey = (scope: Scope) => (scope.kind === 'all' ? 'all' : scope.kind === 'region' ? `r:${scope.prefix}` : `i:${scope.code}`);

/**
 * Something computed from a region's institutions and live scores (the overview's figures, a
 * ranking's ranked keys), kept per process with the version it was read at. Under a province that
 * is thousands of rows read and ordered; between two looks with nothing written in between, one
 * small query (`regionScoresVersion`) is all a look costs. The version is read from the database,
 * so a write by another server process is seen too. `maxAgeMs` bounds how long a value is kept for
 * what changes without touching the scores (a host enrolled or retired).
 */
export function regionCache<T>(maxEntries = 256, maxAgeMs = Infinity) {
  const entries = perDeps(() => new Map<string, { version: string; value: T; at: number }>());
  return async (deps: ServiceDeps, scope: Scope, prefix: string, variant: string, read: () => Promise<T>): Promise<T> => {
    const cache = entries(deps);
    const key = `${scopeKey(scope)}|${prefix}|${variant}`;
    // Read before the value: a write in between makes the next look read again, never keeps a stale value.
    const version = await regionScoresVersion(deps.db, scope, prefix);
    const hit = cache.get(key);
    const at = deps.now().getTime();
    if (hit?.version === version && at - hit.at < maxAgeMs) return hit.value;
    const value = await read();
    if (cache.size >= maxEntries) cache.clear();
    cache.set(key, { version, value, at });
    return value;
  };
}
