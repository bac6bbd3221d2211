import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDb, enrollHost, sampleReport, type TestDb } from '../testing/harness.js';
import { ingestReport } from './ingest.js';
import { keepTableStatistics, tableStatisticsWarning } from './tableStatistics.js';

describe('table statistics on PostgreSQL', () => {
  let t: TestDb;
  beforeAll(async () => {
    t = await createTestDb('postgres');
  });
  afterAll(() => t.close());

  it('analyzes the tables itself where autovacuum is off (and says so at start), leaves them to autovacuum where it is on', async () => {
    const agent = await enrollHost(t.deps, { institution: 'ST-1', region: '330106', hostname: 'st-1' });
    await ingestReport(t.deps, agent, sampleReport(agent.id, t.clock.now), 1000);
    // This server's setting, whichever it is (the machines here run PostgreSQL with autovacuum off).
    const on = (await sql<{ autovacuum: string }>`show autovacuum`.execute(t.deps.db)).rows[0]!.autovacuum === 'on';
    const analyzed = async () => (await sql<{ n: string }>`select count(*) as n from pg_stat_user_tables where relname = 'report_receipts' and last_analyze is not null`.execute(t.deps.db)).rows[0]!.n;
    expect(await analyzed()).toBe('0');
    expect(await keepTableStatistics(t.deps)).toBe(on ? 'autovacuum' : 'analyzed');
    // The statistics are the backend's to publish; they reach pg_stat_user_tables within a second.
    const deadline = Date.now() + 5_000;
    while (!on && (await analyzed()) === '0' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(await analyzed()).toBe(on ? '0' : '1');
    expect(await tableStatisticsWarning(t.deps)).toEqual(on ? null : expect.stringMatching(/autovacuum is off: WeiAn analyzes its tables every hour/));
  });
});

describe('table statistics on SQLite', () => {
  let t: TestDb;
  beforeAll(async () => {
    t = await createTestDb('sqlite');
  });
  afterAll(() => t.close());

  it('has nothing to keep: its planner needs no statistics for these statements', async () => {
    expect(await keepTableStatistics(t.deps)).toBe('sqlite');
    expect(await tableStatisticsWarning(t.deps)).toBeNull();
  });
});
