import type { PatchesData } from '@weian/shared';
import type { Runner } from '../runner.js';
import { bool, isRecord, num, str } from './helpers/parse.js';
import { configLines, statPath } from './helpers/probe.js';

/**
 * Automatic security updates, as information beside the patch rules: unattended-upgrades (apt),
 * dnf-automatic, yum-cron, and the Windows Update policy (automatic install, WSUS server). null where
 * the host's settings do not say (no policy: the default depends on the edition).
 */
export type AutoUpdate = NonNullable<PatchesData['autoUpdate']>;

const kv = (text: string | null, sep: RegExp): Record<string, string> => {
  const out: Record<string, string> = {};
  for (const line of configLines(text ?? '')) {
    const m = sep.exec(line);
    if (m)
      out[m[1]!.toLowerCase()] = m[2]!
        .trim()
        .replace(/^"(.*)";?$/, '$1')
        .replace(/;$/, '')
        .replace(/^"(.*)"$/, '$1');
  }
  return out;
};

/** apt: APT::Periodic::Unattended-Upgrade "1" (20auto-upgrades) with unattended-upgrades installed. */
export function aptAutoUpdate(autoUpgrades: string | null, installed: boolean): AutoUpdate {
  const periodic = kv(autoUpgrades, /^(APT::Periodic::[\w-]+)\s+(.+)$/);
  const on = periodic['apt::periodic::unattended-upgrade'];
  const enabled = !installed ? false : on === undefined ? (autoUpgrades === null ? false : null) : on !== '0' && on !== '';
  return { enabled, mechanism: installed ? 'unattended-upgrades' : null, securityOnly: null, server: null };
}

/** dnf-automatic: a timer enabled and, for dnf-automatic.timer, apply_updates = yes in automatic.conf. */
export function dnfAutoUpdate(conf: string | null, timers: { install: boolean; plain: boolean }): AutoUpdate {
  const c = kv(conf, /^(\w+)\s*=\s*(.*)$/);
  const apply = c.apply_updates === undefined ? false : bool(c.apply_updates);
  const enabled = timers.install ? true : timers.plain ? apply : false;
  return { enabled, mechanism: timers.install || timers.plain ? 'dnf-automatic' : null, securityOnly: c.upgrade_type === undefined ? false : c.upgrade_type === 'security', server: null };
}

/** yum-cron (CentOS 7): its daily job present and apply_updates = yes. */
export function yumAutoUpdate(conf: string | null, cronJob: boolean): AutoUpdate {
  const c = kv(conf, /^(\w+)\s*=\s*(.*)$/);
  const apply = c.apply_updates === undefined ? false : bool(c.apply_updates);
  return { enabled: cronJob ? apply : false, mechanism: cronJob ? 'yum-cron' : null, securityOnly: c.update_cmd === undefined ? false : /security/.test(c.update_cmd), server: null };
}

export async function linuxAutoUpdate(runner: Runner, manager: 'apt' | 'dnf' | 'yum'): Promise<AutoUpdate> {
  if (manager === 'apt') {
    const [conf, bin] = await Promise.all([runner.readFile('/etc/apt/apt.conf.d/20auto-upgrades'), statPath(runner, '/usr/bin/unattended-upgrade')]);
    return aptAutoUpdate(conf, bin !== null);
  }
  if (manager === 'dnf') {
    const wants = '/etc/systemd/system/timers.target.wants';
    const [conf, install, plain] = await Promise.all([
      runner.readFile('/etc/dnf/automatic.conf'),
      statPath(runner, `${wants}/dnf-automatic-install.timer`),
      statPath(runner, `${wants}/dnf-automatic.timer`),
    ]);
    return dnfAutoUpdate(conf, { install: install !== null, plain: plain !== null });
  }
  const [conf, job] = await Promise.all([runner.readFile('/etc/yum/yum-cron.conf'), statPath(runner, '/etc/cron.daily/0yum-daily.cron')]);
  return yumAutoUpdate(conf, job !== null);
}

// ---- Windows --------------------------------------------------------------------------------

export const WINDOWS_AUTO_UPDATE_SCRIPT =
  "$p='HKLM:\\SOFTWARE\\Policies\\Microsoft\\Windows\\WindowsUpdate';$au=Get-ItemProperty ($p+'\\AU');$wu=Get-ItemProperty $p;" +
  '[pscustomobject]@{NoAutoUpdate=$au.NoAutoUpdate;AUOptions=$au.AUOptions;UseWUServer=$au.UseWUServer;WUServer=$wu.WUServer;Service=[string](Get-Service wuauserv).StartType} | ConvertTo-Json -Compress';

/**
 * The Windows Update policy: AUOptions 4 installs automatically; 2/3 only notify or download; a disabled
 * wuauserv or NoAutoUpdate=1 turns it off. No policy at all: the edition's default, not known here (null).
 */
export function parseWindowsAutoUpdate(json: unknown): AutoUpdate | null {
  if (!isRecord(json)) return null;
  const service = str(json.Service);
  const options = num(json.AUOptions);
  const server = num(json.UseWUServer) === 1 ? str(json.WUServer) : null;
  let enabled: boolean | null;
  if (service === 'Disabled' || num(json.NoAutoUpdate) === 1) enabled = false;
  else if (options === null) enabled = null;
  else enabled = options === 4;
  return { enabled, mechanism: server ? 'WSUS' : 'Windows Update', securityOnly: null, server: server ? server.slice(0, 256) : null };
}
