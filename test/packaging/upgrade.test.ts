import type { ChildProcess } from 'node:child_process';
import { appendFileSync, copyFileSync, existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { generateKeyPairSync } from 'node:crypto';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { WEIAN_VERSION } from '@weian/shared/version';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enrollmentToken, REPLAY } from '../faults/agentProcess.js';
import { buildExecutableVersion } from '../helpers/agentBuild.js';
import { killGroups, superviseAgent } from '../helpers/processTree.js';
import { ensureDashboardBuilt, launchBrowser, openPage, signInWithForm } from '../helpers/browser.js';
import { signedInClient, startServerProcess, tempDir, TEST_ADMIN, waitFor, type ServerProcess } from '../helpers/index.js';

/**
 * Remote upgrade end to end on this machine: two real builds of the linux-x64 single executable
 * (an older version and this one), a real server handing out this one, the older one installed
 * and running under a supervisor that restarts it on exit status 75 as systemd's
 * Restart=on-failure does. An admin asks for the upgrade with the button in the agents view
 * (Chromium); the agent downloads, verifies, swaps itself, comes back as the new version and says
 * so, and the view shows it. Then a tampered release: refused, reported, shown, and the agent runs on.
 * Then what must not break an agent: a new build made (with a build flag) to crash at start, one
 * made to crash at every real start after passing its trial, a full disk (a tmpfs this test mounts, at two sizes), a kill mid-upgrade, a downgrade.
 */
/** A version older than this one (the dashboard marks agents older than its own version outdated). */
const [X, Y, Z] = WEIAN_VERSION.split('.').map(Number) as [number, number, number];
const OLD = Z > 0 ? `${X}.${Y}.${Z - 1}` : Y > 0 ? `${X}.${Y - 1}.999` : `${X - 1}.999.999`;
const NEW = WEIAN_VERSION;
const AFTER = `${X}.${Y}.${Z + 1}`;

let server: ServerProcess;
let serverDist: string;
let oldExe: string;
let pristine: string;
let crashing: string;
let crashingAfterTrial: string;
const running: ChildProcess[] = [];
const mounts: string[] = [];
/** An agent running NEW: enrolling again from the same host replaces the agent before, so only the latest is live. */
let upgradedAgent: string;
const versionOf = (file: string) => execFileSync(file, ['--version'], { encoding: 'utf8' }).trim();

/** The files of a release the server reads: its executable, its sums and its version. */
const RELEASE = ['weian-agent-linux-x64', 'SHA256SUMS', 'VERSION'];
/** The server hands out the release built into `dist` from now on. */
const publish = (dist: string) => RELEASE.forEach((f) => copyFileSync(join(dist, f), join(serverDist, f)));

beforeAll(async () => {
  const oldDist = tempDir('weian-old-build-');
  serverDist = tempDir('weian-new-build-');
  crashing = tempDir('weian-crashing-build-');
  crashingAfterTrial = tempDir('weian-crashing-after-trial-build-');
  // A build that dies the moment it is started as the service, before any code of the agent runs;
  // `--version` still answers. What a broken release looks like from outside.
  const prelude = join(crashing, 'prelude.js');
  writeFileSync(prelude, "if (process.argv[2] === 'run') { console.error('weian-agent: crash at start (a build made to fail)'); process.exit(70); }\n");
  // One that passes its trial and dies at every real start, before any code of the agent runs (so before it could count its starts).
  const afterTrial = join(crashingAfterTrial, 'prelude.js');
  writeFileSync(
    afterTrial,
    "if (process.argv[2] === 'run' && !process.argv.includes('--trial')) { console.error('weian-agent: crash at its real start (a build made to fail)'); process.exit(70); }\n",
  );
  [oldExe] = await Promise.all([
    buildExecutableVersion(OLD, oldDist),
    buildExecutableVersion(NEW, serverDist),
    buildExecutableVersion(AFTER, crashing, prelude),
    buildExecutableVersion(AFTER, crashingAfterTrial, afterTrial),
    ensureDashboardBuilt(),
  ]);
  pristine = tempDir('weian-pristine-');
  RELEASE.forEach((f) => copyFileSync(join(serverDist, f), join(pristine, f)));
  server = await startServerProcess({ env: { WEIAN_AGENT_DIST: serverDist } });
}, 600_000);
afterAll(async () => {
  killGroups(running);
  for (const m of mounts) execFileSync('umount', ['--lazy', m]);
  await server?.cleanup();
});

