import { execFile } from 'node:child_process';
import { createHash, createPublicKey, verify } from 'node:crypto';
import { existsSync } from 'node:fs';
import * as fsp from 'node:fs/promises';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { promisify } from 'node:util';
import { basename, dirname, join } from 'node:path';
import { UpgradeManifest, type AgentCommand, type AgentInstall, type AgentInstallKind, type NotUpgradableReason, type ReleaseFile, type UpgradeOutcome } from '@weian/shared/agentCommands';
import { compareVersions } from '@weian/shared/version';
import { backupPath, keptProgramPath, markerPath, MAX_STARTS, nextPath, readMarker, rollBack, windowsBackupPath, writeMarker, type Marker, type UpgradeFs } from './upgradeFiles.js';
import { findUnpackedExecutable, msiLogPath, msiUnpackCommand, windowsInstallKind } from './windowsInstall.js';
import { agentTaskRegistered, HANDOVER_WAIT, handoverStarted, swapPlan, WINDOWS_SWAP_TASK } from './windowsSwap.js';
import { WINDOWS_TASK } from './service.js';

export type UpgradeCommand = Extract<AgentCommand, { type: 'upgrade' }>;

export { MAX_STARTS, type UpgradeFs };

export interface UpgradeDeps {
  fs: UpgradeFs;
  /** The bytes of `/agent/FILE` from the server (rejects on a status other than 200). */
  download(file: string): AsyncIterable<Uint8Array>;
  /** Runs a program to its end: the new executable's `--version`, dpkg, rpm. */
  run(file: string, args: string[]): Promise<{ stdout: string }>;
  /** The server's key pinned in the config (base64 SPKI); without one nothing is installed. */
  serverKey: string | undefined;
  currentVersion: string;
  /** process.arch */
  arch: string;
  /** How this agent was installed; null: not upgradable remotely (a script run by a system Node.js, the el7 tarball). */
  kind: AgentInstallKind | null;
  /** systemd runs this host: a package manager is started outside the agent's own unit. */
  systemdRunning: boolean;
  /** The single executable a `sea` upgrade replaces (process.execPath). */
  executable: string;
  /** The files of the running program (programFiles): what a deb or rpm upgrade keeps (keptProgramPath) for a rollback, since dpkg and rpm keep nothing of the version they replace. */
  program: string[];
  /** The arguments that start a version in its start-up trial (`run --config FILE --trial`): the new one must pass it before it replaces the old. */
  trialArgs: string[];
  /** The agent's config file (Windows: the handover task is given it). */
  configPath: string;
  /** This process (process.pid): the Windows handover waits for it to exit, and watches the new version's. */
  pid: number;
  /** The agent's data directory: the download and the upgrade's marker go there, never the outbox. */
  dir: string;
  now(): Date;
  sleep(ms: number): Promise<void>;
}

const downloadPath = (dir: string, file: string) => join(dir, `upgrade-${file}`);
/** Where a package's files are unpacked for its trial. */
const unpackedPath = (dir: string) => join(dir, 'upgrade-unpacked');
/** The agent's executable inside a deb or rpm (agent/scripts/packages.mjs puts it there). */
export const PACKAGED_EXECUTABLE = 'usr/bin/weian-agent';

class UpgradeRefused extends Error {}

/** The manifest's signature under the pinned key: Ed25519 over the manifest text's UTF-8 bytes. */
export function verifyManifest(manifest: string, signature: string, serverKey: string): boolean {
  try {
    const key = createPublicKey({ key: Buffer.from(serverKey, 'base64'), format: 'der', type: 'spki' });
    return verify(null, Buffer.from(manifest, 'utf8'), key, Buffer.from(signature, 'base64'));
  } catch {
    return false;
  }
}

/**
 * Runs a signed upgrade command. Refuses, before touching anything, a manifest the pinned key did
 * not sign, a version not newer than this one, a release without a file for this architecture and
 * install kind. Then downloads beside the data (never over the outbox), checks size and SHA-256,
 * and installs: a single executable is proven to start (`--version`) before it is renamed over the
 * old one, which is kept; a package's executable is unpacked and tried the same way, the running
 * program is kept (dpkg and rpm keep nothing), then the package goes to its package manager. On
 * Windows the new exe (or the MSI's, unpacked) is tried the same way, then a one-shot task replaces
 * it once this agent has exited (windowsSwap.ts). `restart: true`: the service manager (on Windows
 * the handover) is to start the new version, which reports the outcome (settleUpgrade).
 */
