import { execFile } from 'node:child_process';
import { chownSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { openDb } from '../../server/src/storage/db.js';
import { freePort, startServerProcess, tempDir, waitFor, type ServerProcess } from '../helpers/index.js';
import { enrollAgent, queued, startAgent, type AgentProcess } from '../faults/agentProcess.js';
import { sampleReport } from '../../server/src/testing/harness.js';
import { tally } from './counts.js';
import { enrollOverHttp, rawCall } from './hostile.js';

/**
 * PostgreSQL restarted under load (issue 11): the database dies (`pg_ctl -m immediate`, a crash)
 * while an agent reports every 300 ms. The server answers a retryable 503 and keeps running, the
 * agent keeps collecting into its outbox, and once PostgreSQL is back the server reconnects by
 * itself and the outbox drains: every report collected is stored exactly once.
 *
 * The cluster is this file's own (initdb in a temp dir, a free port): the shared one on 5432 is
 * never touched.
 */
const counts = tally(import.meta.url);
const BIN = '/usr/lib/postgresql/15/bin';
const run = promisify(execFile);
const FAST = { WEIAN_AGENT_INTERVAL_MS: '300', WEIAN_AGENT_HEARTBEAT_MS: '60000' };

/** initdb refuses root: the cluster belongs to the postgres OS user when the tests run as root. */
const asPostgres = (cmd: string, args: string[], timeout = 30_000) => (process.getuid?.() === 0 ? run('runuser', ['-u', 'postgres', '--', cmd, ...args], { timeout }) : run(cmd, args, { timeout }));

async function tempCluster() {
  const dir = tempDir('weian-pg-restart-');
  if (process.getuid?.() === 0) chownSync(dir, Number((await run('id', ['-u', 'postgres'])).stdout), Number((await run('id', ['-g', 'postgres'])).stdout));
  const data = join(dir, 'data');
  await asPostgres(join(BIN, 'initdb'), ['-D', data, '-U', 'postgres', '--auth=trust', '--no-sync'], 60_000);
  const port = await freePort();
  const ctl = (...args: string[]) => asPostgres(join(BIN, 'pg_ctl'), ['-D', data, '-l', join(dir, 'pg.log'), ...args]);
  const start = () => ctl('-o', `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`, '-w', '-t', '30', 'start');
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    start,
    crash: () => ctl('-m', 'immediate', '-w', '-t', '30', 'stop'),
    async remove() {
      await ctl('-m', 'immediate', '-w', '-t', '30', 'stop').catch(() => {}); // already stopped
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const health = async (server: ServerProcess) => {
  try {
    return (await fetch(`${server.url}/healthz`, { signal: AbortSignal.timeout(3000) })).status;
  } catch {
    return 0;
  }
};

/** Pid of the process listening on 127.0.0.1:`port` (the real server under its tsx wrapper), or null. */
async function listenerPid(port: number): Promise<number | null> {
  const { stdout } = await run('ss', ['-Htlnp', `sport = :${port}`], { timeout: 5000 });
  const m = /pid=(\d+)/.exec(stdout);
  return m ? Number(m[1]) : null;
}

describe('faults: PostgreSQL restarted under load', () => {
  const cleanups: Array<() => Promise<unknown>> = [];
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c().catch(() => {});
    counts.flush();
  }, 60_000);

  it('the server reconnects by itself and the agent outbox catches up: every collected report stored exactly once', async () => {
    counts.attackOfTest({
      attack: "PostgreSQL restarted under a live agent's load",
      tried: () => counts.inputs,
      result: 'the same server process reconnected; every collected report stored exactly once',
    });
    const pg = await tempCluster();
    cleanups.push(pg.remove);
    await pg.start();
    const server = await startServerProcess({ env: { DATABASE_URL: pg.url } });
    cleanups.push(() => server.cleanup());
    // The process answering on the server's port, before the crash and after: the same one, never restarted.
    const pidBefore = await listenerPid(server.port);
    expect(pidBefore, 'no process listening on the server port').not.toBeNull();
    const agent = await enrollAgent(server);
    const probe = await enrollOverHttp(server);
    const p: AgentProcess = await startAgent(['run', '--config', agent.configPath], FAST);
    cleanups.push(() => p.stop());
    try {
      await waitFor(() => p.acknowledged().length >= 3, { timeoutMs: 30_000, what: '3 acknowledgements before the crash' });
      const logBefore = server.log().length;
      await pg.crash();
      counts.faults++;
      const ackedAtCrash = p.acknowledged().length;
      const queuedAtCrash = p.queued().length;
      // The database is gone: health says so (a 503, not a dead socket), the agent keeps collecting.
      let last = -1;
      await waitFor(async () => (last = await health(server)) === 503, { timeoutMs: 10_000, what: '/healthz 503 while PostgreSQL is down' }).catch((e: Error) => {
        throw new Error(`${e.message} (last status ${last}; 0 = no answer)\n${server.log().slice(logBefore, logBefore + 1500)}`);
      });
      await waitFor(() => p.queued().length >= queuedAtCrash + 4 && queued(agent).length >= 2, { timeoutMs: 15_000, what: 'collections queued during the outage' });
      // What the agent gets meanwhile (it retries quietly): a report now is a clear, retryable 503.
      const down = await rawCall(server.url, 'agent.report', 'mutation', sampleReport(probe.agentId, new Date()), { authorization: probe.authorization });
      counts.inputs++;
      expect(down.status, down.text).toBe(503);
      expect(JSON.parse(down.text)).toMatchObject({ error: { data: { code: 'SERVICE_UNAVAILABLE' } } });
      expect(down.text).toMatch(/storage unavailable: the (database is not reachable|connection to the database was lost|database is restarting)/);
      const ackedDuringOutage = p.acknowledged().length - ackedAtCrash;
      await pg.start();
      await waitFor(async () => (await health(server)) === 200, { timeoutMs: 20_000, what: '/healthz 200 after PostgreSQL is back' });
      await waitFor(() => queued(agent).length === 0, { timeoutMs: 20_000, what: 'the outbox to drain' });
      expect(ackedDuringOutage, 'nothing can be acknowledged while the database is down').toBeLessThanOrEqual(1);
    } finally {
      await p.stop();
    }
    expect(await listenerPid(server.port), `the server process exited or was replaced:\n${server.log().slice(-2000)}`).toBe(pidBefore);
    expect(server.log()).not.toMatch(/Unhandled|uncaught/i);
    expect(await health(server)).toBe(200);

    const collected = p.queued();
    const acked = p.acknowledged();
    counts.inputs += collected.length;
    const h = openDb({ databaseUrl: pg.url, dataDir: server.dataDir });
    let stored: string[];
    try {
      stored = (await h.db.selectFrom('report_receipts').select('report_id').where('agent_id', '=', agent.agentId).execute()).map((r) => r.report_id);
    } finally {
      await h.close();
    }
    const lost = acked.filter((id) => !stored.includes(id));
    counts.lost += lost.length;
    expect(lost, `${lost.length} of ${acked.length} acknowledged reports missing`).toEqual([]);
    expect(new Set(stored).size, 'a report stored twice').toBe(stored.length);
    expect(new Set(acked).size, 'a report acknowledged twice').toBe(acked.length);
    expect(stored.length).toBe(acked.length);
    expect([...collected].sort()).toEqual([...stored].sort());
    expect(queued(agent)).toEqual([]);
  });
});
