import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestDb, type TestDb } from '../testing/harness.js';
import { socketWrites } from '../testing/sockets.js';
import { UNREAD } from './hot.js';
import { PREPARED_PER_CONNECTION } from './pgPrepared.js';

describe('prepared statements on PostgreSQL', () => {
  let t: TestDb;
  beforeEach(async () => {
    t = await createTestDb('postgres');
  });
  afterEach(async () => {
    await t.close();
  });

  // pg_prepared_statements lists one session's statements: every step below runs on one pooled connection.

  it('prepares a parameterised statement once per connection and runs it with each call’s values', async () => {
    await t.deps.db.connection().execute(async (c) => {
      const values: number[] = [];
      for (const n of [1, 2, 3, 2]) values.push(Number((await sql<{ v: number }>`select ${n}::int + 1 as v`.execute(c)).rows[0]!.v));
      expect(values).toEqual([2, 3, 4, 3]);
      const rows = (await sql<{ statement: string }>`select statement from pg_prepared_statements where statement like ${'select $1::int + 1%'}`.execute(c)).rows;
      expect(rows).toHaveLength(1);
    });
  });

  it('keeps at most its bound of statements on a connection, deallocating the least recently used', async () => {
    await t.deps.db.connection().execute(async (c) => {
      const distinct = PREPARED_PER_CONNECTION + 20;
      for (let i = 0; i < distinct; i++) expect((await sql<{ v: number }>`select ${i}::int as ${sql.ref(`v${i}`)}`.execute(c)).rows[0]).toEqual({ [`v${i}`]: i });
      // Without parameters: a simple query, not itself prepared.
      const { rows } = await sql<{ n: string }>`select count(*) as n from pg_prepared_statements`.execute(c);
      expect(Number(rows[0]!.n)).toBeLessThanOrEqual(PREPARED_PER_CONNECTION);
      expect(Number(rows[0]!.n)).toBeGreaterThan(PREPARED_PER_CONNECTION - 5);
      // The earliest ones were evicted and are prepared again when they come back.
      expect((await sql<{ v0: number }>`select ${7}::int as v0`.execute(c)).rows[0]).toEqual({ v0: 7 });
    });
  });

  it('recovers a statement whose table changed under it: one failure, then prepared anew', async () => {
    await sql`create table prep_probe (id int primary key)`.execute(t.deps.db);
    await sql`insert into prep_probe values (1)`.execute(t.deps.db);
    await t.deps.db.connection().execute(async (c) => {
      const probe = () => sql<Record<string, unknown>>`select * from prep_probe where id = ${1}`.execute(c);
      expect((await probe()).rows).toEqual([{ id: 1 }]);
      await sql`alter table prep_probe add column note text default 'x'`.execute(c);
      await expect(probe()).rejects.toMatchObject({ code: '0A000' });
      expect((await probe()).rows).toEqual([{ id: 1, note: 'x' }]);
    });
  });

  it('sends a transaction’s BEGIN with its first statement: committed, rolled back, failed and empty transactions behave as before', async () => {
    const db = t.deps.db;
    await sql`create table tx_probe (id int primary key)`.execute(db);
    const ids = async () => (await sql<{ id: number }>`select id from tx_probe order by id`.execute(db)).rows.map((r) => r.id);
    await db.transaction().execute(async (tx) => {
      await sql`insert into tx_probe values (${1})`.execute(tx);
      await sql`insert into tx_probe values (${2})`.execute(tx);
    });
    expect(await ids()).toEqual([1, 2]);
    // Rolled back: the first statement's row goes too, so it ran inside the transaction, after BEGIN.
    await expect(
      db.transaction().execute(async (tx) => {
        await sql`insert into tx_probe values (${3})`.execute(tx);
        throw new Error('changed my mind');
      }),
    ).rejects.toThrow('changed my mind');
    expect(await ids()).toEqual([1, 2]);
    // The first statement fails: the transaction is rolled back and the connection serves on.
    await expect(db.transaction().execute(async (tx) => void (await sql`insert into tx_probe values (${1})`.execute(tx)))).rejects.toMatchObject({ code: '23505' });
    // Nothing in it: nothing is sent, and the next transaction is a transaction of its own.
    await db.transaction().execute(async () => {});
    await expect(
      db.transaction().execute(async (tx) => {
        await sql`insert into tx_probe values (${4})`.execute(tx);
        expect((await sql<{ n: string }>`select count(*) as n from tx_probe`.execute(tx)).rows[0]!.n).toBe('3');
        throw new Error('again');
      }),
    ).rejects.toThrow('again');
    expect(await ids()).toEqual([1, 2]);
    // Left outside any transaction: a statement's own transaction starts with it.
    expect((await sql<{ fresh: boolean }>`select now() = statement_timestamp() as fresh`.execute(db)).rows[0]!.fresh).toBe(true);
  });

  it('holds a write whose result is unread and sends it with the next statement, inside transactions only', async () => {
    const db = t.deps.db;
    await sql`create table held_probe (id int primary key)`.execute(db);
    const ids = async () => (await sql<{ id: number }>`select id from held_probe order by id`.execute(db)).rows.map((r) => r.id);
    const unread = (id: number) => sql`${sql.raw(UNREAD)}insert into held_probe values (${id})`;
    // Warmed: every statement below is prepared on some connection already, whichever the pool lends.
    for (let i = 0; i < 10; i++) await db.transaction().execute(async (tx) => void (await unread(100 + i).execute(tx), await sql`select count(*) from held_probe where id > ${0}`.execute(tx)));
    await sql`delete from held_probe`.execute(db);

    // BEGIN, two unread inserts and the read that sees them go out in one write; COMMIT in another.
    const writes = await socketWrites(() =>
      db.transaction().execute(async (tx) => {
        await unread(1).execute(tx);
        await unread(2).execute(tx);
        expect((await sql<{ n: string }>`select count(*) as n from held_probe where id > ${0}`.execute(tx)).rows[0]!.n).toBe('2');
      }),
    );
    expect(writes).toBe(2);
    expect(await ids()).toEqual([1, 2]);
    // Only unread writes: BEGIN, the writes and COMMIT in one.
    expect(await socketWrites(() => db.transaction().execute(async (tx) => void (await unread(3).execute(tx))))).toBe(1);
    expect(await ids()).toEqual([1, 2, 3]);

    // A held write that fails fails its transaction where it goes out (here at COMMIT): nothing of it stays.
    await expect(
      db.transaction().execute(async (tx) => {
        await sql`insert into held_probe values (${4})`.execute(tx);
        await unread(1).execute(tx);
      }),
    ).rejects.toMatchObject({ code: '23505' });
    expect(await ids()).toEqual([1, 2, 3]);
    // Rolled back: a held write is dropped, and the connection serves on.
    await expect(
      db.transaction().execute(async (tx) => {
        await sql`insert into held_probe values (${5})`.execute(tx);
        await unread(6).execute(tx);
        throw new Error('changed my mind');
      }),
    ).rejects.toThrow('changed my mind');
    expect(await ids()).toEqual([1, 2, 3]);
    // Outside a transaction there is nothing to go out with: it runs at once.
    await unread(7).execute(db);
    expect(await ids()).toEqual([1, 2, 3, 7]);
  });

  it('survives its connection dying while the pool has lent it out: that transaction fails, the next gets a fresh connection', async () => {
    const db = t.deps.db;
    const pidOf = async (c: typeof db) => (await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(c)).rows[0]!.pid;
    let lost = 0;
    await expect(
      db.transaction().execute(async (tx) => {
        lost = await pidOf(tx);
        // Another connection ends this one's backend while this transaction holds it, between two statements.
        await db.connection().execute(async (other) => void (await sql`select pg_terminate_backend(${lost})`.execute(other)));
        await new Promise((r) => setTimeout(r, 200));
        await sql`select ${1}::int as one`.execute(tx);
      }),
    ).rejects.toThrow();
    // The process is still here (an unlistened 'error' event would have ended it) and the pool serves on, on another backend.
    const fresh = await db.connection().execute((c) => pidOf(c));
    expect(fresh).not.toBe(lost);
    expect((await sql<{ one: number }>`select ${1}::int as one`.execute(db)).rows[0]!.one).toBe(1);
  });
});
