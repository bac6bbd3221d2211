import { mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import * as fsp from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WINDOWS_TASK } from './service.js';
import { confirmUpgrade, settleUpgrade } from './upgrade.js';
import { MAX_STARTS, readMarker, windowsBackupPath, writeMarker, type Marker } from './upgradeFiles.js';
import { agentTaskListed, handOver, HANDOVER_WAIT, swapPlan, WINDOWS_SWAP_TASK, type HandoverDeps } from './windowsSwap.js';

/**
 * The Windows handover, never run on Windows: on real files in a temp directory, with Windows'
 * programs answered from their documented behaviour, not recorded on a host. schtasks: CSV lines
 * ("\WeiAnAgent","N/A","Ready"), exit 1 for a task that does not exist. msiexec: the Windows
 * Installer exit codes 0, 3010 (done, reboot pending), 1603 (fatal error, rolled back), 1618
 * (another installation under way). The agent's processes are pids whose liveness the test decides.
 */
let dir: string;
let executable: string;
let marker: Marker;
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'weian-handover-'));
  mkdirSync(join(dir, 'bin'));
  executable = join(dir, 'bin', 'weian-agent.exe');
  writeFileSync(executable, 'old');
  writeFileSync(windowsBackupPath(dir), 'old');
  const download = join(dir, 'upgrade-weian-agent-win-x64.exe');
  writeFileSync(download, 'new');
  // As runUpgrade leaves it once the new version passed its trial (upgrade.test.ts).
  marker = { id: 'cmd-1', fromVersion: '0.1.0', toVersion: '0.2.0', phase: 'installed', backup: windowsBackupPath(dir), starts: 0, executable, download, windows: 'exe' };
  await writeMarker({ fs: fsp, dir }, marker);
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const OLD_PID = 4242;
/** Windows as the handover meets it: which tasks exist, what msiexec answers, what a start of the agent task does. */
function windows(o: { msiexec?: number[]; taskGone?: boolean; oldExitsAfter?: number; started?: (n: number) => Promise<void>; alive?: (pid: number) => boolean } = {}) {
  const calls: string[] = [];
  const sleeps: number[] = [];
  let starts = 0;
  let polls = 0;
  const deps: HandoverDeps = {
    fs: fsp,
    dir,
    configPath: 'C:\\ProgramData\\WeiAn\\agent.json',
    pid: OLD_PID,
    run: async (f, args) => {
      calls.push([f === executable ? 'agent.exe' : f, ...args].join(' '));
      if (f === 'schtasks.exe' && args[0] === '/Query') {
        if (o.taskGone) throw Object.assign(new Error('ERROR: The system cannot find the file specified.'), { code: 1 });
        return { stdout: '"\\WeiAnAgent","N/A","Ready"\r\n' };
      }
      if (f === 'schtasks.exe' && args.join(' ') === `/Run /TN ${WINDOWS_TASK}`) await o.started?.(++starts);
      if (f === 'msiexec.exe') {
        const code = o.msiexec!.shift()!;
        if (code === 0 || code === 3010) writeFileSync(executable, 'new');
        if (code) throw Object.assign(new Error(`Command failed: msiexec.exe ${args.join(' ')}`), { code });
      }
      if (f === executable) o.taskGone = false;
      return { stdout: '' };
    },
    alive: (pid) => (pid === OLD_PID ? polls++ < (o.oldExitsAfter ?? 0) : (o.alive?.(pid) ?? false)),
    sleep: async (ms) => void sleeps.push(ms),
    log: () => {},
  };
  return { deps, calls, sleeps };
}
/** The new version's start: it settles (writing its pid into the marker) and, when REACHES, reaches the server. */
const newVersion = (pid: number, reaches: boolean) => async () => {
  const settled = await settleUpgrade({ fs: fsp, dir, currentVersion: '0.2.0', executable, now: () => new Date('2026-12-07T05:00:00.000Z'), pid });
  if (reaches) await confirmUpgrade({ fs: fsp, dir }, settled!.outcome);
};
/** The same upgrade of an agent the MSI installed: the download is the MSI, the package Windows Installer will list. */
async function asMsi() {
  const msi = join(dir, 'upgrade-weian-agent-0.2.0-x64.msi');
  renameSync(marker.download!, msi);
  await writeMarker({ fs: fsp, dir }, (marker = { ...marker, windows: 'msi', download: msi, package: { kind: 'msi', file: 'weian-agent-0.2.0-x64.msi' } }));
}
/** The old version's next start, once the handover gave up: what it reports, and what is left on disk. */
async function oldVersionReports() {
  const settled = await settleUpgrade({ fs: fsp, dir, currentVersion: '0.1.0', executable, now: () => new Date('2026-12-07T05:00:00.000Z'), pid: 7 });
  expect(settled).toMatchObject({ restart: false, outcome: { status: 'failed', fromVersion: '0.1.0', toVersion: '0.2.0' } });
  expect(readdirSync(dir).sort()).toEqual(['bin']);
  return settled!.outcome.reason;
}

