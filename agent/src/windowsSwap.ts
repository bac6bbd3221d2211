import { execFile } from 'node:child_process';
import * as fsp from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { quoteWindows, WINDOWS_TASK } from './service.js';
import { MAX_STARTS, nextPath, readMarker, rollBack, writeMarker, type Marker, type UpgradeFs } from './upgradeFiles.js';
import { exitStatus, msiexecResult, msiLogPath } from './windowsInstall.js';

/**
 * Windows half of an upgrade (never run on Windows yet: tested with fake command output). Windows
 * will not replace the .exe of a running process, nor Windows Installer the files of a running
 * program, and Task Scheduler does not restart a task whose program exits with an error (its
 * "restart on failure" is for a start that failed). So the agent, once the new version passed its
 * trial, registers a one-shot SYSTEM task running a copy of itself (the kept old executable,
 * `__upgrade-handover`), and exits. That copy waits for the agent to exit, puts the new version in
 * place (the exe, or `msiexec /i` for an MSI install), starts the agent task, and watches the new
 * version as systemd and the unit's start guard do on Linux: a start that dies before it reaches the
 * server is counted in the marker and started again, and after MAX_STARTS the kept executable is put back.
 */
export const WINDOWS_SWAP_TASK = 'WeiAnAgentSwap';

type Run = (file: string, args: string[]) => Promise<{ stdout: string }>;

export interface HandoverTask {
  /** The kept old executable, which drives the handover. */
  backup: string;
  configPath: string;
  /** The agent's process: the handover waits for it to exit. */
  pid: number;
}

/** Register the handover as a SYSTEM task and start it; then the agent exits and the task does the rest. */
export function swapPlan(f: HandoverTask): string[][] {
  // /TR holds at most 261 characters.
  const tr = [f.backup, '__upgrade-handover', '--config', f.configPath, '--pid', String(f.pid)].map(quoteWindows).join(' ');
  if (tr.length > 261) throw new Error(`the handover's command line is too long for a scheduled task: ${tr}`);
  return [
    // /SC ONCE needs a start time; /Run starts it now, the time only makes schtasks warn that it has passed.
    ['schtasks.exe', '/Create', '/F', '/TN', WINDOWS_SWAP_TASK, '/SC', 'ONCE', '/ST', '00:00', '/RU', 'SYSTEM', '/RL', 'HIGHEST', '/TR', tr],
    ['schtasks.exe', '/Run', '/TN', WINDOWS_SWAP_TASK],
  ];
}

/**
 * Whether `schtasks /Query /TN WeiAnAgent /FO CSV /NH` lists the agent's task: without it nothing
 * would start the agent after the swap, so the upgrade is refused. The status column is in the
 * system's language and not read; the name (first column, with its folder) is the same everywhere.
 */
export function agentTaskListed(csv: string, task = WINDOWS_TASK): boolean {
  return csv
    .split(/\r?\n/)
    .map((line) => /^"([^"]*)"/.exec(line.trim())?.[1])
    .some((name) => name?.replace(/^\\/, '').toLowerCase() === task.toLowerCase());
}

/** schtasks exits 1 (ERROR: … cannot find the file specified / 错误: 系统找不到指定的文件。) for a task that does not exist. */
export const agentTaskRegistered = (run: Run) =>
  run('schtasks.exe', ['/Query', '/TN', WINDOWS_TASK, '/FO', 'CSV', '/NH']).then(
    (r) => agentTaskListed(r.stdout),
    () => false,
  );

export interface HandoverDeps {
  fs: UpgradeFs;
  /** Runs a program to its end; rejects on a non-zero exit with the status as `code` (as execFile does). */
  run: Run;
  /** The agent's data directory (the marker). */
  dir: string;
  configPath: string;
  /** The old agent's process. */
  pid: number;
  alive(pid: number): boolean;
  sleep(ms: number): Promise<void>;
  log(line: string): void;
}

/**
 * How long (ms) the agent waits for the handover task to start, and the handover for the old agent
 * to exit, for a start to settle, for the new version to reach the server; how often it looks.
 */
