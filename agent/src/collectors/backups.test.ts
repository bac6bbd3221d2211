import { mkdir, mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BackupsData } from '@weian/shared';
import { localConfig } from '../config.js';
import { liveRunner } from '../runner.js';
import { backups, parseBorgInfo, parseCommandResult, parseResticSnapshots, restoreTestedAt } from './backups.js';
import { findNewest } from './helpers/glob.js';

const fx = (p: string) => readFile(join(import.meta.dirname, '../../fixtures', p), 'utf8');
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'weian-backups-'));
  await mkdir(join(dir, 'his/2024/05'), { recursive: true });
  const files: Array<[string, string, number]> = [
    ['his/his_0501.dmp', 'x'.repeat(10), 1714500000],
    ['his/2024/05/his_0509.dmp', 'x'.repeat(20), 1715200000],
    ['his/2024/05/his_0510.dmp', 'x'.repeat(30), 1715300000],
    ['his/2024/05/notes.txt', 'not a backup', 1715400000],
  ];
  for (const [p, c, t] of files) {
    await writeFile(join(dir, p), c);
    await utimes(join(dir, p), t, t);
  }
  await writeFile(join(dir, 'restore-tested'), '');
  await utimes(join(dir, 'restore-tested'), 1712000000, 1712000000);
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('files jobs: glob walk', () => {
  it('finds the newest match with ** and *, ignoring non-matches', async () => {
    const m = await findNewest(`${dir}/his/**/*.dmp`);
    expect(m).toMatchObject({ matched: 3, capped: false, newest: { path: `${dir}/his/2024/05/his_0510.dmp`, size: 30, mtimeMs: 1715300000000 } });
    expect((await findNewest(`${dir}/his/*.dmp`)).matched).toBe(1);
    expect((await findNewest(`${dir}/nowhere/*.dmp`)).newest).toBeNull();
  });

  it('stops at the entry cap on a large folder, in bounded time', async () => {
    const big = join(dir, 'big');
    await mkdir(big);
    await Promise.all(Array.from({ length: 3000 }, (_, i) => writeFile(join(big, `f${i}.bak`), '')));
    const t0 = Date.now();
    const m = await findNewest(`${big}/*.bak`, { maxEntries: 500 });
    expect(m.capped).toBe(true);
    expect(m.visited).toBeLessThanOrEqual(501);
    expect(m.matched).toBeLessThanOrEqual(500);
    expect(Date.now() - t0).toBeLessThan(2000);
  });
});

describe('the collector on this machine', () => {
  it('reports each declared job, a missing glob as an error on the job, and restore evidence by mtime', async () => {
    const config = localConfig({
      backups: [
        { name: 'his', kind: 'files', glob: `${dir}/his/**/*.dmp`, intervalHours: 24, offsite: false, restoreEvidence: join(dir, 'restore-tested') },
        { name: 'gone', kind: 'files', glob: `${dir}/gone/*.dmp`, intervalHours: 24, offsite: true },
        { name: 'tool', kind: 'command', command: ['sh', '-c', 'echo \'{"lastSuccessAt":"2024-05-10T01:00:00Z","sizeBytes":5}\''], intervalHours: 12, offsite: false },
        { name: 'no restic', kind: 'restic', repository: '/nonexistent', intervalHours: 24, offsite: false },
      ],
    });
    const out = await backups.collect({ runner: liveRunner(), config, now: () => new Date(), signal: new AbortController().signal });
    expect(out.status).toBe('ok');
    const data = BackupsData.parse(out.status === 'ok' ? out.data : null);
    expect(data.jobs[0]).toMatchObject({ lastStatus: 'success', sizeBytes: 30, lastSuccessAt: '2024-05-10T00:13:20.000Z', lastRestoreTestAt: new Date(1712000000000).toISOString() });
    expect(data.jobs[1]).toMatchObject({ lastStatus: 'unknown', offsite: true });
    expect(data.jobs[1]!.error).toMatch(/no file matches/);
    expect(data.jobs[2]).toMatchObject({ lastStatus: 'success', lastSuccessAt: '2024-05-10T01:00:00.000Z', sizeBytes: 5 });
    expect(data.jobs[3]!.error).toMatch(/restic/);
  });

  it('no job configured is said so, not an error', async () => {
    const out = await backups.collect({ runner: liveRunner(), config: localConfig(), now: () => new Date(), signal: new AbortController().signal });
    expect(out).toEqual({ status: 'ok', data: { configured: false, jobs: [] } });
  });

  it('a hanging command is killed at the runner timeout', async () => {
    const t0 = Date.now();
    const r = await liveRunner().exec('sleep', ['30'], { timeoutMs: 300 });
    expect(r).toMatchObject({ timedOut: true, code: null });
    expect(Date.now() - t0).toBeLessThan(3000);
  });
});

describe('parsers', () => {
  it('restic snapshots: the newest snapshot and its size', async () => {
    expect(parseResticSnapshots(await fx('centos7/restic-snapshots.json'))).toMatchObject({ lastSuccessAt: '2024-05-09T17:00:03.552Z', sizeBytes: 52613349376, lastStatus: 'success' });
    expect(parseResticSnapshots('[]').error).toMatch(/no snapshot/);
    expect(parseResticSnapshots('[{"time":"2024-05-10T0').error).toMatch(/no snapshot list/);
  });
  it('borg info: local times at the host offset', async () => {
    expect(parseBorgInfo(await fx('kylin-v10/borg-info.json'), 480)).toMatchObject({ lastAttemptAt: '2024-05-09T18:00:03.000Z', lastSuccessAt: '2024-05-09T18:30:36.412Z' });
    expect(parseBorgInfo('{"archives":[]}', 0).error).toMatch(/no archive/);
  });
  it('command JSON: status, times, garbage', async () => {
    expect(parseCommandResult(await fx('centos7/backup-status.json'))).toMatchObject({ lastStatus: 'failed', lastSuccessAt: '2024-05-09T15:30:00.000Z', lastAttemptAt: '2024-05-10T15:30:00.000Z' });
    expect(parseCommandResult('').error).toMatch(/empty output/);
  });
  it('restore evidence: {testedAt} wins over the mtime', async () => {
    expect(restoreTestedAt(await fx('centos7/restore-test.json'), 1)).toBe('2024-04-11T02:00:00.000Z');
    expect(restoreTestedAt('tested ok', 1712000000000)).toBe('2024-04-01T19:33:20.000Z');
    expect(restoreTestedAt(null, null)).toBeNull();
  });
});