describe('the handover task of a Windows upgrade', () => {
  it('waits for the old agent to exit, swaps the exe, starts the agent task, and ends when the new version has reached the server', async () => {
    const w = windows({ oldExitsAfter: 3, started: newVersion(5001, true) });
    expect(await handOver(w.deps)).toBe('upgraded');
    expect(readFileSync(executable, 'utf8')).toBe('new');
    expect(w.sleeps.slice(0, 3)).toEqual([HANDOVER_WAIT.poll, HANDOVER_WAIT.poll, HANDOVER_WAIT.poll]);
    expect(w.calls).toEqual([`schtasks.exe /Query /TN ${WINDOWS_TASK} /FO CSV /NH`, `schtasks.exe /Run /TN ${WINDOWS_TASK}`, `schtasks.exe /Delete /F /TN ${WINDOWS_SWAP_TASK}`]);
    // confirmUpgrade took the marker, the download and the kept copy.
    expect(readdirSync(dir).sort()).toEqual(['bin']);
  });

  it(`a new version that dies at every start is started ${MAX_STARTS} times, then the kept exe is put back and started, and the old version says why`, async () => {
    // First start: dies before it settles (nothing of the agent ran); then it settles and dies.
    const w = windows({ started: async (n) => (n > 1 ? newVersion(5000 + n, false)() : undefined), alive: () => false });
    expect(await handOver(w.deps)).toBe('failed');
    expect(readFileSync(executable, 'utf8')).toBe('old');
    expect(w.calls.filter((c) => c === `schtasks.exe /Run /TN ${WINDOWS_TASK}`)).toHaveLength(MAX_STARTS + 1);
    const left = await readMarker({ fs: fsp, dir });
    expect(left).toMatchObject({ starts: MAX_STARTS, guarded: true });
    expect(await oldVersionReports()).toBe(`新版本反复启动失败: 0.2.0 started ${MAX_STARTS} times without reaching the server: rolled back to 0.1.0`);
  });

  it('after an MSI install the same rollback puts the kept exe back, and the old version says Windows Installer still lists the new one', async () => {
    await asMsi();
    const w = windows({ msiexec: [0], started: newVersion(5001, false), alive: () => false });
    expect(await handOver(w.deps)).toBe('failed');
    expect(readFileSync(executable, 'utf8')).toBe('old');
    expect(w.calls.filter((c) => c === `schtasks.exe /Run /TN ${WINDOWS_TASK}`)).toHaveLength(MAX_STARTS + 1);
    expect(await oldVersionReports()).toBe(
      `新版本反复启动失败: 0.2.0 started ${MAX_STARTS} times without reaching the server: rolled back to 0.1.0; Windows Installer 仍记为 0.2.0: Windows Installer still lists WeiAn Agent 0.2.0 while 0.1.0 runs: upgrade again once a fixed version is out`,
    );
  });

  it('a new version that runs but has not reached the server yet is left running, its start counted', async () => {
    const w = windows({ started: newVersion(5001, false), alive: () => true });
    expect(await handOver(w.deps)).toBe('running');
    expect(readFileSync(executable, 'utf8')).toBe('new');
    expect(await readMarker({ fs: fsp, dir })).toMatchObject({ starts: 1, guarded: true, pid: 5001 });
    // When it reaches the server later, it confirms as after any start.
    await newVersion(5001, true)();
    expect(readdirSync(dir).sort()).toEqual(['bin']);
  });

  it('an exe still in use (a collection the old agent started) is moved in once it is free; one that stays in use is not', async () => {
    let busy = 2;
    const inUse: HandoverDeps['fs']['rename'] = async (from, to) => {
      if (to === executable && busy-- > 0) throw Object.assign(new Error(`EBUSY: resource busy or locked, rename '${from}' -> '${to}'`), { code: 'EBUSY' });
      return fsp.rename(from, to);
    };
    const w = windows({ started: newVersion(5001, true) });
    expect(await handOver({ ...w.deps, fs: { ...fsp, rename: inUse } })).toBe('upgraded');
    expect(readFileSync(executable, 'utf8')).toBe('new');

    writeFileSync(executable, 'old');
    writeFileSync(marker.download!, 'new');
    writeFileSync(windowsBackupPath(dir), 'old');
    await writeMarker({ fs: fsp, dir }, marker);
    busy = Infinity;
    expect(await handOver({ ...windows().deps, fs: { ...fsp, rename: inUse } })).toBe('failed');
    expect(readFileSync(executable, 'utf8')).toBe('old');
    expect(await oldVersionReports()).toMatch(/^替换程序失败: EBUSY: resource busy or locked, .*; 0\.1\.0 keeps running$/);
  });

  it('an old agent that does not exit: nothing is replaced, and the old version says why', async () => {
    const w = windows({ oldExitsAfter: Infinity });
    expect(await handOver(w.deps)).toBe('failed');
    expect(readFileSync(executable, 'utf8')).toBe('old');
    expect(await oldVersionReports()).toBe(`旧版本未退出: process ${OLD_PID} still ran after ${HANDOVER_WAIT.exit / 1000} s; nothing was replaced, 0.1.0 keeps running`);
  });

  it('nothing to hand over without a Windows upgrade ready for it; the task deletes itself all the same', async () => {
    await writeMarker({ fs: fsp, dir }, { ...marker, failure: 'rolled back already' });
    const w = windows();
    expect(await handOver(w.deps)).toBeNull();
    const { windows: _, ...linux } = marker;
    await writeMarker({ fs: fsp, dir }, linux);
    expect(await handOver(w.deps)).toBeNull();
    rmSync(join(dir, 'upgrade.json'));
    expect(await handOver(w.deps)).toBeNull();
    expect(w.calls).toEqual(Array(3).fill(`schtasks.exe /Delete /F /TN ${WINDOWS_SWAP_TASK}`));
    expect(readFileSync(executable, 'utf8')).toBe('old');
  });
});

