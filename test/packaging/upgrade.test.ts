import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, copyFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { WEIAN_VERSION } from '@weian/shared/version';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enrollmentToken, REPLAY } from '../faults/agentProcess.js';
import { buildExecutableVersion } from '../helpers/agentBuild.js';
import { ensureDashboardBuilt, launchBrowser, openPage, signInWithForm } from '../helpers/browser.js';
import { signedInClient, startServerProcess, tempDir, TEST_ADMIN, waitFor, type ServerProcess } from '../helpers/index.js';

/**
 * Remote upgrade end to end on this machine: two real builds of the linux-x64 single executable
 * (an older version and this one), a real server handing out this one, the older one installed
 * and running under a supervisor that restarts it on exit status 75 as systemd's
 * Restart=on-failure does. An admin asks for the upgrade with the button in the agents view
 * (Chromium); the agent downloads, verifies, swaps itself, comes back as the new version and says
 * so, and the view shows it. Then a tampered release: refused, reported, shown, and the agent runs on.
 */
/** A version older than this one (the dashboard marks agents older than its own version outdated). */
const [X, Y, Z] = WEIAN_VERSION.split('.').map(Number) as [number, number, number];
const OLD = Z > 0 ? `${X}.${Y}.${Z - 1}` : Y > 0 ? `${X}.${Y - 1}.999` : `${X - 1}.999.999`;
const NEW = WEIAN_VERSION;
const AFTER = `${X}.${Y}.${Z + 1}`;

let server: ServerProcess;
let serverDist: string;
let install: string;
let supervisor: ChildProcess | null = null;
let output = '';
const exe = () => join(install, 'weian-agent');
const config = () => join(install, 'etc', 'agent.json');
const versionOf = (file: string) => execFileSync(file, ['--version'], { encoding: 'utf8' }).trim();

beforeAll(async () => {
  const oldDist = tempDir('weian-old-build-');
  serverDist = tempDir('weian-new-build-');
  const [oldExe] = await Promise.all([buildExecutableVersion(OLD, oldDist), buildExecutableVersion(NEW, serverDist), ensureDashboardBuilt()]);
  server = await startServerProcess({ env: { WEIAN_AGENT_DIST: serverDist } });
  install = tempDir('weian-installed-');
  copyFileSync(oldExe, exe());
  execFileSync('chmod', ['755', exe()]);
}, 600_000);
afterAll(async () => {
  if (supervisor?.pid) {
    try {
      process.kill(-supervisor.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  await server?.cleanup();
});

describe('remote upgrade of a running agent between two real builds', () => {
  it('upgrades on request, comes back as the new version, and keeps sending', async () => {
    expect(versionOf(exe())).toBe(OLD);
    execFileSync(exe(), ['enroll', '--server', server.url, '--token', await enrollmentToken(server, 'ZJ-XH-001'), '--config', config()], { env: { ...process.env, ...REPLAY } });
    const enrolled = JSON.parse(readFileSync(config(), 'utf8')) as { agentId: string; serverKey?: string };
    expect(enrolled.serverKey).toMatch(/^[A-Za-z0-9+/]{59}=$/);

    // The service manager's part: start again after exit status 75 (systemd: Restart=on-failure), stop on anything else.
    supervisor = spawn('sh', ['-c', 'while :; do "$0" run --config "$1"; code=$?; echo "exited $code"; [ "$code" -eq 75 ] || exit "$code"; done', exe(), config()], {
      env: { ...process.env, ...REPLAY, WEIAN_AGENT_INTERVAL_MS: '3000', WEIAN_AGENT_HEARTBEAT_MS: '1000' },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    supervisor.stdout!.on('data', (d: Buffer) => (output += d.toString()));
    supervisor.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    const acked = () => (output.match(/acknowledged/g) ?? []).length;
    await waitFor(() => acked() >= 1 && output.includes('command channel open'), { timeoutMs: 60_000, what: `a first report and the command channel\n${output}` });

    const admin = await signedInClient(server.url);
    const mine = async () => (await admin.client.agents.list.query({})).find((a) => a.id === enrolled.agentId)!;
    const browser = await launchBrowser();
    try {
      const { page, problems } = await openPage(browser);
      await signInWithForm(page, server.url, TEST_ADMIN);
      await page.goto(`${server.url}/admin/agents`);
      await page.getByTestId('agent-upgrade').click();
      await expect.poll(() => page.getByTestId('agent-upgrade-status').textContent()).toBe(`已下发升级到 ${NEW}`);
      const upgraded = await waitFor(async () => {
        const a = await mine();
        return a.upgrade?.status === 'upgraded' && a.version === NEW ? a : null;
      }, { timeoutMs: 90_000, what: `the agent to report ${NEW}\n${output}` });
      expect(upgraded.upgrade).toMatchObject({ toVersion: NEW, reason: null });
      await page.reload();
      await expect.poll(() => page.getByTestId('agent-upgrade-status').textContent()).toBe(`已升级到 ${NEW}`);
      expect(await page.getByTestId('agent-outdated').count()).toBe(0);
      expect(output).toContain('exited 75');
      expect(versionOf(exe())).toBe(NEW);
      // Confirmed: the kept old executable and the marker are gone; the new version sends reports.
      await waitFor(() => !existsSync(`${exe()}.previous`) && !existsSync(join(install, 'etc', 'upgrade.json')), { what: 'the backup to be dropped' });
      const before = acked();
      await waitFor(() => acked() > before, { timeoutMs: 60_000, what: `a report from ${NEW}\n${output}` });

      // A tampered release: the server's file no longer matches the sum it signs. Refused, reported, nothing replaced.
      writeFileSync(join(serverDist, 'VERSION'), `${AFTER}\n`);
      appendFileSync(join(serverDist, 'weian-agent-linux-x64'), 'tampered');
      expect((await admin.client.agents.upgrade.mutate({ agentId: enrolled.agentId })).version).toBe(AFTER);
      const failed = await waitFor(async () => {
        const a = await mine();
        return a.upgrade?.status === 'failed' ? a : null;
      }, { timeoutMs: 60_000, what: `the refusal to reach the server\n${output}` });
      expect(failed.upgrade!.reason).toMatch(/^校验和不符: weian-agent-linux-x64 has SHA-256 [0-9a-f]{64}, the signed manifest says [0-9a-f]{64}$/);
      expect(failed.version).toBe(NEW);
      await page.reload();
      await expect.poll(() => page.getByTestId('agent-upgrade-status').textContent()).toBe(`升级到 ${AFTER} 失败，已保留原版本`);
      expect(await page.getByTestId('agent-upgrade-reason').textContent()).toMatch(/^校验和不符/);
      // The signed-out session probe before login answers 401; anything else is a finding.
      expect(problems.filter((p) => !/status of 40[13]/.test(p))).toEqual([]);
      expect(versionOf(exe())).toBe(NEW);
      const still = acked();
      await waitFor(() => acked() > still, { timeoutMs: 60_000, what: `the agent to keep reporting\n${output}` });
      expect(output.match(/exited/g)).toEqual(['exited']);
    } finally {
      await browser.close();
      admin.close();
    }
  }, 300_000);
});