export const HANDOVER_WAIT = { start: 60_000, exit: 120_000, settle: 120_000, confirm: 600_000, poll: 2_000, busy: 30_000, busyTries: 5 };

/**
 * The agent, after starting the handover task: has it started (it says so in the marker)? Only then
 * may the agent exit; a task that never ran would leave the agent stopped until the next boot.
 */
export const handoverStarted = (d: { fs: UpgradeFs; dir: string; sleep(ms: number): Promise<void> }) => until(d, HANDOVER_WAIT.start, async () => (await readMarker(d))?.handedOver === true);

class HandoverFailed extends Error {}

/**
 * The handover (the one-shot SYSTEM task): null when the marker holds no Windows upgrade ready for
 * it. 'upgraded': the new version reached the server. 'running': it is up but has not reached the
 * server within HANDOVER_WAIT.confirm (it reports once it does, as after any start). 'failed': the
 * old version runs again, with the reason in the marker for it to report.
 */
export async function handOver(d: HandoverDeps): Promise<'upgraded' | 'running' | 'failed' | null> {
  try {
    const marker = await readMarker(d);
    if (!marker || marker.phase !== 'installed' || !marker.windows || !marker.executable || !marker.backup || !marker.download || marker.failure) return null;
    await writeMarker(d, { ...marker, handedOver: true });
    return await swapAndWatch(d, marker as Marker & { executable: string; download: string });
  } finally {
    // The task deletes itself whatever happened; a one-shot task left behind would only be run again by an upgrade, which recreates it.
    await d.run('schtasks.exe', ['/Delete', '/F', '/TN', WINDOWS_SWAP_TASK]).catch(() => undefined);
  }
}

async function swapAndWatch(d: HandoverDeps, marker: Marker & { executable: string; download: string }) {
  try {
    if (!(await until(d, HANDOVER_WAIT.exit, () => !d.alive(d.pid))))
      throw new HandoverFailed(`旧版本未退出: process ${d.pid} still ran after ${HANDOVER_WAIT.exit / 1000} s; nothing was replaced, ${marker.fromVersion} keeps running`);
    if (marker.windows === 'exe') await swapExe(d, marker.download, marker.executable);
    else await installMsi(d, marker.download, marker.fromVersion);
  } catch (e) {
    const failure = e instanceof HandoverFailed ? e.message : `替换程序失败: ${(e as Error).message}; ${marker.fromVersion} keeps running`;
    d.log(failure);
    await d.fs.rm(nextPath(marker.executable), { force: true }).catch(() => undefined);
    await writeMarker(d, { ...marker, failure });
    await startAgent(d, marker.executable);
    return 'failed';
  }
  for (;;) {
    const now = await readMarker(d);
    if (!now) return 'upgraded';
    const starts = now.starts + 1;
    if (starts > MAX_STARTS) {
      d.log(await rollBack(d, { ...now, guarded: true }, marker.executable));
      await startAgent(d, marker.executable);
      return 'failed';
    }
    // Counted before the start, as the unit's start guard does: a version that dies before running a line of its own counts too.
    const { pid: _, ...rest } = now;
    await writeMarker(d, { ...rest, starts, guarded: true });
    d.log(`starting ${marker.toVersion}: start ${starts} of ${MAX_STARTS} before a rollback`);
    await startAgent(d, marker.executable);
    const seen = await watch(d);
    if (seen !== 'died') return seen;
  }
}

/** After a start: the marker gone (the new version reached the server and confirmed), the new version's process gone with the marker still there, or still running unconfirmed. */
async function watch(d: HandoverDeps): Promise<'upgraded' | 'running' | 'died'> {
  // settleUpgrade writes the new version's pid into the marker at its start; a start that never gets that far died.
  const settled = await until(d, HANDOVER_WAIT.settle, async () => {
    const m = await readMarker(d);
    return !m ? ('upgraded' as const) : m.pid !== undefined ? m.pid : false;
  });
  if (settled === false) return 'died';
  if (settled === 'upgraded') return settled;
  const ended = await until(d, HANDOVER_WAIT.confirm, async () => (!(await readMarker(d)) ? ('upgraded' as const) : !d.alive(settled) ? ('died' as const) : false));
  return ended || 'running';
}

