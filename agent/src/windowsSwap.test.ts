import { describe, expect, it } from 'vitest';
import { WINDOWS_TASK } from './service.js';
import { agentTaskListed, swapPlan, swapScript, WINDOWS_SWAP_TASK } from './windowsSwap.js';

/**
 * The Windows upgrade's swap as data. Never run on Windows: these check which files move where and
 * which commands run. The schtasks outputs below are written from schtasks' documented CSV format
 * (English and Chinese Windows Server), not recorded on a host.
 */
const files = {
  pid: 4242,
  executable: 'C:\\Program Files\\WeiAn\\weian-agent.exe',
  next: 'C:\\Program Files\\WeiAn\\weian-agent.exe.next',
  backup: 'C:\\Program Files\\WeiAn\\weian-agent.exe.previous',
  script: 'C:\\ProgramData\\WeiAn\\upgrade-swap.ps1',
};

describe('the swap task of a Windows upgrade', () => {
  it('writes the script, then registers and starts a one-shot SYSTEM task that runs it', () => {
    const plan = swapPlan(files);
    expect(plan[0]!.write).toMatchObject({ path: files.script, mode: 0o600 });
    expect(plan[1]!.run).toEqual([
      'schtasks.exe',
      '/Create',
      '/F',
      '/TN',
      WINDOWS_SWAP_TASK,
      '/SC',
      'ONCE',
      '/ST',
      '00:00',
      '/RU',
      'SYSTEM',
      '/RL',
      'HIGHEST',
      '/TR',
      'powershell.exe -NoProfile -NonInteractive -ExecutionPolicy Bypass -File "C:\\ProgramData\\WeiAn\\upgrade-swap.ps1"',
    ]);
    expect(plan[2]!.run).toEqual(['schtasks.exe', '/Run', '/TN', WINDOWS_SWAP_TASK]);
    expect(plan).toHaveLength(3);
  });

  it('waits for the agent to exit, keeps the old executable, moves the new one in, and starts the agent task whatever happened', () => {
    const lines = swapScript(files).split('\r\n');
    const at = (needle: string) => lines.findIndex((l) => l.includes(needle));
    expect(lines[0]).toBe("$ErrorActionPreference = 'Stop'");
    expect(lines[at('Wait-Process')]!.trim()).toBe('Get-Process -Id 4242 -ErrorAction SilentlyContinue | Wait-Process -Timeout 120');
    const keep = at(`-Destination '${files.backup}'`);
    const swap = at(`Move-Item -LiteralPath '${files.next}'`);
    const restore = at(`Move-Item -LiteralPath '${files.backup}' -Destination '${files.executable}'`);
    // In that order: wait, keep the old, move the new in, put the old back if that failed.
    expect([at('Wait-Process'), keep, swap, restore].every((n, i, all) => n > (all[i - 1] ?? -1))).toBe(true);
    // The agent task is started in `finally`: with the new executable, or the old one when the swap failed.
    const fin = lines.indexOf('} finally {');
    expect(fin).toBeGreaterThan(restore);
    expect(lines[fin + 1]!.trim()).toBe(`Start-ScheduledTask -TaskName '${WINDOWS_TASK}'`);
    expect(lines[fin + 2]!.trim()).toBe(`Unregister-ScheduledTask -TaskName '${WINDOWS_SWAP_TASK}' -Confirm:$false`);
  });

  it('a rollback replaces the failed version without keeping it', () => {
    const script = swapScript({ ...files, next: files.backup, backup: null });
    expect(script).toContain(`Remove-Item -LiteralPath '${files.executable}' -Force`);
    expect(script).toContain(`Move-Item -LiteralPath '${files.backup}' -Destination '${files.executable}' -Force`);
    // Nothing is moved to the kept copy's place: it is the one moved in.
    expect(script).not.toContain(`-Destination '${files.backup}'`);
  });

  it('quotes paths as PowerShell literals, and refuses a script path too long for /TR', () => {
    expect(swapScript({ ...files, executable: "C:\\O'Brien\\weian-agent.exe" })).toContain("'C:\\O''Brien\\weian-agent.exe'");
    expect(() => swapPlan({ ...files, script: `C:\\${'x'.repeat(200)}\\upgrade-swap.ps1` })).toThrow(/too long for a scheduled task/);
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
