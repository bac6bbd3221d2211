import { createHash, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import * as fsp from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { UpgradeManifest } from '@weian/shared/agentCommands';
import { agentInstall, confirmUpgrade, guardStart, MAX_STARTS, programFiles, runUpgrade, settleUpgrade, type UpgradeCommand, type UpgradeDeps, type UpgradeFs } from './upgrade.js';
import { backupPath, readMarker, windowsBackupPath, writeMarker } from './upgradeFiles.js';
import { handOver, WINDOWS_SWAP_TASK } from './windowsSwap.js';

/**
 * The agent's side of a remote upgrade, on real files in a temp directory with real Ed25519 keys:
 * the "executables" are small shell scripts that answer `--version`, so the new one is really run
 * before it replaces the old. Only the download (bytes from the server) is handed in.
 */
const run = async (file: string, args: string[]) => ({ stdout: (await promisify(execFile)(file, args)).stdout });
const script = (version: string) => `#!/bin/sh\necho ${version}\n`;
const keyPair = () => generateKeyPairSync('ed25519');
const spki = (k: KeyObject) => k.export({ type: 'spki', format: 'der' }).toString('base64');

let dir: string;
let executable: string;
let serverKey: { privateKey: KeyObject; publicKey: KeyObject };
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'weian-upgrade-'));
  mkdirSync(join(dir, 'bin'));
  executable = join(dir, 'bin', 'weian-agent');
  writeFileSync(executable, script('0.1.0'), { mode: 0o755 });
  // An outbox with a queued report: no upgrade, failed or not, may touch it.
  mkdirSync(join(dir, 'data', 'outbox'), { recursive: true });
  writeFileSync(join(dir, 'data', 'outbox', '000000000001-r1.json'), '{"queued":true}');
  serverKey = keyPair();
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const NEW = Buffer.from(script('0.2.0'));
const file = (bytes: Buffer, over: Partial<UpgradeManifest['files'][number]> = {}) => ({
  file: 'weian-agent-linux-x64',
  sha256: createHash('sha256').update(bytes).digest('hex'),
  size: bytes.length,
  arch: 'x64' as const,
  kind: 'sea' as const,
  ...over,
});
function command(o: { version?: string; files?: UpgradeManifest['files']; key?: KeyObject; manifest?: string } = {}): UpgradeCommand {
  const manifest = JSON.stringify({ version: o.version ?? '0.2.0', files: o.files ?? [file(NEW)], issuedAt: '2026-12-06T10:00:00.000Z' });
  return { type: 'upgrade', id: 'cmd-1', manifest: o.manifest ?? manifest, signature: sign(null, Buffer.from(manifest), o.key ?? serverKey.privateKey).toString('base64') };
}
function deps(over: Partial<UpgradeDeps> & { served?: Buffer } = {}): UpgradeDeps {
  const served = over.served ?? NEW;
  return {
    fs: fsp,
    download: async function* () {
      // In two pieces, as a socket delivers it.
      yield served.subarray(0, 8);
      yield served.subarray(8);
    },
    run,
    serverKey: spki(serverKey.publicKey),
    currentVersion: '0.1.0',
    arch: 'x64',
    kind: 'sea',
    systemdRunning: false,
    executable,
    program: [executable],
    trialArgs: ['run', '--config', join(dir, 'agent.json'), '--trial'],
    configPath: join(dir, 'agent.json'),
    pid: 4242,
    dir: join(dir, 'data'),
    now: () => new Date('2026-12-06T10:00:05.000Z'),
    sleep: async () => {},
    ...over,
  };
}
/** The executable of VERSION alone (the old one by default: nothing was changed), nothing in the data directory but the outbox as it was. */
const untouched = (version = '0.1.0') => {
  expect(readFileSync(executable, 'utf8')).toBe(script(version));
  expect(readdirSync(join(dir, 'bin'))).toEqual(['weian-agent']);
  expect(readdirSync(join(dir, 'data')).sort()).toEqual(['outbox']);
  expect(readFileSync(join(dir, 'data', 'outbox', '000000000001-r1.json'), 'utf8')).toBe('{"queued":true}');
};
const failure = async (d: UpgradeDeps, cmd = command()) => {
  const r = await runUpgrade(cmd, d);
  if (r.restart) throw new Error('expected a refusal');
  expect(r.outcome).toMatchObject({ id: 'cmd-1', status: 'failed', fromVersion: '0.1.0' });
  return r.outcome.reason!;
};

