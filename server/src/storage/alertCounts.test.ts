import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestDb, DIALECTS, type TestDb } from '../testing/harness.js';
import { compactAlertCounts, countOpenBySeverity, openAlertRow, upsertOpenAlerts, type AlertRow, type AlertSeverity } from './alerts.js';

const ALL = { kind: 'all' } as const;
const at = '2026-12-07T08:00:00.000Z';
/** An open alert of institution A on its own rule. */
const alert = (id: string, severity: AlertSeverity): AlertRow =>
  openAlertRow(
    {
      id,
      subject_kind: 'host',
      subject_id: `h_${id}`,
      subject_name: id,
      rule_id: `R-${id}`,
      kind: 'finding',
      severity,
      institution_code: 'A',
      institution_name: 'A',
      region_code: '330106',
      evidence: '{"zh":"","en":""}',
    },
    at,
  );

describe.each(DIALECTS)('alert counts (%s)', (dialect) => {
  let t: TestDb;
  beforeEach(async () => {
    t = await createTestDb(dialect);
  });
  afterEach(async () => {
    await t.close();
  });

  it('folds each key’s changes into one row, and sums only what it deleted', async () => {
    await upsertOpenAlerts(t.deps.db, [alert('one', 'critical'), alert('two', 'critical'), alert('three', 'low')]);
    expect(await compactAlertCounts(t.deps.db)).toBe(1);
    expect(await countOpenBySeverity(t.deps.db, ALL, '33')).toEqual({ critical: 2, low: 1 });
    expect(await compactAlertCounts(t.deps.db)).toBe(0);
    await upsertOpenAlerts(t.deps.db, [alert('four', 'low')]);
    expect(await countOpenBySeverity(t.deps.db, ALL, '33')).toEqual({ critical: 2, low: 2 });
  });
});

// PostgreSQL only: SQLite has one writer, so two transactions never interleave.
describe('alert counts under concurrent transactions (postgres)', () => {
  let t: TestDb;
  beforeEach(async () => {
    t = await createTestDb('postgres');
  });
  afterEach(async () => {
    await t.close();
  });

  it('lets two transactions open alerts of one institution in opposite orders without waiting on each other', async () => {
    // Before, each change updated a shared count row: the second transaction waited on the first's row and the first
    // on the second's, and PostgreSQL ended one with "deadlock detected" after a second.
    const release: Array<() => void> = [];
    const open = (ids: Array<[string, AlertSeverity]>) =>
      t.deps.db.transaction().execute(async (tx) => {
        for (const [k, [id, severity]] of ids.entries()) {
          await upsertOpenAlerts(tx, [alert(id, severity)]);
          // Both hold their first change before either makes its second.
          if (k === 0) await new Promise<void>((r) => release.push(r));
        }
      });
    const both = Promise.all([
      open([
        ['one', 'critical'],
        ['two', 'high'],
      ]),
      open([
        ['three', 'high'],
        ['four', 'critical'],
      ]),
    ]);
    while (release.length < 2) await new Promise((r) => setTimeout(r, 10));
    release.forEach((r) => r());
    await both;
    expect(await countOpenBySeverity(t.deps.db, ALL, '33')).toEqual({ critical: 2, high: 2 });
  });
});