describe('the handover of an MSI-installed agent: msiexec /i', () => {
  it('waits out another installation (1618), and takes 3010 (reboot pending) as installed', async () => {
    await asMsi();
    const w = windows({ msiexec: [1618, 1618, 3010], started: newVersion(5001, true) });
    expect(await handOver(w.deps)).toBe('upgraded');
    const install = `msiexec.exe /i ${marker.download} /qn /norestart /l*v ${marker.download}.log`;
    expect(w.calls.filter((c) => c === install)).toHaveLength(3);
    expect(w.sleeps.filter((ms) => ms === HANDOVER_WAIT.busy)).toHaveLength(2);
    expect(readFileSync(executable, 'utf8')).toBe('new');
  });

  it('1603: Windows Installer rolled back; the agent task the old product took with it is created again by the old exe, started, and the old version says why', async () => {
    await asMsi();
    const w = windows({ msiexec: [1603], taskGone: true });
    expect(await handOver(w.deps)).toBe('failed');
    expect(w.calls.slice(1, 4)).toEqual([
      `schtasks.exe /Query /TN ${WINDOWS_TASK} /FO CSV /NH`,
      'agent.exe install-service --no-start --config C:\\ProgramData\\WeiAn\\agent.json',
      `schtasks.exe /Run /TN ${WINDOWS_TASK}`,
    ]);
    expect(readFileSync(executable, 'utf8')).toBe('old');
    expect(await oldVersionReports()).toBe(
      `MSI 安装失败: msiexec exited with 1603 (fatal error during installation); Windows Installer rolled back its changes, see ${marker.download}.log; 0.1.0 keeps running`,
    );
  });

  it(`gives up after ${HANDOVER_WAIT.busyTries} tries while another installation keeps Windows Installer busy`, async () => {
    await asMsi();
    const w = windows({ msiexec: Array(HANDOVER_WAIT.busyTries).fill(1618) });
    expect(await handOver(w.deps)).toBe('failed');
    expect(await oldVersionReports()).toMatch(/^MSI 安装失败: another installation kept Windows Installer busy \(msiexec 1618\) 5 times; nothing was replaced/);
    expect(readFileSync(executable, 'utf8')).toBe('old');
  });
});