describe('runUpgrade', () => {
  it('installs a signed newer executable after running it, keeps the old one, and the new version reports success', async () => {
    expect(await runUpgrade(command(), deps())).toEqual({ restart: true });
    expect((await run(executable, ['--version'])).stdout.trim()).toBe('0.2.0');
    expect(readFileSync(backupPath(executable), 'utf8')).toBe(script('0.1.0'));
    // The service manager starts the new version: it reports upgraded, and once the server has it, forgets the backup.
    const settled = await settleUpgrade({ ...deps(), currentVersion: '0.2.0' });
    expect(settled).toMatchObject({ restart: false, outcome: { id: 'cmd-1', status: 'upgraded', fromVersion: '0.1.0', toVersion: '0.2.0' } });
    await confirmUpgrade(deps(), settled!.outcome);
    expect(existsSync(backupPath(executable))).toBe(false);
    expect(readdirSync(join(dir, 'data')).sort()).toEqual(['outbox']);
    expect(await settleUpgrade({ ...deps(), currentVersion: '0.2.0' })).toBeNull();
  });

  it("ignores files of install kinds or architectures it does not know (a later release's), and upgrades from the rest", async () => {
    const later = [{ ...file(NEW), file: 'weian-agent-0.2.0.pkg', kind: 'pkg' }, { ...file(NEW), file: 'weian-agent-linux-riscv64', arch: 'riscv64' }, file(NEW)];
    expect(await runUpgrade(command({ files: later as never }), deps())).toEqual({ restart: true });
    expect((await run(executable, ['--version'])).stdout.trim()).toBe('0.2.0');
  });

  it('refuses a truncated package', async () => {
    expect(await failure(deps({ served: NEW.subarray(0, NEW.length - 3) }))).toMatch(/truncated: \d+ of \d+ bytes/);
    untouched();
  });

  it('refuses a tampered package of the signed size', async () => {
    const tampered = Buffer.from(NEW);
    const at = tampered.length - 2;
    tampered.writeUInt8(tampered.readUInt8(at) ^ 1, at);
    expect(await failure(deps({ served: tampered }))).toMatch(/^校验和不符/);
    untouched();
  });

  it('refuses a package longer than signed without writing past it', async () => {
    expect(await failure(deps({ served: Buffer.concat([NEW, Buffer.from('rm -rf /\n')]) }))).toMatch(/larger than the signed/);
    untouched();
  });

  it('refuses a manifest signed by another key, or changed after signing', async () => {
    expect(await failure(deps(), command({ key: keyPair().privateKey }))).toMatch(/^签名无效/);
    const signed = command();
    const changed = { ...signed, manifest: signed.manifest.replace('"0.2.0"', '"0.9.0"') };
    expect(await failure(deps(), changed)).toMatch(/^签名无效/);
    expect(await failure(deps({ serverKey: undefined }))).toMatch(/no server key pinned/);
    untouched();
  });

  it('refuses a downgrade and a reinstall of the running version', async () => {
    expect(await failure(deps(), command({ version: '0.0.9' }))).toMatch(/^拒绝降级: offered 0\.0\.9, this agent runs 0\.1\.0/);
    expect(await failure(deps(), command({ version: '0.1.0' }))).toMatch(/^拒绝降级/);
    untouched();
  });

  it('refuses a release without a file for this architecture or install kind', async () => {
    expect(await failure(deps({ arch: 'arm64' }))).toMatch(/no sea package for arm64/);
    expect(await failure(deps({ kind: 'rpm' }))).toMatch(/no rpm package for x64/);
    expect(await failure(deps({ kind: null }))).toMatch(/remote upgrade covers the single executables \(Linux, Windows\)/);
    untouched();
  });

  it('refuses an executable that does not say the signed version', async () => {
    const liar = Buffer.from(script('0.1.5'));
    expect(await failure(deps({ served: liar }), command({ files: [file(liar)] }))).toMatch(/says it is "0\.1\.5", not 0\.2\.0/);
    untouched();
  });

  it('a new version that crashes on its way up is never swapped in: the old one runs on and says why', async () => {
    // Answers --version like a sound build, but `run` dies before any check of its own could run.
    const crashing = Buffer.from(`#!/bin/sh\nif [ "$1" = run ]; then echo "Error: Cannot find module './daemon.js'" >&2; exit 3; fi\necho 0.2.0\n`);
    expect(await failure(deps({ served: crashing }), command({ files: [file(crashing)] }))).toBe(
      "新版本启动失败: 0.2.0 exited with status 3 in its start-up trial (Error: Cannot find module './daemon.js'); nothing was replaced, 0.1.0 keeps running",
    );
    untouched();
    expect(await settleUpgrade(deps())).toBeNull();
  });

  it('the trial starts the new executable as `run` with the trial arguments', async () => {
    const seen = join(dir, 'trial-args');
    const recording = Buffer.from(`#!/bin/sh\n[ "$1" = run ] && echo "$@" > ${seen}\necho 0.2.0\n`);
    expect(await runUpgrade(command({ files: [file(recording)] }), deps({ served: recording }))).toEqual({ restart: true });
    expect(readFileSync(seen, 'utf8').trim()).toBe(`run --config ${join(dir, 'agent.json')} --trial`);
  });

  it('a full disk during the download: reported, partial file removed, the old executable runs on', async () => {
    let written = 0;
    const fullDisk: UpgradeFs = {
      ...fsp,
      open: async (path, flags, mode) => {
        const fh = await fsp.open(path, flags, mode);
        if (!path.endsWith('.part')) return fh;
        return {
          write: (async (b: Uint8Array) => {
            if ((written += b.length) > 8) throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
            return fh.write(b);
          }) as never,
          sync: () => fh.sync(),
          close: () => fh.close(),
        };
      },
    };
    expect(await failure(deps({ fs: fullDisk }))).toMatch(/^磁盘已满/);
    untouched();
    expect(await settleUpgrade(deps())).toBeNull();
  });

  it('a full disk while keeping the backup: nothing swapped', async () => {
    const fullDisk: UpgradeFs = {
      ...fsp,
      copyFile: async (from, to) =>
        to === backupPath(executable) ? Promise.reject(Object.assign(new Error('ENOSPC: no space left on device, copyfile'), { code: 'ENOSPC' })) : fsp.copyFile(from, to),
    };
    expect(await failure(deps({ fs: fullDisk }))).toMatch(/^磁盘已满/);
    expect(readFileSync(executable, 'utf8')).toBe(script('0.1.0'));
    expect(readFileSync(join(dir, 'data', 'outbox', '000000000001-r1.json'), 'utf8')).toBe('{"queued":true}');
  });
});