/**
 * The old build installed in a directory of its own, enrolled, and running under the service
 * manager's part, from the lines of its own unit: started again unless it exits 0 or 78 (systemd:
 * Restart=on-failure, RestartPreventExitStatus=78), which includes exit status 75 after an upgrade and a kill.
 */
async function installOld(dir = tempDir('weian-installed-')) {
  const exe = join(dir, 'weian-agent');
  const config = join(dir, 'etc', 'agent.json');
  copyFileSync(oldExe, exe);
  execFileSync('chmod', ['755', exe]);
  expect(versionOf(exe)).toBe(OLD);
  execFileSync(exe, ['enroll', '--server', server.url, '--token', await enrollmentToken(server, 'ZJ-XH-001'), '--config', config], { env: { ...process.env, ...REPLAY } });
  const enrolled = JSON.parse(readFileSync(config, 'utf8')) as { agentId: string; serverKey?: string };
  expect(enrolled.serverKey).toMatch(/^[A-Za-z0-9+/]{59}=$/);
  // The unit install-service writes for this executable, run as systemd runs it: ExecStartPre (its
  // "-": a failure or a missing executable is skipped), then ExecStart, again unless it exits 0 or 78.
  const unit = execFileSync(exe, ['install-service', '--dry-run', '--config', config], { encoding: 'utf8' });
  const line = (key: string) => {
    const value = new RegExp(`^${key}=(.*)$`, 'm').exec(unit)?.[1];
    // Plain words only (temp paths): the line is handed to sh as it stands.
    if (value !== undefined) expect(value).toMatch(/^-?[A-Za-z0-9_@%+=:,./ -]+$/);
    return value;
  };
  const pre = line('ExecStartPre')!.replace(/^-/, '');
  expect(pre).toBe(`${exe}.previous __upgrade-guard --config ${config}`);
  const start = line('ExecStart')!;
  const supervised = superviseAgent(start, { pre, env: { ...process.env, ...REPLAY, WEIAN_AGENT_INTERVAL_MS: '3000', WEIAN_AGENT_HEARTBEAT_MS: '1000' } });
  running.push(supervised.child);
  const agent = {
    dir,
    exe,
    agentId: enrolled.agentId,
    ...supervised,
    /** The agent process itself (the supervisor's child), not the supervisor. */
    pid: () =>
      Number(
        execFileSync('pgrep', ['-P', String(supervised.child.pid)], { encoding: 'utf8' })
          .trim()
          .split('\n')[0],
      ),
  };
  await waitFor(() => agent.acked().length >= 1 && agent.output().includes('command channel open'), {
    timeoutMs: 60_000,
    what: `a first report and the command channel\n${agent.output()}`,
  });
  return agent;
}

/** How the upgrade just requested ended (the request set its status to 'requested'), once it has. */
const outcomeOf = async (admin: Awaited<ReturnType<typeof signedInClient>>, agentId: string) =>
  waitFor(
    async () => {
      const a = (await admin.client.agents.list.query({})).find((x) => x.id === agentId)!;
      return a.upgrade && a.upgrade.status !== 'requested' ? a : null;
    },
    { timeoutMs: 90_000, what: 'the outcome to reach the server' },
  );
/** Everything `queued` reaches the server, and the agent goes on sending (more than `acked` reports). */
async function nothingLost(installed: Awaited<ReturnType<typeof installOld>>, queued: string[], acked: number) {
  await waitFor(() => installed.acked().length > acked && queued.every((id) => installed.acked().includes(id)), { timeoutMs: 90_000, what: `reports after the upgrade\n${installed.output()}` });
}

