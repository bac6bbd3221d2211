import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signedInClient, startServerProcess, waitFor, type ServerProcess } from '../helpers/index.js';
import { enrollAgent, startAgent, type AgentProcess } from './agentProcess.js';

const count = (out: string, re: RegExp) => out.match(new RegExp(re, 'g'))?.length ?? 0;

// Server → agent commands over the agent's own tRPC subscription client, across a kill -9 of the server.
describe('commands over the WebSocket', () => {
  let server: ServerProcess;
  let agent: AgentProcess;
  beforeAll(async () => {
    server = await startServerProcess();
  });
  afterAll(async () => {
    await agent?.stop();
    await server?.cleanup();
  });

  /** What an operator does in the dashboard, as the admin. */
  const asAdmin = async <T>(fn: (c: Awaited<ReturnType<typeof signedInClient>>['client']) => Promise<T>) => {
    const admin = await signedInClient(server.url);
    try {
      return await fn(admin.client);
    } finally {
      admin.close();
    }
  };

  it('collects when asked and takes new settings, before and after the server is killed and restarted', async () => {
    const enrolled = await enrollAgent(server);
    // Hours between scheduled collections and heartbeats: whatever the agent does here, it was told to over the socket.
    agent = await startAgent(['run', '--config', enrolled.configPath], { WEIAN_AGENT_INTERVAL_MS: '3600000', WEIAN_AGENT_HEARTBEAT_MS: '3600000' });
    await waitFor(() => agent.output().includes('command channel open'), { timeoutMs: 30_000, what: 'the command channel' });

    await asAdmin((c) => c.agents.collectNow.mutate({ agentId: enrolled.agentId }));
    await waitFor(() => count(agent.output(), /server asks for a collection now/) === 1 && agent.acknowledged().length >= 1, { timeoutMs: 30_000, what: 'the requested report' });

    await server.kill9();
    await waitFor(() => agent.output().includes('command channel closed'), { timeoutMs: 30_000, what: 'the agent noticing the socket dropped' });
    await server.restart();
    await waitFor(() => count(agent.output(), /command channel open/) >= 2, { timeoutMs: 60_000, what: 'the agent reconnecting' });

    const acked = agent.acknowledged().length;
    await asAdmin((c) => c.agents.collectNow.mutate({ agentId: enrolled.agentId }));
    await waitFor(() => count(agent.output(), /server asks for a collection now/) === 2 && agent.acknowledged().length > acked, { timeoutMs: 30_000, what: 'the second requested report' });
    await asAdmin((c) => c.agents.configure.mutate({ agentId: enrolled.agentId, settings: { collectIntervalMinutes: 30, heartbeatSeconds: 120 } }));
    await waitFor(() => agent.output().includes('new settings from the server: collect every 30 min, heartbeat every 120 s'), { timeoutMs: 30_000, what: 'the new settings' });

    expect(await agent.stop(), agent.output()).toBe(0);
    expect(agent.output()).not.toMatch(/command channel: /); // no error from the server on the subscription
  });
});
