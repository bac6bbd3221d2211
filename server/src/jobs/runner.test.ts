import { afterEach, describe, expect, it } from 'vitest';
import { createTestDb, DIALECTS, type TestDb } from '../testing/harness.js';
import { listJobRuns } from '../storage/jobs.js';
import { createJobRunner, tickKey, type JobSpec } from './runner.js';

const quiet = { info: () => {}, error: () => {} };

describe.each(DIALECTS)('job runner on %s', (dialect) => {
  let t: TestDb | undefined;
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });

  it('runs a tick once across two runners racing for it, and records the outcome', async () => {
    t = await createTestDb(dialect);
    const runs: string[] = [];
    const spec: JobSpec = { name: 'race', cron: '* * * * *', run: async (_deps, tick) => void runs.push(tickKey(tick)) };
    const a = createJobRunner(t.deps, { log: quiet, owner: 'a' });
    const b = createJobRunner(t.deps, { log: quiet, owner: 'b' });
    const ticks = Array.from({ length: 5 }, (_, i) => new Date(Date.UTC(2026, 10, 2, 2, i)));
    // Timers on two processes fire a few ms apart: the same scheduled minute must still be one tick.
    const outcomes = await Promise.all(ticks.flatMap((tick) => [a.runTick(spec, tick), b.runTick(spec, new Date(tick.getTime() + 37))]));
    expect(outcomes.filter((o) => o === 'ran')).toHaveLength(5);
    expect(outcomes.filter((o) => o === 'claimed-elsewhere')).toHaveLength(5);
    expect(runs.sort()).toEqual(ticks.map(tickKey));
    const rows = await listJobRuns(t.deps.db, 'race');
    expect(rows.map((r) => r.tick)).toEqual(ticks.map(tickKey));
    expect(rows.every((r) => r.finished_at && r.error === null && ['a', 'b'].includes(r.owner))).toBe(true);
  });

  it('records a failing run and does not run that tick again', async () => {
    t = await createTestDb(dialect);
    let calls = 0;
    const spec: JobSpec = {
      name: 'boom',
      cron: '* * * * *',
      run: async () =>
        void (
          calls++,
          (() => {
            throw new Error('disk full');
          })()
        ),
    };
    const errors: string[] = [];
    const runner = createJobRunner(t.deps, { log: { info: () => {}, error: (m) => errors.push(m) } });
    const tick = new Date(Date.UTC(2026, 10, 2, 3, 0));
    expect(await runner.runTick(spec, tick)).toBe('failed');
    expect(await runner.runTick(spec, tick)).toBe('claimed-elsewhere');
    expect(calls).toBe(1);
    expect(errors.join('\n')).toContain('disk full');
    const [row] = await listJobRuns(t.deps.db, 'boom');
    expect(row?.error).toContain('disk full');
  });

  it('on a real cron schedule, two runners run each second-tick exactly once', async () => {
    t = await createTestDb(dialect);
    const ran: Array<{ runner: string; tick: string }> = [];
    const make = (who: string): JobSpec => ({ name: 'every-second', cron: '* * * * * *', run: async (_d, tick) => void ran.push({ runner: who, tick: tickKey(tick) }) });
    const a = createJobRunner(t.deps, { log: quiet, owner: 'a' });
    const b = createJobRunner(t.deps, { log: quiet, owner: 'b' });
    a.schedule(make('a'));
    b.schedule(make('b'));
    await new Promise((r) => setTimeout(r, 2_600));
    await Promise.all([a.stop(), b.stop()]);
    const ticks = ran.map((r) => r.tick);
    expect(ticks.length).toBeGreaterThanOrEqual(2);
    expect(new Set(ticks).size).toBe(ticks.length);
    expect((await listJobRuns(t.deps.db, 'every-second')).map((r) => r.tick).sort()).toEqual([...ticks].sort());
  });

  it('refuses a duplicate name and a bad cron expression', async () => {
    t = await createTestDb(dialect);
    const runner = createJobRunner(t.deps, { log: quiet });
    const spec: JobSpec = { name: 'dup', cron: '0 3 * * *', run: async () => {} };
    runner.schedule(spec);
    expect(() => runner.schedule(spec)).toThrow(/already scheduled/);
    expect(() => runner.schedule({ ...spec, name: 'bad', cron: 'every day' })).toThrow(/invalid cron/);
    await runner.stop();
  });
});
