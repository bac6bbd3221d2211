import type { FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { AgentInstallKind } from '@weian/shared/agentCommands';

/**
 * What an upgrade leaves on disk while it is under way, shared by the agent that starts it
 * (upgrade.ts), the start guard of the systemd unit (service.ts) and the Windows handover
 * (windowsSwap.ts): the kept program, the marker, and the one rollback that puts the kept files back
 * (a single executable, a deb's or rpm's program, the el7 rpm's three files, a Windows exe).
 */

/** Where an upgrade keeps the executable it replaced (upgrade.ts), and where the systemd unit's start guard finds it (service.ts). */
export const backupPath = (executable: string) => `${executable}.previous`;

/**
 * Where a deb or rpm upgrade keeps the program it replaces (upgrade.ts): in the agent's data directory.
 * The packaged unit's start guard runs its `weian-agent` in the packages' data directory (service.ts).
 */
export const keptProgramPath = (dataDir: string) => `${dataDir}/weian-agent.previous`;

/** The data directory of a packaged agent: the install line and the packages' own hint enroll with `--data-dir` it. */
export const PACKAGED_DATA_DIR = '/var/lib/weian-agent';

/**
 * Windows: the executable the upgrade replaces, kept in the data directory. Named .exe because it is
 * also the program that drives the handover (a scheduled task starts it); a copy, so the file it
 * replaces is free to be replaced.
 */
export const windowsBackupPath = (dir: string) => join(dir, 'weian-agent-previous.exe');

/** The file operations an upgrade makes: node:fs/promises, or in tests one that fails on cue (a full disk). */
export interface UpgradeFs {
  open(path: string, flags: string, mode?: number): Promise<Pick<FileHandle, 'write' | 'sync' | 'close'>>;
  readFile(path: string, encoding: 'utf8'): Promise<string>;
  readdir(path: string, opts: { recursive: true }): Promise<string[]>;
  rename(from: string, to: string): Promise<void>;
  copyFile(from: string, to: string): Promise<void>;
  chmod(path: string, mode: number): Promise<void>;
  rm(path: string, opts: { force: boolean; recursive?: boolean }): Promise<void>;
  mkdir(path: string, opts: { recursive: boolean }): Promise<unknown>;
}

/** An upgrade underway, on disk: what the next start of the agent (old or new) settles. */
export interface Marker {
  id: string;
  fromVersion: string;
  toVersion: string;
  phase: 'downloading' | 'trial' | 'installed';
  /** The previous executable (sea, Windows), or the directory with the previous program (deb, rpm), kept until the new one has reported in. */
  backup: string | null;
  starts: number;
  /** The starts are counted before each start by the kept old executable (guardStart, the unit's ExecStartPre; on Windows the handover), not by the new version. */
  guarded?: boolean;
  /** The executable the upgrade replaced (sea, Windows): where a rollback puts the kept one back. */
  executable?: string;
  /** deb, rpm: each kept file and the installed one a rollback puts it back over (absent: backup over executable). */
  restore?: Array<[kept: string, installed: string]>;
  /** The package installed (deb, rpm, MSI), named in the reason of a rollback: its package database still lists it. */
  package?: { kind: InstalledPackageKind; file: string };
  /** The downloaded package: left behind by an agent killed before it finished; on Windows what the handover installs. */
  download?: string;
  /** Set when the new version was rolled back: the reason the old one reports. */
  failure?: string;
  /** Windows: the install kind the handover (windowsSwap.ts) replaces the executable by. */
  windows?: 'exe' | 'msi';
  /** Windows: the handover task has started, so the agent may exit (it would not be started again otherwise). */
  handedOver?: boolean;
  /** The process of the version that settled the marker last: the Windows handover watches it. */
  pid?: number;
}

/** The install kinds whose package manager (dpkg, rpm, Windows Installer) records the installed version. */
export type InstalledPackageKind = Extract<AgentInstallKind, 'deb' | 'rpm' | 'rpm-el7' | 'msi'>;

/** A new version that starts this many times without reaching the server is rolled back. */
export const MAX_STARTS = 3;

export const markerPath = (dir: string) => join(dir, 'upgrade.json');
export const nextPath = (executable: string) => `${executable}.next`;

export async function readMarker(d: { fs: UpgradeFs; dir: string }): Promise<Marker | null> {
  return JSON.parse(await d.fs.readFile(markerPath(d.dir), 'utf8').catch(() => 'null')) as Marker | null;
}

export async function writeMarker(d: { fs: UpgradeFs; dir: string }, m: Marker): Promise<void> {
  const tmp = `${markerPath(d.dir)}.tmp`;
  const fh = await d.fs.open(tmp, 'w', 0o600);
  try {
    await fh.write(JSON.stringify(m));
    await fh.sync();
  } finally {
    await fh.close();
  }
  await d.fs.rename(tmp, markerPath(d.dir));
}

/** What a rollback copies back where: the kept files of a package upgrade, or the kept executable over `executable`. */
const restorePairs = (marker: Marker, executable: string): Array<[string, string]> => marker.restore ?? [[marker.backup!, marker.executable ?? executable]];

/** How the package database stays after a rollback, and what makes it true again. */
function packageNote(marker: Marker): string {
  if (!marker.package) return '';
  const { kind, file } = marker.package;
  if (kind === 'msi')
    return `; Windows Installer 仍记为 ${marker.toVersion}: Windows Installer still lists WeiAn Agent ${marker.toVersion} while ${marker.fromVersion} runs: upgrade again once a fixed version is out`;
  const old = file.replace(marker.toVersion, marker.fromVersion);
  const reinstall = kind === 'deb' ? `dpkg -i ${old}` : `rpm -U --oldpackage ${old}`;
  return `; 软件包数据库仍记为 ${marker.toVersion}: the package database still lists weian-agent ${marker.toVersion} while ${marker.fromVersion} runs: reinstall the old package (${reinstall}) or upgrade again once a fixed version is out`;
}

/**
 * The one rollback, for every install kind: puts the kept files back in place of the new ones (each
 * copied beside its place, then renamed over it), and leaves the reason in the marker for the old
 * version to report. EXECUTABLE: where the kept executable goes when the marker names no other place.
 */
export async function rollBack(d: { fs: UpgradeFs; dir: string }, marker: Marker, executable: string): Promise<string> {
  const failure = `新版本反复启动失败: ${marker.toVersion} started ${MAX_STARTS} times without reaching the server: rolled back to ${marker.fromVersion}${packageNote(marker)}`;
  const pairs = restorePairs(marker, executable);
  for (const [kept, installed] of pairs) await d.fs.copyFile(kept, nextPath(installed));
  await writeMarker(d, { ...marker, failure });
  for (const [, installed] of pairs) await d.fs.rename(nextPath(installed), installed);
  return failure;
}
