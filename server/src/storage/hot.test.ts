import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestDb, DIALECTS, enrollHost, type TestDb } from '../testing/harness.js';
import { hot, hotIn, hotList } from './hot.js';
import type { FindingTransitionsTable } from './schema.js';
import { insertTransitions, listTransitions } from './transitions.js';

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

  it('compiles a list statement once per length and binds each row’s values in its place', async () => {
    const hosts = [];
    for (const hostname of ['alpha', 'beta', 'gamma']) hosts.push(await enrollHost(t.deps, { institution: 'HOT-2', region: '330106', hostname }));
    const named = hotList((db, rows: Array<{ id: string }>) =>
      db
        .selectFrom('hosts')
        .select(['id', 'hostname'])
        .where(
          'id',
          'in',
          rows.map((r) => r.id),
        )
        .orderBy('hostname'),
    );
    const names = async (ids: string[]) =>
      (
        await named(
          t.deps.db,
          ids.map((id) => ({ id })),
        )
      ).rows.map((r) => r.hostname);
    expect(await names([hosts[2]!.hostId, hosts[0]!.hostId])).toEqual(['alpha', 'gamma']);
    expect(await names([hosts[1]!.hostId])).toEqual(['beta']);
    // The two-row statement again, with other values: compiled before, bound anew.
    expect(await names([hosts[1]!.hostId, hosts[2]!.hostId])).toEqual(['beta', 'gamma']);
    expect(await names([hosts[0]!.hostId, hosts[1]!.hostId, hosts[2]!.hostId])).toEqual(['alpha', 'beta', 'gamma']);
  });

  it('reads by a list of ids of any length, and nothing for none (PostgreSQL refuses an empty `in ()`)', async () => {
    const hosts = [];
    for (const hostname of ['alpha', 'beta', 'gamma']) hosts.push(await enrollHost(t.deps, { institution: 'HOT-3', region: '330106', hostname }));
    const names = hotIn((db, ids) => db.selectFrom('hosts').select('hostname').where('id', 'in', ids).orderBy('hostname'));
    const of = async (ids: string[]) => (await names(t.deps.db, ids)).map((r) => r.hostname);
    expect(await of([])).toEqual([]);
    expect(await of([hosts[2]!.hostId, hosts[0]!.hostId])).toEqual(['alpha', 'gamma']);
    expect(await of([hosts[1]!.hostId, 'h_absent'])).toEqual(['beta']);
    expect(await of(hosts.map((h) => h.hostId))).toEqual(['alpha', 'beta', 'gamma']);
  });

  it('binds every row of a list by the given columns, whatever its keys: a missing one as null, one the first row lacks kept', async () => {
    const row = (id: string, extra: Partial<FindingTransitionsTable>) =>
      ({
        id,
        subject_kind: 'host',
        subject_id: 'h_hot',
        rule_id: `R-${id}`,
        institution_code: 'HOT-3',
        to_status: 'fail',
        severity: 'high',
        at: '2026-12-07T08:00:00.000Z',
        ...extra,
      }) as FindingTransitionsTable;
    // The first row has no from_status at all; the second has one, as its last key.
    await insertTransitions(t.deps.db, [row('ft_a', {}), row('ft_b', { from_status: 'pass' })]);
    const stored = await listTransitions(t.deps.db, 'host', 'h_hot', 10);
    expect(stored.map((r) => [r.id, r.from_status, r.to_status]).sort()).toEqual([
      ['ft_a', null, 'fail'],
      ['ft_b', 'pass', 'fail'],
    ]);
  });

  it('refuses an argument that is not a bound value', async () => {
    const bad = hot((db, x: { column: string }) => db.selectFrom('hosts').select(x.column as 'id'));
    await expect(bad(t.deps.db, { column: 'id' })).rejects.toThrow(/not bound as parameters/);
  });
});
