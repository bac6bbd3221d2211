import { setImmediate } from 'node:timers/promises';
import { perDeps, type ServiceDeps } from './deps.js';
import { refreshInstitutionScore } from './evaluation.js';

/**
 * How long an institution's score may stand while its hosts are judged again and nothing they say to it moves:
 * time alone still moves it (hosts falling out of its reporting window, MLPS deadlines passing), so
 * at least this often while its hosts report, as when every hourly re-judgement refreshed it.
 */
export const RESCORE_AFTER_MS = 3600_000;

/**
 * Institution scores are recomputed at most once a second per institution, in batches outside
 * the report transaction: recomputing the whole institution inside every report cost more than
 * the report itself. Scores lag ingest by about a second; findings never lag. A host judged again
 * without any change its institution's score reads (most of the hourly re-judgements) refreshes it
 * only when this process last did over RESCORE_AFTER_MS before. In a province, where an institution's
 * hosts seldom report in the same second, each such re-judgement paid a refresh of its own: on PostgreSQL a
 * third to a half of its CPU (docs/sizing.md).
 */
class InstitutionRefresher {
  private readonly dirty = new Set<string>();
  /** When this process last refreshed each institution (epoch ms, the deps' clock). */
  private readonly refreshed = new Map<string, number>();
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  constructor(
    private readonly deps: ServiceDeps,
    private readonly delayMs: number,
  ) {}
  mark(code: string, moved: boolean): void {
    if (!moved && (this.refreshed.get(code) ?? -Infinity) > this.deps.now().getTime() - RESCORE_AFTER_MS) return;
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
        this.refreshed.set(code, this.deps.now().getTime());
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

/** `moved`: false when what changed cannot move the score (a host judged again, the same): then only if it is due (RESCORE_AFTER_MS). */
export const markInstitutionDirty = (deps: ServiceDeps, code: string, moved = true) => refresher(deps).mark(code, moved);
/** For shutdown, the daily job and tests: bring every marked institution's score up to date now. */
export const flushInstitutionScores = (deps: ServiceDeps) => refresher(deps).flush();
