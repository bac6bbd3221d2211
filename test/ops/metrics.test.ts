import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Report } from '@weian/shared';
import { AgentClient } from '@weian/agent';
import { startServerProcess, TEST_ADMIN, type ServerProcess } from '../helpers/index.js';
import { enrollSimulatedAgents } from '../load/loadgen.js';
import { metricValue } from '../helpers/metrics.js';

const TOKEN = 'metrics-token-0123456789abcdef';

/** GET from a loopback address of the caller's choosing (127.0.0.2 is "another host" to the server). */
const get = (url: string, from: string, headers: Record<string, string> = {}) =>
  new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = request(url, { localAddress: from, headers }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });

/** Issue 25: GET /metrics, scoped to loopback or a token, with counters that move with real traffic. */
describe('/metrics', () => {
  let server: ServerProcess;
  beforeAll(async () => {
    server = await startServerProcess({ env: { WEIAN_METRICS_TOKEN: TOKEN } });
  });
  afterAll(() => server?.cleanup());

  it('counts accepted and refused reports, with their latency, and keeps secrets out of the log', async () => {
    const before = await get(`${server.url}/metrics`, '127.0.0.1');
    expect(before.status).toBe(200);
    expect(metricValue(before.body, 'weian_reports_total{outcome="accepted",reason=""}')).toBeNaN();
    expect(metricValue(before.body, 'weian_ingest_transactions_total')).toBe(0);
    for (const name of [
      'weian_websocket_connections',
      'weian_agents_connected',
      'weian_subscriptions',
      'weian_database_latency_seconds',
      'nodejs_eventloop_lag_seconds',
      'process_resident_memory_bytes',
    ])
      expect(before.body, name).toMatch(new RegExp(`^${name} `, 'm'));
    expect(metricValue(before.body, 'weian_database_latency_seconds')).toBeLessThan(5);

    const sims = await enrollSimulatedAgents({ url: server.url, agents: 2, serverEnv: server.env, hostsPerInstitution: 2, concurrency: 2 });
    for (let i = 0; i < 6; i++) {
      const sim = sims[i % 2]!;
      const report: Report = sim.host.next(sim.agentId, new Date());
      sim.host.acknowledge(report, (await sim.client.report(report)).resend);
    }
    // A report with a wrong secret is refused as unauthorized.
    const forged = new AgentClient({ server: server.url, credentials: { agentId: sims[0]!.agentId, secret: 'wrong-secret-wrong-secret-wrong' } });
    await expect(forged.report(sims[0]!.host.next(sims[0]!.agentId, new Date()))).rejects.toThrow();

    const after = (await get(`${server.url}/metrics`, '127.0.0.1')).body;
    expect(metricValue(after, 'weian_reports_total{outcome="accepted",reason=""}')).toBe(6);
    expect(metricValue(after, 'weian_reports_total{outcome="refused",reason="unauthorized"}')).toBe(1);
    expect(metricValue(after, 'weian_report_ingest_seconds_count')).toBe(7);
    expect(metricValue(after, 'weian_report_ingest_seconds_bucket{le="+Inf"}')).toBe(7);
    // Sent one after another, each report was a group of its own: six commits of one report each.
    expect(metricValue(after, 'weian_ingest_transactions_total')).toBe(6);
    expect(metricValue(after, 'weian_ingest_transaction_reports_total')).toBe(6);

    // Nothing secret reaches the server's log: not the admin's password, nor an agent's secret.
    const log = server.log();
    expect(log).toContain('listening on');
    expect(log).not.toContain(TEST_ADMIN.password);
    expect(log).not.toContain(TOKEN);
    for (const sim of sims) expect(log).not.toContain((sim.client as unknown as { opts: { credentials: { secret: string } } }).opts.credentials.secret);
  });

  it('is refused to other addresses without the token', async () => {
    const other = await get(`${server.url}/metrics`, '127.0.0.2');
    expect(other.status).toBe(403);
    expect(other.body).not.toMatch(/weian_/);
    expect((await get(`${server.url}/metrics`, '127.0.0.2', { authorization: 'Bearer wrong-token-wrong-token-wrong' })).status).toBe(403);
    const withToken = await get(`${server.url}/metrics`, '127.0.0.2', { authorization: `Bearer ${TOKEN}` });
    expect(withToken.status).toBe(200);
    expect(withToken.body).toMatch(/^weian_reports_total/m);
  });
});
