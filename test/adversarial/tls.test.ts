import { readFileSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentCli } from '../faults/agentProcess.js';
import { lastLine, runCli, startServerProcess, tempDir, TEST_ADMIN, type ServerProcess } from '../helpers/index.js';
import { makeCa, makeServerCert } from '../helpers/tls.js';
import { tally } from './counts.js';

/**
 * HTTPS end to end: the server serves TLS from --tls-cert/--tls-key (a CA and a server
 * certificate made here with openssl), the real agent enrolls and reports trusting that CA with
 * --ca, and refuses a server whose certificate another CA signed, or that it has no CA for.
 * The dashboard's security headers are checked on the same server.
 */
const counts = tally(import.meta.url);

function get(url: string, ca: string, path = '/'): Promise<{ status: number; headers: Record<string, string | string[] | undefined> }> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}${path}`, { ca }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('HTTPS with a private CA, and the dashboard security headers', () => {
  let dir: string;
  let server: ServerProcess;
  let ca: { key: string; cert: string };
  let rogueCa: { key: string; cert: string };
  const token = async () => {
    const t = await runCli('server', ['token', 'create', '--institution', 'TLS-001', '--name', 'TLS 医院', '--region', '330106'], { env: server.env });
    expect(t.code, t.stderr).toBe(0);
    return lastLine(t.stdout);
  };

  beforeAll(async () => {
    dir = tempDir('weian-tls-');
    ca = makeCa(dir, 'region-ca');
    rogueCa = makeCa(dir, 'rogue-ca');
    const cert = makeServerCert(dir, ca, 'server');
    server = await startServerProcess({ args: ['--tls-cert', cert.cert, '--tls-key', cert.key] });
  });
  afterAll(async () => {
    await server?.cleanup();
    if (dir) rmSync(dir, { recursive: true, force: true });
    counts.flush();
  });

  it('serves HTTPS only: healthz over TLS, and plain HTTP on the port gets no answer', async () => {
    counts.attackOfTest({ attack: 'plain HTTP to the TLS port', tried: 1, result: 'no answer; HTTPS served' });
    expect(server.url).toMatch(/^https:/);
    expect((await get(server.url, readFileSync(ca.cert, 'utf8'), '/healthz')).status).toBe(200);
    const plain = await fetch(server.url.replace('https:', 'http:') + '/healthz').then(
      (r) => r.status,
      () => 'refused',
    );
    expect(plain === 'refused' || plain === 400).toBe(true);
  });

  it('enrolls and reports with --ca; the session cookie is Secure', async () => {
    counts.attackOfTest({ attack: 'the session cookie read over plain HTTP', tried: 1, result: 'cookie marked Secure; enrolled and reported with the private CA' });
    const configPath = join(dir, 'good', 'agent.json');
    const enroll = await runCli('agent', ['enroll', '--server', server.url, '--token', await token(), '--ca', ca.cert, '--config', configPath]);
    expect(enroll.code, enroll.stderr).toBe(0);
    const once = await agentCli(['once', '--config', configPath]);
    expect(once.code, once.stderr + once.stdout).toBe(0);
    expect(once.stdout + once.stderr).toMatch(/acknowledged/);
    const login = await new Promise<string>((resolve, reject) => {
      const req = request(`${server.url}/trpc/auth.login`, { method: 'POST', ca: readFileSync(ca.cert, 'utf8'), headers: { 'content-type': 'application/json' } }, (res) => {
        res.resume();
        resolve(String(res.headers['set-cookie']));
      });
      req.on('error', reject);
      req.end(JSON.stringify(TEST_ADMIN));
    });
    expect(login).toMatch(/; Secure/);
    expect(login).toMatch(/HttpOnly/);
    expect(login).toMatch(/SameSite=Strict/);
  });

  it('refuses to enroll against a certificate signed by another CA, or with no CA given', async () => {
    counts.attackOfTest({ attack: 'enrolling against a certificate of another CA, or without the CA', tried: 2, result: 'both refused by the agent' });
    for (const args of [['--ca', rogueCa.cert], []]) {
      const t = await token();
      const configPath = join(dir, `bad-${args.length}`, 'agent.json');
      const enroll = await runCli('agent', ['enroll', '--server', server.url, '--token', t, ...args, '--config', configPath]);
      counts.faults++;
      expect(enroll.code, enroll.stdout).not.toBe(0);
      expect(enroll.stderr).toMatch(/certificate|self[- ]signed|unable to verify|UNABLE_TO_VERIFY|SELF_SIGNED/i);
      // The token was never presented to the impostor's side: it still works with the right CA.
      const retry = await runCli('agent', ['enroll', '--server', server.url, '--token', t, '--ca', ca.cert, '--config', configPath]);
      expect(retry.code, retry.stderr).toBe(0);
    }
  });

  it('refuses to report to a server whose certificate changed to another CA', async () => {
    counts.attackOfTest({ attack: "a server certificate swapped for another CA's after enrollment", tried: 1, result: 'the agent refuses to report to it' });
    const configPath = join(dir, 'switch', 'agent.json');
    expect((await runCli('agent', ['enroll', '--server', server.url, '--token', await token(), '--ca', ca.cert, '--config', configPath])).code).toBe(0);
    // Same address, now an impostor with a certificate from the rogue CA.
    await server.stop();
    const rogue = makeServerCert(dir, rogueCa, 'impostor');
    const impostor = await startServerProcess({ port: server.port, args: ['--tls-cert', rogue.cert, '--tls-key', rogue.key] });
    try {
      const once = await agentCli(['once', '--config', configPath]);
      counts.faults++;
      expect(once.stdout + once.stderr).toMatch(/certificate|unable to verify|UNABLE_TO_VERIFY|signature/i);
      expect(once.stdout + once.stderr).not.toMatch(/acknowledged/);
    } finally {
      await impostor.cleanup();
      await server.restart();
    }
  });

  it('sends the security headers with the dashboard: CSP without inline scripts, no framing, no sniffing', async () => {
    counts.attackOfTest({
      attack: 'dashboard pages (traversal and script in the URL included) checked for CSP, framing and sniffing headers',
      tried: 4,
      result: 'CSP without inline scripts, no framing, nosniff on each',
    });
    for (const path of ['/', '/hosts', '/assets/../../../etc/passwd', '/login?x=<script>']) {
      const r = await get(server.url, readFileSync(ca.cert, 'utf8'), path);
      counts.inputs++;
      const csp = String(r.headers['content-security-policy']);
      const scriptSrc = /script-src ([^;]*)/.exec(csp)?.[1] ?? /default-src ([^;]*)/.exec(csp)?.[1] ?? '';
      expect(scriptSrc, path).not.toMatch(/unsafe-inline|unsafe-eval|\*/);
      expect(csp).toMatch(/frame-ancestors 'none'/);
      expect(csp).toMatch(/object-src 'none'/);
      expect(r.headers['x-content-type-options']).toBe('nosniff');
      expect(r.headers['x-frame-options']).toBe('DENY');
      expect([200, 503]).toContain(r.status);
      // Sockets and fetches to this server only (not `ws: wss:`, any host), and HTTPS to stay.
      expect(/connect-src ([^;]*)/.exec(csp)?.[1]).toBe(`'self' ${server.url.replace(/^https/, 'wss')}`);
      expect(r.headers['strict-transport-security']).toMatch(/^max-age=\d{7,}/);
    }
    const health = await get(server.url, readFileSync(ca.cert, 'utf8'), '/healthz');
    expect(health.headers['strict-transport-security']).toMatch(/^max-age=\d{7,}/);
  });
});
