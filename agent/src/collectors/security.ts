import type { SecurityData } from '@weian/shared';
import type { Runner } from '../runner.js';
import { detectProductSpec, signatureDate } from './antimalware.js';
import { linuxAccounts, windowsAccounts, WINDOWS_ACCOUNTS_SCRIPT, type AccountProblem } from './accounts.js';
import { parseAuditpolCsv, WINDOWS_AUDITPOL_SCRIPT } from './auditPolicy.js';
import { withCredentials } from './credentials.js';
import { inputFiltering } from './firewall.js';
import { linuxLogRetention, parseWindowsLogRetention, WINDOWS_LOG_RETENTION_SCRIPT } from './logRetention.js';
import { linuxRemoteAccess, parseWindowsRemoteAccess, WINDOWS_REMOTE_ACCESS_SCRIPT } from './remoteAccess.js';
import { serviceView, type ServiceSpec, type ServiceView } from './linux-services.js';
import { bool, describeFailure, epochToIso, isRecord, parseKeyColon, parseKeyEquals, psDate, str, toArray } from './helpers/parse.js';
import { osRelease, statPath } from './helpers/probe.js';
import { runPowerShell } from './helpers/powershell.js';
import { parseSshdConfig, parseSshdT, readSshdConfig, vendorPermitRootLogin } from './sshd.js';
import { CollectError, type CollectContext, type Collector, type CollectOutcome } from './types.js';
import { UncertainFields } from './helpers/uncertain.js';

// ---- Linux parsers --------------------------------------------------------------------------

/** `chronyc tracking`: "Leap status     : Normal" when synchronised, "Not synchronised" when not. */
export function parseChronyTracking(out: string): boolean | null {
  const leap = parseKeyColon(out)['leap status'];
  if (!leap) return null;
  return /^normal|insert second|delete second/i.test(leap);
}

/** `timedatectl status`: "System clock synchronized: yes" (systemd ≥ 239) or "NTP synchronized: yes" (CentOS 7). */
export function parseTimedatectl(out: string): boolean | null {
  const kv = parseKeyColon(out);
  const v = kv['system clock synchronized'] ?? kv['ntp synchronized'];
  return v === undefined ? null : bool(v);
}

/** `nft list ruleset` / `iptables -S`: whether inbound traffic to the host is filtered (see firewall.ts). */
export function parseFirewallRules(out: string): boolean | null {
  return inputFiltering(out).filtered;
}

// ---- Windows parsers ------------------------------------------------------------------------

/**
 * `w32tm /query /status`, English or Chinese locale. Synchronised when the leap indicator is not 3,
 * the stratum is 1–15 and the source is not the local clock.
 */
export function parseW32tm(out: string): boolean | null {
  const kv = parseKeyColon(out);
  const find = (re: RegExp) => Object.entries(kv).find(([k]) => re.test(k))?.[1];
  const leap = find(/^leap indicator$|^闰/);
  const stratum = find(/^stratum$|^层次$/);
  const source = find(/^source$|^源$/);
  if (leap === undefined && stratum === undefined && source === undefined) return null;
  if (leap !== undefined && /^\s*3/.test(leap)) return false;
  const s = stratum === undefined ? null : Number(/^\s*(\d+)/.exec(stratum)?.[1]);
  if (s !== null && !(s >= 1 && s <= 15)) return false;
  if (source !== undefined && /local cmos clock|free-running|本地 CMOS/i.test(source)) return false;
  return true;
}

export const WINDOWS_SECURITY_SCRIPT =
  '$fw=@(Get-NetFirewallProfile | ForEach-Object { [pscustomobject]@{Name=[string]$_.Name;Enabled=[string]$_.Enabled} });' +
  "$mp=Get-MpComputerStatus | ForEach-Object { [pscustomobject]@{AMServiceEnabled=$_.AMServiceEnabled;AntivirusEnabled=$_.AntivirusEnabled;RealTimeProtectionEnabled=$_.RealTimeProtectionEnabled;SignatureUpdated=$(if ($_.AntivirusSignatureLastUpdated) { $_.AntivirusSignatureLastUpdated.ToUniversalTime().ToString('o') })} };" +
  '$svc=@(Get-Service | ForEach-Object { [pscustomobject]@{Name=$_.Name;Status=[string]$_.Status} });' +
  '$w32=(w32tm /query /status) -join [Environment]::NewLine;' +
  '[pscustomobject]@{Firewall=$fw;Defender=$mp;Services=$svc;W32tm=$w32} | ConvertTo-Json -Depth 4 -Compress';

