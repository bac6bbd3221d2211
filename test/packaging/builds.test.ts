import { execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, openSync, readdirSync, readFileSync, readSync, rmSync, statSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { WEIAN_VERSION } from '@weian/shared/version';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enrollmentToken, REPLAY, storedReports } from '../faults/agentProcess.js';
import { PACKAGED_EXECUTABLE, unpackCommand } from '@weian/agent/upgrade';
import { findUnpackedExecutable, MSI_PRODUCT_NAME } from '@weian/agent/windowsInstall';
import { agentArtifacts, AGENT_DIST, ensureAgentBuilt } from '../helpers/agentBuild.js';
import { REPO, startServerProcess, tempDir, type CliResult, type ServerProcess } from '../helpers/index.js';

/** What every build offers a hospital: real executables run here (arm64 under qemu-user-static), the packages read with their own tools. */
const A = agentArtifacts(WEIAN_VERSION);
const QEMU = ['qemu-aarch64-static', '-L', '/usr/aarch64-linux-gnu'];
const sh = async (cmd: string, args: string[], opts: { cwd?: string } = {}) => (await promisify(execFile)(cmd, args, { maxBuffer: 64 * 1024 * 1024, ...opts })).stdout;

/** Runs one build's `weian-agent` command line to completion, collecting from a capture unless told otherwise. */
function run(argv: string[], env: Record<string, string> = REPLAY, timeoutMs = 120_000): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), { cwd: REPO, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Everything in a report that does not depend on when or by which runtime it was made. */
const sectionsOf = (json: string) => (JSON.parse(json) as { sections: unknown }).sections;

/** The packages' start guard: the program a deb / rpm upgrade kept, counting the new version's starts (agent/src/upgrade.ts). */
const PACKAGED_GUARD = 'ExecStartPre=-/var/lib/weian-agent/weian-agent.previous/weian-agent __upgrade-guard --config /etc/weian/agent.json';

let server: ServerProcess;
beforeAll(async () => {
  await ensureAgentBuilt();
  server = await startServerProcess();
}, 1_500_000);
afterAll(async () => {
  await server?.cleanup();
});

/**
 * `--version`, a replayed collection equal to the reference bundle's, then enroll + once against the real server, which stores the report,
 * and the start-up trial of an upgrade. `trial: false` under qemu-user: `run` starts a child of its own by its path, which would not go through qemu.
 */
async function provesItself(cmd: string[], capture: string, opts: { trial: boolean } = { trial: true }) {
  const version = await run([...cmd, '--version']);
  expect(version.stdout.trim(), version.stderr).toBe(WEIAN_VERSION);

  const replay = join(REPO, 'agent/fixtures', capture);
  const [mine, reference] = await Promise.all([
    run([...cmd, 'once', '--print', '--replay', replay]),
    run([process.execPath, join(AGENT_DIST, 'weian-agent.mjs'), 'once', '--print', '--replay', replay]),
  ]);
  expect(mine.code, mine.stderr).toBe(0);
  expect(JSON.parse(mine.stdout).agentVersion).toBe(WEIAN_VERSION);
  expect(sectionsOf(mine.stdout)).toEqual(sectionsOf(reference.stdout));

  const configPath = join(tempDir('weian-pkg-agent-'), 'agent.json');
  const enroll = await run([...cmd, 'enroll', '--server', server.url, '--token', await enrollmentToken(server, 'ZJ-XH-001'), '--config', configPath]);
  expect(enroll.code, enroll.stderr).toBe(0);
  const once = await run([...cmd, 'once', '--config', configPath], { WEIAN_AGENT_REPLAY: replay });
  expect(once.code, once.stderr).toBe(0);
  const config = JSON.parse(readFileSync(configPath, 'utf8')) as { agentId: string; hostId: string };
  const stored = await storedReports(server, { ...config, configPath, outboxDir: join(configPath, '..', 'outbox') });
  expect(stored).toHaveLength(1);
  if (!opts.trial) return;
  // The start-up trial a remote upgrade puts this build through before it replaces the running one.
  const trial = await run([...cmd, 'run', '--config', configPath, '--trial']);
  expect(trial.code, trial.stderr).toBe(0);
  expect(trial.stdout).toContain(`trial of ${WEIAN_VERSION} passed`);
}

const isElf = (file: string) => {
  const fd = openSync(file, 'r');
  const head = Buffer.alloc(4);
  readSync(fd, head, 0, 4, 0);
  closeSync(fd);
  return head.equals(Buffer.from([0x7f, 0x45, 0x4c, 0x46]));
};
const filesUnder = (dir: string): string[] => readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? filesUnder(join(dir, e.name)) : [join(dir, e.name)]));
/** The highest GLIBC_x.y symbol version an ELF file needs (objdump -T), as [x, y]. */
async function maxGlibc(file: string): Promise<[number, number]> {
  const versions = [...(await sh('objdump', ['-T', file])).matchAll(/GLIBC_(\d+)\.(\d+)/g)].map((m) => [Number(m[1]), Number(m[2])] as [number, number]);
  return versions.reduce((a, b) => (b[0] > a[0] || (b[0] === a[0] && b[1] > a[1]) ? b : a), [0, 0]);
}

