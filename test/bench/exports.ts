/**
 * Rankings export of a province with 5,000 institutions, through a real server process:
 * time to the last byte and the server's peak resident memory (VmHWM), one fresh server per
 * format so each peak is its own. Run: `npx tsx test/bench/exports.ts [--institutions N] [--formats xlsx,csv,pdf,trpc-ranking]`.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { chinaDate, gradeOf, round1 } from '@weian/shared';
import { EventBus } from '../../server/src/events.js';
import { countyChain } from '../../server/src/services/regions.js';
import { createUser } from '../../server/src/services/users.js';
import { migrate, openDb } from '../../server/src/storage/db.js';
import { snapshotScores } from '../../server/src/storage/scoreHistory.js';
import { upsertInstitutionScore } from '../../server/src/storage/scores.js';
import { insertInstitution } from '../../server/src/storage/institutions.js';
import { upsertRegions } from '../../server/src/storage/regions.js';
import { ZHEJIANG_COUNTIES, prng } from '../load/reports.js';
import { signIn, TEST_ADMIN } from '../helpers/auth.js';
import { startServerProcess, tempDir } from '../helpers/server.js';

const { values } = parseArgs({ options: { institutions: { type: 'string', default: '5000' }, formats: { type: 'string', default: 'xlsx,csv,pdf,trpc-ranking' } } });
const N = Number(values.institutions);
const TYPES = ['tertiary-hospital', 'secondary-hospital', 'primary-care', 'cdc', 'other'];

async function seed(dataDir: string): Promise<void> {
  const handle = openDb({ dataDir });
  await migrate(handle.db);
  const now = new Date();
  const deps = { db: handle.db, dialect: handle.dialect, bus: new EventBus(), now: () => now };
  const random = prng(7);
  const counties = ZHEJIANG_COUNTIES;
  const lastMonth = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 0, 12));
  await handle.db.transaction().execute(async (tx) => {
    await upsertRegions(tx, [...new Map(counties.flatMap(countyChain).map((r) => [r.code, r])).values()]);
    for (let i = 0; i < N; i++) {
      const county = counties[i % counties.length]!;
      const code = `ZJ${String(i).padStart(5, '0')}`;
      // A few names with separators and quotes, as real registrations have.
      const name = `${countyChain(county).at(-1)!.name}第${i}${i % 7 === 0 ? '人民医院,分院' : i % 11 === 0 ? '"中心"卫生院' : '社区卫生服务中心'}`;
      await insertInstitution(tx, { code, name, region_code: county, type: TYPES[i % TYPES.length]!, created_at: now.toISOString() });
      const technical = round1(40 + random() * 60);
      const governance = round1(random() * 100);
      const score = round1(0.6 * technical + 0.3 * governance + 10);
      await upsertInstitutionScore(tx, {
        institution_code: code,
        region_code: county,
        score,
        grade: gradeOf(score).letter,
        technical,
        governance,
        coverage: 100,
        failing_critical: Math.floor(random() * 3),
        failing_high: Math.floor(random() * 6),
        failing_medium: Math.floor(random() * 8),
        failing_low: Math.floor(random() * 4),
        hosts_registered: 20,
        hosts_reporting: 20,
        overdue_mlps: Math.floor(random() * 2),
        updated_at: now.toISOString(),
        failing_by_rule: '[]',
      });
    }
    await snapshotScores(tx, chinaDate(lastMonth));
  });
  await createUser(deps, 'cli', { username: TEST_ADMIN.username, role: 'admin', scopeCode: null, password: TEST_ADMIN.password });
  await handle.close();
}

/** The node process that serves (tsx runs the server in a child), found by its data directory. */
function serverPid(dataDir: string): number {
  const pids = execFileSync('pgrep', ['-f', 'cli.ts serve'], { encoding: 'utf8' }).trim().split('\n').map(Number);
  const mine = pids.filter((p) => {
    try {
      return readFileSync(`/proc/${p}/environ`, 'utf8').includes(`WEIAN_DATA_DIR=${dataDir}`);
    } catch {
      return false;
    }
  });
  return Math.max(...mine);
}
const kb = (pid: number, field: 'VmHWM' | 'VmRSS') => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]);

const dataDir = tempDir('weian-bench-exports-');
const t0 = performance.now();
await seed(dataDir);
console.log(`seeded ${N} institutions over ${ZHEJIANG_COUNTIES.length} counties in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
for (const format of values.formats.split(',') as Array<'xlsx' | 'csv' | 'pdf' | 'trpc-ranking'>) {
  const server = await startServerProcess({ dataDir });
  try {
    const cookie = await signIn(server.url);
    const pid = serverPid(dataDir);
    const before = { hwm: kb(pid, 'VmHWM'), rss: kb(pid, 'VmRSS') };
    // VmHWM is mostly the start-up peak (tsx compiling the sources): sample the RSS during the export instead.
    let during = before.rss;
    const sampler = setInterval(() => (during = Math.max(during, kb(pid, 'VmRSS'))), 5);
    const started = performance.now();
    // The tRPC query answers one page (the first 50, as the dashboard asks) of the same ranked province.
    const url =
      format === 'trpc-ranking'
        ? `${server.url}/trpc/institutions.ranking?input=${encodeURIComponent(JSON.stringify({ regionCode: '330000', pageSize: 50 }))}`
        : `${server.url}/export/rankings.${format}?region=330000`;
    const res = await fetch(url, { headers: { cookie } });
    const firstByte = performance.now() - started;
    let bytes = 0;
    for await (const chunk of res.body!) bytes += (chunk as Uint8Array).length;
    const total = performance.now() - started;
    clearInterval(sampler);
    const mib = (k: number) => (k / 1024).toFixed(0);
    console.log(
      `${format.padEnd(12)} status ${res.status} rows ${res.headers.get('x-export-rows') ?? '-'} ${(bytes / 1024).toFixed(0)} KiB  first byte ${firstByte.toFixed(0)} ms, last byte ${total.toFixed(0)} ms  server RSS before ${mib(before.rss)} MiB, max during ${mib(during)} MiB (+${mib(during - before.rss)}), VmHWM ${mib(kb(pid, 'VmHWM'))} MiB`,
    );
  } finally {
    await server.cleanup();
  }
}