export interface WindowsSecurityRaw {
  firewall: Array<{ name: string; enabled: boolean | null }> | null;
  defender: { running: boolean | null; signatureUpdatedAt: string | null } | null;
  /** Service name → running. */
  services: Map<string, boolean>;
  w32tm: string;
}

export function parseWindowsSecurity(json: unknown): WindowsSecurityRaw | null {
  if (!isRecord(json)) return null;
  const fw = toArray(json.Firewall).filter(isRecord);
  const mp = isRecord(json.Defender) ? json.Defender : null;
  const services = new Map<string, boolean>();
  for (const s of toArray(json.Services).filter(isRecord)) {
    const name = str(s.Name);
    // Status is "Running" as a string, or ServiceControllerStatus 4 when serialized as the enum.
    if (name) services.set(name, s.Status === 'Running' || s.Status === 4);
  }
  return {
    firewall: fw.length ? fw.map((p) => ({ name: str(p.Name) ?? '?', enabled: bool(p.Enabled) })) : null,
    defender: mp
      ? {
          running: bool(mp.AMServiceEnabled) === false ? false : bool(mp.AntivirusEnabled) === true && bool(mp.RealTimeProtectionEnabled) !== false,
          signatureUpdatedAt: psDate(mp.SignatureUpdated ?? mp.AntivirusSignatureLastUpdated),
        }
      : null,
    services,
    w32tm: typeof json.W32tm === 'string' ? json.W32tm : '',
  };
}

// ---- collection -----------------------------------------------------------------------------

const spec = (label: string, units: string[], processes: string[]): ServiceSpec => ({ label, units, processes });
/** The Linux services the security section looks at. */
export const LINUX_SECURITY_SERVICES = {
  firewalld: spec('firewalld', ['firewalld'], ['firewalld']),
  ufw: spec('ufw', ['ufw'], []),
  nftables: spec('nftables', ['nftables'], []),
  iptables: spec('iptables', ['iptables', 'netfilter-persistent'], []),
  clamd: spec('ClamAV', ['clamav-daemon', 'clamd@scan', 'clamd'], ['clamd']),
  chrony: spec('chrony', ['chronyd', 'chrony'], ['chronyd']),
  timesyncd: spec('systemd-timesyncd', ['systemd-timesyncd'], ['systemd-timesyn']),
  ntpd: spec('ntpd', ['ntpd', 'ntp', 'ntpsec'], ['ntpd']),
  auditd: spec('auditd', ['auditd'], ['auditd']),
  rsyslog: spec('rsyslog', ['rsyslog'], ['rsyslogd']),
  syslogng: spec('syslog-ng', ['syslog-ng'], ['syslog-ng']),
  journald: spec('journald', ['systemd-journald'], ['systemd-journal']),
  sshd: spec('sshd', ['sshd', 'ssh'], ['sshd']),
} as const;
const S = LINUX_SECURITY_SERVICES;

/**
 * Judged on the path inbound traffic to the host takes: firewalld's default zone, ufw's incoming
 * policy, else the INPUT chain / input hook of the loaded rules (never FORWARD or container chains).
 */
