import { execFile, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { WEIAN_VERSION } from '@weian/shared/version';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enrollmentToken, REPLAY } from '../faults/agentProcess.js';
import { AGENT_DIST, buildEl7Version, ensureAgentBuilt } from '../helpers/agentBuild.js';
import { killGroups, superviseAgent } from '../helpers/processTree.js';
import { signedInClient, startServerProcess, tempDir, waitFor, type ServerProcess } from '../helpers/index.js';

/**
 * Remote upgrade of the el7 agent (Node 16 with the bundle, glibc 2.17), between two real builds of
 * its rpm. This Debian host is no CentOS 7: the older rpm is installed with the real rpm into a root
 * of the test's own (`rpm --root R`, without its scriptlets, which would need a shell inside R), and
 * the agent runs from there on its own Node 16. The `rpm` the agent finds on its PATH is the real
 * one pointed at that root: `-qf` asks R's database (the agent's own path stripped of R), and `-U`
 * installs into R. Everything else is the agent's own: signature, download, unpack with rpm2cpio,
 * the trial of the new package's agent under the new package's Node 16, exit 75 and the restart.
 */
const [X, Y, Z] = WEIAN_VERSION.split('.').map(Number) as [number, number, number];
const OLD = Z > 0 ? `${X}.${Y}.${Z - 1}` : Y > 0 ? `${X}.${Y - 1}.999` : `${X - 1}.999.999`;
const NEW = WEIAN_VERSION;

const sh = promisify(execFile);
let server: ServerProcess;
let oldRpm: string;
const running: ChildProcess[] = [];

beforeAll(async () => {
  // The new version is the run's full build (shared with the other packaging tests): the server offers every kind it
  // holds, and the el7 agent must take its own rpm among them.
  [oldRpm] = await Promise.all([buildEl7Version(OLD, tempDir('weian-el7-old-')), ensureAgentBuilt()]);
  server = await startServerProcess({ env: { WEIAN_AGENT_DIST: AGENT_DIST } });
}, 900_000);
afterAll(async () => {
  killGroups(running);
  await server?.cleanup();
});

describe('remote upgrade of the el7 rpm agent', () => {
  it('the el7 build, run by its own Node 16, takes the el7 rpm, tries it, upgrades through rpm -U and comes back; config and state stay', async () => {
    const root = tempDir('weian-el7-root-');
    const rpm = (...args: string[]) => sh('rpm', ['--root', root, ...args]);
    await rpm('--initdb');
    await rpm('-i', '--nodeps', '--noscripts', oldRpm);
    const bin = tempDir('weian-el7-bin-');
    writeFileSync(
      join(bin, 'rpm'),
      `#!/bin/sh\nR='${root}'\ncase "$1" in\n  -qf) exec /usr/bin/rpm --root "$R" -qf "\${2#"$R"}" ;;\n  -U) shift; exec /usr/bin/rpm --root "$R" -U --nodeps --noscripts "$@" ;;\n  *) exec /usr/bin/rpm "$@" ;;\nesac\n`,
      { mode: 0o755 },
    );
    const exe = join(root, 'usr/bin/weian-agent');
    const config = join(root, 'etc/weian/agent.json');
    const state = join(root, 'var/lib/weian-agent');
    const env = { ...process.env, ...REPLAY, PATH: `${bin}:${process.env.PATH}`, WEIAN_AGENT_INTERVAL_MS: '3000', WEIAN_AGENT_HEARTBEAT_MS: '1000' };
    expect((await sh(exe, ['--version'])).stdout.trim()).toBe(OLD);
    expect((await sh(exe, ['--help'])).stdout).toMatch(/^weian-agent \S+ \(glibc 2\.17 build/);
    await sh(exe, ['enroll', '--server', server.url, '--token', await enrollmentToken(server, 'ZJ-XH-001'), '--config', config, '--data-dir', state], { env });
    const enrolled = readFileSync(config, 'utf8');
    const agentId = (JSON.parse(enrolled) as { agentId: string }).agentId;

    // Its service manager's part: started again on exit 75, as systemd's Restart=on-failure does.
    const { child, output, acked } = superviseAgent(`${exe} run --config ${config}`, { env });
    running.push(child);
    await waitFor(() => acked().length >= 1 && output().includes('command channel open'), { timeoutMs: 120_000, what: `a first report from the el7 agent\n${output()}` });

    const admin = await signedInClient(server.url);
    try {
      expect((await admin.client.agents.upgrade.mutate({ agentId })).version).toBe(NEW);
      const upgraded = await waitFor(
        async () => {
          const a = (await admin.client.agents.list.query({})).find((x) => x.id === agentId)!;
          return a.upgrade && a.upgrade.status !== 'requested' ? a : null;
        },
        { timeoutMs: 180_000, what: `the el7 agent's outcome\n${output()}` },
      );
      expect(upgraded.upgrade, output()).toMatchObject({ status: 'upgraded', toVersion: NEW, reason: null });
      expect(upgraded.version).toBe(NEW);
      expect(output().match(/exited \d+/g)).toEqual(['exited 75']);
      // rpm installed the el7 package of the new version into the root; the agent's config and data were left alone.
      expect((await rpm('-q', 'weian-agent')).stdout.trim()).toBe(`weian-agent-${NEW}-1.el7.x86_64`);
      expect((await sh(exe, ['--version'])).stdout.trim()).toBe(NEW);
      expect(readFileSync(config, 'utf8')).toBe(enrolled);
      expect(existsSync(join(state, 'state.json'))).toBe(true);
      // Nothing of the upgrade is left in the data directory once the server has the outcome.
      await waitFor(() => !readdirSync(state).some((f) => f.startsWith('upgrade')), { what: `the upgrade's files to go\n${readdirSync(state).join(' ')}` });
      const before = acked().length;
      await waitFor(() => acked().length > before, { timeoutMs: 60_000, what: `a report from ${NEW}\n${output()}` });
    } finally {
      admin.close();
    }
  }, 600_000);
});
