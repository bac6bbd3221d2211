import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampleReport } from '../../server/src/testing/harness.js';
import { signIn, startServerProcess, waitFor, type ServerProcess } from '../helpers/index.js';
import { tally } from './counts.js';
import { enrollOverHttp, rawCall } from './hostile.js';

/**
 * What an attacker holding something stale or someone else's would try: replayed and tampered
 * reports, clocks in the future, another agent's host, a revoked secret, a spent enrollment
 * token, wrong passwords, a deleted user's cookie. Each is refused; the ones worth a trail are in
 * the audit log.
 */
const counts = tally(import.meta.url);
type Audit = Array<{ action: string; outcome: string; actor: { type: string; name: string | null }; detail: unknown }>;

describe('replays, stale and borrowed credentials', () => {
  let server: ServerProcess;
  let admin: string;
  let a: Awaited<ReturnType<typeof enrollOverHttp>>;
  let b: Awaited<ReturnType<typeof enrollOverHttp>>;
  const report = (who: { authorization: string }, body: unknown) => rawCall(server.url, 'agent.report', 'mutation', body, { authorization: who.authorization });
  const audit = async (action: string) => {
    const r = await rawCall(server.url, 'audit.list', 'query', { limit: 500, action }, { cookie: admin });
    expect(r.status, r.text).toBe(200);
    return (JSON.parse(r.text) as { result: { data: Audit } }).result.data;
  };
  const receipts = async (hostId: string) => {
    const r = await rawCall(server.url, 'hosts.reports', 'query', { hostId }, { cookie: admin });
    expect(r.status, r.text).toBe(200);
    return (JSON.parse(r.text) as { result: { data: Array<{ reportId: string }> } }).result.data;
  };

  beforeAll(async () => {
    // Open sockets re-check their session every half second here (15 s by default).
    server = await startServerProcess({ env: { WEIAN_WS_SESSION_RECHECK_MS: '500' } });
    admin = await signIn(server.url);
    a = await enrollOverHttp(server, { hostname: 'host-a' });
    b = await enrollOverHttp(server, { hostname: 'host-b' });
  });
  afterAll(async () => {
    await server?.cleanup();
    counts.flush();
  });

  it('stores a replayed report once, answers the same, and a tampered replay changes nothing', async () => {
    counts.attackOfTest({ attack: 'a replayed report, and a tampered replay', tried: 4, result: 'stored once, the same answer; the tampered replay changes nothing' });
    const r = sampleReport(a.agentId, new Date(), {}, 'host-a');
    const first = await report(a, r);
    expect(first.status, first.text).toBe(200);
    const again = await report(a, r);
    expect(again.status).toBe(200);
    expect(JSON.parse(again.text)).toEqual(JSON.parse(first.text));
    // Same id, other content: the stored report stands.
    const tampered = structuredClone(r);
    if (tampered.sections.device.status === 'ok') tampered.sections.device.data.hostname = 'tampered';
    const t = await report(a, tampered);
    expect(t.status).toBe(200);
    expect(JSON.parse(t.text)).toEqual(JSON.parse(first.text));
    const detail = JSON.parse((await rawCall(server.url, 'hosts.get', 'query', { hostId: a.hostId }, { cookie: admin })).text) as { result: { data: { hostname: string } } };
    expect(detail.result.data.hostname).toBe('host-a');
    expect((await receipts(a.hostId)).filter((x) => x.reportId === r.reportId)).toHaveLength(1);
    // Agent B replaying A's report id (with B's own agent id) is refused.
    const stolen = { ...structuredClone(r), agentId: b.agentId };
    const s = await report(b, stolen);
    expect(s.status, s.text).toBe(403);
    counts.inputs += 4;
    counts.faults += 3;
  });

  it('refuses a report collected in the future', async () => {
    counts.attackOfTest({ attack: 'a report collected in the future', tried: 1, result: 'refused' });
    const r = sampleReport(a.agentId, new Date(Date.now() + 3600_000));
    const res = await report(a, r);
    counts.inputs++;
    expect(res.status).toBe(400);
    expect(res.text).toMatch(/in the future/);
    expect((await receipts(a.hostId)).some((x) => x.reportId === r.reportId)).toBe(false);
  });

  it("refuses a report for another agent's host, whatever the body claims", async () => {
    counts.attackOfTest({ attack: "a report for another agent's host", tried: 1, result: 'refused, whatever the body claims' });
    const res = await report(a, sampleReport(b.agentId, new Date(), {}, 'host-b'));
    counts.inputs++;
    expect(res.status).toBe(403);
    // A hostname naming B's host from A's credentials lands on A's own host, never on B's.
    const own = await report(a, sampleReport(a.agentId, new Date(), {}, 'host-b'));
    expect(own.status).toBe(200);
    expect((JSON.parse(own.text) as { result: { data: { hostId: string } } }).result.data.hostId).toBe(a.hostId);
    expect(await receipts(b.hostId)).toHaveLength(0);
  });

  it('refuses a wrong secret and a revoked one, on report, heartbeat and the commands socket', async () => {
    counts.attackOfTest({ attack: 'a wrong and a revoked agent secret on report, heartbeat and the commands socket', tried: 4, result: 'refused on each' });
    const wrong = { authorization: `Agent ${a.agentId}:${'x'.repeat(43)}` };
    expect((await report(wrong, sampleReport(a.agentId, new Date()))).status).toBe(401);
    const victim = await enrollOverHttp(server);
    const rev = await rawCall(server.url, 'agents.revoke', 'mutation', { agentId: victim.agentId, reason: 'adversarial test: secret leaked' }, { cookie: admin });
    expect(rev.status, rev.text).toBe(200);
    const r = await report(victim, sampleReport(victim.agentId, new Date()));
    expect(r.status).toBe(401);
    expect(r.text).toMatch(/revoked/);
    const hb = await rawCall(server.url, 'agent.heartbeat', 'mutation', { sentAt: new Date().toISOString(), agentVersion: 'x' }, { authorization: victim.authorization });
    expect(hb.status).toBe(401);
    const ws = new WebSocket(`${server.url.replace(/^http/, 'ws')}/trpc?connectionParams=1`);
    const messages: string[] = [];
    ws.on('message', (d) => messages.push(d.toString()));
    await new Promise((r2) => ws.once('open', r2));
    ws.send(JSON.stringify({ method: 'connectionParams', data: { authorization: victim.authorization } }));
    ws.send(JSON.stringify({ id: 1, method: 'subscription', params: { path: 'agent.commands' } }));
    await waitFor(() => messages.some((m) => m.includes('UNAUTHORIZED')), { timeoutMs: 5000, what: 'the socket refusing the revoked agent' });
    ws.close();
    counts.inputs += 4;
    counts.faults += 2;
    expect((await audit('agents.revoke')).some((e) => e.outcome === 'ok')).toBe(true);
  });

  it('refuses a spent enrollment token and audits the attempt', async () => {
    counts.attackOfTest({ attack: 'a spent enrollment token', tried: 1, result: 'refused and audited' });
    const first = await enrollOverHttp(server, { hostname: 'first-use' });
    const res = await fetch(`${server.url}/trpc/agent.enroll`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token: first.token, hostname: 'token-reuse-attempt', machineId: null, agentVersion: 'x' }),
    });
    counts.inputs++;
    counts.faults++;
    expect(res.status).toBe(401);
    expect(await res.text()).toMatch(/unknown, used up or expired/);
    const entries = await audit('agent.enroll');
    expect(entries.some((e) => e.outcome === 'denied' && e.actor.name === 'token-reuse-attempt')).toBe(true);
  });

  it('audits failed logins and rate-limits guessing', async () => {
    counts.attackOfTest({ attack: '7 wrong passwords for one name from one address', tried: 7, result: 'each audited (no password in the log); throttled after 5' });
    let last = 0;
    for (let i = 0; i < 7; i++) {
      const r = await rawCall(server.url, 'auth.login', 'mutation', { username: 'admin-guess', password: `guess-${i}` }, {});
      last = r.status;
      counts.inputs++;
    }
    expect(last).toBe(429);
    const entries = await audit('auth.login');
    expect(entries.filter((e) => e.outcome === 'denied' && e.actor.name === 'admin-guess').length).toBeGreaterThanOrEqual(5);
    expect(JSON.stringify(entries)).not.toContain('guess-3');
  });

  it("refuses a deleted user's session cookie over HTTP and over a new WebSocket, and ends the live subscription it had open", async () => {
    counts.attackOfTest({ attack: "a deleted user's session cookie over HTTP, a new WebSocket and an open subscription", tried: 3, result: 'refused; the live subscription ended' });
    const password = 'Adversarial-Pass-9';
    const created = await rawCall(server.url, 'users.create', 'mutation', { username: 'soon-gone', role: 'county', scopeCode: '330106', password }, { cookie: admin });
    expect(created.status, created.text).toBe(200);
    const userId = (JSON.parse(created.text) as { result: { data: { id: string } } }).result.data.id;
    const cookie = await signIn(server.url, { username: 'soon-gone', password });
    expect((await rawCall(server.url, 'auth.me', 'query', undefined, { cookie })).status).toBe(200);
    // A live subscription opened while the user existed.
    const live = new WebSocket(`${server.url.replace(/^http/, 'ws')}/trpc`, { headers: { cookie } });
    const events: string[] = [];
    live.on('message', (d) => events.push(d.toString()));
    const liveClosed = new Promise<{ code: number; reason: string }>((r) => live.once('close', (code, reason) => r({ code, reason: reason.toString() })));
    await new Promise((r) => live.once('open', r));
    live.send(JSON.stringify({ id: 1, method: 'subscription', params: { path: 'hosts.live' } }));
    await waitFor(() => events.some((m) => m.includes('"started"')), { timeoutMs: 5000, what: 'hosts.live started' });

    const del = await rawCall(server.url, 'users.delete', 'mutation', { userId }, { cookie: admin });
    expect(del.status, del.text).toBe(200);
    counts.faults++;
    expect((await rawCall(server.url, 'auth.me', 'query', undefined, { cookie })).status).toBe(401);
    expect((await rawCall(server.url, 'hosts.list', 'query', undefined, { cookie })).status).toBe(401);
    const fresh = new WebSocket(`${server.url.replace(/^http/, 'ws')}/trpc`, { headers: { cookie } });
    const freshMessages: string[] = [];
    fresh.on('message', (d) => freshMessages.push(d.toString()));
    await new Promise((r) => fresh.once('open', r));
    fresh.send(JSON.stringify({ id: 1, method: 'subscription', params: { path: 'hosts.live' } }));
    await waitFor(() => freshMessages.some((m) => m.includes('UNAUTHORIZED')), { timeoutMs: 5000, what: 'a new socket refused' });
    fresh.close();

    // The socket opened before the deletion is closed at its next session check, so it cannot
    // keep delivering the region's hosts to someone who is no longer a user.
    const ended = await liveClosed;
    expect(ended).toEqual({ code: 1008, reason: 'session ended: sign in again' });
    const before = events.length;
    const r = await report(a, sampleReport(a.agentId, new Date(), {}, 'host-a'));
    expect(r.status).toBe(200);
    expect(events.length).toBe(before);
  });
});