async function linuxFirewall(runner: Runner, view: ServiceView, warnings: string[]): Promise<SecurityData['firewall']> {
  if (view.running(S.firewalld)) {
    const zone = parseKeyEquals((await runner.readFile('/etc/firewalld/firewalld.conf')) ?? '').DefaultZone ?? null;
    // The trusted zone accepts everything: firewalld runs but filters nothing that reaches the default zone.
    if (zone?.toLowerCase() === 'trusted') return { active: false, product: 'firewalld', basis: 'firewalld default zone "trusted" accepts all inbound traffic' };
    return { active: true, product: 'firewalld', basis: `firewalld running, default zone ${zone ?? 'public (not set)'}` };
  }
  const ufwConf = await runner.readFile('/etc/ufw/ufw.conf');
  if (ufwConf && parseKeyEquals(ufwConf).ENABLED?.toLowerCase() === 'yes') {
    const incoming = parseKeyEquals((await runner.readFile('/etc/default/ufw')) ?? '').DEFAULT_INPUT_POLICY?.toUpperCase() ?? 'DROP';
    return incoming === 'ACCEPT'
      ? { active: false, product: 'ufw', basis: 'ufw enabled with DEFAULT_INPUT_POLICY="ACCEPT": inbound traffic is accepted' }
      : { active: true, product: 'ufw', basis: `ufw enabled, incoming policy ${incoming}` };
  }
  // No front end: look at the rules themselves (needs root).
  let open: SecurityData['firewall'] | null = null;
  for (const [cmd, args, product] of [
    ['nft', ['list', 'ruleset'], 'nftables'],
    ['iptables', ['-S'], 'iptables'],
  ] as const) {
    const r = await runner.exec(cmd, args, { timeoutMs: 5000, maxBytes: 1024 * 1024 });
    if (r.code === 0) {
      const judged = inputFiltering(r.stdout);
      if (judged.filtered) return { active: true, product, basis: judged.basis };
      if (judged.filtered === false) open ??= { active: false, product, basis: judged.basis };
      else warnings.push(`firewall rules could not be read: ${judged.basis}`);
      // iptables-nft shows the same rules through nft; iptables-legacy only through iptables: read both.
    } else if (!r.spawnError) warnings.push(`firewall rules could not be read: ${describeFailure(`${cmd} ${args.join(' ')}`, r)}`);
  }
  if (open) return open;
  // A running unit with rules we could not read (not root): the unit alone does not say INPUT filters.
  if (view.running(S.nftables) || view.running(S.iptables))
    return { active: null, product: view.running(S.nftables) ? 'nftables' : 'iptables', basis: 'the service runs but its rules could not be read' };
  return { active: view.systemd ? false : null, product: null, basis: view.systemd ? 'no firewall service runs and no rule could be read' : null };
}

async function linuxAntimalware(runner: Runner, view: ServiceView, required: boolean): Promise<SecurityData['antimalware']> {
  if (view.running(S.clamd)) {
    const sigs = await Promise.all(['daily.cld', 'daily.cvd'].map((f) => statPath(runner, `/var/lib/clamav/${f}`)));
    const newest = Math.max(0, ...sigs.map((s) => s?.mtimeMs ?? 0));
    return { required, running: true, product: 'ClamAV', signatureUpdatedAt: epochToIso(newest) };
  }
  const procs = view.processes;
  const product = procs ? detectProductSpec(procs, 'linux') : null;
  if (product) return { required, running: true, product: product.product, signatureUpdatedAt: await signatureDate(runner, product, 'linux') };
  return { required, running: procs ? false : null, product: null, signatureUpdatedAt: null };
}

async function linuxTimeSync(runner: Runner, view: ServiceView, warnings: string[]): Promise<SecurityData['timeSync']> {
  const service = [S.chrony, S.timesyncd, S.ntpd].find((s) => view.running(s))?.label ?? null;
  if (service === 'chrony') {
    const r = await runner.exec('chronyc', ['tracking'], { timeoutMs: 5000 });
    const synced = r.code === 0 ? parseChronyTracking(r.stdout) : null;
    if (synced !== null) return { synchronized: synced, service };
    warnings.push(`chrony's state could not be read: ${describeFailure('chronyc tracking', r)}`);
  }
  const r = await runner.exec('timedatectl', ['status'], { timeoutMs: 5000 });
  const synced = r.code === 0 ? parseTimedatectl(r.stdout) : null;
  if (synced === null && service) warnings.push(`whether the clock is synchronised could not be read: ${describeFailure('timedatectl status', r)}`);
  // With systemd answering and no time service running, the clock is not being kept in sync.
  return { synchronized: synced ?? (view.systemd && !service ? false : null), service };
}

async function linuxAudit(runner: Runner, view: ServiceView): Promise<SecurityData['audit']> {
  const running = [S.auditd, S.rsyslog, S.syslogng].filter((s) => view.running(s)).map((s) => s.label);
  // journald keeps logs across reboots only when /var/log/journal exists (Storage=auto) or Storage=persistent.
  if (view.running(S.journald)) {
    const [dir, conf] = await Promise.all([statPath(runner, '/var/log/journal'), runner.readFile('/etc/systemd/journald.conf')]);
    const storage = conf ? /^\s*Storage\s*=\s*(\w+)/m.exec(conf)?.[1]?.toLowerCase() : undefined;
    if (storage === 'persistent' || (dir?.dir && storage !== 'volatile' && storage !== 'none')) running.push('journald (persistent)');
  }
  if (running.length) return { active: true, service: running.join(', ') };
  const anyKnown = [S.auditd, S.rsyslog, S.journald].some((s) => view.running(s) !== null);
  return { active: anyKnown ? false : null, service: null };
}

