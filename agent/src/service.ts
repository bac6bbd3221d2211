import { spawn } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { selfInvocation } from './self.js';
import { backupPath, keptProgramPath, PACKAGED_DATA_DIR } from './upgradeFiles.js';

export const SERVICE_NAME = 'weian-agent';
export const UNIT_PATH = `/etc/systemd/system/${SERVICE_NAME}.service`;
export const WINDOWS_TASK = 'WeiAnAgent';

/** What install-service does, as --help says it: the same as installPlan below and docs/agent-install.md. */
export const INSTALL_SERVICE_SUMMARY = `install and start the agent: a systemd unit (Linux), or a scheduled task ${WINDOWS_TASK} run as SYSTEM at boot and restarted on failure (Windows)`;

const quoteSystemd = (a: string) => (/^[A-Za-z0-9_@%+=:,./-]+$/.test(a) ? a : `"${a.replace(/["\\]/g, '\\$&')}"`);
/** One argument of a Windows command line (a scheduled task's /TR). */
export const quoteWindows = (a: string) => (/^[A-Za-z0-9_:.\\/-]+$/.test(a) ? a : `"${a.replace(/"/g, '\\"')}"`);

/**
 * The systemd unit: restarts after a crash, but not after the server revoked the agent (exit 78).
 * `legacySystemd`: systemd 219 (CentOS/RHEL/NeoKylin 7) knows MemoryLimit, not MemoryMax.
 * `configPath`: the unit does not start (nor crash-loop) until enrollment has written the config.
 * `startGuard`: run before each start, failure ignored ("-"; systemd skips a missing executable):
 * the kept old executable, present only while an upgrade awaits its first report (upgrade.ts, guardStart).
 */
export function systemdUnit(command: string[], opts: { legacySystemd?: boolean; configPath?: string; startGuard?: string[] } = {}): string {
  return `[Unit]
Description=WeiAn (卫安) network-security compliance agent
After=network-online.target
Wants=network-online.target
${opts.configPath ? `ConditionPathExists=${opts.configPath}\n` : ''}
[Service]
Type=simple
${opts.startGuard ? `ExecStartPre=-${opts.startGuard.map(quoteSystemd).join(' ')}\n` : ''}ExecStart=${command.map(quoteSystemd).join(' ')}
Restart=on-failure
RestartSec=30
RestartPreventExitStatus=78
# A compliance monitor must never compete with HIS/PACS/LIS for the machine.
Nice=10
IOSchedulingClass=idle
${opts.legacySystemd ? 'MemoryLimit' : 'MemoryMax'}=256M
${opts.legacySystemd ? '' : 'TasksMax=64\n'}
[Install]
WantedBy=multi-user.target
`;
}

/**
 * The deb's and rpm's unit (printed by `__unit` for agent/scripts/packages.mjs). Its start guard is
 * the program a package upgrade kept (upgrade.ts): dpkg and rpm replace /usr/bin/weian-agent, so the
 * old one waits in the data directory, where the guard finds it while the new one is on trial (an
 * agent enrolled with another --data-dir has no guard: the new version counts its own starts).
 */
export function packagedUnit(exec: string[], opts: { legacySystemd?: boolean | undefined; configPath: string }): string {
  return systemdUnit([...exec, 'run', '--config', opts.configPath], {
    legacySystemd: opts.legacySystemd,
    configPath: opts.configPath,
    startGuard: [`${keptProgramPath(PACKAGED_DATA_DIR)}/weian-agent`, '__upgrade-guard', '--config', opts.configPath],
  });
}

export interface InstallStep {
  /** A file to write, or a command to run. */
  write?: { path: string; content: string; mode: number };
  run?: string[];
}

/** What installing means on this platform, as data: printed by --dry-run, carried out otherwise. */
/** `start: false` (the MSI, before enrollment): register the service without starting it. */
export function installPlan(platform: NodeJS.Platform, invocation: string[], configPath: string, start = true): InstallStep[] {
  const command = [...invocation, 'run', '--config', configPath];
  if (platform === 'linux') {
    // A single executable upgrades itself in place (upgrade.ts): its kept predecessor guards the new one's starts.
    const startGuard = invocation.length === 1 ? [backupPath(invocation[0]!), '__upgrade-guard', '--config', configPath] : undefined;
    return [
      { write: { path: UNIT_PATH, content: systemdUnit(command, { configPath, startGuard }), mode: 0o644 } },
      { run: ['systemctl', 'daemon-reload'] },
      { run: ['systemctl', 'enable', ...(start ? ['--now'] : []), `${SERVICE_NAME}.service`] },
    ];
  }
  if (platform === 'win32') {
    // A plain executable cannot answer the Service Control Manager, so sc.exe would kill it after
    // 30 s; a SYSTEM task started at boot, restarted on failure, is the dependable equivalent.
    const tr = command.map(quoteWindows).join(' ');
    return [
      { run: ['schtasks.exe', '/Create', '/F', '/TN', WINDOWS_TASK, '/SC', 'ONSTART', '/RU', 'SYSTEM', '/RL', 'HIGHEST', '/TR', tr] },
      {
        run: [
          'powershell.exe',
          '-NoProfile',
          '-NonInteractive',
          '-Command',
          `$s = New-ScheduledTaskSettingsSet -RestartCount 999 -RestartInterval (New-TimeSpan -Minutes 1) -ExecutionTimeLimit ([TimeSpan]::Zero) -AllowStartIfOnBatteries -DontStopIfGoingOnBatteries; Set-ScheduledTask -TaskName ${WINDOWS_TASK} -Settings $s | Out-Null`,
        ],
      },
      ...(start ? [{ run: ['schtasks.exe', '/Run', '/TN', WINDOWS_TASK] }] : []),
    ];
  }
  throw new Error(`install-service supports Linux (systemd) and Windows; on ${platform} start "${command.join(' ')}" with the system's service manager`);
}

export type Exec = (argv: string[]) => Promise<number>;

const execReal: Exec = (argv) =>
  new Promise((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), { stdio: 'inherit', windowsHide: true });
    child.on('error', reject);
    child.on('close', (code) => resolve(code ?? 1));
  });

export async function installService(opts: {
  configPath: string;
  dryRun: boolean;
  start?: boolean;
  log: (line: string) => void;
  platform?: NodeJS.Platform;
  exec?: Exec;
  invocation?: string[];
}): Promise<number> {
  const plan = installPlan(opts.platform ?? process.platform, opts.invocation ?? selfInvocation(), opts.configPath, opts.start ?? true);
  for (const step of plan) {
    if (step.write) {
      opts.log(opts.dryRun ? `would write ${step.write.path}:\n${step.write.content}` : `writing ${step.write.path}`);
      if (!opts.dryRun) {
        await mkdir(dirname(step.write.path), { recursive: true });
        await writeFile(step.write.path, step.write.content, { mode: step.write.mode });
      }
    }
    if (step.run) {
      opts.log(`${opts.dryRun ? 'would run' : 'running'}: ${step.run.join(' ')}`);
      if (!opts.dryRun) {
        const code = await (opts.exec ?? execReal)(step.run);
        if (code !== 0) {
          opts.log(`failed (exit ${code}): ${step.run.join(' ')}`);
          return 1;
        }
      }
    }
  }
  if (!opts.dryRun) opts.log(`installed; check it with: weian-agent status --config ${opts.configPath}`);
  return 0;
}