describe('runUpgrade of a deb-installed agent', () => {
  /** A real .deb (dpkg-deb --build) whose usr/bin/weian-agent is the given script. */
  function deb(body: string): Buffer {
    const root = join(dir, 'deb-root');
    mkdirSync(join(root, 'DEBIAN'), { recursive: true });
    mkdirSync(join(root, 'usr', 'bin'), { recursive: true });
    writeFileSync(join(root, 'DEBIAN', 'control'), 'Package: weian-agent\nVersion: 0.2.0\nArchitecture: amd64\nMaintainer: test <t@localhost>\nDescription: test\n');
    writeFileSync(join(root, 'usr', 'bin', 'weian-agent'), body, { mode: 0o755 });
    execFileSync('dpkg-deb', ['--build', '--root-owner-group', root, join(dir, 'next.deb')], { stdio: 'ignore' });
    rmSync(root, { recursive: true });
    return readFileSync(join(dir, 'next.deb'));
  }
  /** Runs everything for real except the package manager itself: this machine's packages are not the test's to change. */
  const installs: string[][] = [];
  const debDeps = (served: Buffer) => deps({ served, kind: 'deb', run: async (f, args) => (f === 'dpkg' ? (installs.push([f, ...args]), { stdout: '' }) : run(f, args)) });
  const debFile = (bytes: Buffer) => file(bytes, { file: 'weian-agent_0.2.0_amd64.deb', kind: 'deb' });
  beforeEach(() => void (installs.length = 0));

  it("tries the package's executable, then hands the package to dpkg", async () => {
    const good = deb(script('0.2.0'));
    expect(await runUpgrade(command({ files: [debFile(good)] }), debDeps(good))).toEqual({ restart: true });
    expect(installs).toEqual([['dpkg', '-i', join(dir, 'data', 'upgrade-weian-agent_0.2.0_amd64.deb')]]);
    // The running program is kept for the packaged unit's start guard: dpkg keeps nothing of the version it replaces.
    expect(readdirSync(join(dir, 'data')).sort()).toEqual(['outbox', 'upgrade.json', 'weian-agent.previous']);
    expect((await run(join(dir, 'data', 'weian-agent.previous', 'weian-agent'), ['--version'])).stdout.trim()).toBe('0.1.0');
  });

  /** The package manager's part, as far as the agent can tell: the new executable in place of the old. */
  const dpkgInstalls = (served: Buffer, body: string) =>
    deps({
      served,
      kind: 'deb',
      run: async (f, args) => (f === 'dpkg' ? (writeFileSync(executable, body, { mode: 0o755 }), { stdout: '' }) : run(f, args)),
    });

  it(`a packaged version that passes its trial but crash-loops is put back by the kept program before start ${MAX_STARTS + 1}, which says how to square the package database`, async () => {
    const good = deb(script('0.2.0'));
    expect(await runUpgrade(command({ files: [debFile(good)] }), dpkgInstalls(good, script('0.2.0')))).toEqual({ restart: true });
    expect((await run(executable, ['--version'])).stdout.trim()).toBe('0.2.0');
    // Each start of the service runs the guard first: the kept program, which counts and at last restores itself.
    const guard = () => guardStart({ fs: fsp, currentVersion: '0.1.0', dir: join(dir, 'data') });
    for (let i = 1; i <= MAX_STARTS; i++) expect(await guard()).toEqual({ starts: i, rolledBack: null });
    const last = await guard();
    expect(last!.rolledBack).toBe(
      `新版本反复启动失败: 0.2.0 started ${MAX_STARTS} times without reaching the server: rolled back to 0.1.0; 软件包数据库仍记为 0.2.0: the package database still lists weian-agent 0.2.0 while 0.1.0 runs: reinstall the old package (dpkg -i weian-agent_0.1.0_amd64.deb) or upgrade again once a fixed version is out`,
    );
    expect(readFileSync(executable, 'utf8')).toBe(script('0.1.0'));
    const old = await settleUpgrade(deps());
    expect(old).toMatchObject({ restart: false, outcome: { status: 'failed', fromVersion: '0.1.0', toVersion: '0.2.0', reason: last!.rolledBack } });
    untouched();
  });

  it('a packaged version that reports in forgets the kept program; one dpkg refused leaves nothing behind', async () => {
    const good = deb(script('0.2.0'));
    expect(await runUpgrade(command({ files: [debFile(good)] }), dpkgInstalls(good, script('0.2.0')))).toEqual({ restart: true });
    const settled = await settleUpgrade({ ...deps(), currentVersion: '0.2.0' });
    expect(settled).toMatchObject({ outcome: { status: 'upgraded' } });
    await confirmUpgrade(deps(), settled!.outcome);
    expect(readdirSync(join(dir, 'data')).sort()).toEqual(['outbox']);

    writeFileSync(executable, script('0.1.0'), { mode: 0o755 });
    const refusing = deps({ served: good, kind: 'deb', run: async (f, args) => (f === 'dpkg' ? Promise.reject(new Error('dpkg: error processing archive')) : run(f, args)) });
    expect(await failure(refusing, command({ files: [debFile(good)] }))).toMatch(/dpkg: error processing archive/);
    untouched();
  });

  it('a package whose agent crashes at start never reaches dpkg', async () => {
    const crashing = deb('#!/bin/sh\necho "Segmentation fault" >&2\nexit 139\n');
    expect(await failure(debDeps(crashing), command({ files: [debFile(crashing)] }))).toBe(
      '新版本启动失败: 0.2.0 exited with status 139 in its start-up trial (Segmentation fault); nothing was replaced, 0.1.0 keeps running',
    );
    expect(installs).toEqual([]);
    untouched();
  });
});

