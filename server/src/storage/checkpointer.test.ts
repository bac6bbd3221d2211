import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { BACKSTOP_PAGES, startCheckpointer, type Checkpointer } from './checkpointer.js';

const PAGE = 4096;

describe('background WAL checkpoints', () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0)) await c();
  });

  /** A WAL database holding `pages` pages of fresh rows that only a checkpoint copies into the file itself. */
  function walDatabase(pages: number) {
    const dir = mkdtempSync(join(tmpdir(), 'weian-ckpt-'));
    const file = join(dir, 'db.sqlite');
    const db = new SQLite(file);
    db.pragma('journal_mode = WAL');
    db.pragma(`wal_autocheckpoint = ${BACKSTOP_PAGES}`);
    db.exec('create table t (b blob)');
    const insert = db.prepare('insert into t values (?)');
    for (let i = 0; i < pages / 10; i++)
      db.transaction(() => {
        for (let k = 0; k < 10; k++) insert.run(Buffer.alloc(PAGE - 200, i));
      })();
    cleanups.push(() => {
      db.close();
      rmSync(dir, { recursive: true, force: true });
    });
    return { db, file, size: () => statSync(file).size };
  }

  it('copies the WAL into the database file from a worker thread, without the writer checkpointing', async () => {
    const { file, size } = walDatabase(1500);
    // Below the backstop: the writing connection has not checkpointed, so the file is still small.
    expect(size()).toBeLessThan(100 * PAGE);
    const checkpointer: Checkpointer = startCheckpointer(file, 50);
    cleanups.unshift(() => checkpointer.stop());
    const deadline = Date.now() + 10_000;
    while (size() < 1400 * PAGE && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(size()).toBeGreaterThanOrEqual(1400 * PAGE);
  });

  it('does nothing, and stops cleanly, when the file cannot be opened', async () => {
    const checkpointer = startCheckpointer(join(tmpdir(), 'weian-no-such-dir', 'db.sqlite'), 50);
    await new Promise((r) => setTimeout(r, 200));
    await expect(checkpointer.stop()).resolves.toBeUndefined();
  });
});