async function linuxSsh(runner: Runner, view: ServiceView, warnings: string[]): Promise<SecurityData['ssh']> {
  const running = view.running(S.sshd) ?? false;
  if (running) {
    const t = await runner.exec('sshd', ['-T'], { timeoutMs: 5000 });
    const eff = t.code === 0 ? parseSshdT(t.stdout) : null;
    if (eff) return { running, ...eff };
  }
  const text = await readSshdConfig(runner, '/etc/ssh/sshd_config');
  if (text === null) {
    if (running) warnings.push('sshd runs but /etc/ssh/sshd_config could not be read');
    return running ? { running, permitRootLogin: null, passwordAuthentication: null } : null;
  }
  // sshd -T could not run: what the config leaves unset is the vendor's compiled-in default.
  const vendor = vendorPermitRootLogin(await osRelease(runner));
  const settings = parseSshdConfig(text, vendor.value);
  if (running && settings.permitRootLogin === null) warnings.push(`PermitRootLogin is not set in sshd_config and sshd -T could not run; ${vendor.source}`);
  return { running, ...settings };
}

async function collectLinux(ctx: CollectContext): Promise<CollectOutcome<'security'>> {
  const { runner } = ctx;
  const warnings: string[] = [];
  const view = await serviceView(runner, Object.values(S));
  if (!view.systemd) warnings.push('systemd does not answer here: services were judged by their running processes');
  const [firewall, antimalware, timeSync, audit, ssh, accounts] = await Promise.all([
    linuxFirewall(runner, view, warnings),
    linuxAntimalware(runner, view, ctx.config.requireLinuxAntimalware),
    linuxTimeSync(runner, view, warnings),
    linuxAudit(runner, view),
    linuxSsh(runner, view, warnings),
    linuxAccounts(runner),
  ]);
  if ([firewall.active, antimalware.running, timeSync.synchronized, audit.active].every((v) => v === null) && ssh === null)
    throw new CollectError('unreadable', 'neither systemd nor the process list could be read: host security is unknown');
  const uncertain = accountFlags(accounts.problems, warnings);
  const remoteAccess = linuxRemoteAccess(view.processes);
  const logProblems: string[] = [];
  const syslog = [view.running(S.rsyslog), view.running(S.syslogng)];
  const logRetention = await linuxLogRetention(
    runner,
    { syslog: syslog.includes(true) ? true : syslog.includes(null) ? null : false, journald: view.running(S.journald), auditd: view.running(S.auditd) },
    logProblems,
  );
  for (const p of logProblems) uncertain.flag('logRetention', 'not-readable', p);
  return {
    status: 'ok',
    data: { firewall, antimalware, timeSync, audit, ssh, passwordPolicy: accounts.passwordPolicy, lockout: accounts.lockout, remoteAccess, logRetention, ...uncertain.part },
    ...(warnings.length ? { warnings } : {}),
  };
}

/** What could not be read of the account policy: flagged on the field it concerns. */
function accountFlags(problems: AccountProblem[], warnings: string[]): UncertainFields {
  const u = new UncertainFields(warnings);
  for (const p of problems) u.flag(p.field, 'not-readable', p.reason);
  return u;
}