describe('runUpgrade of an rpm-installed agent: el7 and el8+', () => {
  /** A real rpm (rpmbuild) holding usr/bin/weian-agent. */
  function rpm(body: string): Buffer {
    const top = join(dir, 'rpm-top');
    mkdirSync(join(top, 'SOURCES'), { recursive: true });
    writeFileSync(join(top, 'SOURCES', 'weian-agent'), body, { mode: 0o755 });
    const spec = join(top, 'weian-agent.spec');
    writeFileSync(
      spec,
      `Name: weian-agent\nVersion: 0.2.0\nRelease: 1\nSummary: test\nLicense: test\nBuildArch: noarch\n%description\ntest\n%install\nmkdir -p %{buildroot}/usr/bin\ninstall -m 0755 %{_sourcedir}/weian-agent %{buildroot}/usr/bin/weian-agent\n%files\n/usr/bin/weian-agent\n`,
    );
    execFileSync('rpmbuild', ['--define', `_topdir ${top}`, '--nodeps', '--quiet', '-bb', spec], { stdio: 'ignore' });
    const built = readFileSync(join(top, 'RPMS', 'noarch', 'weian-agent-0.2.0-1.noarch.rpm'));
    rmSync(top, { recursive: true });
    return built;
  }
  const installs: string[][] = [];
  const rpmDeps = (kind: 'rpm' | 'rpm-el7', served: Buffer) =>
    deps({ served, kind, systemdRunning: true, run: async (f, args) => (f === 'systemd-run' ? (installs.push([f, ...args]), { stdout: '' }) : run(f, args)) });
  beforeEach(() => void (installs.length = 0));

  it('each flavour takes its own rpm from a release that has both, tries it, and hands it to rpm (el7: in a scope, systemd 219 has no --wait)', async () => {
    const el7 = rpm(script('0.2.0'));
    const el8 = rpm(`${script('0.2.0')}# el8\n`);
    const files = [file(el8, { file: 'weian-agent-0.2.0-1.x86_64.rpm', kind: 'rpm' }), file(el7, { file: 'weian-agent-0.2.0-1.el7.x86_64.rpm', kind: 'rpm-el7' })];
    expect(await runUpgrade(command({ files }), rpmDeps('rpm-el7', el7))).toEqual({ restart: true });
    expect(installs).toEqual([['systemd-run', '--scope', '--unit=weian-agent-upgrade-cmd-1', 'rpm', '-U', join(dir, 'data', 'upgrade-weian-agent-0.2.0-1.el7.x86_64.rpm')]]);
    rmSync(join(dir, 'data', 'upgrade.json'));
    installs.length = 0;
    expect(await runUpgrade(command({ files }), rpmDeps('rpm', el8))).toEqual({ restart: true });
    expect(installs).toEqual([['systemd-run', '--collect', '--wait', '--quiet', '--unit=weian-agent-upgrade-cmd-1', 'rpm', '-U', join(dir, 'data', 'upgrade-weian-agent-0.2.0-1.x86_64.rpm')]]);
  });

  it('an el7 install keeps its wrapper, Node 16 and bundle: the kept wrapper runs the kept program, and a rollback puts all of them back', async () => {
    // /usr/lib/weian-agent as the el7 rpm lays it out, with a shell standing in for Node 16 and scripts for the bundles.
    const lib = join(dir, 'lib');
    mkdirSync(lib);
    writeFileSync(join(lib, 'weian-agent'), '#!/bin/sh\nhere=$(dirname "$(readlink -f "$0")")\nexec "$here/node" "$here/weian-agent.mjs" "$@"\n', { mode: 0o755 });
    writeFileSync(join(lib, 'node'), '#!/bin/sh\nexec sh "$@"\n', { mode: 0o755 });
    writeFileSync(join(lib, 'weian-agent.mjs'), script('0.1.0'));
    const program = programFiles('rpm-el7', join(lib, 'node'), join(lib, 'weian-agent.mjs'));
    expect(program).toEqual([join(lib, 'weian-agent'), join(lib, 'node'), join(lib, 'weian-agent.mjs')]);
    const el7 = rpm(script('0.2.0'));
    const d = deps({
      served: el7,
      kind: 'rpm-el7',
      program,
      systemdRunning: true,
      run: async (f, args) =>
        f === 'systemd-run'
          ? (writeFileSync(join(lib, 'weian-agent.mjs'), script('0.2.0')), writeFileSync(join(lib, 'node'), '#!/bin/sh\n# node 16.21\nexec sh "$@"\n'), { stdout: '' })
          : run(f, args),
    });
    expect(await runUpgrade(command({ files: [file(el7, { file: 'weian-agent-0.2.0-1.el7.x86_64.rpm', kind: 'rpm-el7' })] }), d)).toEqual({ restart: true });
    expect((await run(join(lib, 'weian-agent'), ['--version'])).stdout.trim()).toBe('0.2.0');
    // What the packaged unit's start guard runs: the kept wrapper, on the kept Node and bundle.
    expect((await run(join(dir, 'data', 'weian-agent.previous', 'weian-agent'), ['--version'])).stdout.trim()).toBe('0.1.0');
    // Without the guard (a unit from before it) the new version counts its own starts, and rolls back after MAX_STARTS.
    const asNew = { ...deps(), currentVersion: '0.2.0' };
    for (let i = 0; i < MAX_STARTS; i++) await settleUpgrade(asNew);
    const rolledBack = await settleUpgrade(asNew);
    expect(rolledBack).toMatchObject({ restart: true, outcome: { status: 'failed' } });
    expect(rolledBack!.outcome.reason).toMatch(/reinstall the old package \(rpm -U --oldpackage weian-agent-0\.1\.0-1\.el7\.x86_64\.rpm\)/);
    expect((await run(join(lib, 'weian-agent'), ['--version'])).stdout.trim()).toBe('0.1.0');
    expect(readFileSync(join(lib, 'node'), 'utf8')).toBe('#!/bin/sh\nexec sh "$@"\n');
    expect(readdirSync(lib).sort()).toEqual(['node', 'weian-agent', 'weian-agent.mjs']);
    await settleUpgrade(deps());
    untouched();
  });

  it('an el7 agent never takes the el8+ rpm, nor an el8+ agent the el7 one', async () => {
    const el8 = NEW;
    expect(await failure(rpmDeps('rpm-el7', el8), command({ files: [file(el8, { file: 'weian-agent-0.2.0-1.x86_64.rpm', kind: 'rpm' })] }))).toBe('the release has no rpm-el7 package for x64');
    expect(await failure(rpmDeps('rpm', el8), command({ files: [file(el8, { file: 'weian-agent-0.2.0-1.el7.x86_64.rpm', kind: 'rpm-el7' })] }))).toBe('the release has no rpm package for x64');
    expect(installs).toEqual([]);
  });
});

