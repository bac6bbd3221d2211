import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestDb, DIALECTS, enrollHost, type TestDb } from '../testing/harness.js';
import { hot } from './hot.js';

describe.each(DIALECTS)('hot statements (%s)', (dialect) => {
  let t: TestDb;
  beforeEach(async () => {
    t = await createTestDb(dialect);
  });
  afterEach(async () => {
    await t.close();
  });

  it('compiles once and runs with each call’s own values, in and out of transactions', async () => {
    const a = await enrollHost(t.deps, { institution: 'HOT-1', region: '330106', hostname: 'alpha' });
    const b = await enrollHost(t.deps, { institution: 'HOT-1', region: '330106', hostname: 'beta' });
    const byId = hot((db, x: { id: string; status: 'active' | 'retired' }) => db.selectFrom('hosts').select(['id', 'hostname']).where('id', '=', x.id).where('status', '=', x.status));
    expect((await byId(t.deps.db, { id: a.hostId, status: 'active' })).rows).toEqual([{ id: a.hostId, hostname: 'alpha' }]);
    expect((await byId(t.deps.db, { id: b.hostId, status: 'active' })).rows).toEqual([{ id: b.hostId, hostname: 'beta' }]);
    expect((await byId(t.deps.db, { id: b.hostId, status: 'retired' })).rows).toEqual([]);
    const inTx = await t.deps.db.transaction().execute((tx) => byId(tx, { id: a.hostId, status: 'active' }));
    expect(inTx.rows).toEqual([{ id: a.hostId, hostname: 'alpha' }]);
  });

  it('refuses an argument that is not a bound value', async () => {
    const bad = hot((db, x: { column: string }) => db.selectFrom('hosts').select(x.column as 'id'));
    await expect(bad(t.deps.db, { column: 'id' })).rejects.toThrow(/not bound as parameters/);
  });
});
