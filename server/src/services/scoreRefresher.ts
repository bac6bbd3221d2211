import { setImmediate } from 'node:timers/promises';
import { perDeps, type ServiceDeps } from './deps.js';
import { refreshInstitutionScore } from './evaluation.js';

/**
 * Institution scores are recomputed at most once a second per institution, in batches outside
 * the report transaction: recomputing the whole institution inside every report cost more than
 * the report itself. Scores lag ingest by about a second; findings never lag.
 */
class InstitutionRefresher {
  private readonly dirty = new Set<string>();
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  constructor(
    private readonly deps: ServiceDeps,
    private readonly delayMs: number,
  ) {}
  mark(code: string): void {
    this.dirty.add(code);
    if (!this.timer) {
      this.timer = setTimeout(() => void this.flush().catch(() => {}), this.delayMs);
      this.timer.unref();
    }
  }
  /** Refreshes everything marked so far (waits for a flush already under way). */
  async flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    while (this.running) await this.running;
    if (!this.dirty.size) return;
    const codes = [...this.dirty];
    this.dirty.clear();
    this.running = (async () => {
      for (const code of codes) {
        await this.deps.db.transaction().execute((tx) => refreshInstitutionScore(this.deps, tx, code));
        // SQLite answers synchronously: without a turn of the event loop here, a flush of a hundred
        // institutions would hold every request (ingest's acknowledgements) until the last one.
        await setImmediate();
      }
    })();
    try {
      await this.running;
    } finally {
      this.running = null;
    }
  }
}

const refresher = perDeps((deps) => new InstitutionRefresher(deps, 1000));

export const markInstitutionDirty = (deps: ServiceDeps, code: string) => refresher(deps).mark(code);
/** For shutdown, the daily job and tests: bring every marked institution's score up to date now. */
export const flushInstitutionScores = (deps: ServiceDeps) => refresher(deps).flush();