describe('agentInstall', () => {
  /** Which files the host's package managers say they own. */
  const owning = (owners: Record<string, string[]>) => async (f: string, args: string[]) => {
    if (!owners[f]?.includes(args.at(-1)!)) throw new Error(`${f}: not owned`);
    return { stdout: '' };
  };
  const sea = { singleExecutable: true, flavour: null };
  const el7 = { singleExecutable: false, flavour: 'glibc217' as const };

  const linux = { platform: 'linux' as const, arch: 'x64' };
  const windowsHost = { platform: 'win32' as const, arch: 'x64', programFiles: 'C:\\Program Files' };

  it('tells the el7 rpm from the el8+ rpm, a deb and a bare executable by the build and the package that owns it, with architecture and build', async () => {
    expect(await agentInstall('/usr/lib/weian-agent/node', el7, owning({ rpm: ['/usr/lib/weian-agent/node'] }), linux)).toEqual({ kind: 'rpm-el7', arch: 'x64', flavour: 'glibc217' });
    expect(await agentInstall('/usr/bin/weian-agent', sea, owning({ rpm: ['/usr/bin/weian-agent'] }), { platform: 'linux', arch: 'arm64' })).toEqual({ kind: 'rpm', arch: 'arm64', flavour: null });
    expect(await agentInstall('/usr/bin/weian-agent', sea, owning({ 'dpkg-query': ['/usr/bin/weian-agent'] }), linux)).toEqual({ kind: 'deb', arch: 'x64', flavour: null });
    expect(await agentInstall('/opt/weian/weian-agent', sea, owning({}), linux)).toEqual({ kind: 'sea', arch: 'x64', flavour: null });
  });

  it('gives no kind (install by hand), with the reason, for the el7 tarball, a script run by a system Node.js (Linux or Windows) and other systems', async () => {
    expect(await agentInstall('/opt/weian-agent/node', el7, owning({}), linux)).toEqual({ kind: null, reason: 'el7-tarball', arch: 'x64', flavour: 'glibc217' });
    expect(await agentInstall('/usr/bin/node', { singleExecutable: false, flavour: null }, owning({ 'dpkg-query': ['/usr/bin/node'] }), linux)).toMatchObject({ kind: null, reason: 'node-script' });
    expect(await agentInstall('C:\\Program Files\\nodejs\\node.exe', { singleExecutable: false, flavour: null }, owning({}), windowsHost)).toMatchObject({ kind: null, reason: 'node-script' });
    expect(await agentInstall('/usr/local/bin/weian-agent', sea, owning({}), { platform: 'freebsd', arch: 'x64' })).toMatchObject({ kind: null, reason: 'other-os' });
  });

  it('on Windows: the MSI when Windows Installer lists it and this is the executable it installed, else the bare exe', async () => {
    // reg query's answer when the MSI is installed (the format is in windowsInstall.test.ts).
    const listed = async (f: string) => {
      if (f !== 'reg.exe') throw new Error(`${f}: not expected`);
      return { stdout: '\r\nHKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Uninstall\\{0D6B1C52-3E0A-5F11-8C2D-4B7A9E6F1A20}\r\n    DisplayName    REG_SZ    WeiAn Agent\r\n' };
    };
    expect(await agentInstall('C:\\Program Files\\WeiAn\\weian-agent.exe', sea, listed, windowsHost)).toEqual({ kind: 'msi', arch: 'x64', flavour: null });
    expect(await agentInstall('C:\\WeiAn\\weian-agent.exe', sea, listed, windowsHost)).toEqual({ kind: 'exe', arch: 'x64', flavour: null });
    expect(await agentInstall('C:\\Program Files\\WeiAn\\weian-agent.exe', sea, owning({}), windowsHost)).toEqual({ kind: 'exe', arch: 'x64', flavour: null });
  });

  it('the files of a program: the single executable alone; the el7 build its wrapper, Node 16 and bundle', () => {
    expect(programFiles('deb', '/usr/bin/weian-agent', '/usr/bin/weian-agent')).toEqual(['/usr/bin/weian-agent']);
    expect(programFiles('rpm-el7', '/usr/lib/weian-agent/node', '/usr/lib/weian-agent/weian-agent.mjs')).toEqual([
      '/usr/lib/weian-agent/weian-agent',
      '/usr/lib/weian-agent/node',
      '/usr/lib/weian-agent/weian-agent.mjs',
    ]);
  });
});

