import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createTestDb, type TestDb } from '../testing/harness.js';
import { backupStatus, scheduledBackup } from './serverBackup.js';

const HOUR = 3600_000;

describe('scheduled backups of the server itself', () => {
  let t: TestDb;
  afterEach(() => t?.close());

  it('backs up when the newest is older than the interval, keeps the newest N, and reports freshness', async () => {
    t = await createTestDb('sqlite', new Date('2026-12-01T00:41:00Z'));
    const schedule = { dataDir: t.dataDir, dir: join(t.dataDir, 'backups'), everyHours: 24, keep: 3 };
    // None yet, on a new install: nothing to warn about in its first day.
    expect(await backupStatus(t.deps, schedule)).toMatchObject({ last: null, stale: false });

    const first = await scheduledBackup(t.deps, schedule);
    expect(first?.file).toBe(join(schedule.dir, 'weian-20261201T004100Z.sqlite'));
    // An hour later the hourly job finds a fresh one and does nothing.
    t.clock.advance(HOUR);
    expect(await scheduledBackup(t.deps, schedule)).toBeNull();
    for (let day = 1; day <= 4; day++) {
      t.clock.advance(24 * HOUR - HOUR);
      expect(await scheduledBackup(t.deps, schedule)).not.toBeNull();
      t.clock.advance(HOUR);
    }
    const files = readdirSync(schedule.dir).filter((f) => f.endsWith('.sqlite'));
    expect(files).toHaveLength(3);
    expect(files.sort()[0]).toBe('weian-20261203T004100Z.sqlite');
    expect(existsSync(join(schedule.dir, 'weian-20261201T004100Z.sqlite.sha256'))).toBe(false);

    const status = await backupStatus(t.deps, schedule);
    expect(status).toMatchObject({ dialect: 'sqlite', stale: false, lastFailure: null, ageHours: 1, last: { kind: 'scheduled' } });
    // Two days without one: stale.
    t.clock.advance(47 * HOUR);
    expect((await backupStatus(t.deps, schedule)).stale).toBe(true);
  });

  it('records a failed backup with its reason, and shows it until the next success', async () => {
    t = await createTestDb('sqlite');
    // A directory that cannot be made: its parent is a file.
    const schedule = { dataDir: t.dataDir, dir: join(t.dataDir, 'weian.sqlite', 'backups'), everyHours: 24, keep: 3 };
    await expect(scheduledBackup(t.deps, schedule)).rejects.toThrow(/ENOTDIR|not a directory/);
    const status = await backupStatus(t.deps, schedule);
    expect(status.lastFailure?.reason).toMatch(/weian\.sqlite\/backups/);
    // Two days on with no backup at all: stale, counted from the install.
    t.clock.now = new Date(Date.now() + 49 * HOUR);
    expect((await backupStatus(t.deps, schedule)).stale).toBe(true);
  });

  it('does nothing on PostgreSQL (pg_dump backs it up) and says so', async () => {
    t = await createTestDb('postgres');
    const schedule = { dataDir: t.dataDir, dir: join(t.dataDir, 'backups'), everyHours: 24, keep: 3 };
    expect(await scheduledBackup(t.deps, schedule)).toBeNull();
    expect(await backupStatus(t.deps, schedule)).toMatchObject({ dialect: 'postgres', schedule: null, stale: false });
  });
});
