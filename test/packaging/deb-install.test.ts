import { execFile, spawn } from 'node:child_process';
import { copyFileSync, existsSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { WEIAN_VERSION } from '@weian/shared/version';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { linuxInstallLine } from '@weian/shared/agentInstall';
import { enrollmentToken, REPLAY, storedReports } from '../faults/agentProcess.js';
import { agentArtifacts, AGENT_DIST, buildAgentVersion, ensureAgentBuilt } from '../helpers/agentBuild.js';
import { ensureDashboardBuilt, launchBrowser, openPage } from '../helpers/browser.js';
import { lastLine, runCli, signedInClient, startServerProcess, tempDir, waitFor, type ServerProcess } from '../helpers/index.js';

/**
 * The amd64 deb installed, upgraded and removed on this machine (the suite runs as root). There is
 * no running systemd here, which the maintainer scripts must survive; `systemctl enable` still
 * works offline, so the wants link shows whether the service was enabled.
 */
const CONFIG = '/etc/weian/agent.json';
const STATE = '/var/lib/weian-agent';
const WANTS = '/etc/systemd/system/multi-user.target.wants/weian-agent.service';
const UNIT = '/lib/systemd/system/weian-agent.service';
const NEXT = WEIAN_VERSION.replace(/\d+$/, (p) => String(Number(p) + 1));

const sh = promisify(execFile);
const dpkg = (...args: string[]) => sh('dpkg', args, { env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
const agent = (args: string[], env: Record<string, string> = {}) =>
  sh('/usr/bin/weian-agent', args, { env: { ...process.env, ...REPLAY, ...env } }).then(
    (r) => ({ code: 0, ...r }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
  );
const installed = async () => (await sh('dpkg-query', ['-W', '-f', '${Status} ${Version}', 'weian-agent']).catch(() => ({ stdout: '' }))).stdout;
const purge = async () => {
  await dpkg('--purge', 'weian-agent').catch(() => undefined);
  rmSync('/etc/weian', { recursive: true, force: true });
  rmSync(STATE, { recursive: true, force: true });
};
const outbox = () => readdirSync(join(STATE, 'outbox')).filter((n) => n.endsWith('.json'));

let server: ServerProcess;
let nextDeb: string;
let nextDist: string;
beforeAll(async () => {
  await ensureAgentBuilt();
  const dist = tempDir('weian-next-build-');
  await buildAgentVersion(NEXT, dist);
  nextDist = dist;
  nextDeb = agentArtifacts(NEXT, dist).debAmd64;
  server = await startServerProcess({ env: { WEIAN_AGENT_DIST: AGENT_DIST } });
  await purge();
}, 1_500_000);
afterAll(async () => {
  await purge();
  await server?.cleanup();
  await tampered?.cleanup();
});
let tampered: ServerProcess | undefined;

/** A token minted for one install line: one use, expiring within the hour. */
async function lineToken(s: ServerProcess): Promise<string> {
  const r = await runCli('server', ['token', 'create', '--institution', 'ZJ-XH-001', '--name', '测试医院', '--region', '330106', '--uses', '1', '--expires-hours', '1'], { env: s.env });
  if (r.code !== 0) throw new Error(r.stderr);
  return lastLine(r.stdout);
}
/**
 * What a hospital's IT officer does: signs in, opens 探针安装, keeps Linux / x86_64 / curl and copies
 * the line the page shows (its token minted for that line). The page also lists the packages with their sums.
 */
async function lineFromDashboard(s: ServerProcess): Promise<string> {
  const built = ensureDashboardBuilt();
  const admin = await signedInClient(s.url);
  await admin.client.users.create.mutate({ username: 'xh-it', displayName: '信息科', role: 'institution', scopeCode: 'ZJ-XH-001', password: 'Xh-Install-Pass-1' });
  admin.close();
  await built;
  const browser = await launchBrowser();
  try {
    const { page, problems } = await openPage(browser);
    await page.goto(`${s.url}/login?redirect=/admin/agent-install`);
    await page.locator('input[name=username]').fill('xh-it');
    await page.locator('input[name=password]').fill('Xh-Install-Pass-1');
    await page.getByTestId('login-submit').click();
    await expect.poll(() => page.getByTestId('install-packages').textContent()).toContain(`weian-agent_${WEIAN_VERSION}_amd64.deb`);
    const sums = readFileSync(join(AGENT_DIST, 'SHA256SUMS'), 'utf8');
    expect(await page.getByTestId('install-packages').textContent()).toContain(sums.split('  ')[0]);
    await page.getByTestId('install-generate').click();
    const line = (await page.getByTestId('install-line').locator('code').textContent())!.trim();
    // The signed-out session probe before login answers 401; anything else is a finding.
    expect(problems.filter((p) => !/status of 40[13]/.test(p))).toEqual([]);
    return line;
  } finally {
    await browser.close();
  }
}

/** The pasted line, run by sh as an administrator would. */
const paste = (line: string) =>
  sh('sh', ['-c', line], { env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } }).then(
    (r) => ({ code: 0, ...r }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
  );

describe('the deb on this machine', () => {
  it('installs without enabling, enables once enrolled, upgrades keeping config, secret and outbox, removes leaving the config', async () => {
    // 1. Install before enrollment: the program and the unit, nothing enabled.
    const first = await dpkg('-i', agentArtifacts(WEIAN_VERSION).debAmd64);
    expect(first.stdout).toContain('weian-agent enroll --server URL --token TOKEN');
    expect(await installed()).toBe(`install ok installed ${WEIAN_VERSION}`);
    expect((await agent(['--version'])).stdout.trim()).toBe(WEIAN_VERSION);
    expect(readFileSync(UNIT, 'utf8')).toContain(`ConditionPathExists=${CONFIG}`);
    expect(existsSync(WANTS)).toBe(false);
    expect(statSync(STATE).mode & 0o777).toBe(0o700);

    // 2. Enroll into the packaged locations; with the server down, one report stays queued.
    const enroll = await agent(['enroll', '--server', server.url, '--token', await enrollmentToken(server, 'ZJ-XH-001'), '--config', CONFIG, '--data-dir', STATE]);
    expect(enroll.code, enroll.stderr).toBe(0);
    expect(statSync(CONFIG).mode & 0o777).toBe(0o600);
    const config = readFileSync(CONFIG, 'utf8');
    await server.stop();
    expect((await agent(['once', '--config', CONFIG])).code).toBe(1);
    const queued = outbox();
    expect(queued).toHaveLength(1);

    // 3. Upgrade: config (with the secret) and outbox untouched, the new program in place, the service enabled.
    const upgrade = await dpkg('-i', nextDeb);
    expect(upgrade.stderr).toContain('systemd is not running here');
    expect(await installed()).toBe(`install ok installed ${NEXT}`);
    expect((await agent(['--version'])).stdout.trim()).toBe(NEXT);
    expect(readFileSync(CONFIG, 'utf8')).toBe(config);
    expect(outbox()).toEqual(queued);
    expect(existsSync(WANTS)).toBe(true);

    // The upgraded agent sends what the old one queued.
    await server.restart();
    const once = await agent(['once', '--config', CONFIG]);
    expect(once.code, once.stderr).toBe(0);
    expect(once.stdout.match(/acknowledged/g)).toHaveLength(2);
    expect(outbox()).toEqual([]);

    // 4. Remove: program, unit and wants link gone; config and state kept for a reinstall.
    await dpkg('-r', 'weian-agent');
    expect(existsSync('/usr/bin/weian-agent')).toBe(false);
    expect(existsSync(UNIT)).toBe(false);
    expect(existsSync(WANTS)).toBe(false);
    expect(readFileSync(CONFIG, 'utf8')).toBe(config);
    expect(existsSync(STATE)).toBe(true);

    // 5. Purge is the explicit "and my data".
    await dpkg('--purge', 'weian-agent');
    expect(existsSync(CONFIG)).toBe(false);
    expect(existsSync(STATE)).toBe(false);
  }, 600_000);

  it('installs from the one line the 探针安装 page gives, from the WeiAn server itself, and refuses a wrong arch, a used token, a tampered package', async () => {
    await purge();
    const line = await lineFromDashboard(server);
    expect(line).toMatch(new RegExp(`^curl -fsSL ${server.url}/agent/install\\.sh \\| sh -s -- --server ${server.url} --token wa_\\S+ --arch x86_64$`));
    const r = await paste(line);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('SHA-256 校验通过');
    expect(await installed()).toBe(`install ok installed ${WEIAN_VERSION}`);
    expect(existsSync(WANTS)).toBe(true);
    const config = JSON.parse(readFileSync(CONFIG, 'utf8')) as { agentId: string; hostId: string; dataDir: string };
    expect(config.dataDir).toBe(STATE);
    const once = await agent(['once', '--config', CONFIG]);
    expect(once.code, once.stderr).toBe(0);
    expect(await storedReports(server, { ...config, configPath: CONFIG, outboxDir: join(STATE, 'outbox') })).toHaveLength(1);

    // The same line again: the token is spent.
    const again = await paste(line);
    expect(again.code).not.toBe(0);
    expect(again.stderr).toContain('注册令牌无效、已用过或已过期');

    // A line made for arm64, pasted on this x86_64 host.
    const arm = await paste(linuxInstallLine({ server: server.url, token: await lineToken(server), arch: 'aarch64', tool: 'wget' }));
    expect(arm.code).not.toBe(0);
    expect(arm.stderr).toContain('架构不符');

    // A server whose package was altered after the build: nothing is installed.
    await purge();
    const dir = tempDir('weian-tampered-');
    const deb = agentArtifacts(WEIAN_VERSION).debAmd64;
    const name = deb.slice(AGENT_DIST.length + 1);
    copyFileSync(join(AGENT_DIST, 'SHA256SUMS'), join(dir, 'SHA256SUMS'));
    copyFileSync(deb, join(dir, name));
    const fd = openSync(join(dir, name), 'r+');
    writeSync(fd, Buffer.from('tampered'), 0, 8, statSync(deb).size - 4096);
    closeSync(fd);
    tampered = await startServerProcess({ env: { WEIAN_AGENT_DIST: dir } });
    const bad = await paste(linuxInstallLine({ server: tampered.url, token: await lineToken(tampered), arch: 'x86_64' }));
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('校验失败');
    expect(await installed()).toBe('');
  }, 600_000);

  it('upgrades the installed deb remotely: asked over its command channel, the agent installs the next deb with dpkg and comes back as it', async () => {
    await purge();
    // A server holding the next release (its deb and VERSION), as after the hospital's server was upgraded.
    const newer = await startServerProcess({ env: { WEIAN_AGENT_DIST: nextDist } });
    let supervisor: ReturnType<typeof spawn> | null = null;
    try {
      await dpkg('-i', agentArtifacts(WEIAN_VERSION).debAmd64);
      const enroll = await agent(['enroll', '--server', newer.url, '--token', await enrollmentToken(newer, 'ZJ-XH-001'), '--config', CONFIG, '--data-dir', STATE]);
      expect(enroll.code, enroll.stderr).toBe(0);
      const config = readFileSync(CONFIG, 'utf8');
      // No systemd here: its part (Restart=on-failure, RestartPreventExitStatus=78) played by a loop.
      supervisor = spawn(
        'sh',
        ['-c', 'while :; do /usr/bin/weian-agent run --config "$0"; code=$?; echo "exited $code"; if [ "$code" -eq 0 ] || [ "$code" -eq 78 ]; then exit "$code"; fi; done', CONFIG],
        {
          env: { ...process.env, ...REPLAY, WEIAN_AGENT_INTERVAL_MS: '3000', WEIAN_AGENT_HEARTBEAT_MS: '1000' },
          stdio: ['ignore', 'pipe', 'pipe'],
          detached: true,
        },
      );
      let output = '';
      supervisor.stdout!.on('data', (d: Buffer) => (output += d.toString()));
      supervisor.stderr!.on('data', (d: Buffer) => (output += d.toString()));
      await waitFor(() => output.includes('acknowledged') && output.includes('command channel open'), { timeoutMs: 60_000, what: `a first report and the command channel\n${output}` });

      const admin = await signedInClient(newer.url);
      try {
        const agentId = (JSON.parse(config) as { agentId: string }).agentId;
        expect(await admin.client.agents.upgrade.mutate({})).toEqual({ version: NEXT, agentIds: [agentId], skipped: [] });
        const done = await waitFor(
          async () => {
            const a = (await admin.client.agents.list.query({})).find((x) => x.id === agentId)!;
            return a.upgrade?.status !== 'requested' && a.version === NEXT ? a : a.upgrade?.status === 'failed' ? a : null;
          },
          { timeoutMs: 120_000, what: `the agent to report ${NEXT}\n${output}` },
        );
        expect(done.upgrade, output).toMatchObject({ status: 'upgraded', toVersion: NEXT });
        // Its heartbeats say how it was installed: the server upgrades deb agents with the deb.
        await waitFor(async () => (await admin.client.agents.list.query({})).find((x) => x.id === agentId)!.install?.kind === 'deb', { what: 'the agent to report its install kind' });
        expect((await admin.client.agents.list.query({})).find((x) => x.id === agentId)!.install).toEqual({ kind: 'deb', arch: 'x64', flavour: null });
      } finally {
        admin.close();
      }
      expect(await installed()).toBe(`install ok installed ${NEXT}`);
      expect((await agent(['--version'])).stdout.trim()).toBe(NEXT);
      expect(output).toContain('exited 75');
      expect(readFileSync(CONFIG, 'utf8')).toContain('"serverKey"');
      // The upgraded agent keeps sending: the outbox drains.
      await waitFor(() => outbox().length === 0 && (output.match(/acknowledged/g) ?? []).length >= 2, { timeoutMs: 60_000, what: `reports from ${NEXT}\n${output}` });
    } finally {
      if (supervisor?.pid) {
        try {
          process.kill(-supervisor.pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
      await newer.cleanup();
      await purge();
    }
  }, 600_000);
});
