import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { sql, type Kysely } from 'kysely';
import { BACKSTOP_PAGES, startCheckpointer, type Checkpointer } from './checkpointer.js';
import { sqliteFile } from './databaseState.js';
import { openDb } from './db.js';

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

  /** Waits until the database file holds `pages` pages (a checkpoint copied them), or 10 s. */
  async function grownTo(size: () => number, pages: number) {
    const deadline = Date.now() + 10_000;
    while (size() < pages * PAGE && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    return size();
  }

  it('copies the WAL into the database file from a worker thread once told of a commit, and only then', async () => {
    const { file, size } = walDatabase(1500);
    // Below the backstop: the writing connection has not checkpointed, so the file is still small.
    expect(size()).toBeLessThan(100 * PAGE);
    const checkpointer: Checkpointer = startCheckpointer(file, 50);
    cleanups.unshift(() => checkpointer.stop());
    // Not told of a write: no checkpoint, however many intervals pass (an idle server sleeps).
    await new Promise((r) => setTimeout(r, 400));
    expect(size()).toBeLessThan(100 * PAGE);
    checkpointer.wrote();
    expect(await grownTo(size, 1400)).toBeGreaterThanOrEqual(1400 * PAGE);
  });

  it("hears of the server's commits and of its writes outside a transaction", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'weian-ckpt-db-'));
    const handle = openDb({ dataDir, backgroundCheckpoints: true });
    cleanups.unshift(async () => {
      await handle.close();
      rmSync(dataDir, { recursive: true, force: true });
    });
    const { db } = handle;
    const size = () => statSync(sqliteFile(dataDir)).size;
    await sql`create table t (b blob)`.execute(db);
    const rows = (n: number, fill: number) => Array.from({ length: n }, () => ({ b: Buffer.alloc(PAGE - 200, fill) }));
    const start = size();
    // Autocommit: each insert commits by itself.
    for (let i = 0; i < 20; i++) await (db as unknown as Kysely<{ t: { b: Buffer } }>).insertInto('t').values(rows(25, i)).execute();
    expect(await grownTo(size, start / PAGE + 480)).toBeGreaterThanOrEqual(start + 480 * PAGE);
    const after = size();
    await db.transaction().execute(async (tx) => {
      for (let i = 0; i < 20; i++) await (tx as unknown as Kysely<{ t: { b: Buffer } }>).insertInto('t').values(rows(25, i)).execute();
    });
    expect(await grownTo(size, after / PAGE + 480)).toBeGreaterThanOrEqual(after + 480 * PAGE);
  });

  it('does nothing, and stops cleanly, when the file cannot be opened', async () => {
    const checkpointer = startCheckpointer(join(tmpdir(), 'weian-no-such-dir', 'db.sqlite'), 50);
    await new Promise((r) => setTimeout(r, 200));
    await expect(checkpointer.stop()).resolves.toBeUndefined();
  });
});
