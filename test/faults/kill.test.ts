import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServerProcess, waitFor, type ServerProcess } from '../helpers/index.js';
import { agentCli, enrollAgent, queued, startAgent, storedReports } from './agentProcess.js';

const FAST = { WEIAN_AGENT_INTERVAL_MS: '300', WEIAN_AGENT_HEARTBEAT_MS: '60000' };

// kill -9 of either side at the worst moment: nothing acknowledged is lost, nothing stored twice.
describe('kill -9 of the agent or the server', () => {
  let server: ServerProcess;
  beforeAll(async () => {
    server = await startServerProcess();
  });
  afterAll(async () => {
    await server?.cleanup();
  });

  it('agent killed between send and acknowledgement: restart stores the report once, loses nothing', async () => {
    const agent = await enrollAgent(server);
    // The agent pauses after the server answered and before it records the answer.
    const p = await startAgent(['once', '--config', agent.configPath], { WEIAN_AGENT_PAUSE_AFTER_SEND_MS: '60000' });
    const first = await waitFor(async () => (await storedReports(server, agent))[0], { timeoutMs: 30_000, what: 'the report stored' });
    await p.kill9();
    expect(queued(agent)).toEqual([first.report_id]); // never acknowledged as far as the agent knows

    const again = await agentCli(['once', '--config', agent.configPath]);
    expect(again.code, again.stderr).toBe(0);
    const ids = (await storedReports(server, agent)).map((r) => r.report_id);
    expect(ids).toHaveLength(2);
    expect(ids[0]).toBe(first.report_id);
    expect(queued(agent)).toEqual([]);
  });

  it('agent killed at random moments while running: every queued report is stored exactly once', async () => {
    const agent = await enrollAgent(server);
    let everQueued: string[] = [];
    for (let round = 0; round < 3; round++) {
      const p = await startAgent(['run', '--config', agent.configPath], FAST);
      await waitFor(() => p.queued().length >= 1, { timeoutMs: 30_000, what: 'a collection' });
      await new Promise((r) => setTimeout(r, 200 + Math.random() * 1200));
      await p.kill9();
      everQueued = [...everQueued, ...p.queued()];
    }
    const once = await agentCli(['once', '--config', agent.configPath]);
    expect(once.code, once.stderr).toBe(0);
    const ids = (await storedReports(server, agent)).map((r) => r.report_id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of everQueued) expect(ids).toContain(id);
    expect(queued(agent)).toEqual([]);
  });

  it('server killed under a stream of reports: every acknowledged report is there after restart', async () => {
    const agent = await enrollAgent(server);
    const p = await startAgent(['run', '--config', agent.configPath], FAST);
    try {
      await waitFor(() => p.acknowledged().length >= 3, { timeoutMs: 30_000, what: '3 acknowledgements' });
      await server.kill9();
      const beforeRestart = p.acknowledged();
      await waitFor(() => p.queued().length >= beforeRestart.length + 2, { timeoutMs: 30_000, what: 'collections during the outage' });
      await server.restart();
      await waitFor(() => p.acknowledged().length >= beforeRestart.length + 3, { timeoutMs: 40_000, what: 'acknowledgements after the restart' });
    } finally {
      await p.stop();
    }
    const acked = p.acknowledged();
    const ids = (await storedReports(server, agent)).map((r) => r.report_id);
    for (const id of acked) expect(ids).toContain(id);
    expect(new Set(ids).size).toBe(ids.length);
    // In collection order, whatever the outage did to the timing.
    const order = p.queued().filter((id) => ids.includes(id));
    expect(ids.filter((id) => order.includes(id))).toEqual(order);
  });
});