describe('runUpgrade of a Windows agent (exe or MSI), and the handover task that finishes it', () => {
  /**
   * Windows' programs as this Linux host can stand in for them: schtasks answers as documented (CSV,
   * exit 1 for a task that does not exist), msiexec /a unpacks into TARGETDIR and msiexec /i puts
   * the new executable in place, by the callbacks given; the new version (a shell script) really runs.
   */
  function windows(o: { taskListed?: boolean; handoverStarts?: boolean; unpack?: (target: string) => number; install?: () => number; started?: () => Promise<void> } = {}) {
    const calls: string[][] = [];
    const fail = (code: number) => Object.assign(new Error(`Command failed with ${code}`), { code });
    const fake = async (f: string, args: string[]) => {
      if (f !== 'schtasks.exe' && f !== 'msiexec.exe') return run(f, args);
      calls.push([f, ...args]);
      if (f === 'schtasks.exe' && args[0] === '/Query') {
        if (o.taskListed === false) throw fail(1);
        return { stdout: '"\\WeiAnAgent","N/A","Ready"\r\n' };
      }
      if (f === 'schtasks.exe' && args.join(' ') === '/Run /TN WeiAnAgent') await o.started?.();
      // The handover task, once started, says so in the marker (what the agent waits for before it exits).
      if (f === 'schtasks.exe' && args.join(' ') === `/Run /TN ${WINDOWS_SWAP_TASK}` && o.handoverStarts !== false) {
        const d = { fs: fsp, dir: data() };
        await writeMarker(d, { ...(await readMarker(d))!, handedOver: true });
      }
      const code = f === 'msiexec.exe' ? (args[0] === '/a' ? o.unpack!(args.find((a) => a.startsWith('TARGETDIR='))!.slice('TARGETDIR='.length)) : o.install!()) : 0;
      if (code) throw fail(code);
      return { stdout: '' };
    };
    return { calls, run: fake };
  }
  const data = () => join(dir, 'data');
  const winFile = (bytes: Buffer, kind: 'exe' | 'msi') => file(bytes, kind === 'exe' ? { file: 'weian-agent-win-x64.exe', kind } : { file: 'weian-agent-0.2.0-x64.msi', kind });
  /**
   * An administrative image as msiexec /a lays it out: folders by the MSI's Directory table, where
   * wixl writes ProgramFiles64Folder as "." (msiinfo export … Directory), so TARGETDIR\WeiAn\weian-agent.exe.
   */
  const unpackTo = (body: string) => (target: string) => {
    mkdirSync(join(target, 'WeiAn'), { recursive: true });
    writeFileSync(join(target, 'WeiAn', 'weian-agent.exe'), body, { mode: 0o755 });
    return 0;
  };
  /** The new version's start, as the handover's schtasks /Run gives it one: it settles, and reaches the server. */
  const newVersionReports = async () => {
    const settled = await settleUpgrade({ ...deps(), currentVersion: '0.2.0', pid: 5151 });
    expect(settled).toMatchObject({ restart: false, outcome: { status: 'upgraded', toVersion: '0.2.0' } });
    await confirmUpgrade(deps(), settled!.outcome);
  };
  const handover = (run: UpgradeDeps['run']) => handOver({ fs: fsp, run, dir: data(), configPath: join(dir, 'agent.json'), pid: 4242, alive: () => false, sleep: async () => {}, log: () => {} });

  it('exe: tries the new exe, keeps a copy of the running one and registers the handover that copy runs; the handover swaps the exe and the new version reports', async () => {
    const w = windows();
    expect(await runUpgrade(command({ files: [winFile(NEW, 'exe'), file(NEW)] }), deps({ kind: 'exe', run: w.run }))).toEqual({ restart: true });
    // Nothing replaced yet: the running agent's exe cannot be.
    expect(readFileSync(executable, 'utf8')).toBe(script('0.1.0'));
    expect(readFileSync(windowsBackupPath(data()), 'utf8')).toBe(script('0.1.0'));
    expect(w.calls).toEqual([
      ['schtasks.exe', '/Query', '/TN', 'WeiAnAgent', '/FO', 'CSV', '/NH'],
      [
        'schtasks.exe',
        ...['/Create', '/F', '/TN', WINDOWS_SWAP_TASK, '/SC', 'ONCE', '/ST', '00:00', '/RU', 'SYSTEM', '/RL', 'HIGHEST', '/TR'],
        `${windowsBackupPath(data())} __upgrade-handover --config ${join(dir, 'agent.json')} --pid 4242`,
      ],
      ['schtasks.exe', '/Run', '/TN', WINDOWS_SWAP_TASK],
    ]);
    const h = windows({ started: newVersionReports });
    expect(await handover(h.run)).toBe('upgraded');
    expect((await run(executable, ['--version'])).stdout.trim()).toBe('0.2.0');
    expect(h.calls.map((c) => c.slice(1).join(' '))).toEqual(['/Query /TN WeiAnAgent /FO CSV /NH', '/Run /TN WeiAnAgent', `/Delete /F /TN ${WINDOWS_SWAP_TASK}`]);
    // Confirmed: the kept copy and the download are gone, the outbox as it was.
    untouched('0.2.0');
  });

  it('MSI: tries the exe unpacked from the MSI (msiexec /a), then the handover runs msiexec /i quietly with a log', async () => {
    const w = windows({ unpack: unpackTo(script('0.2.0')) });
    const msi = Buffer.from('an MSI, as far as this test goes');
    expect(await runUpgrade(command({ files: [winFile(msi, 'exe'), winFile(msi, 'msi')] }), deps({ kind: 'msi', run: w.run, served: msi }))).toEqual({ restart: true });
    const download = join(data(), 'upgrade-weian-agent-0.2.0-x64.msi');
    expect(w.calls[1]).toEqual(['msiexec.exe', '/a', download, '/qn', `TARGETDIR=${join(data(), 'upgrade-unpacked')}`]);
    expect(existsSync(join(data(), 'upgrade-unpacked'))).toBe(false);
    // The package Windows Installer will list: a rollback's reason names it (windowsSwap.test.ts).
    expect(await readMarker({ fs: fsp, dir: data() })).toMatchObject({ windows: 'msi', package: { kind: 'msi', file: 'weian-agent-0.2.0-x64.msi' } });
    const h = windows({ install: () => (writeFileSync(executable, script('0.2.0')), 0), started: newVersionReports });
    expect(await handover(h.run)).toBe('upgraded');
    expect(h.calls).toContainEqual(['msiexec.exe', '/i', download, '/qn', '/norestart', '/l*v', `${download}.log`]);
    expect((await run(executable, ['--version'])).stdout.trim()).toBe('0.2.0');
  });

  it('a handover task that does not start is deleted, and the agent runs on: it would not be started again after exiting', async () => {
    const w = windows({ handoverStarts: false });
    expect(await failure(deps({ kind: 'exe', run: w.run }), command({ files: [winFile(NEW, 'exe')] }))).toBe(
      `交接任务未启动: the scheduled task ${WINDOWS_SWAP_TASK} did not start within 60 s; nothing was replaced, 0.1.0 keeps running`,
    );
    expect(w.calls.at(-1)).toEqual(['schtasks.exe', '/Delete', '/F', '/TN', WINDOWS_SWAP_TASK]);
    untouched();
  });

  it('refuses before downloading when no agent task would start the new version', async () => {
    const w = windows({ taskListed: false });
    expect(await failure(deps({ kind: 'exe', run: w.run }), command({ files: [winFile(NEW, 'exe')] }))).toMatch(/^计划任务 WeiAnAgent 不存在/);
    expect(w.calls).toHaveLength(1);
    untouched();
  });

  it('an MSI that does not unpack, or whose agent crashes in its trial, never reaches the handover', async () => {
    const msi = Buffer.from('a broken MSI');
    const cmd = command({ files: [winFile(msi, 'msi')] });
    // 1620: "This installation package could not be opened" (Windows Installer error codes).
    const broken = windows({ unpack: () => 1620 });
    expect(await failure(deps({ kind: 'msi', run: broken.run, served: msi }), cmd)).toBe('MSI 解包失败: msiexec /a exited with 1620; nothing was replaced, 0.1.0 keeps running');
    untouched();
    const crashing = windows({ unpack: unpackTo('#!/bin/sh\n[ "$1" = run ] && { echo "Error: Cannot find module" >&2; exit 1; }\necho 0.2.0\n') });
    expect(await failure(deps({ kind: 'msi', run: crashing.run, served: msi }), cmd)).toMatch(/^新版本启动失败: 0\.2\.0 exited with status 1 in its start-up trial \(Error: Cannot find module\)/);
    expect(crashing.calls.some((c) => c.includes('/Create'))).toBe(false);
    untouched();
  });

  it('refuses an exe that does not say the signed version', async () => {
    const liar = Buffer.from(script('0.1.5'));
    expect(await failure(deps({ kind: 'exe', run: windows().run, served: liar }), command({ files: [winFile(liar, 'exe')] }))).toMatch(/says it is "0\.1\.5", not 0\.2\.0/);
    untouched();
  });
});

