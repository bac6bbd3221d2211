import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, copyFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { WEIAN_VERSION } from '@weian/shared/version';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enrollmentToken, REPLAY } from '../faults/agentProcess.js';
import { buildExecutableVersion } from '../helpers/agentBuild.js';
import { signedInClient, startServerProcess, tempDir, waitFor, type ServerProcess } from '../helpers/index.js';

/**
 * Remote upgrade end to end on this machine: two real builds of the linux-x64 single executable
 * (this version and the next), a real server handing out the newer one, the older one installed
 * and running under a supervisor that restarts it on exit status 75 as systemd's
 * Restart=on-failure does. An admin asks for the upgrade; the agent downloads, verifies, swaps
 * itself, comes back as the new version and says so. Then a tampered release: refused, reported,
 * and the agent runs on.
 */
const NEXT = WEIAN_VERSION.replace(/\d+$/, (p) => String(Number(p) + 1));
const AFTER_NEXT = WEIAN_VERSION.replace(/\d+$/, (p) => String(Number(p) + 2));

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
  const [oldExe] = await Promise.all([buildExecutableVersion(WEIAN_VERSION, oldDist), buildExecutableVersion(NEXT, serverDist)]);
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
    expect(versionOf(exe())).toBe(WEIAN_VERSION);
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
    try {
      expect((await admin.client.agents.upgrade.mutate({})).agentIds).toEqual([enrolled.agentId]);
      const upgraded = await waitFor(async () => {
        const a = await mine();
        return a.upgrade?.status === 'upgraded' && a.version === NEXT ? a : null;
      }, { timeoutMs: 90_000, what: `the agent to report ${NEXT}\n${output}` });
      expect(upgraded.upgrade).toMatchObject({ toVersion: NEXT, reason: null });
      expect(output).toContain('exited 75');
      expect(versionOf(exe())).toBe(NEXT);
      // Confirmed: the kept old executable and the marker are gone; the new version sends reports.
      await waitFor(() => !existsSync(`${exe()}.previous`) && !existsSync(join(install, 'etc', 'upgrade.json')), { what: 'the backup to be dropped' });
      const before = acked();
      await waitFor(() => acked() > before, { timeoutMs: 60_000, what: `a report from ${NEXT}\n${output}` });

      // A tampered release: the server's file no longer matches the sum it signs. Refused, reported, nothing replaced.
      writeFileSync(join(serverDist, 'VERSION'), `${AFTER_NEXT}\n`);
      appendFileSync(join(serverDist, 'weian-agent-linux-x64'), 'tampered');
      expect((await admin.client.agents.upgrade.mutate({ agentId: enrolled.agentId })).version).toBe(AFTER_NEXT);
      const failed = await waitFor(async () => {
        const a = await mine();
        return a.upgrade?.status === 'failed' ? a : null;
      }, { timeoutMs: 60_000, what: `the refusal to reach the server\n${output}` });
      expect(failed.upgrade!.reason).toMatch(/^校验和不符: weian-agent-linux-x64 has SHA-256 [0-9a-f]{64}, the signed manifest says [0-9a-f]{64}$/);
      expect(failed.version).toBe(NEXT);
      expect(versionOf(exe())).toBe(NEXT);
      const still = acked();
      await waitFor(() => acked() > still, { timeoutMs: 60_000, what: `the agent to keep reporting\n${output}` });
      expect(output.match(/exited/g)).toEqual(['exited']);
    } finally {
      admin.close();
    }
  }, 300_000);
});
