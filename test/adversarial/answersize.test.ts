import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hostSections, sampleReport } from '../../server/src/testing/harness.js';
import { signIn, startServerProcess, waitFor, type ServerProcess } from '../helpers/index.js';
import { tally } from './counts.js';
import { batchGet, enrollOverHttp, healthzUnder, rawCall } from './hostile.js';

/**
 * One answer, a bounded size (issue 18): batches are bounded in calls, but nothing bounded what one
 * answer may weigh. The server runs here with a low bound (WEIAN_MAX_ANSWER_BYTES, 8 MiB by default)
 * so that ordinary queries cross it: an answer over it is refused with a small 413 in tRPC's
 * envelope, over HTTP and over the WebSocket, and the server keeps answering meanwhile.
 */
const counts = tally(import.meta.url);
const CAP = 1024;
// Long names, so that an alert event (which carries both) weighs more than the bound.
const HOST = 'answer-size-host-'.padEnd(200, 'h');
const NAME = `${'对抗测试'.repeat(8)}医院`;
type Envelope = { error?: { message: string; data: { code: string; httpStatus: number } } };

describe('answer sizes are bounded', () => {
  let server: ServerProcess;
  let admin: string;
  let agent: Awaited<ReturnType<typeof enrollOverHttp>>;

  beforeAll(async () => {
    server = await startServerProcess({ env: { WEIAN_MAX_ANSWER_BYTES: String(CAP) } });
    admin = await signIn(server.url);
    agent = await enrollOverHttp(server, { hostname: HOST, name: NAME });
  });
  afterAll(async () => {
    await server?.cleanup();
    counts.flush();
  });

  it('refuses an answer over the bound with a small 413, and serves the small ones', async () => {
    const whole = await batchGet(server.url, 'rules.list', 4, admin);
    const text = await whole.text();
    counts.inputs += 4;
    const body = JSON.parse(text) as Envelope;
    counts.attack({
      attack: `one answer over the size bound (rules.list ×4 against ${CAP} bytes)`,
      tried: 1,
      held: whole.status === 413 && text.length < 1000 ? 1 : 0,
      result: `${whole.status} in ${text.length} bytes`,
    });
    expect(whole.status, text).toBe(413);
    expect(text.length).toBeLessThan(1000);
    expect(body.error?.data.code).toBe('PAYLOAD_TOO_LARGE');
    expect(body.error?.message).toContain(`answer over ${CAP} bytes`);
    // The same connection and session go on working; small answers pass whole.
    const me = await rawCall(server.url, 'auth.me', 'query', undefined, { cookie: admin });
    expect(me.status, me.text).toBe(200);
    expect(me.text).toContain('"admin"');
  });

  it('keeps /healthz and the agents answering while clients ask for oversized answers as fast as they can', async () => {
    let refused = 0;
    let other = 0;
    const now = new Date();
    const [waits, report] = await Promise.all([
      healthzUnder(server.url, 6, async () => {
        const r = await batchGet(server.url, 'rules.list', 16, admin);
        await r.arrayBuffer();
        if (r.status === 413) refused++;
        else other++;
      }),
      // An agent's report is acknowledged meanwhile.
      new Promise((r) => setTimeout(r, 500)).then(() =>
        rawCall(server.url, 'agent.report', 'mutation', sampleReport(agent.agentId, now, hostSections(now, HOST, 'healthy')), { authorization: agent.authorization }),
      ),
    ]);
    counts.inputs += refused + other;
    counts.attack({
      attack: '6 clients asking for oversized answers while /healthz is polled and an agent reports',
      tried: waits.length,
      held: waits.filter((w) => w < 3000).length,
      result: `${refused} refused with 413, /healthz slowest ${Math.round(Math.max(...waits))} ms, report ${report.status}`,
    });
    expect(report.status, report.text).toBe(200);
    expect(other).toBe(0);
    expect(refused).toBeGreaterThan(10);
    // A generous ceiling, not a timing goal: the point is that /healthz is not held behind them.
    expect(Math.max(...waits)).toBeLessThan(3000);
  });

  it('replaces a WebSocket message over the bound with a small error for its subscription', async () => {
    const ws = new WebSocket(`${server.url.replace(/^http/, 'ws')}/trpc`, { headers: { cookie: admin } });
    const messages: string[] = [];
    ws.on('message', (d) => messages.push(String(d)));
    await new Promise((r) => ws.once('open', r));
    ws.send(JSON.stringify({ id: 7, method: 'subscription', params: { path: 'alerts.live' } }));
    await waitFor(() => messages.some((m) => m.includes('"started"')), { what: 'the subscription to start' });
    // An exposed host opens alerts; each alert event carries the alert, over the low bound here.
    const now = new Date();
    const r = await rawCall(server.url, 'agent.report', 'mutation', sampleReport(agent.agentId, now, hostSections(now, HOST, 'exposed')), { authorization: agent.authorization });
    expect(r.status, r.text).toBe(200);
    const refusal = await waitFor(() => messages.find((m) => m.includes('PAYLOAD_TOO_LARGE')), { what: 'the oversized event refused' });
    counts.inputs += 1;
    const largest = Math.max(...messages.map((m) => Buffer.byteLength(m)));
    counts.attack({
      attack: `a subscription event over the size bound (${CAP} bytes) on a WebSocket`,
      tried: 1,
      held: largest <= CAP ? 1 : 0,
      result: `replaced by a ${Buffer.byteLength(refusal)}-byte error; largest message ${largest} bytes`,
    });
    expect(largest).toBeLessThanOrEqual(CAP);
    expect(JSON.parse(refusal)).toMatchObject({ id: 7, error: { data: { code: 'PAYLOAD_TOO_LARGE', httpStatus: 413 } } });
    ws.close();
  });
});