/** An upgrade whose process stops in the new version's trial (killed there): resolves once it got that far. */
async function hangInTrial(): Promise<void> {
  let reached!: () => void;
  const midway = new Promise<void>((r) => (reached = r));
  const hanging = deps({
    run: async (f, args) => {
      if (args[0] !== 'run') return run(f, args);
      reached();
      return new Promise(() => {});
    },
  });
  void runUpgrade(command(), hanging);
  await midway;
}

describe('settleUpgrade', () => {
  it('an agent killed mid-download comes back as the old version and reports why', async () => {
    let reached!: () => void;
    const midway = new Promise<void>((r) => (reached = r));
    // The download stalls after its first piece: this "process" never gets further.
    const stalled = deps({
      download: async function* () {
        yield NEW.subarray(0, 8);
        reached();
        await new Promise(() => {});
      },
    });
    void runUpgrade(command(), stalled);
    await midway;
    const restarted = await settleUpgrade(deps());
    expect(restarted).toMatchObject({ restart: false, outcome: { status: 'failed', toVersion: '0.2.0' } });
    expect(restarted!.outcome.reason).toMatch(/stopped while downloading 0\.2\.0; still running 0\.1\.0/);
    // Nothing of the download is left in the data directory.
    untouched();
    expect(await settleUpgrade(deps())).toBeNull();
  });

  it('an agent killed while trying out the new version comes back as the old one and reports why', async () => {
    await hangInTrial();
    const restarted = await settleUpgrade(deps());
    expect(restarted!.outcome.reason).toBe('the agent stopped while trying out 0.2.0; still running 0.1.0');
    untouched();
  });

  it(`a new version that starts ${MAX_STARTS} times without reaching the server is rolled back, and the old one says why`, async () => {
    expect(await runUpgrade(command(), deps())).toEqual({ restart: true });
    const asNew = { ...deps(), currentVersion: '0.2.0' };
    for (let i = 0; i < MAX_STARTS; i++) expect(await settleUpgrade(asNew)).toMatchObject({ restart: false, outcome: { status: 'upgraded' } });
    const rolledBack = await settleUpgrade(asNew);
    expect(rolledBack).toMatchObject({ restart: true, outcome: { status: 'failed' } });
    expect((await run(executable, ['--version'])).stdout.trim()).toBe('0.1.0');
    const old = await settleUpgrade(deps());
    expect(old).toMatchObject({ restart: false, outcome: { status: 'failed', fromVersion: '0.1.0', toVersion: '0.2.0' } });
    expect(old!.outcome.reason).toMatch(new RegExp(`started ${MAX_STARTS} times without reaching the server: rolled back to 0\\.1\\.0`));
    expect(readdirSync(join(dir, 'bin'))).toEqual(['weian-agent']);
    expect(await settleUpgrade(deps())).toBeNull();
  });
});

