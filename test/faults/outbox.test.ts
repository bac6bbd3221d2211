import { readFileSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServerProcess, waitFor, type ServerProcess } from '../helpers/index.js';
import { agentCli, enrollAgent, queued, startAgent, storedReports, type EnrolledAgent } from './agentProcess.js';

const FAST = { WEIAN_AGENT_INTERVAL_MS: '300', WEIAN_AGENT_HEARTBEAT_MS: '60000' };

// The outbox across a server outage, with real processes: the agent keeps collecting into its
// durable queue, and everything (within the bound) reaches storage once, in collection order.
describe('outbox across a server outage', () => {
  let server: ServerProcess;
  beforeAll(async () => {
    server = await startServerProcess();
  });
  afterAll(async () => {
    await server?.cleanup();
  });
  const stored = async (agent: EnrolledAgent) => (await storedReports(server, agent)).map((r) => ({ reportId: r.report_id, receivedAt: r.received_at }));

  it('queues N reports while the server is down and stores all N exactly once, in order, when it is back', async () => {
    const agent = await enrollAgent(server);
    await server.stop();
    const run = await startAgent(['run', '--config', agent.configPath], FAST);
    await waitFor(() => queued(agent).length >= 4, { timeoutMs: 40_000, what: '4 queued reports' });
    expect(await run.stop()).toBe(0);
    const ids = queued(agent);
    expect(run.queued()).toEqual(ids);

    const status = await agentCli(['status', '--config', agent.configPath]);
    const s = JSON.parse(status.stdout) as { outbox: { reports: number; bytes: number }; lastError: { message: string } | null; lastSyncAt: string | null };
    expect(s.outbox.reports).toBe(ids.length);
    expect(s.lastError?.message).toMatch(/ECONNREFUSED|fetch failed/);
    expect(s.lastSyncAt).toBeNull();

    // `once` with the server still down keeps its report too, and says it could not send.
    const offline = await agentCli(['once', '--config', agent.configPath]);
    expect(offline.code).toBe(1);
    expect(offline.stderr).toMatch(/could not send \(\d+ report\(s\) kept in the outbox\)/);
    const all = queued(agent);
    expect(all.slice(0, ids.length)).toEqual(ids);

    await server.restart();
    const once = await agentCli(['once', '--config', agent.configPath]);
    expect(once.code, once.stderr).toBe(0);
    const rows = await stored(agent);
    expect(rows.map((r) => r.reportId)).toEqual([...all, expect.any(String)]);
    expect(new Set(rows.map((r) => r.reportId)).size).toBe(rows.length);
    // Sent in collection order: received times follow collection times.
    const received = rows.map((r) => r.receivedAt);
    expect([...received].sort()).toEqual(received);
    expect(queued(agent)).toEqual([]);
  });

  it('never lets the queue pass its bound, and drops the oldest reports, never the newest', async () => {
    const agent = await enrollAgent(server);
    const config = JSON.parse(readFileSync(agent.configPath, 'utf8'));
    writeFileSync(agent.configPath, JSON.stringify({ ...config, outbox: { maxReports: 3, maxBytes: 50 * 1024 * 1024 } }), { mode: 0o600 });
    await server.stop();
    const run = await startAgent(['run', '--config', agent.configPath], FAST);
    let max = 0;
    await waitFor(
      () => {
        max = Math.max(max, queued(agent).length);
        return run.queued().length >= 6;
      },
      { timeoutMs: 60_000, intervalMs: 20, what: '6 collections' },
    );
    expect(await run.stop(), run.output()).toBe(0);
    const logged = run.queued();
    const kept = queued(agent);
    expect(max).toBeLessThanOrEqual(3);
    expect(kept).toEqual(logged.slice(-3));
    expect(run.output()).toMatch(/outbox full: dropped the oldest queued report/);

    await server.restart();
    const once = await agentCli(['once', '--config', agent.configPath]);
    expect(once.code, once.stderr).toBe(0);
    const rows = (await stored(agent)).map((r) => r.reportId);
    // The two newest survivors and the new one (the bound of 3 dropped the oldest survivor to make room).
    expect(rows.slice(0, 2)).toEqual(kept.slice(1));
    expect(rows).toHaveLength(3);
    for (const dropped of logged.slice(0, -2)) expect(rows).not.toContain(dropped);
  });
});
