import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDb } from '../../server/src/storage/db.js';
import { sampleReport } from '../../server/src/testing/harness.js';
import { startServerProcess, tempDir, waitFor, type ServerProcess } from '../helpers/index.js';
import { createPgDatabase } from '../helpers/pg.js';
import { tally } from './counts.js';
import { enrollOverHttp, rawCall } from './hostile.js';

/**
 * The unlucky operator: kill -9 under a load of reports (SQLite and PostgreSQL), a disk that fills
 * up, a data directory that turns read-only. No acknowledged report is lost, every failure is a
 * clear retryable error (never an opaque 500, never a crash), and the SQLite file passes
 * `PRAGMA integrity_check` afterwards.
 */
const counts = tally(import.meta.url);
const SQLite = createRequire(new URL('../../server/package.json', import.meta.url))('better-sqlite3') as new (
  f: string,
  o?: { readonly?: boolean },
) => { pragma(q: string, o?: { simple: boolean }): unknown; close(): void };

const integrity = (dataDir: string) => {
  const db = new SQLite(join(dataDir, 'weian.sqlite'), { readonly: true });
  try {
    return db.pragma('integrity_check', { simple: true });
  } finally {
    db.close();
  }
};

async function storedIds(server: ServerProcess, databaseUrl?: string): Promise<Set<string>> {
  const h = openDb({ databaseUrl, dataDir: server.dataDir });
  try {
    return new Set((await h.db.selectFrom('report_receipts').select('report_id').execute()).map((r) => r.report_id));
  } finally {
    await h.close();
  }
}

/** Sends reports from `agents` with `n` in flight until stopped; returns the ids the server acknowledged. */
function load(server: ServerProcess, agents: Array<{ agentId: string; authorization: string }>, n: number) {
  const acked: string[] = [];
  let stopped = false;
  let sent = 0;
  const workers = Array.from({ length: n }, async (_, w) => {
    while (!stopped && sent < 5000) {
      const a = agents[w % agents.length]!;
      const r = sampleReport(a.agentId, new Date());
      sent++;
      try {
        const res = await rawCall(server.url, 'agent.report', 'mutation', r, { authorization: a.authorization });
        if (res.status === 200) acked.push(r.reportId);
        else if (res.status >= 500 && res.status !== 503) throw new Error(`${res.status} ${res.text}`);
      } catch (e) {
        if ((e as Error).message.startsWith('5')) throw e;
        await new Promise((r2) => setTimeout(r2, 20)); // connection refused while it is down
      }
    }
  });
  return {
    acked,
    sent: () => sent,
    async stop() {
      stopped = true;
      await Promise.all(workers);
    },
  };
}

