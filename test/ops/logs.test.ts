import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Report } from '@weian/shared';
import { signIn } from '../helpers/auth.js';
import { institutionWithAgent, startServerProcess, TEST_ADMIN, type ServerProcess } from '../helpers/index.js';
import { enrollSimulatedAgents } from '../load/loadgen.js';

/** Issue 25: JSON log lines (pino) with levels that work, request ids, and no secret in them. */
const METRICS_TOKEN = 'logs-test-metrics-token-5e1f';

describe('structured logs', () => {
  let server: ServerProcess;
  beforeAll(async () => {
    server = await startServerProcess({ env: { WEIAN_LOG_FORMAT: 'json', WEIAN_LOG: 'debug', WEIAN_METRICS_TOKEN: METRICS_TOKEN } });
  });
  afterAll(() => server?.cleanup());

  it('writes one JSON object per line, logs each request with the id it answered, and never a secret', async () => {
    const cookie = await signIn(server.url);
    const res = await fetch(`${server.url}/trpc/auth.me`, { headers: { cookie } });
    const id = res.headers.get('x-request-id');
    expect(id).toMatch(/^[0-9a-f]{8}$/);
    const sims = await enrollSimulatedAgents({ url: server.url, agents: 1, serverEnv: server.env, hostsPerInstitution: 1, concurrency: 1 });
    const report: Report = sims[0]!.host.next(sims[0]!.agentId, new Date());
    await sims[0]!.client.report(report);
    await new Promise((r) => setTimeout(r, 300));

    const lines = server
      .log()
      .split('\n')
      .filter((l) => l.startsWith('{'));
    const entries = lines.map((l) => JSON.parse(l) as { level: number; time: string; msg: string; id?: string; path?: string; status?: number; service: string });
    expect(entries.length).toBeGreaterThan(3);
    for (const e of entries) {
      expect(e.service).toBe('weian-server');
      expect(typeof e.level).toBe('number');
      expect(Date.parse(e.time)).not.toBeNaN();
    }
    expect(entries.some((e) => /listening on/.test(e.msg))).toBe(true);
    // Debug: each request, by the id its answer carried; no query string (inputs may hold names).
    const request = entries.find((e) => e.msg === 'request' && e.id === id);
    expect(request).toMatchObject({ path: '/trpc/auth.me', status: 200, level: 20 });
    expect(entries.filter((e) => e.msg === 'request' && e.path === '/trpc/agent.report')).toHaveLength(1);

    const log = server.log();
    expect(log).not.toContain(TEST_ADMIN.password);
    expect(log).not.toContain(cookie.split('=')[1]!);
    expect(log).not.toContain((sims[0]!.client as unknown as { opts: { credentials: { secret: string } } }).opts.credentials.secret);
  });

  it('a whole run at debug level leaves no password, token or secret in the log', async () => {
    // What a bureau's install goes through: an enrollment token, a real agent enrolling and reporting,
    // users created with passwords, a mistyped password, a sign-in, a password change and a metrics scrape.
    const user = { username: 'logcheck', password: 'Log-Check-Pass-9', role: 'county' as const, scopeCode: '330106' };
    const { token, configPath } = await institutionWithAgent(server, { code: '330106907', name: '日志检查医院', region: '330106' }, [user]);
    const agentSecret = (JSON.parse(readFileSync(configPath, 'utf8')) as { secret: string }).secret;
    const wrong = 'Mistyped-Pass-Word-3';
    const refused = await fetch(`${server.url}/trpc/auth.login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: user.username, password: wrong }),
    });
    expect(refused.status).toBe(401);
    const cookie = await signIn(server.url, user);
    const changed = 'Changed-Pass-Word-4';
    const change = await fetch(`${server.url}/trpc/auth.changePassword`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie },
      body: JSON.stringify({ currentPassword: user.password, newPassword: changed }),
    });
    expect(change.status, await change.clone().text()).toBe(200);
    expect((await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })).ok).toBe(true);
    await new Promise((r) => setTimeout(r, 300));

    const log = server.log();
    expect(log).toMatch(/"path":"\/trpc\/auth.changePassword"/);
    for (const secret of [TEST_ADMIN.password, user.password, wrong, changed, token, agentSecret, cookie.split('=')[1]!, METRICS_TOKEN]) expect(log).not.toContain(secret);
  });

  it('at info level, requests are not logged', async () => {
    const quiet = await startServerProcess({ env: { WEIAN_LOG_FORMAT: 'json' } });
    try {
      await fetch(`${quiet.url}/healthz`);
      await new Promise((r) => setTimeout(r, 200));
      const entries = quiet
        .log()
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as { msg: string });
      expect(entries.some((e) => /listening on/.test(e.msg))).toBe(true);
      expect(entries.some((e) => e.msg === 'request')).toBe(false);
    } finally {
      await quiet.cleanup();
    }
  });
});
