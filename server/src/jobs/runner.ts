import { randomUUID } from 'node:crypto';
import cron, { type ScheduledTask } from 'node-cron';
import type { ServiceDeps } from '../services/deps.js';
import { claimJobRun, finishJobRun, pruneJobRuns } from '../storage/jobs.js';

export interface JobSpec {
  /** Stable and unique: the claim key across processes. */
  name: string;
  /** node-cron expression (5 fields, or 6 with seconds). */
  cron: string;
  /** The work (in a service). `tick` is the scheduled time, the same on every process. */
  run(deps: ServiceDeps, tick: Date): Promise<void>;
  timezone?: string;
}

export interface JobRunner {
  /** Starts `spec` on its cron schedule. */
  schedule(spec: JobSpec): void;
  /** Runs `spec` for `tick` unless another process (or an earlier call) already claimed that tick. */
  runTick(spec: JobSpec, tick: Date): Promise<'ran' | 'failed' | 'claimed-elsewhere'>;
  /** Stops every schedule and waits for runs in progress. */
  stop(): Promise<void>;
}

export interface JobRunnerOptions {
  log: { info(m: string): void; error(m: string): void };
  /** Identifies this process in job_runs. */
  owner?: string;
  /** How long claims are kept (default 7 days). */
  keepMs?: number;
}

/** A tick is identified by its scheduled time to the second, so processes agree on it regardless of when their timers fire. */
export const tickKey = (tick: Date) => new Date(Math.floor(tick.getTime() / 1000) * 1000).toISOString();

/**
 * node-cron wiring for jobs that must run once per tick across several server processes: each
 * process fires on the schedule and tries to insert (name, tick) into job_runs; the unique key lets
 * exactly one win, on SQLite and PostgreSQL alike. A tick whose winner crashed is not retried by the
 * others: jobs are idempotent and the next tick catches up.
 */
export function createJobRunner(deps: ServiceDeps, opts: JobRunnerOptions): JobRunner {
  const owner = opts.owner ?? `${process.pid}-${randomUUID().slice(0, 8)}`;
  const keepMs = opts.keepMs ?? 7 * 24 * 3600_000;
  const tasks: ScheduledTask[] = [];
  const running = new Set<Promise<unknown>>();
  const names = new Set<string>();

  const runTick: JobRunner['runTick'] = async (spec, tick) => {
    const key = { name: spec.name, tick: tickKey(tick) };
    if (!(await claimJobRun(deps.db, { ...key, owner, started_at: deps.now().toISOString() }))) return 'claimed-elsewhere';
    let error: string | null = null;
    try {
      await spec.run(deps, tick);
    } catch (e) {
      error = (e as Error).stack ?? String(e);
      opts.log.error(`job ${spec.name} (${key.tick}) failed: ${error}`);
    }
    await finishJobRun(deps.db, key, deps.now().toISOString(), error?.slice(0, 4000) ?? null);
    await pruneJobRuns(deps.db, spec.name, new Date(tick.getTime() - keepMs).toISOString());
    return error ? 'failed' : 'ran';
  };

  return {
    runTick,
    schedule(spec) {
      if (names.has(spec.name)) throw new Error(`job ${spec.name} is already scheduled`);
      if (!cron.validate(spec.cron)) throw new Error(`job ${spec.name}: invalid cron expression "${spec.cron}"`);
      names.add(spec.name);
      const task = cron.schedule(
        spec.cron,
        (ctx) => {
          const p = runTick(spec, ctx.date).catch((e: Error) => opts.log.error(`job ${spec.name}: ${e.message}`));
          running.add(p);
          return p.finally(() => running.delete(p));
        },
        { name: spec.name, noOverlap: true, ...(spec.timezone ? { timezone: spec.timezone } : {}) },
      );
      tasks.push(task);
    },
    async stop() {
      await Promise.all(tasks.map((t) => t.destroy()));
      tasks.length = 0;
      await Promise.allSettled([...running]);
    },
  };
}