/** Polls CHECK every HANDOVER_WAIT.poll ms until it gives something other than false (that), or MS have passed (false). */
async function until<T>(d: Pick<HandoverDeps, 'sleep'>, ms: number, check: () => T | false | Promise<T | false>): Promise<T | false> {
  for (let waited = 0; ; waited += HANDOVER_WAIT.poll) {
    const seen = await check();
    if (seen !== false) return seen;
    if (waited >= ms) return false;
    await d.sleep(HANDOVER_WAIT.poll);
  }
}

/**
 * Moves the new exe into place. A collection the old agent started may still run its executable for
 * a while after the agent exited (a file in use: EBUSY, EPERM): the move is tried again until it is free.
 */
async function swapExe(d: HandoverDeps, download: string, executable: string): Promise<void> {
  await d.fs.copyFile(download, nextPath(executable));
  let inUse: Error | null = null;
  const moved = await until(d, HANDOVER_WAIT.exit, () =>
    d.fs.rename(nextPath(executable), executable).then(
      () => true,
      (e: NodeJS.ErrnoException) => {
        if (e.code !== 'EBUSY' && e.code !== 'EPERM' && e.code !== 'EACCES') throw e;
        inUse = e;
        return false as const;
      },
    ),
  );
  if (!moved) throw inUse ?? new Error(`${executable} stayed in use`);
}

/** msiexec /i, quiet, no reboot, with a log; another installation under way (1618) is waited for. */
async function installMsi(d: HandoverDeps, msi: string, fromVersion: string): Promise<void> {
  const log = msiLogPath(msi);
  for (let attempt = 1; ; attempt++) {
    const result = msiexecResult(await exitStatus(d.run, 'msiexec.exe', ['/i', msi, '/qn', '/norestart', '/l*v', log]), log);
    if ('ok' in result) return;
    if ('failure' in result) throw new HandoverFailed(`${result.failure}; ${fromVersion} keeps running`);
    if (attempt >= HANDOVER_WAIT.busyTries)
      throw new HandoverFailed(`MSI 安装失败: another installation kept Windows Installer busy (msiexec 1618) ${attempt} times; nothing was replaced, ${fromVersion} keeps running`);
    d.log(`another installation is under way (msiexec 1618): trying again in ${HANDOVER_WAIT.busy / 1000} s`);
    await d.sleep(HANDOVER_WAIT.busy);
  }
}

/**
 * Starts the agent task. A major upgrade of the MSI deletes the task with the old product and creates
 * it with the new one; a failure in between leaves Windows Installer's rollback without it (custom
 * actions are not rolled back), so a missing task is created again by the executable now in place.
 */
async function startAgent(d: HandoverDeps, executable: string): Promise<void> {
  if (!(await agentTaskRegistered(d.run))) await d.run(executable, ['install-service', '--no-start', '--config', d.configPath]);
  await d.run('schtasks.exe', ['/Run', '/TN', WINDOWS_TASK]);
}

/** The real side effects, for `weian-agent __upgrade-handover`: its log goes beside the marker (a SYSTEM task has no console). */
export function nodeHandoverDeps(o: { dir: string; configPath: string; pid: number }): HandoverDeps {
  const execFileP = promisify(execFile);
  return {
    fs: fsp,
    run: async (file, args) => ({ stdout: (await execFileP(file, args, { timeout: 30 * 60_000, windowsHide: true })).stdout }),
    dir: o.dir,
    configPath: o.configPath,
    pid: o.pid,
    alive: (pid) => {
      try {
        process.kill(pid, 0);
        return true;
      } catch (e) {
        return (e as NodeJS.ErrnoException).code === 'EPERM';
      }
    },
    sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
    log: (line) => void fsp.appendFile(join(o.dir, 'upgrade-handover.log'), `${new Date().toISOString()} ${line}\r\n`).catch(() => undefined),
  };
}