export async function runUpgrade(cmd: UpgradeCommand, d: UpgradeDeps): Promise<{ restart: true } | { restart: false; outcome: UpgradeOutcome }> {
  let toVersion = 'unknown';
  const failed = (reason: string) => ({ restart: false as const, outcome: { id: cmd.id, status: 'failed' as const, fromVersion: d.currentVersion, toVersion, reason, at: d.now().toISOString() } });
  let file: ReleaseFile;
  try {
    if (!d.serverKey) throw new UpgradeRefused('no server key pinned in the agent config: re-enroll, or let a heartbeat pin it');
    if (!verifyManifest(cmd.manifest, cmd.signature, d.serverKey)) throw new UpgradeRefused('签名无效: the manifest is not signed by the pinned server key');
    const parsed = UpgradeManifest.safeParse(JSON.parse(cmd.manifest));
    if (!parsed.success) throw new UpgradeRefused(`unreadable manifest: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
    toVersion = parsed.data.version;
    if (compareVersions(toVersion, d.currentVersion) <= 0) throw new UpgradeRefused(`拒绝降级: offered ${toVersion}, this agent runs ${d.currentVersion}`);
    if (!d.kind)
      throw new UpgradeRefused('remote upgrade covers the single executables (Linux, Windows), the deb and rpm packages (el7 too) and the MSI: install the new version of this agent by hand');
    const found = parsed.data.files.find((f) => f.arch === d.arch && f.kind === d.kind);
    if (!found) throw new UpgradeRefused(`the release has no ${d.kind} package for ${d.arch}`);
    file = found;
    if (isWindowsKind(d.kind) && !(await agentTaskRegistered(d.run)))
      throw new UpgradeRefused(`计划任务 ${WINDOWS_TASK} 不存在: nothing would start the agent after the upgrade; run weian-agent install-service, or install the new version by hand`);
  } catch (e) {
    return failed(e instanceof UpgradeRefused ? e.message : `unreadable manifest: ${(e as Error).message}`);
  }

  const download = downloadPath(d.dir, file.file);
  const marker: Marker = { id: cmd.id, fromVersion: d.currentVersion, toVersion, phase: 'downloading', backup: null, starts: 0, download };
  try {
    await d.fs.mkdir(d.dir, { recursive: true });
    await writeMarker(d, marker);
    await fetchChecked(d, file, download);
    if (d.kind === 'sea') {
      const next = nextPath(d.executable);
      await d.fs.copyFile(download, next);
      await d.fs.chmod(next, 0o755);
      const said = (await d.run(next, ['--version'])).stdout.trim();
      if (said !== toVersion) throw new UpgradeRefused(`the downloaded executable says it is ${JSON.stringify(said)}, not ${toVersion}`);
      // `--version` alone proves little: a version that dies on its way up would crash-loop where no
      // rollback of its own is reached. It goes the way `run` goes (config, modules, the server) first.
      await writeMarker(d, { ...marker, phase: 'trial' });
      await startTrial(d, next, toVersion);
      await d.fs.copyFile(d.executable, backupPath(d.executable));
      await writeMarker(d, { ...marker, phase: 'installed', backup: backupPath(d.executable), executable: d.executable });
      // rename(2) swaps the file at once: a kill before it leaves the old one, after it the new one.
      await d.fs.rename(next, d.executable);
    } else if (isWindowsKind(d.kind)) {
      await prepareHandover(d, marker, d.kind, file.file);
      // The handover installs from the download: it goes once the new version has reported (confirmUpgrade).
      return { restart: true };
    } else {
      // The package's own executable is tried before its package manager installs it and restarts the service.
      await writeMarker(d, { ...marker, phase: 'trial' });
      const unpacked = unpackedPath(d.dir);
      await d.fs.mkdir(unpacked, { recursive: true });
      await d.run(...unpackCommand(d.kind, download, unpacked));
      await startTrial(d, join(unpacked, PACKAGED_EXECUTABLE), toVersion);
      await d.fs.rm(unpacked, { force: true, recursive: true });
      // dpkg and rpm keep nothing of the version they replace: the running program is kept here, for the
      // start guard of the packaged unit (ExecStartPre) to put back should the new one crash-loop after all.
      const restore = await keepProgram(d);
      await writeMarker(d, { ...marker, phase: 'installed', backup: keptProgramPath(d.dir), restore, package: { kind: d.kind, file: file.file } });
      // Under systemd the package's scripts restart the service: dpkg/rpm run in a unit of their own, so
      // that restart does not kill them with this agent. Without systemd they run here, and the agent's exit restarts it.
      const pm = d.kind === 'deb' ? ['dpkg', '-i', download] : ['rpm', '-U', download];
      const unit = `--unit=weian-agent-upgrade-${cmd.id.slice(0, 8)}`;
      // systemd 219 (el7) knows neither --wait nor --collect: there a scope of its own runs the package manager in the foreground.
      if (d.systemdRunning) await d.run('systemd-run', d.kind === 'rpm-el7' ? ['--scope', unit, ...pm] : ['--collect', '--wait', '--quiet', unit, ...pm]);
      else await d.run(pm[0]!, pm.slice(1));
    }
    await d.fs.rm(download, { force: true });
    return { restart: true };
  } catch (e) {
    await Promise.all(
      [download, `${download}.part`, nextPath(d.executable), unpackedPath(d.dir), markerPath(d.dir), ...keptBy(d)].map((p) => d.fs.rm(p, { force: true, recursive: true }).catch(() => undefined)),
    );
    return failed(describeFailure(e));
  }
}

/**
 * At every start: an upgrade left on disk ends here. The new version running: counted as a start
 * (rolled back to the kept executable after MAX_STARTS starts that never reached the server), else
 * reported upgraded. The old one running (killed before the swap, or rolled back): reported failed,
 * its leftovers removed. `restart`: the executable was just rolled back, start it again.
 */
export async function settleUpgrade(d: Pick<UpgradeDeps, 'fs' | 'currentVersion' | 'executable' | 'dir' | 'now' | 'pid'>): Promise<{ outcome: UpgradeOutcome; restart: boolean } | null> {
  const marker = await readMarker(d);
  if (!marker) {
    // Windows: a kept executable the handover was still running when the upgrade ended (confirmUpgrade) goes now.
    await d.fs.rm(windowsBackupPath(d.dir), { force: true }).catch(() => undefined);
    return null;
  }
  const outcome = (status: UpgradeOutcome['status'], reason?: string): UpgradeOutcome => ({
    id: marker.id,
    status,
    fromVersion: marker.fromVersion,
    toVersion: marker.toVersion,
    ...(reason ? { reason } : {}),
    at: d.now().toISOString(),
  });
  if (d.currentVersion === marker.toVersion && marker.phase === 'installed') {
    // Under a unit with the start guard the kept old executable has counted this start already.
    const starts = marker.guarded ? marker.starts : marker.starts + 1;
    if (starts > MAX_STARTS && marker.backup) {
      const failure = await rollBack(d, marker, d.executable);
      return { outcome: outcome('failed', failure), restart: true };
    }
    // The pid: the Windows handover watches this process to tell a start that died from one still running.
    await writeMarker(d, { ...marker, starts, pid: d.pid });
    return { outcome: outcome('upgraded'), restart: false };
  }
  // The kept executable is the one running now (never swapped, or restored): not needed any more.
  const leftovers = [
    markerPath(d.dir),
    nextPath(d.executable),
    unpackedPath(d.dir),
    ...(marker.backup ? [marker.backup] : []),
    ...(marker.download ? [marker.download, `${marker.download}.part`] : []),
  ];
  // A file still in use (Windows: the kept executable while the handover that runs it ends) stays until the next start removes it.
  await Promise.all(leftovers.map((p) => d.fs.rm(p, { force: true, recursive: true }).catch(() => undefined)));
  const stopped = { downloading: 'downloading', trial: 'trying out' }[marker.phase as 'downloading' | 'trial'];
  const reason =
    marker.failure ?? (stopped ? `the agent stopped while ${stopped} ${marker.toVersion}; still running ${d.currentVersion}` : `installed ${marker.toVersion} but ${d.currentVersion} started`);
  return { outcome: outcome('failed', reason), restart: false };
}

/** Copies the running program's files into the kept directory (emptied first): returns each copy with the file it restores. */
async function keepProgram(d: UpgradeDeps): Promise<Array<[string, string]>> {
  const kept = keptProgramPath(d.dir);
  await d.fs.rm(kept, { force: true, recursive: true });
  await d.fs.mkdir(kept, { recursive: true });
  const pairs = d.program.map((f): [string, string] => [join(kept, basename(f)), f]);
  for (const [copy, installed] of pairs) await d.fs.copyFile(installed, copy);
  return pairs;
}

/**
 * The files of the running program, all that a rollback must put back: the single executable, or for
 * the el7 build its wrapper script, Node 16 and the bundle (/usr/lib/weian-agent). The wrapper is
 * kept as `weian-agent` beside the kept Node and bundle, so `KEPT/weian-agent` runs the kept program.
 */
export function programFiles(kind: AgentInstallKind | null, execPath: string, script: string | undefined): string[] {
  return kind === 'rpm-el7' && script ? [join(dirname(execPath), 'weian-agent'), execPath, script] : [execPath];
}

/**
 * Before every start of the service (the unit's ExecStartPre), run by the kept old executable while
 * an upgrade awaits its first report: counts the new version's starts, and after MAX_STARTS puts
 * itself back. The new version need not run a line of its own for this: one that dies on its way
 * up, before settleUpgrade, is rolled back all the same. Anything else on disk is left alone.
 */
export async function guardStart(d: Pick<UpgradeDeps, 'fs' | 'currentVersion' | 'dir'>): Promise<{ starts: number; rolledBack: string | null } | null> {
  const marker = await readMarker(d);
  // Only the version the upgrade came from guards it, and only once its replacement is in place.
  if (!marker || marker.phase !== 'installed' || !marker.backup || marker.failure || d.currentVersion !== marker.fromVersion) return null;
  const starts = marker.starts + 1;
  const executable = marker.executable ?? marker.backup.slice(0, -backupPath('').length);
  if (starts > MAX_STARTS) return { starts, rolledBack: await rollBack(d, { ...marker, guarded: true }, executable) };
  await writeMarker(d, { ...marker, starts, guarded: true });
  return { starts, rolledBack: null };
}

/**
 * The server has the outcome: an upgrade that worked forgets its marker, the kept old program and
 * (Windows) the package the handover installed. The marker first: on Windows the kept executable may
 * still be running the handover, which ends when it sees the marker gone; the file then goes at the next start (settleUpgrade).
 */
export async function confirmUpgrade(d: Pick<UpgradeDeps, 'fs' | 'dir'>, outcome: UpgradeOutcome): Promise<void> {
  if (outcome.status !== 'upgraded') return;
  const marker = await readMarker(d);
  if (marker?.id !== outcome.id) return;
  await d.fs.rm(markerPath(d.dir), { force: true });
  // The msiexec log beside the download goes too: it is kept only when an install failed.
  const files = [marker.backup, ...(marker.download ? [marker.download, msiLogPath(marker.download)] : [])];
  // A package upgrade kept a directory (keptProgramPath), the others a file.
  await Promise.all(files.map((p) => p && d.fs.rm(p, { force: true, recursive: true }).catch(() => undefined)));
}

const isWindowsKind = (kind: AgentInstallKind | null): kind is 'exe' | 'msi' => kind === 'exe' || kind === 'msi';

/** What an upgrade of this kind keeps of the running program before it is replaced: removed when the upgrade fails before the swap. */
const keptBy = (d: Pick<UpgradeDeps, 'kind' | 'dir'>): string[] => (d.kind === 'sea' ? [] : isWindowsKind(d.kind) ? [windowsBackupPath(d.dir)] : [keptProgramPath(d.dir)]);

/**
 * Windows: tries the new version (the downloaded exe, or the exe unpacked from the MSI), keeps a copy
 * of the running executable, and hands the swap to a one-shot SYSTEM task run by that copy
 * (windowsSwap.ts): this process must exit before its executable can be replaced.
 */
async function prepareHandover(d: UpgradeDeps, marker: Marker, kind: 'exe' | 'msi', released: string): Promise<void> {
  const download = downloadPath(d.dir, released);
  await writeMarker(d, { ...marker, phase: 'trial' });
  let candidate = download;
  if (kind === 'exe') {
    // The download's name ends in .exe (upgrade-weian-agent-win-x64.exe): Windows runs it where it is.
    const said = (await d.run(download, ['--version'])).stdout.trim();
    if (said !== marker.toVersion) throw new UpgradeRefused(`the downloaded executable says it is ${JSON.stringify(said)}, not ${marker.toVersion}`);
  } else {
    const unpacked = unpackedPath(d.dir);
    await d.fs.mkdir(unpacked, { recursive: true });
    await d.run(...msiUnpackCommand(download, unpacked)).catch((e: { code?: unknown; message: string }) => {
      throw new UpgradeRefused(
        `MSI 解包失败: msiexec /a ${typeof e.code === 'number' ? `exited with ${e.code}` : `did not run (${e.message})`}; nothing was replaced, ${d.currentVersion} keeps running`,
      );
    });
    const found = await findUnpackedExecutable(d.fs.readdir, unpacked, join);
    if (!found) throw new UpgradeRefused(`MSI 解包失败: no weian-agent.exe in ${download}; nothing was replaced, ${d.currentVersion} keeps running`);
    candidate = found;
  }
  await startTrial(d, candidate, marker.toVersion);
  await d.fs.rm(unpackedPath(d.dir), { force: true, recursive: true });
  const backup = windowsBackupPath(d.dir);
  await d.fs.copyFile(d.executable, backup);
  // An MSI's rollback puts the old exe back behind Windows Installer's back: the reason says it still lists the new version.
  const pkg = kind === 'msi' ? { package: { kind, file: released } } : {};
  await writeMarker(d, { ...marker, phase: 'installed', backup, executable: d.executable, download, windows: kind, ...pkg });
  for (const [file, ...args] of swapPlan({ backup, configPath: d.configPath, pid: d.pid })) await d.run(file!, args);
  if (!(await handoverStarted(d))) {
    // Deleted before the files go: a task that starts late then finds nothing to do.
    await d.run('schtasks.exe', ['/Delete', '/F', '/TN', WINDOWS_SWAP_TASK]).catch(() => undefined);
    throw new UpgradeRefused(`交接任务未启动: the scheduled task ${WINDOWS_SWAP_TASK} did not start within ${HANDOVER_WAIT.start / 1000} s; nothing was replaced, ${d.currentVersion} keeps running`);
  }
}

/** Unpacks a deb or rpm's files into DIR without installing it: with the tools the host's package manager brings. */
export function unpackCommand(kind: 'deb' | 'rpm' | 'rpm-el7', pkg: string, dir: string): [string, string[]] {
  return kind === 'deb' ? ['dpkg-deb', ['-x', pkg, dir]] : ['sh', ['-c', 'rpm2cpio "$1" | (cd "$2" && cpio -idm --quiet)', 'sh', pkg, dir]];
}

/** The new executable started as `run` in its trial: exits 0 once config, modules and the server are within its reach. */
async function startTrial(d: UpgradeDeps, next: string, toVersion: string): Promise<void> {
  try {
    await d.run(next, d.trialArgs);
  } catch (e) {
    const err = e as { code?: number | string; signal?: string | null; stderr?: string; message: string };
    const why = (err.stderr ?? '').trim().split('\n').slice(-2).join(' ').slice(0, 400) || err.message;
    const how = typeof err.code === 'number' ? `exited with status ${err.code}` : err.signal ? `was killed by ${err.signal}` : 'did not start';
    throw new UpgradeRefused(`新版本启动失败: ${toVersion} ${how} in its start-up trial (${why}); nothing was replaced, ${d.currentVersion} keeps running`);
  }
}

/** Streams the file to DEST.part, hashing as it goes; only a file of the signed size and sum becomes DEST. */
async function fetchChecked(d: UpgradeDeps, file: ReleaseFile, dest: string): Promise<void> {
  const part = `${dest}.part`;
  const hash = createHash('sha256');
  let size = 0;
  const fh = await d.fs.open(part, 'w', 0o700);
  try {
    for await (const chunk of d.download(file.file)) {
      size += chunk.length;
      if (size > file.size) throw new UpgradeRefused(`${file.file} is larger than the signed ${file.size} bytes`);
      hash.update(chunk);
      await fh.write(chunk);
    }
    await fh.sync();
  } finally {
    await fh.close();
  }
  if (size !== file.size) throw new UpgradeRefused(`${file.file} is truncated: ${size} of ${file.size} bytes`);
  const sum = hash.digest('hex');
  if (sum !== file.sha256) throw new UpgradeRefused(`校验和不符: ${file.file} has SHA-256 ${sum}, the signed manifest says ${file.sha256}`);
  await d.fs.rename(part, dest);
}

function describeFailure(e: unknown): string {
  if (e instanceof UpgradeRefused) return e.message;
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ENOSPC') return `磁盘已满: no space left while upgrading (${(e as Error).message}); the old version keeps running`;
  return `upgrade failed: ${(e as Error).message}`;
}

const execFileP = promisify(execFile);
const runProgram = async (file: string, args: string[]) => ({ stdout: (await execFileP(file, args, { timeout: 10 * 60_000, maxBuffer: 4 * 1024 * 1024 })).stdout });

/**
 * How this agent was installed, as its heartbeats tell the server: a package owns its executable,
 * else the executable is its own; the el7 build (Node 16 with the bundle) upgrades only from the el7
 * rpm that installed it. On Windows the single executable is the MSI's when Windows Installer lists
 * it at the MSI's path (windowsInstall.ts), else it is an exe of its own. Kind null: not upgradable
 * remotely, with the reason (a script run by a system Node.js, the el7 tarball, another OS).
 */
export async function agentInstall(
  executable: string,
  build: { singleExecutable: boolean; flavour: 'glibc217' | null },
  run = runProgram,
  host: { platform: NodeJS.Platform; arch: string; programFiles?: string | undefined } = { platform: process.platform, arch: process.arch, programFiles: process.env.ProgramFiles },
): Promise<AgentInstall> {
  const said = (kind: AgentInstallKind | null, reason?: NotUpgradableReason): AgentInstall => ({ kind, ...(reason ? { reason } : {}), arch: host.arch, flavour: build.flavour });
  if (host.platform === 'win32') return build.singleExecutable ? said(await windowsInstallKind(executable, run, host.programFiles)) : said(null, 'node-script');
  if (host.platform !== 'linux') return said(null, 'other-os');
  const owned = (file: string, args: string[]) =>
    run(file, args).then(
      () => true,
      () => false,
    );
  // The el7 build's executable is its Node 16 runtime, which the el7 rpm installs.
  if (build.flavour === 'glibc217') return (await owned('rpm', ['-qf', executable])) ? said('rpm-el7') : said(null, 'el7-tarball');
  if (!build.singleExecutable) return said(null, 'node-script');
  if (await owned('dpkg-query', ['-S', executable])) return said('deb');
  if (await owned('rpm', ['-qf', executable])) return said('rpm');
  return said('sea');
}

/** GET SERVER/agent/FILE with the agent's CA, as a stream of chunks. */
export function downloadFrom(server: string, ca: string | undefined): (file: string) => AsyncIterable<Uint8Array> {
  return (file) => ({
    async *[Symbol.asyncIterator]() {
      const url = new URL(`/agent/${encodeURIComponent(file)}`, server);
      const res = await new Promise<IncomingMessage>((resolve, reject) => {
        const req = (url.protocol === 'https:' ? httpsRequest : httpRequest)(url, { method: 'GET', ...(ca ? { ca } : {}) }, resolve);
        req.setTimeout(60_000, () => req.destroy(new Error(`no answer from ${url.host} within 60 s`)));
        req.on('error', reject);
        req.end();
      });
      if (res.statusCode !== 200) {
        res.resume();
        throw new Error(`${url.pathname}: the server answered ${res.statusCode}`);
      }
      yield* res;
    },
  });
}

/** The real side effects, for `weian-agent run`. */
export function nodeUpgradeDeps(o: {
  server: string;
  ca: string | undefined;
  serverKey: string | undefined;
  kind: AgentInstallKind | null;
  dir: string;
  currentVersion: string;
  configPath: string;
}): UpgradeDeps {
  return {
    fs: fsp,
    download: downloadFrom(o.server, o.ca),
    run: runProgram,
    serverKey: o.serverKey,
    currentVersion: o.currentVersion,
    arch: process.arch,
    kind: o.kind,
    systemdRunning: existsSync('/run/systemd/system'),
    executable: process.execPath,
    program: programFiles(o.kind, process.execPath, process.argv[1]),
    trialArgs: ['run', '--config', o.configPath, '--trial'],
    configPath: o.configPath,
    pid: process.pid,
    dir: o.dir,
    now: () => new Date(),
    sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
  };
}
