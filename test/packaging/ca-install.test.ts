import { execFile, execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CA_MISMATCH, displayFingerprint, linuxInstallLine } from '@weian/shared/agentInstall';
import { CHROMIUM_ARGS, ensureDashboardBuilt, signInWithForm } from '../helpers/browser.js';
import { runCli, startServerProcess, tempDir, type ServerProcess } from '../helpers/index.js';
import { chromium } from 'playwright-core';
import { makeCa, makeServerCert } from '../helpers/tls.js';

/**
 * A server on a private CA (made here with openssl) serves that CA at /agent/ca.pem with its
 * fingerprint; the Linux install line fetches it without trusting it, goes on only when the
 * fingerprint is the one the page showed, and then trusts it for the script and the packages.
 * An impostor with another CA on the same address is stopped before any script runs.
 */
let dir: string;
let ca: { key: string; cert: string };
let server: ServerProcess;
let impostor: ServerProcess | undefined;
let dist: string;
beforeAll(async () => {
  dir = tempDir('weian-ca-install-');
  ca = makeCa(dir, 'region-ca');
  const cert = makeServerCert(dir, ca, 'server');
  // A build whose SHA256SUMS has nothing for this host: install.sh, run through the CA, stops there, before dpkg.
  dist = join(dir, 'dist');
  execFileSync('mkdir', ['-p', dist]);
  writeFileSync(join(dist, 'SHA256SUMS'), `${'0'.repeat(64)}  weian-agent-win-x64.exe\n`);
  [server] = await Promise.all([startServerProcess({ args: ['--tls-cert', cert.cert, '--tls-key', cert.key, '--tls-ca', ca.cert], env: { WEIAN_AGENT_DIST: dist } }), ensureDashboardBuilt()]);
});
afterAll(async () => {
  await impostor?.cleanup();
  await server?.cleanup();
});

const get = (url: string, trust: string) =>
  new Promise<{ status: number; body: string; fingerprint: string | undefined }>((resolve, reject) => {
    const req = request(url, { ca: trust }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, fingerprint: res.headers['x-weian-ca-sha256'] as string | undefined }));
    });
    req.on('error', reject);
    req.end();
  });
/** The line as root would paste it, in sh; its exit status and what it printed. */
const runLine = (line: string) =>
  promisify(execFile)('sh', ['-c', line]).then(
    (r) => ({ code: 0, out: r.stdout + r.stderr }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, out: e.stdout + e.stderr }),
  );
const opensslFingerprint = (pem: string) => execFileSync('openssl', ['x509', '-noout', '-fingerprint', '-sha256', '-in', pem], { encoding: 'utf8' }).trim().split('=')[1]!;

describe('private CA served by the server', () => {
  it('serves its CA with the fingerprint openssl gives for it', async () => {
    const r = await get(`${server.url}/agent/ca.pem`, readFileSync(ca.cert, 'utf8'));
    expect(r.status).toBe(200);
    expect(r.body).toBe(readFileSync(ca.cert, 'utf8'));
    expect(displayFingerprint(r.fingerprint!)).toBe(opensslFingerprint(ca.cert));
    // What the 探针安装 page reads.
    expect(JSON.parse((await get(`${server.url}/agent/ca.json`, readFileSync(ca.cert, 'utf8'))).body)).toEqual({ sha256: r.fingerprint });
  });

  for (const tool of ['curl', 'wget'] as const) {
    it(`the ${tool} line checks the fingerprint, then trusts the CA for the script and the package list`, async () => {
      const { fingerprint } = await get(`${server.url}/agent/ca.pem`, readFileSync(ca.cert, 'utf8'));
      const r = await runLine(linuxInstallLine({ server: server.url, token: 'wa_not_used_here', arch: 'x86_64', tool, caFingerprint: fingerprint! }));
      // install.sh ran (fetched over TLS checked against the CA) and read SHA256SUMS the same way, then found no package for this host.
      expect(r.out).toContain('卫安探针安装失败：服务器上没有适合本机（deb，x86_64）的安装包');
      expect(r.code).toBe(1);
    });
  }

  it('the 探针安装 page shows the fingerprint and puts it in the Linux line, which runs as copied; Windows gets the PowerShell line', async () => {
    // An institution and its IT officer, whose 探针安装 page opens with the institution chosen.
    expect((await runCli('server', ['token', 'create', '--institution', 'ZJ-CA-001', '--name', '测试医院', '--region', '330106'], { env: server.env })).code).toBe(0);
    expect(
      (await runCli('server', ['user', 'add', '--username', 'ca-it', '--role', 'institution', '--scope', 'ZJ-CA-001', '--password-stdin'], { env: server.env, input: 'Ca-Install-Pass-1\n' })).code,
    ).toBe(0);
    const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
    try {
      // The browser of an IT officer whose machine trusts the region's CA (this one does not know it: told to go on).
      const context = await browser.newContext({ ignoreHTTPSErrors: true, locale: 'zh-CN' });
      context.setDefaultTimeout(10_000);
      const page = await context.newPage();
      const problems: string[] = [];
      page.on('console', (m) => void (m.type() === 'error' && problems.push(m.text())));
      await signInWithForm(page, server.url, { username: 'ca-it', password: 'Ca-Install-Pass-1' });
      await page.goto(`${server.url}/admin/agent-install`);
      await expect.poll(() => page.getByTestId('install-ca-fingerprint').textContent()).toBe(opensslFingerprint(ca.cert));
      await page.getByTestId('install-generate').click();
      const line = (await page.getByTestId('install-line').locator('code').textContent())!.trim();
      const { fingerprint } = await get(`${server.url}/agent/ca.pem`, readFileSync(ca.cert, 'utf8'));
      expect(line).toContain(`= ${fingerprint} ]`);
      const r = await runLine(line);
      expect(r.out).toContain('卫安探针安装失败：服务器上没有适合本机（deb，x86_64）的安装包');
      await page.getByTestId('install-os').getByText('Windows').click();
      await page.getByTestId('install-generate').click();
      const ps = (await page.getByTestId('install-line').locator('code').textContent())!.trim();
      expect(ps).toMatch(
        new RegExp(`^& \\(\\[scriptblock\\]::Create\\(\\(Invoke-RestMethod -UseBasicParsing '${server.url}/agent/install\\.ps1'\\)\\)\\) -Server '${server.url}' -Token 'wa_[A-Za-z0-9_-]+'$`),
      );
      expect(problems.filter((p) => !/status of 40[13]/.test(p))).toEqual([]);
    } finally {
      await browser.close();
    }
  });

  it('an impostor with another CA on the same address is stopped before any script runs', async () => {
    const { fingerprint } = await get(`${server.url}/agent/ca.pem`, readFileSync(ca.cert, 'utf8'));
    const line = linuxInstallLine({ server: server.url, token: 'wa_not_used_here', arch: 'x86_64', caFingerprint: fingerprint! });
    await server.stop();
    const rogue = makeCa(dir, 'rogue-ca');
    const cert = makeServerCert(dir, rogue, 'rogue-server');
    impostor = await startServerProcess({ port: server.port, args: ['--tls-cert', cert.cert, '--tls-key', cert.key, '--tls-ca', rogue.cert], env: { WEIAN_AGENT_DIST: dist } });
    const r = await runLine(line);
    expect(r.out.trim()).toBe(CA_MISMATCH);
    expect(r.code).toBe(1);
    // A fingerprint that is not hex never reaches the shell.
    expect(() => linuxInstallLine({ server: server.url, token: 't', arch: 'x86_64', caFingerprint: '"; rm -rf / #' })).toThrow(/lowercase hex/);
  });
});