describe('remote upgrade of a running agent between two real builds', () => {
  it('upgrades on request, comes back as the new version, and keeps sending', async () => {
    const installed = await installOld();
    const exe = () => installed.exe;
    const output = installed.output;
    const acked = () => installed.acked().length;
    const enrolled = { agentId: installed.agentId };
    const admin = await signedInClient(server.url);
    const mine = async () => (await admin.client.agents.list.query({})).find((a) => a.id === enrolled.agentId)!;
    const browser = await launchBrowser();
    try {
      const { page, problems } = await openPage(browser);
      await signInWithForm(page, server.url, TEST_ADMIN);
      await page.goto(`${server.url}/admin/agents`);
      await page.getByTestId('agent-upgrade').click();
      await expect.poll(() => page.getByTestId('agent-upgrade-status').textContent()).toBe(`已下发升级到 ${NEW}`);
      const upgraded = await waitFor(
        async () => {
          const a = await mine();
          return a.upgrade?.status === 'upgraded' && a.version === NEW ? a : null;
        },
        { timeoutMs: 90_000, what: `the agent to report ${NEW}\n${output()}` },
      );
      expect(upgraded.upgrade).toMatchObject({ toVersion: NEW, reason: null });
      await page.reload();
      await expect.poll(() => page.getByTestId('agent-upgrade-status').textContent()).toBe(`已升级到 ${NEW}`);
      expect(await page.getByTestId('agent-outdated').count()).toBe(0);
      // How it was installed, as its heartbeats say: the executable of its own, which the server upgrades with the single executable.
      expect(await page.getByTestId('agent-install-kind').textContent()).toBe('单文件 · x64');
      expect(output()).toContain('exited 75');
      expect(versionOf(exe())).toBe(NEW);
      // Confirmed: the kept old executable and the marker are gone; the new version sends reports.
      await waitFor(() => !existsSync(`${exe()}.previous`) && !existsSync(join(installed.dir, 'etc', 'upgrade.json')), { what: 'the backup to be dropped' });
      const before = acked();
      await waitFor(() => acked() > before, { timeoutMs: 60_000, what: `a report from ${NEW}\n${output()}` });

      // A tampered release: the server's file no longer matches the sum it signs. Refused, reported, nothing replaced.
      writeFileSync(join(serverDist, 'VERSION'), `${AFTER}\n`);
      appendFileSync(join(serverDist, 'weian-agent-linux-x64'), 'tampered');
      expect((await admin.client.agents.upgrade.mutate({ agentId: enrolled.agentId })).version).toBe(AFTER);
      const failed = await waitFor(
        async () => {
          const a = await mine();
          return a.upgrade?.status === 'failed' ? a : null;
        },
        { timeoutMs: 60_000, what: `the refusal to reach the server\n${output()}` },
      );
      expect(failed.upgrade!.reason).toMatch(/^校验和不符: weian-agent-linux-x64 has SHA-256 [0-9a-f]{64}, the signed manifest says [0-9a-f]{64}$/);
      expect(failed.version).toBe(NEW);
      await page.reload();
      await expect.poll(() => page.getByTestId('agent-upgrade-status').textContent()).toBe(`升级到 ${AFTER} 失败，已保留原版本`);
      expect(await page.getByTestId('agent-upgrade-reason').textContent()).toMatch(/^校验和不符/);
      // The signed-out session probe before login answers 401; anything else is a finding.
      expect(problems.filter((p) => !/status of 40[13]/.test(p))).toEqual([]);
      expect(versionOf(exe())).toBe(NEW);
      const still = acked();
      await waitFor(() => acked() > still, { timeoutMs: 60_000, what: `the agent to keep reporting\n${output()}` });
      expect(output().match(/exited \d+/g)).toEqual(['exited 75']);
    } finally {
      await browser.close();
      admin.close();
    }
  }, 300_000);

  it('an agent killed mid-upgrade comes back (old or new), says how the upgrade ended, and loses nothing queued', async () => {
    // The release as built again (the test above tampered with it).
    publish(pristine);
    const installed = await installOld();
    const admin = await signedInClient(server.url);
    try {
      expect((await admin.client.agents.upgrade.mutate({ agentId: installed.agentId })).version).toBe(NEW);
      // SIGKILL the moment the upgrade is on disk (its marker): mid-download, or at any later step.
      const marker = join(installed.dir, 'etc', 'upgrade.json');
      const pid = installed.pid();
      await waitFor(() => existsSync(marker), { timeoutMs: 60_000, intervalMs: 1, what: `the upgrade to start\n${installed.output()}` });
      process.kill(pid, 'SIGKILL');
      const queuedAtKill = installed.queued();
      const ackedAtKill = installed.acked().length;

      const ended = await outcomeOf(admin, installed.agentId);
      expect(installed.output()).toContain('exited 137');
      if (ended.upgrade!.status === 'failed') {
        expect(ended.upgrade!.reason).toMatch(new RegExp(`stopped while (downloading|trying out) ${NEW}; still running ${OLD}|installed ${NEW} but ${OLD} started`));
        expect(versionOf(installed.exe)).toBe(OLD);
      } else {
        expect(versionOf(installed.exe)).toBe(NEW);
      }
      console.log(`killed mid-upgrade: ${ended.upgrade!.status}${ended.upgrade!.reason ? ` (${ended.upgrade!.reason})` : ''}`);
      // It came back and sends; everything queued before the kill reaches the server.
      await nothingLost(installed, queuedAtKill, ackedAtKill);
    } finally {
      admin.close();
    }
  }, 300_000);

  /**
   * Publishes `build`, upgrades a fresh install of the old version to it and waits for the failure: what every failed
   * upgrade must leave is checked here (the reason, the old version reported and in place, no upgrade file, nothing lost).
   */
  async function failedUpgradeTo(build: string, reason: string) {
    publish(build);
    const installed = await installOld();
    const admin = await signedInClient(server.url);
    try {
      expect((await admin.client.agents.upgrade.mutate({ agentId: installed.agentId })).version).toBe(AFTER);
      const [queued, acked] = [installed.queued(), installed.acked().length];
      const ended = await outcomeOf(admin, installed.agentId);
      expect(ended.upgrade).toMatchObject({ status: 'failed', toVersion: AFTER });
      expect(ended.upgrade!.reason).toBe(reason);
      expect(ended.version).toBe(OLD);
      expect(versionOf(installed.exe)).toBe(OLD);
      // Nothing of the upgrade is left: no second executable, no download, no marker.
      expect(readdirSync(installed.dir).sort()).toEqual(['etc', 'weian-agent']);
      expect(readdirSync(join(installed.dir, 'etc')).filter((f) => f.startsWith('upgrade'))).toEqual([]);
      await nothingLost(installed, queued, acked);
      return installed;
    } finally {
      admin.close();
    }
  }

  it('a new build that crashes at start is never swapped in: the old one runs on, loses nothing, and the reason reaches the dashboard', async () => {
    const installed = await failedUpgradeTo(
      crashing,
      `新版本启动失败: ${AFTER} exited with status 70 in its start-up trial (weian-agent: crash at start (a build made to fail)); nothing was replaced, ${OLD} keeps running`,
    );
    // The old process never stopped.
    expect(installed.output()).not.toMatch(/exited \d+/);
  }, 300_000);

  it("a new build that passes its trial but crashes at every real start is rolled back by the kept old executable (the unit's start guard); the old one says why and loses nothing", async () => {
    const installed = await failedUpgradeTo(crashingAfterTrial, `新版本反复启动失败: ${AFTER} started 3 times without reaching the server: rolled back to ${OLD}`);
    // Swapped in once (75), three real starts that crashed (70), then the old one back.
    expect(installed.output().match(/exited \d+/g)).toEqual(['exited 75', 'exited 70', 'exited 70', 'exited 70']);
    expect(installed.output().match(/crash at its real start/g)).toHaveLength(3);
  }, 300_000);

  it('a full disk during the upgrade (a tmpfs too small for the download, then for the backup): refused, reported, nothing lost; with room it upgrades', async () => {
    publish(pristine);
    const size = statSync(oldExe).size;
    const dir = tempDir('weian-small-disk-');
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size + 16 * 1024 * 1024}`, 'weian-test', dir]);
    mounts.push(dir);
    const installed = await installOld(dir);
    const admin = await signedInClient(server.url);
    const resize = (bytes: number) => execFileSync('mount', ['-o', `remount,size=${bytes}`, dir]);
    const attempt = async () => {
      expect((await admin.client.agents.upgrade.mutate({ agentId: installed.agentId })).version).toBe(NEW);
      const [queued, acked] = [installed.queued(), installed.acked().length];
      const ended = await outcomeOf(admin, installed.agentId);
      await nothingLost(installed, queued, acked);
      return ended;
    };
    try {
      // Room for the agent and its outbox, not for the download.
      const noRoomToDownload = await attempt();
      expect(noRoomToDownload.upgrade).toMatchObject({ status: 'failed', toVersion: NEW });
      expect(noRoomToDownload.upgrade!.reason).toMatch(/^磁盘已满: no space left while upgrading .*; the old version keeps running$/);
      expect(readdirSync(dir).sort()).toEqual(['etc', 'weian-agent']);
      expect(readdirSync(join(dir, 'etc')).filter((f) => f.startsWith('upgrade'))).toEqual([]);

      // Room for the download and the new executable beside the old one, not for the old one's backup.
      resize(Math.floor(size * 3.5));
      const noRoomForBackup = await attempt();
      expect(noRoomForBackup.upgrade!.reason).toMatch(/^磁盘已满/);
      expect(readdirSync(dir).sort()).toEqual(['etc', 'weian-agent']);
      expect(versionOf(installed.exe)).toBe(OLD);
      expect(installed.output()).not.toMatch(/exited \d+/);

      resize(size * 5);
      const upgraded = await attempt();
      expect(upgraded.upgrade).toMatchObject({ status: 'upgraded', toVersion: NEW });
      upgradedAgent = installed.agentId;
      expect(versionOf(installed.exe)).toBe(NEW);
      expect(installed.output().match(/exited \d+/g)).toEqual(['exited 75']);
    } finally {
      admin.close();
    }
  }, 300_000);

  it('a downgrade is refused by the server before any agent is asked (the agent upgraded just above, the live one of its host)', async () => {
    writeFileSync(join(serverDist, 'VERSION'), `${OLD}\n`);
    const admin = await signedInClient(server.url);
    try {
      await expect(admin.client.agents.upgrade.mutate({ agentId: upgradedAgent })).rejects.toThrow(`already runs ${NEW}, not older than ${OLD}`);
    } finally {
      admin.close();
      publish(pristine);
    }
  });

  it('a release signed by another key (the server key replaced) is refused by the agent, which keeps the key it pinned and runs on', async () => {
    publish(pristine);
    const installed = await installOld();
    // The key file the install guide names (server/src/services/agentRelease.ts, SIGNING_KEY_FILE).
    const keyFile = join(server.dataDir, 'agent-signing-key.pem');
    const original = readFileSync(keyFile);
    const other = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' });
    const swapKey = async (pem: string | Buffer) => {
      await server.stop();
      writeFileSync(keyFile, pem, { mode: 0o600 });
      await server.restart();
    };
    await swapKey(other);
    const admin = await signedInClient(server.url);
    try {
      // The agent comes back to the restarted server (and hears its new key in every heartbeat answer).
      await waitFor(() => installed.output().split('command channel open').length > 2, {
        timeoutMs: 90_000,
        what: `the agent to reconnect
${installed.output()}`,
      });
      expect((await admin.client.agents.upgrade.mutate({ agentId: installed.agentId })).version).toBe(NEW);
      const [queued, acked] = [installed.queued(), installed.acked().length];
      const ended = await outcomeOf(admin, installed.agentId);
      expect(ended.upgrade!.status).toBe('failed');
      expect(ended.upgrade!.reason).toBe('签名无效: the manifest is not signed by the pinned server key');
      expect(versionOf(installed.exe)).toBe(OLD);
      await nothingLost(installed, queued, acked);
      expect(installed.output()).not.toMatch(/exited \d+/);
    } finally {
      admin.close();
      await swapKey(original);
    }
  }, 300_000);
});
