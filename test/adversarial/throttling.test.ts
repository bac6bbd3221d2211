import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lastLine, postFrom, runCli, signIn, startServerProcess, TEST_ADMIN, waitFor, type ServerProcess } from '../helpers/index.js';
import { tally } from './counts.js';
import { pool, rawCall } from './hostile.js';

/**
 * Throttles that used to be denials of service, and anonymous write amplification (issue 18):
 * five failures from anywhere locked `admin` out, correct password included; thirty from one
 * address locked out everyone behind it; random enrollment tokens wrote one audit row each.
 * Loopback has a whole /8: each "client" below is its own source address.
 */
const counts = tally(import.meta.url);
const PASSWORD = 'Throttle-Pass-83';

const login = (server: ServerProcess, username: string, password: string, from: string) => postFrom(server.url, '/trpc/auth.login', { username, password }, from);

describe('sign-in throttling and enrollment limits', () => {
  let server: ServerProcess;
  let admin: string;
  const audit = async (action: string) => {
    const r = await rawCall(server.url, 'audit.list', 'query', { limit: 500, action }, { cookie: admin });
    expect(r.status, r.text).toBe(200);
    return (JSON.parse(r.text) as { result: { data: Array<{ outcome: string; actor: { name: string | null }; detail: Record<string, unknown>; remoteAddress?: string | null }> } }).result.data;
  };

  beforeAll(async () => {
    server = await startServerProcess();
    admin = await signIn(server.url);
    for (const username of ['victim', 'nat-colleague']) {
      const r = await rawCall(server.url, 'users.create', 'mutation', { username, role: 'county', scopeCode: '330106', password: PASSWORD }, { cookie: admin });
      expect(r.status, r.text).toBe(200);
    }
  });
  afterAll(async () => {
    await server?.cleanup();
    counts.flush();
  });

  it("an attacker's failures do not lock the admin out: the admin still signs in from its own address", async () => {
    for (let i = 0; i < 12; i++) {
      const r = await login(server, 'admin', `wrong-${i}`, '127.0.0.21');
      expect(r.status).toBe(i < 5 ? 401 : 429);
      counts.inputs++;
    }
    // The attacker's address is throttled, even with the right password.
    expect((await login(server, 'admin', TEST_ADMIN.password, '127.0.0.21')).status).toBe(429);
    const real = await login(server, 'admin', TEST_ADMIN.password, '127.0.0.22');
    counts.attack({
      attack: '12 wrong passwords for admin from one address, to lock the admin out',
      tried: 12,
      held: real.status === 200 ? 12 : 0,
      result: 'that address throttled (backoff); admin signs in from its own',
    });
    expect(real.status, real.text).toBe(200);
    counts.faults++;
  });

  it('thirty failures from one address (a NAT) do not lock out the others behind it', async () => {
    // Six users × five wrong passwords from one shared address.
    for (let i = 0; i < 30; i++) {
      const r = await login(server, `someone-${i % 6}`, `wrong-${i}`, '127.0.0.30');
      expect(r.status).toBe(401);
      counts.inputs++;
    }
    const colleague = await login(server, 'nat-colleague', PASSWORD, '127.0.0.30');
    counts.attack({
      attack: '30 failed sign-ins from one NAT address, to lock out everyone behind it',
      tried: 30,
      held: colleague.status === 200 ? 30 : 0,
      result: 'a colleague behind it still signs in (slowed, not blocked)',
    });
    expect(colleague.status, colleague.text).toBe(200);
    counts.faults++;
  });

  it('tells the admins about sustained guessing at one account, and lets an admin unlock it', async () => {
    // Five failures from each of five addresses: every pair throttled, the account's failures at the alert level.
    for (let a = 0; a < 5; a++) for (let i = 0; i < 5; i++) expect((await login(server, 'victim', `guess-${a}-${i}`, `127.0.1.${a + 1}`)).status).toBe(401);
    counts.inputs += 25;
    expect((await login(server, 'victim', PASSWORD, '127.0.1.1')).status).toBe(429);
    const alerts = await audit('auth.sustained-failures');
    expect(alerts).toHaveLength(1);
    expect(alerts[0]!.detail).toMatchObject({ username: 'victim', failures: 25 });
    expect(server.log()).toContain('sustained failed sign-ins: 25 for user "victim"');
    // And in the alerts view: one alert (not one per attempt), where the account lives.
    type AlertItem = { id: string; ruleId: string; subjectKind: string; subjectName: string; regionCode: string; status: string; count: number };
    const signInAlerts = async () =>
      (JSON.parse((await rawCall(server.url, 'alerts.list', 'query', { limit: 100 }, { cookie: admin })).text) as { result: { data: { items: AlertItem[] } } }).result.data.items.filter(
        (a) => a.ruleId === 'AUTH-SUSTAINED-FAILURES',
      );
    const raised = await waitFor(async () => ((await signInAlerts()).length ? await signInAlerts() : undefined), { what: 'the sign-in alert' });
    expect(raised).toEqual([expect.objectContaining({ subjectKind: 'user', subjectName: 'victim', regionCode: '330106', status: 'open', count: 1 })]);
    const users = JSON.parse((await rawCall(server.url, 'users.list', 'query', undefined, { cookie: admin })).text) as { result: { data: Array<{ id: string; username: string }> } };
    const victimId = users.result.data.find((u) => u.username === 'victim')!.id;
    const unlock = await rawCall(server.url, 'users.unlock', 'mutation', { userId: victimId }, { cookie: admin });
    expect(unlock.status, unlock.text).toBe(200);
    const back = await login(server, 'victim', PASSWORD, '127.0.1.1');
    // Unlocking deals with the alert too.
    const after = await signInAlerts();
    counts.attack({
      attack: '25 guesses at one account from 5 addresses',
      tried: 25,
      held: alerts.length === 1 && raised.length === 1 && after[0]?.status === 'resolved' && back.status === 200 ? 25 : 0,
      result: "admins told (one alert in the account's region, audit, log); unlocked by users.unlock, which resolves the alert",
    });
    expect(back.status, back.text).toBe(200);
    expect(after).toEqual([expect.objectContaining({ id: raised[0]!.id, status: 'resolved' })]);
  });

  it('rate-limits refused enrollments per address and keeps one audit row per address and window, with the count', async () => {
    const flood = 400;
    const statuses: number[] = [];
    await pool(Array.from({ length: flood }), 8, async () => {
      const r = await postFrom(server.url, '/trpc/agent.enroll', { token: `wa_${randomUUID()}`, hostname: 'flood', machineId: null, agentVersion: 'x' }, '127.0.2.1');
      statuses.push(r.status);
    });
    counts.inputs += flood;
    counts.faults++;
    expect(statuses.filter((s) => s === 401).length).toBeLessThanOrEqual(12); // the window's allowance (a few race past the count)
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(flood - 12);
    const rows = (await audit('agent.enroll')).filter((e) => e.outcome === 'denied' && e.actor.name === 'flood');
    counts.attack({
      attack: `${flood} enrollments with random tokens from one address`,
      tried: flood,
      held: statuses.filter((s) => s === 401 || s === 429).length,
      result: `${statuses.filter((s) => s === 429).length} rate-limited; ${rows.length} audit row(s) counting ${rows.reduce((n, r) => n + Number(r.detail.count), 0)}`,
    });
    expect(rows.length).toBeLessThanOrEqual(2); // one per address and window (two if the flood straddled a window edge)
    expect(rows.reduce((n, r) => n + Number(r.detail.count), 0)).toBe(flood);
    // A real token from another address still enrolls.
    const tok = await runCli('server', ['token', 'create', '--institution', 'THR-1', '--name', '限流测试医院', '--region', '330106'], { env: server.env });
    expect(tok.code, tok.stderr).toBe(0);
    const ok = await postFrom(server.url, '/trpc/agent.enroll', { token: lastLine(tok.stdout), hostname: 'real', machineId: null, agentVersion: 'x' }, '127.0.2.2');
    expect(ok.status, ok.text).toBe(200);
  });
});