describe("guardStart (the unit's ExecStartPre, run by the kept old executable)", () => {
  const guard = (currentVersion = '0.1.0') => guardStart({ fs: fsp, currentVersion, dir: join(dir, 'data') });

  it(`counts the new version's starts before they run, and puts the old executable back before start ${MAX_STARTS + 1}: the new one need not run a line`, async () => {
    expect(await runUpgrade(command(), deps())).toEqual({ restart: true });
    for (let i = 1; i <= MAX_STARTS; i++) {
      expect(await guard()).toEqual({ starts: i, rolledBack: null });
      // A start that gets as far as settling is not counted a second time.
      if (i === 1) expect(await settleUpgrade({ ...deps(), currentVersion: '0.2.0' })).toMatchObject({ restart: false, outcome: { status: 'upgraded' } });
    }
    expect((await run(executable, ['--version'])).stdout.trim()).toBe('0.2.0');
    const last = await guard();
    expect(last).toMatchObject({ starts: MAX_STARTS + 1 });
    expect(last!.rolledBack).toBe(`新版本反复启动失败: 0.2.0 started ${MAX_STARTS} times without reaching the server: rolled back to 0.1.0`);
    expect((await run(executable, ['--version'])).stdout.trim()).toBe('0.1.0');
    // The old version starts, reports the reason, and clears everything the upgrade left.
    const old = await settleUpgrade(deps());
    expect(old).toMatchObject({ restart: false, outcome: { status: 'failed', fromVersion: '0.1.0', toVersion: '0.2.0', reason: last!.rolledBack } });
    untouched();
    expect(await guard()).toBeNull();
  });

  it('does nothing without an installed upgrade, once the new version reached the server, or when run by another version', async () => {
    expect(await guard()).toBeNull();
    // Killed in the trial: the old executable never left its place.
    await hangInTrial();
    expect(await guard()).toBeNull();
    await settleUpgrade(deps());
    expect(await runUpgrade(command(), deps())).toEqual({ restart: true });
    expect(await guard('0.2.0')).toBeNull();
    const settled = await settleUpgrade({ ...deps(), currentVersion: '0.2.0' });
    await confirmUpgrade(deps(), settled!.outcome);
    for (let i = 0; i <= MAX_STARTS; i++) expect(await guard()).toBeNull();
    expect((await run(executable, ['--version'])).stdout.trim()).toBe('0.2.0');
  });
});