describe('the handover task itself', () => {
  const task = { backup: 'C:\\ProgramData\\WeiAn\\weian-agent-previous.exe', configPath: 'C:\\ProgramData\\WeiAn\\agent.json', pid: 4242 };
  it('is registered as a one-shot SYSTEM task running the kept old executable, then started', () => {
    expect(swapPlan(task)).toEqual([
      [
        ...['schtasks.exe', '/Create', '/F', '/TN', WINDOWS_SWAP_TASK, '/SC', 'ONCE', '/ST', '00:00', '/RU', 'SYSTEM', '/RL', 'HIGHEST', '/TR'],
        'C:\\ProgramData\\WeiAn\\weian-agent-previous.exe __upgrade-handover --config C:\\ProgramData\\WeiAn\\agent.json --pid 4242',
      ],
      ['schtasks.exe', '/Run', '/TN', WINDOWS_SWAP_TASK],
    ]);
  });
  it('quotes paths with spaces, and refuses a command line too long for /TR', () => {
    expect(swapPlan({ ...task, configPath: 'D:\\Agent Data\\agent.json' })[0]!.at(-1)).toContain('--config "D:\\Agent Data\\agent.json"');
    expect(() => swapPlan({ ...task, backup: `C:\\${'x'.repeat(250)}\\weian-agent-previous.exe` })).toThrow(/too long for a scheduled task/);
  });
});

describe('is the agent run by its scheduled task (nothing would start it after the swap otherwise)', () => {
  it('reads the task name from `schtasks /Query /TN WeiAnAgent /FO CSV /NH`, in any display language', () => {
    expect(agentTaskListed('"\\WeiAnAgent","N/A","Running"\r\n')).toBe(true);
    expect(agentTaskListed('\r\n"\\WeiAnAgent","不适用","正在运行"\r\n')).toBe(true);
    expect(agentTaskListed('"\\weianagent","2026/12/7 3:00:00","Ready"\r\n')).toBe(true);
  });
  it('an error or another task is not the agent task', () => {
    // schtasks prints its error to stderr and nothing to stdout; a task of another name is not ours.
    expect(agentTaskListed('')).toBe(false);
    expect(agentTaskListed('ERROR: The system cannot find the file specified.\r\n')).toBe(false);
    expect(agentTaskListed('"\\WeiAnAgentSwap","N/A","Ready"\r\n')).toBe(false);
  });
});
