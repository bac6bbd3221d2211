import { WINDOWS_TASK, type InstallStep } from './service.js';

/**
 * Windows half of a single-executable upgrade or rollback, as data (never run on Windows yet: only
 * the plan is tested). Windows will not replace the .exe of a running process; it only renames
 * it. So the agent registers a one-shot SYSTEM task that waits until the agent has exited, moves
 * the new file into place (keeping the old one), starts the agent's task again and removes itself.
 */
export const WINDOWS_SWAP_TASK = 'WeiAnAgentSwap';

export interface SwapFiles {
  /** The agent's process: the swap waits for it to exit. */
  pid: number;
  /** The executable the agent task runs. */
  executable: string;
  /** What replaces it (the new version, or on a rollback the kept old one). */
  next: string;
  /** Where the replaced executable is kept; null: dropped (a rollback replaces a version that failed). */
  backup: string | null;
  /** Where the swap script is written (the agent's data directory). */
  script: string;
}

/** A PowerShell single-quoted literal. */
const ps = (s: string) => `'${s.replace(/'/g, "''")}'`;

/**
 * The swap, in PowerShell 4 (Windows Server 2012 R2) and later. The agent's task is started again
 * whatever happens: with the new executable, or the old one when the swap could not be made.
 */
export function swapScript(f: SwapFiles): string {
  const keep = f.backup ? `Move-Item -LiteralPath ${ps(f.executable)} -Destination ${ps(f.backup)} -Force` : `Remove-Item -LiteralPath ${ps(f.executable)} -Force`;
  return [
    "$ErrorActionPreference = 'Stop'",
    'try {',
    // Absent already: nothing to wait for. Still there after 2 minutes: Wait-Process throws, nothing is moved.
    `  Get-Process -Id ${f.pid} -ErrorAction SilentlyContinue | Wait-Process -Timeout 120`,
    `  ${keep}`,
    '  try {',
    `    Move-Item -LiteralPath ${ps(f.next)} -Destination ${ps(f.executable)} -Force`,
    '  } catch {',
    f.backup ? `    Move-Item -LiteralPath ${ps(f.backup)} -Destination ${ps(f.executable)} -Force` : '',
    '    throw',
    '  }',
    '} finally {',
    `  Start-ScheduledTask -TaskName ${ps(WINDOWS_TASK)}`,
    `  Unregister-ScheduledTask -TaskName ${ps(WINDOWS_SWAP_TASK)} -Confirm:$false`,
    '}',
  ]
    .filter(Boolean)
    .join('\r\n');
}

/** Write the script, register it as a SYSTEM task and start it; then the agent exits and the task does the rest. */
export function swapPlan(f: SwapFiles): InstallStep[] {
  // /TR holds at most 261 characters: the script lives in a file, not on the command line.
  const tr = `powershell.exe -NoProfile -NonInteractive -ExecutionPolicy Bypass -File "${f.script}"`;
  if (tr.length > 261) throw new Error(`the swap script's path is too long for a scheduled task: ${f.script}`);
  return [
    { write: { path: f.script, content: swapScript(f), mode: 0o600 } },
    // /SC ONCE needs a start time; /Run starts it now, the time only makes schtasks warn that it has passed.
    { run: ['schtasks.exe', '/Create', '/F', '/TN', WINDOWS_SWAP_TASK, '/SC', 'ONCE', '/ST', '00:00', '/RU', 'SYSTEM', '/RL', 'HIGHEST', '/TR', tr] },
    { run: ['schtasks.exe', '/Run', '/TN', WINDOWS_SWAP_TASK] },
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