describe('agent builds', () => {
  it('puts a SHA-256 sum beside every artifact, and all of them in SHA256SUMS', async () => {
    const artifacts = Object.entries(A)
      .filter(([k]) => k !== 'sums')
      .map(([, f]) => f);
    for (const f of artifacts) {
      const sum = createHash('sha256').update(readFileSync(f)).digest('hex');
      expect(readFileSync(`${f}.sha256`, 'utf8'), f).toBe(`${sum}  ${f.slice(AGENT_DIST.length + 1)}\n`);
    }
    expect(readFileSync(A.sums, 'utf8').trim().split('\n')).toHaveLength(artifacts.length);
    await sh('sha256sum', ['--check', '--strict', 'SHA256SUMS'], { cwd: AGENT_DIST });
  });

  it('runs the linux-arm64 single executable under qemu-aarch64: version, replay, enroll and once', async () => {
    expect(await sh('file', ['-b', A.linuxArm64])).toMatch(/ARM aarch64/);
    await provesItself([...QEMU, A.linuxArm64], 'kylin-v10', { trial: false });
  }, 600_000);

  it('runs the linux-x64 single executable made from the official node binary', async () => {
    await provesItself([A.linuxX64], 'debian12');
  });

  it('makes the Windows executable from the same blob', async () => {
    expect(await sh('file', ['-b', A.winX64])).toMatch(/PE32\+ executable.*x86-64/);
    // The blob is the CommonJS bundle as is (no code cache): its text is inside both executables.
    const marker = 'weian-agent: the server refused this agent';
    for (const exe of [A.winX64, A.linuxX64]) expect(readFileSync(exe).includes(marker), exe).toBe(true);
  });

  it('glibc 2.17 build: no shipped ELF needs a GLIBC_ version above 2.17, and it runs on its own Node 16', async () => {
    const dir = tempDir('weian-glibc217-');
    await sh('tar', ['-xzf', A.glibc217, '-C', dir]);
    const elves = filesUnder(dir).filter(isElf);
    expect(elves.map((f) => f.slice(dir.length))).toEqual(['/weian-agent/node']);
    for (const f of elves) expect((await maxGlibc(f)).join('.'), f).toMatch(/^2\.(\d|1[0-7])$/);
    expect((await run([join(dir, 'weian-agent/node'), '--version'])).stdout.trim()).toBe('v16.20.2');
    await provesItself([join(dir, 'weian-agent/weian-agent')], 'centos7');
    // It knows it is the el7 build: it upgrades from the el7 rpm only (agent/src/upgrade.ts, agentInstall).
    expect((await run([join(dir, 'weian-agent/weian-agent'), '--help'])).stdout).toMatch(/^weian-agent \d+\.\d+\.\d+ \(glibc 2\.17 build/);
    expect((await run([A.linuxX64, '--help'])).stdout).not.toContain('glibc 2.17');
    // A live collection too: the disk figures come through the bundle's Node 16 statfs.
    const live = await run([join(dir, 'weian-agent/weian-agent'), 'once', '--print'], {});
    expect(live.code, live.stderr).toBe(0);
    expect((JSON.parse(live.stdout) as { sections: { device: { data: { filesystems: unknown[] } } } }).sections.device.data.filesystems.length).toBeGreaterThan(0);
  }, 600_000);

  it('lists what each package installs, for the right architecture', async () => {
    for (const [deb, arch] of [
      [A.debAmd64, 'amd64'],
      [A.debArm64, 'arm64'],
    ] as const) {
      const files = await sh('dpkg-deb', ['-c', deb]);
      for (const path of ['./usr/bin/weian-agent', './lib/systemd/system/weian-agent.service', './etc/weian/', './usr/share/doc/weian-agent/copyright']) expect(files, deb).toContain(path);
      expect(files).toMatch(/drwx------ root\/root +0 [\d-]+ [\d:]+ \.\/var\/lib\/weian-agent\//);
      expect(files).toMatch(/drwxr-xr-x root\/root +0 [\d-]+ [\d:]+ \.\/var\/lib\/\n/);
      expect((await sh('dpkg-deb', ['-f', deb, 'Architecture'])).trim()).toBe(arch);
      expect((await sh('dpkg-deb', ['-f', deb, 'Version'])).trim()).toBe(WEIAN_VERSION);
      const unit = await sh('sh', ['-c', `dpkg-deb --fsys-tarfile '${deb}' | tar -xO ./lib/systemd/system/weian-agent.service`]);
      expect(unit).toContain(`${PACKAGED_GUARD}\nExecStart=/usr/bin/weian-agent run --config /etc/weian/agent.json\n`);
    }
    for (const [rpm, arch] of [
      [A.rpmX86_64, 'x86_64'],
      [A.rpmAarch64, 'aarch64'],
      [A.rpmEl7, 'x86_64'],
    ] as const) {
      const files = (await sh('rpm', ['-qlp', rpm])).trim().split('\n');
      expect(files, rpm).toEqual(expect.arrayContaining(['/usr/bin/weian-agent', '/usr/lib/systemd/system/weian-agent.service', '/etc/weian', '/var/lib/weian-agent']));
      expect(await sh('rpm', ['-qp', '--qf', '%{ARCH} %{VERSION}', rpm])).toBe(`${arch} ${WEIAN_VERSION}`);
      const unit = await sh('sh', ['-c', `rpm2cpio '${rpm}' | cpio -i --quiet --to-stdout ./usr/lib/systemd/system/weian-agent.service`]);
      expect(unit).toContain(`${PACKAGED_GUARD}\nExecStart=/usr/bin/weian-agent run --config /etc/weian/agent.json\n`);
      expect(unit).toContain('Nice=10');
      // systemd 219 (EL7) knows MemoryLimit, newer ones MemoryMax.
      expect(unit).toContain(rpm === A.rpmEl7 ? 'MemoryLimit=256M' : 'MemoryMax=256M');
    }
    const el7 = (await sh('rpm', ['-qlp', A.rpmEl7])).trim().split('\n');
    expect(el7).toEqual(expect.arrayContaining(['/usr/lib/weian-agent/node', '/usr/lib/weian-agent/weian-agent.mjs']));
    // What rpm's dependency generator read from the ELF files: nothing above glibc 2.17 for EL7.
    const needs = [...(await sh('rpm', ['-qp', '--requires', A.rpmEl7])).matchAll(/GLIBC_2\.(\d+)/g)].map((m) => Number(m[1]));
    expect(needs.length).toBeGreaterThan(0);
    expect(Math.max(...needs)).toBeLessThanOrEqual(17);
    expect(await sh('rpm', ['-qp', '--qf', '%{PAYLOADCOMPRESSOR}', A.rpmEl7])).toBe('gzip');
  });

  it("a remote upgrade can unpack each x86-64 package and start its agent before installing it (the command the agent's trial uses)", async () => {
    for (const [pkg, kind] of [
      [A.debAmd64, 'deb'],
      [A.rpmX86_64, 'rpm'],
      [A.rpmEl7, 'rpm-el7'],
    ] as const) {
      const dir = tempDir('weian-unpacked-');
      const [file, args] = unpackCommand(kind, pkg, dir);
      await sh(file, args);
      expect((await sh(join(dir, PACKAGED_EXECUTABLE), ['--version'])).trim(), pkg).toBe(WEIAN_VERSION);
    }
  });

  it('passes lintian (with the overrides the embedded runtime needs)', async () => {
    const lint = (deb: string) =>
      sh('lintian', ['--fail-on', 'error,warning', deb]).catch((e: { stdout: string; stderr: string }) => {
        throw new Error(`lintian ${deb}:\n${e.stdout}${e.stderr}`);
      });
    for (const out of await Promise.all([lint(A.debAmd64), lint(A.debArm64)])) expect(out).not.toMatch(/^[EW]: /m);
  }, 600_000);

  it('lists the MSI: the exe, C:\\ProgramData\\WeiAn and the scheduled task it creates and deletes', async () => {
    const table = async (name: string) =>
      (await sh('msiinfo', ['export', A.msi, name]))
        .split(/\r?\n/)
        .slice(3)
        .filter(Boolean)
        .map((l) => l.split('\t'));
    expect((await table('File')).map((r) => r[2])).toEqual(['weian-agent.exe']);
    const dirs = await table('Directory');
    expect(dirs).toEqual(
      expect.arrayContaining([
        ['DATADIR', 'CommonAppDataFolder', 'WeiAn'],
        ['INSTALLDIR', 'ProgramFiles64Folder', 'WeiAn'],
      ]),
    );
    const actions = Object.fromEntries((await table('CustomAction')).map((r) => [r[0], r.slice(1)]));
    expect(actions.CreateTask?.[2]).toBe('install-service --no-start --config "[DATADIR]agent.json"');
    expect(actions.DeleteTask?.[2]).toBe('/Delete /F /TN WeiAnAgent');
    const props = Object.fromEntries(await table('Property'));
    expect(props.ProductVersion).toBe(WEIAN_VERSION);
    expect(statSync(A.msi).size).toBeGreaterThan(statSync(A.winX64).size / 4);
    // A Windows agent's remote upgrade (agent/src/windowsInstall.ts) knows the MSI by its product name, and tries the exe of
    // its administrative image (msiexec /a) first: msiextract lays the files out by the same Directory table.
    expect(props.ProductName).toBe(MSI_PRODUCT_NAME);
    expect((await table('AdminExecuteSequence')).map((r) => r[0])).toContain('InstallFiles');
    const image = tempDir('weian-msi-image-');
    try {
      await sh('msiextract', ['-C', image, A.msi]);
      const exe = await findUnpackedExecutable(readdir, image, join);
      const sum = (f: string) => createHash('sha256').update(readFileSync(f)).digest('hex');
      expect(exe && sum(exe)).toBe(sum(A.winX64));
    } finally {
      rmSync(image, { recursive: true, force: true });
    }
  });
});