async function collectWindows(ctx: CollectContext): Promise<CollectOutcome<'security'>> {
  const { runner } = ctx;
  const warnings: string[] = [];
  const ps = await runPowerShell(runner, WINDOWS_SECURITY_SCRIPT, 60_000);
  const raw = parseWindowsSecurity(ps.json);
  if (!raw) throw new CollectError('command-failed', `host security could not be read: ${ps.problem ?? 'unexpected JSON'}`);
  const svc = (name: string) => raw.services.get(name) ?? null;

  let firewall: SecurityData['firewall'] = { active: null, product: 'Windows Firewall' };
  if (raw.firewall) {
    const off = raw.firewall.filter((p) => p.enabled === false).map((p) => p.name);
    if (off.length) warnings.push(`Windows Firewall is off for the ${off.join(', ')} profile(s)`);
    firewall = { active: off.length ? false : raw.firewall.every((p) => p.enabled === true) ? true : null, product: 'Windows Firewall' };
  } else warnings.push('Windows Firewall profiles could not be read (Get-NetFirewallProfile needs Windows Server 2012 or later)');

  const running = [...raw.services].filter(([, up]) => up).map(([n]) => n);
  const thirdParty = detectProductSpec(running, 'windows');
  let antimalware: SecurityData['antimalware'];
  if (raw.defender?.running) antimalware = { required: true, running: true, product: 'Windows Defender', signatureUpdatedAt: raw.defender.signatureUpdatedAt };
  else if (thirdParty) antimalware = { required: true, running: true, product: thirdParty.product, signatureUpdatedAt: await signatureDate(runner, thirdParty, 'windows') };
  else antimalware = { required: true, running: false, product: raw.defender ? 'Windows Defender' : null, signatureUpdatedAt: raw.defender?.signatureUpdatedAt ?? null };

  const w32time = svc('W32Time');
  const synced = parseW32tm(raw.w32tm);
  const timeSync = { synchronized: w32time === false ? false : synced, service: w32time === null ? null : 'w32time' };
  if (synced === null && w32time) warnings.push('w32tm /query /status could not be read');

  const eventLog = svc('EventLog');
  const audit = { active: eventLog, service: eventLog === null ? null : 'EventLog' };

  let ssh: SecurityData['ssh'] = null;
  const sshd = svc('sshd');
  if (sshd !== null) {
    const text = await readSshdConfig(runner, 'C:/ProgramData/ssh/sshd_config');
    ssh = { running: sshd, ...(text === null ? { permitRootLogin: null, passwordAuthentication: null } : parseSshdConfig(text)) };
  }
  const accountsPs = await runPowerShell(runner, WINDOWS_ACCOUNTS_SCRIPT, 60_000);
  const accounts = windowsAccounts(accountsPs.json);
  if (accountsPs.problem) accounts.problems.unshift({ field: 'passwordPolicy', reason: `the local security policy could not be read: ${accountsPs.problem}` });
  const remotePs = await runPowerShell(runner, WINDOWS_REMOTE_ACCESS_SCRIPT, 60_000);
  const remote = parseWindowsRemoteAccess(remotePs.json);
  const uncertain = accountFlags(accounts.problems, warnings);
  for (const p of remote.problems) uncertain.flag('remoteAccess', 'not-readable', p);
  const auditpol = parseAuditpolCsv((await runPowerShell(runner, WINDOWS_AUDITPOL_SCRIPT, 30_000)).json);
  for (const p of auditpol.problems) uncertain.flag('auditPolicy', 'not-readable', p);
  const logsPs = await runPowerShell(runner, WINDOWS_LOG_RETENTION_SCRIPT, 60_000);
  const logs = parseWindowsLogRetention(logsPs.json);
  for (const p of logsPs.problem ? [`the event logs could not be read: ${logsPs.problem}`] : logs.problems) uncertain.flag('logRetention', 'not-readable', p);
  return {
    status: 'ok',
    data: {
      firewall,
      antimalware,
      timeSync,
      audit,
      ssh,
      passwordPolicy: accounts.passwordPolicy,
      lockout: accounts.lockout,
      remoteAccess: remote.remoteAccess,
      auditPolicy: auditpol.auditPolicy,
      logRetention: logsPs.problem ? null : logs.logRetention,
      ...uncertain.part,
    },
    ...(warnings.length ? { warnings } : {}),
  };
}

export const security: Collector<'security'> = {
  section: 'security',
  // The opt-in credential check adds up to 5 s of hashing and 3 s of probes to the default 20 s.
  timeoutMs: 30_000,
  async collect(ctx) {
    if (ctx.runner.platform === 'win32') return withCredentials(ctx, await collectWindows(ctx));
    if (ctx.runner.platform === 'linux') return withCredentials(ctx, await collectLinux(ctx));
    return { status: 'unsupported', reason: `host security is not collected on ${ctx.runner.platform}` };
  },
};
