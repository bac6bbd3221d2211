import { statfs } from 'node:fs/promises';
import type { ServiceDeps } from '../services/deps.js';
import { probeWrite } from '../storage/readiness.js';
import { storageUnavailable } from '../trpc/init.js';

/** Below this much free space on the SQLite data directory the server is not ready: the next reports may not fit. */
export const READY_MIN_FREE_BYTES = 8 * 1024 * 1024;

/**
 * GET /readyz: whether this process can take reports now, i.e. whether the database accepts writes
 * (issue 18: /healthz stayed green on a full disk while every write failed). It commits one small
 * row per process; for SQLite it also reads the free space of the data directory, as a small write
 * can still fit in the WAL's existing pages while the disk is full. /healthz stays liveness only.
 */
export function readinessCheck(deps: ServiceDeps, opts: { dataDir: string | null }) {
  const processId = `${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  return async (): Promise<{ ready: boolean; database: string; reason?: string }> => {
    try {
      if (opts.dataDir) {
        const fs = await statfs(opts.dataDir);
        if (fs.bavail * fs.bsize < READY_MIN_FREE_BYTES) return { ready: false, database: deps.dialect, reason: 'the disk holding the database is full' };
      }
      await probeWrite(deps.db, processId, deps.now().toISOString());
      return { ready: true, database: deps.dialect };
    } catch (e) {
      return { ready: false, database: deps.dialect, reason: storageUnavailable(e) ?? 'the database does not accept writes' };
    }
  };
}