describe('faults: kill -9 under load, full disk, read-only data', () => {
  const mounts: string[] = [];
  const cleanups: Array<() => Promise<void>> = [];
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c().catch(() => {});
    for (const m of mounts) {
      try {
        execFileSync('umount', ['-l', m]);
      } catch {
        // already gone
      }
    }
    counts.flush();
  });

  it.each(['sqlite', 'postgres'] as const)('kill -9 of the server under a load of reports loses no acknowledged report (%s)', async (dialect) => {
    counts.attackOfTest({ attack: `kill -9 of the server under a load of reports, 3 rounds (${dialect})`, tried: 3, result: 'no acknowledged report lost; back up after each' });
    const env: Record<string, string> = {};
    if (dialect === 'postgres') {
      const pg = await createPgDatabase('weian_adv_kill');
      env.DATABASE_URL = pg.url;
      cleanups.push(pg.drop);
    }
    const server = await startServerProcess({ env });
    cleanups.push(() => server.cleanup());
    const agents = [await enrollOverHttp(server), await enrollOverHttp(server), await enrollOverHttp(server)];
    for (let round = 0; round < 3; round++) {
      const l = load(server, agents, 6);
      await waitFor(() => l.acked.length >= 30, { timeoutMs: 30_000, what: 'acknowledged reports' });
      await server.kill9();
      counts.faults++;
      await l.stop();
      counts.inputs += l.sent();
      const stored = await storedIds(server, env.DATABASE_URL);
      const lost = l.acked.filter((id) => !stored.has(id));
      counts.lost += lost.length;
      expect(lost, `round ${round}: ${lost.length} of ${l.acked.length} acknowledged reports missing`).toEqual([]);
      await server.restart();
      await waitFor(async () => (await fetch(`${server.url}/healthz`)).ok, { timeoutMs: 20_000, what: 'the server back' });
    }
    if (dialect === 'sqlite') expect(integrity(server.dataDir)).toBe('ok');
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  });

  it('a full disk: writes answer a clear retryable error, reads still work, nothing is corrupted, and it recovers when space is freed', async () => {
    counts.attackOfTest({
      attack: 'reports and edits while the data disk is full',
      tried: 1,
      result: 'clear retryable 503s, reads still served, nothing corrupted or lost; recovers when space is freed',
    });
    const dir = tempDir('weian-full-');
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=12m', 'tmpfs', dir]);
    mounts.push(dir);
    const server = await startServerProcess({ dataDir: dir });
    cleanups.push(() => server.cleanup());
    const agent = await enrollOverHttp(server);
    const ok = await rawCall(server.url, 'agent.report', 'mutation', sampleReport(agent.agentId, new Date()), { authorization: agent.authorization });
    expect(ok.status, ok.text).toBe(200);
    // Fill what is left of the filesystem.
    try {
      execFileSync('dd', ['if=/dev/zero', `of=${join(dir, 'filler')}`, 'bs=64k'], { stdio: 'ignore' });
    } catch {
      // dd stops with ENOSPC: that is the point
    }
    counts.faults++;
    const refused: Array<{ status: number; text: string }> = [];
    const acked: string[] = [];
    // Bigger reports until the database needs a page it cannot have.
    for (let i = 0; i < 200 && refused.length < 3; i++) {
      const r = sampleReport(agent.agentId, new Date());
      if (r.sections.device.status === 'ok')
        r.sections.device.data.filesystems = Array.from({ length: 200 }, (_, k) => ({
          mount: `/m${i}-${k}`.padEnd(200, 'x'),
          fs: '/dev/sdz'.padEnd(300, 'y'),
          type: 'ext4',
          sizeBytes: k,
          usedBytes: 0,
        }));
      const res = await rawCall(server.url, 'agent.report', 'mutation', r, { authorization: agent.authorization });
      counts.inputs++;
      if (res.status === 200) acked.push(r.reportId);
      else refused.push(res);
    }
    expect(refused.length, 'the disk never filled').toBeGreaterThan(0);
    for (const r of refused) {
      expect(
        r.status,
        `${r.text}\n${server
          .log()
          .split('\n')
          .filter((l) => l.includes('ERROR'))
          .slice(0, 3)
          .join('\n')}`,
      ).toBe(503);
      expect(JSON.parse(r.text)).toMatchObject({ error: { data: { code: 'SERVICE_UNAVAILABLE' } } });
      expect(r.text).toMatch(/storage unavailable: the disk holding the (database|data) is full/);
    }
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    // Alive, but not ready: readiness says the database takes no writes, and why.
    const notReady = await fetch(`${server.url}/readyz`);
    expect(notReady.status).toBe(503);
    expect(await notReady.json()).toMatchObject({ ready: false, reason: expect.stringMatching(/full/) });
    execFileSync('rm', ['-f', join(dir, 'filler')]);
    expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
    const after = await rawCall(server.url, 'agent.report', 'mutation', sampleReport(agent.agentId, new Date()), { authorization: agent.authorization });
    expect(after.status, after.text).toBe(200);
    await server.stop();
    const stored = await storedIds(server);
    const lost = acked.filter((id) => !stored.has(id));
    counts.lost += lost.length;
    expect(lost).toEqual([]);
    expect(integrity(dir)).toBe('ok');
  });

  it('a read-only data directory: a clear message at start (or clear retryable errors for writes), and no corruption', async () => {
    counts.attackOfTest({ attack: 'a read-only data directory', tried: 1, result: 'a clear message (or retryable errors for writes), no corruption' });
    const dir = tempDir('weian-ro-');
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=32m', 'tmpfs', dir]);
    mounts.push(dir);
    const server = await startServerProcess({ dataDir: dir });
    cleanups.push(() => server.cleanup());
    const agent = await enrollOverHttp(server);
    expect((await rawCall(server.url, 'agent.report', 'mutation', sampleReport(agent.agentId, new Date()), { authorization: agent.authorization })).status).toBe(200);
    await server.stop();
    // An operator's mistake: the data directory mounted read-only (root ignores file modes, a mount does not).
    execFileSync('mount', ['-o', 'remount,ro', dir]);
    counts.faults++;
    const start = await server.restart().then(
      () => 'started',
      (e: Error) => e.message,
    );
    if (start === 'started') {
      // SQLite may open the database for reading; a write must then be a clear 503.
      const w = await rawCall(server.url, 'agent.report', 'mutation', sampleReport(agent.agentId, new Date()), { authorization: agent.authorization });
      counts.inputs++;
      expect(w.status, w.text).toBe(503);
      expect(w.text).toMatch(/storage unavailable/);
      await server.kill9();
    } else {
      expect(start).toMatch(/weian-server: cannot open or write the data directory .*check that it is writable/);
      expect(start).not.toMatch(/\n\s+at /);
    }
    execFileSync('mount', ['-o', 'remount,rw', dir]);
    expect(integrity(dir)).toBe('ok');
    writeFileSync(join(dir, '.probe'), 'rw again');
  });
});
