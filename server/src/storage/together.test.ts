import { sql } from 'kysely';
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestDb, type TestDb } from '../testing/harness.js';
import { socketWrites } from '../testing/sockets.js';
import type { Db } from './schema.js';
import { together } from './together.js';

/** The most statements a pg client had sent and not yet had answered, while `run` ran (BEGIN, which goes out with the first, aside). */
async function mostInFlight(run: () => Promise<unknown>): Promise<number> {
  const proto = pg.Client.prototype as unknown as { query: (...a: unknown[]) => unknown };
  const query = proto.query;
  let now = 0;
  let most = 0;
  proto.query = function (this: unknown, ...a: unknown[]) {
    const sent = query.apply(this, a);
    if (!(sent instanceof Promise) || a[0] === 'begin') return sent;
    most = Math.max(most, ++now);
    return sent.finally(() => now--);
  };
  try {
    await run();
  } finally {
    proto.query = query;
  }
  return most;
}

/** n + the regions this handle sees: a read whose answer shows which transaction ran it. */
const value = async (db: Db, n: number): Promise<number> => Number((await sql<{ v: number }>`select ${n} + count(*) as v from regions`.execute(db)).rows[0]!.v);

describe.each(['sqlite', 'postgres'] as const)('reads run together (%s)', (dialect) => {
  let t: TestDb;
  beforeEach(async () => {
    t = await createTestDb(dialect);
  });
  afterEach(async () => {
    await t.close();
  });

  it("answers each read in order, as the transaction sees its own writes, and runs the transaction's next statement after them", async () => {
    const regions = Number((await sql<{ n: number }>`select count(*) as n from regions`.execute(t.deps.db)).rows[0]!.n);
    const [a, b, c, after] = await t.deps.db.transaction().execute(async (tx) => {
      await sql`insert into regions (code, name, level, parent_code) values ('990000', 'test', 'province', null)`.execute(tx);
      const read = (n: number) => (db: Db) => value(db, n);
      const [a, b, c] = await together(tx, read(1), read(2), async (db) => (await sql<{ name: string }>`select name from regions where code = '990000'`.execute(db)).rows.map((r) => r.name));
      await sql`delete from regions where code = '990000'`.execute(tx);
      return [a, b, c, await value(tx, 0)];
    });
    expect([a, b, c, after]).toEqual([regions + 2, regions + 3, ['test'], regions]);
  });

  it('fails with the first failing read once all have settled, and the transaction rolls back', async () => {
    // On PostgreSQL the second fails too (the transaction is aborted): settled, either way, before together() answers.
    let settled = false;
    const attempt = t.deps.db.transaction().execute(async (tx) => {
      await sql`insert into regions (code, name, level, parent_code) values ('990001', 'gone', 'province', null)`.execute(tx);
      return together(
        tx,
        (db) => sql`select * from no_such_table`.execute(db),
        async (db) => {
          try {
            await value(db, 1);
          } finally {
            settled = true;
          }
        },
      );
    });
    await expect(attempt).rejects.toThrow(/no_such_table|no such table/);
    expect(settled).toBe(true);
    expect((await sql<{ n: number }>`select count(*) as n from regions where code = '990001'`.execute(t.deps.db)).rows[0]!.n).toEqual(dialect === 'postgres' ? '0' : 0);
  });
});

describe('reads run together on PostgreSQL', () => {
  let t: TestDb;
  beforeEach(async () => {
    t = await createTestDb('postgres');
  });
  afterEach(async () => {
    await t.close();
  });

  it('sends them without waiting for each answer, where Promise.all in a transaction waits for each', async () => {
    const awaited = await mostInFlight(() => t.deps.db.transaction().execute((tx) => Promise.all([value(tx, 1), value(tx, 2), value(tx, 3)])));
    const sentTogether = await mostInFlight(() =>
      t.deps.db.transaction().execute((tx) =>
        together(
          tx,
          (db) => value(db, 1),
          (db) => value(db, 2),
          (db) => value(db, 3),
        ),
      ),
    );
    expect(awaited).toBe(1);
    expect(sentTogether).toBe(3);
  });

  it('sends them in one socket write (a system call each was a fifth of the server’s CPU when judging hosts)', async () => {
    const writes: number[] = [];
    await t.deps.db.transaction().execute(async (tx) => {
      await value(tx, 0);
      writes.push(
        await socketWrites(() =>
          together(
            tx,
            (db) => value(db, 1),
            (db) => value(db, 2),
            (db) => value(db, 3),
          ),
        ),
      );
      writes.push(await socketWrites(() => Promise.all([value(tx, 1), value(tx, 2)])));
    });
    // Awaited in turn, each waits for the one before: a write each.
    expect(writes).toEqual([1, 2]);
  });
});
