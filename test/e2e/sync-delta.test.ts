import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deleteSection, getSections } from '../../server/src/storage/reports.js';
import { revokeAgent } from '../../server/src/storage/agents.js';
import { startServerProcess, type ServerProcess } from '../helpers/index.js';
import { agentCli, enrollAgent, startAgent, storedReports, withDb, type EnrolledAgent } from '../faults/agentProcess.js';

// Delta sync with the real agent and server: steady state is small, and a section the server lost comes back.
describe('delta sync', () => {
  let server: ServerProcess;
  let agent: EnrolledAgent;
  beforeAll(async () => {
    server = await startServerProcess();
    agent = await enrollAgent(server);
  });
  afterAll(async () => {
    await server?.cleanup();
  });

  it('sends unchanged sections as hashes once the server holds them', async () => {
    for (let i = 0; i < 3; i++) expect((await agentCli(['once', '--config', agent.configPath])).code).toBe(0);
    const [full, ...steady] = await storedReports(server, agent);
    // The design's budget for a steady-state report on the wire.
    for (const r of steady) expect(r.bytes).toBeLessThanOrEqual(1536);
    console.log(`delta sync: full report ${full!.bytes} bytes, steady-state ${steady.map((r) => r.bytes).join(', ')} bytes`);
    expect(full!.bytes).toBeGreaterThan(4 * steady[0]!.bytes);
  });

  it('re-sends a section in full when the server no longer holds it', async () => {
    const before = await withDb(server, (db) => getSections(db, agent.hostId));
    const ports = before.find((s) => s.section === 'ports')!;
    await withDb(server, (db) => deleteSection(db, agent.hostId, 'ports'));
    const once = await agentCli(['once', '--config', agent.configPath]);
    expect(once.code, once.stderr).toBe(0);
    // The delta called ports unchanged; the ack asked for it; the agent sent it again in full at once.
    expect(once.stdout.match(/acknowledged/g)).toHaveLength(2);
    const after = await withDb(server, (db) => getSections(db, agent.hostId));
    const restored = after.find((s) => s.section === 'ports')!;
    expect(restored.status).toBe('ok');
    expect(restored.hash).toBe(ports.hash);
    expect(restored.data).toBe(ports.data);
    const rows = await storedReports(server, agent);
    expect(rows.at(-1)!.bytes).toBeGreaterThan(rows.at(-2)!.bytes);
  });

  it('a revoked agent stops and says why', async () => {
    await withDb(server, (db) => revokeAgent(db, agent.agentId, new Date().toISOString(), 'host decommissioned 主机下线'));
    const once = await agentCli(['once', '--config', agent.configPath]);
    expect(once.code).toBe(78);
    expect(once.stderr).toMatch(/revoked: host decommissioned 主机下线/);
    const run = await startAgent(['run', '--config', agent.configPath], { WEIAN_AGENT_INTERVAL_MS: '300' });
    expect(await run.exited).toBe(78);
    expect(run.output()).toMatch(/stopped: the server refused this agent .*revoked: host decommissioned/);
    const status = await agentCli(['status', '--config', agent.configPath]);
    expect(status.code).toBe(78);
    expect(JSON.parse(status.stdout).revoked.message).toMatch(/host decommissioned/);
  });

  it('enroll refuses plain HTTP to a server that is not on this machine', async () => {
    const r = await agentCli(['enroll', '--server', 'http://weian.example.org:8080', '--token', 'wa_not-a-real-token-123456', '--config', `${server.dataDir}/x/agent.json`]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/refusing to send the enrollment token .* in clear text/);
  });
});
