import { LIMITS, type PatchesData } from '@weian/shared';
import type { ExecResult, Runner } from '../runner.js';
import { memoized, runnerMemo } from './helpers/memo.js';
import { capList, clip, describeFailure, epochToIso, isRecord, lines, localTimeToIso, num, psDate, str, toArray } from './helpers/parse.js';
import { osRelease, statPath, utcOffsetMinutes } from './helpers/probe.js';
import { runPowerShell } from './helpers/powershell.js';
import { CollectError, type CollectContext, type Collector, type CollectOutcome } from './types.js';
import { UncertainFields } from './helpers/uncertain.js';
import { linuxAutoUpdate, parseWindowsAutoUpdate, WINDOWS_AUTO_UPDATE_SCRIPT, type AutoUpdate } from './autoUpdate.js';
import { compareRpm, rpmEvr } from './helpers/versions.js';

export type PendingUpdate = PatchesData['pending'][number];
type Manager = PatchesData['manager'];

/** Package-state reads cost seconds of CPU; re-read when the package database or metadata changes, or after this long. */
const PENDING_MAX_AGE_MS = 6 * 3600_000;
const latest = (a: string | null, b: string | null) => (a === null ? b : b === null ? a : a > b ? a : b);

// ---- apt ------------------------------------------------------------------------------------

/**
 * `apt-get -s upgrade`: "Inst libssl3 [3.0.15-1~deb12u1] (3.0.17-1~deb12u2 Debian-Security:12/stable-security [amd64])".
 * An update is a security update when one of the suites it comes from is a "-security" suite.
 */
export function parseAptSimulate(out: string): PendingUpdate[] {
  const updates: PendingUpdate[] = [];
  for (const line of lines(out)) {
    const m = /^Inst\s+(\S+)\s+(?:\[([^\]]*)\]\s+)?\((\S+)\s*([^)]*)\)/.exec(line);
    if (!m) continue;
    updates.push({ name: clip(m[1]!), installedVersion: m[2] ? clip(m[2]) : null, availableVersion: clip(m[3]!), security: /security/i.test(m[4]!) });
  }
  return updates;
}

/**
 * `apt-cache policy` (no package): whether any configured suite is a security suite
 * ("release v=12,o=Debian,a=stable-security,n=bookworm-security,l=Debian-Security,c=main"). UOS, Kylin
 * Desktop and Deepin publish security fixes in their ordinary suite: there, apt cannot tell them apart.
 * null when no "release" line could be read.
 */
export function parseAptPolicySecurity(out: string): boolean | null {
  const releases = lines(out).filter((l) => /^\s+release\s/.test(l));
  if (!releases.length) return null;
  return releases.some((l) => /\b[an]=[^,\s]*-security\b|\bl=[^,]*security/i.test(l));
}

/** /var/log/apt/history.log: the End-Date of the last transaction that installed or upgraded and reported no error. */
export function parseAptHistory(text: string, offsetMinutes: number): string | null {
  let last: string | null = null;
  for (const entry of text.split(/\n\s*\n/)) {
    if (!/^(Install|Upgrade):/m.test(entry) || /^Error:/m.test(entry)) continue;
    const end = /^End-Date:\s*(.+)$/m.exec(entry);
    if (end) last = latest(last, localTimeToIso(end[1]!, offsetMinutes));
  }
  return last;
}

/** /var/log/dpkg.log: "2024-05-10 02:00:03 status installed openssl:amd64 3.0.11-1~deb12u2". */
export function parseDpkgLog(text: string, offsetMinutes: number): string | null {
  let last: string | null = null;
  for (const line of lines(text)) {
    const m = /^(\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}) status installed /.exec(line);
    if (m) last = latest(last, localTimeToIso(m[1]!, offsetMinutes));
  }
  return last;
}

// ---- rpm: yum / dnf -------------------------------------------------------------------------

const RPM_ARCH = /^(.+)\.(x86_64|noarch|i[3-6]86|aarch64|ppc64le|s390x|loongarch64|loong64|mips64el|sw_64|src)$/;

/**
 * `yum check-update` / `dnf check-update`: "kernel.x86_64   3.10.0-1160.119.1.el7   updates". Long names wrap
 * onto the next line; header lines (in any language) carry no "name.arch"; the obsoletes list at the end is skipped.
 */
export function parseCheckUpdate(out: string): Array<{ name: string; availableVersion: string }> {
  const updates: Array<{ name: string; availableVersion: string }> = [];
  const ls = lines(out);
  for (let i = 0; i < ls.length; i++) {
    let line = ls[i]!;
    if (/^(Obsoleting Packages|作废的软件包|淘汰的软件包)/.test(line.trim())) break;
    if (/^\S/.test(line) && line.trim().split(/\s+/).length === 1 && RPM_ARCH.test(line.trim()) && /^\s+\S/.test(ls[i + 1] ?? '')) line = `${line.trim()} ${ls[++i]!.trim()}`;
    const cols = line.trim().split(/\s+/);
    if (!/^\S/.test(line) || cols.length !== 3) continue;
    const m = RPM_ARCH.exec(cols[0]!);
    if (!m || !/^[\d:]/.test(cols[1]!)) continue;
    updates.push({ name: m[1]!, availableVersion: cols[1]! });
  }
  return updates;
}

/** "openssl-libs-1:1.1.1k-12.el8_9.x86_64" → "openssl-libs" (strip arch, then version and release). */
export function rpmNameOf(nevra: string): string | null {
  const noArch = RPM_ARCH.exec(nevra)?.[1] ?? nevra;
  const parts = noArch.split('-');
  return parts.length >= 3 ? parts.slice(0, -2).join('-') : null;
}

/**
 * `dnf updateinfo list --security` / `yum updateinfo list security`:
 * "RHSA-2024:1234 Important/Sec. openssl-libs-1:1.1.1k-12.el8_9.x86_64" → the names of packages with a security advisory.
 * `unreadable` counts lines that are neither an advisory nor a known header (in English or Chinese): garbled output.
 */
export function parseUpdateInfo(out: string, type: RegExp = /sec/i): { names: Set<string>; unreadable: number } {
  const names = new Set<string>();
  let unreadable = 0;
  for (const line of lines(out)) {
    const t = line.trim();
    if (!t || /^(Loaded plugins|Loading mirror|\*|updateinfo list done|Last metadata|Updating Subscription|上次元数据|已加载插件|更新信息列表完成)/.test(t)) continue;
    const cols = t.split(/\s+/);
    const name = cols.length >= 3 && /[-:]/.test(cols[0]!) && type.test(cols[1]!) ? rpmNameOf(cols[cols.length - 1]!) : null;
    if (name) names.add(name);
    else unreadable++;
  }
  return { names, unreadable };
}

// %{EPOCH} (not %{EPOCHNUM}, which rpm 4.11 on CentOS 7 lacks) prints "(none)" when a package has no epoch.
export const RPM_QUERY_FORMAT = '%{NAME}\\t%{EPOCH}\\t%{VERSION}-%{RELEASE}\\t%{INSTALLTIME}\\n';
/**
 * `rpm -qa --qf '%{NAME}\t%{EPOCH}\t%{VERSION}-%{RELEASE}\t%{INSTALLTIME}\n'`: installed versions in the form
 * check-update prints (epoch when not 0) and the last install time. Of several installed versions (kernels),
 * the newest by rpm's order.
 */
export function parseRpmInstalled(out: string): { versions: Map<string, string>; lastInstalledAt: string | null } {
  const versions = new Map<string, string>();
  let lastEpoch = 0;
  for (const line of lines(out)) {
    const [name, epoch, version, time] = line.split('\t');
    if (!name || !epoch || !version || !time || !/^\d+$/.test(time.trim())) continue;
    const evr = rpmEvr(epoch, version);
    const before = versions.get(name);
    if (before === undefined || compareRpm(evr, before) > 0) versions.set(name, evr);
    lastEpoch = Math.max(lastEpoch, Number(time));
  }
  return { versions, lastInstalledAt: epochToIso(lastEpoch, 's') };
}

/**
 * `needs-restarting -r` / `dnf needs-restarting -r`: true when a reboot is needed, false when not, null when
 * the answer is not one of the two. Exit 1 alone is not enough: `dnf` without the plugin exits 1 too
 * ("No such command: needs-restarting").
 */
export function parseNeedsRestarting(r: ExecResult): boolean | null {
  if (r.spawnError || r.timedOut) return null;
  const out = `${r.stdout}\n${r.stderr}`;
  if (r.code === 1 && /Reboot is required|需要重启/i.test(out)) return true;
  if (r.code === 0 && /Reboot should not be necessary|No core libraries|无需重启|不需要重启/i.test(out)) return false;
  return null;
}

// ---- Windows --------------------------------------------------------------------------------

/** Hotfixes and the reboot-pending registry keys: quick, read every time. */
export const WINDOWS_HOTFIX_SCRIPT =
  "$h=@(Get-HotFix | ForEach-Object { [pscustomobject]@{Id=$_.HotFixID;InstalledOn=$(if ($_.InstalledOn) { $_.InstalledOn.ToUniversalTime().ToString('o') } else { $null })} });" +
  "$k='HKLM:\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion';" +
  "[pscustomobject]@{HotFixes=$h;RebootPending=(Test-Path ($k+'\\Component Based Servicing\\RebootPending')) -or (Test-Path ($k+'\\WindowsUpdate\\Auto Update\\RebootRequired'))} | ConvertTo-Json -Depth 4 -Compress";

/** The Windows Update agent's search for applicable updates (against WSUS or Microsoft Update): slow, memoized. */
// The search throws when the service is disabled or no update server answers; the script runs under
// SilentlyContinue, so it catches the error itself and prints it (with the innermost HRESULT) instead of data.
export const WINDOWS_UPDATE_SCRIPT =
  "try{$s=(New-Object -ComObject Microsoft.Update.Session).CreateUpdateSearcher();$r=$s.Search('IsInstalled=0 and IsHidden=0');" +
  '[pscustomobject]@{ResultCode=$r.ResultCode;Updates=@($r.Updates | Where-Object { $_ } | ForEach-Object { [pscustomobject]@{Title=$_.Title;KB=@($_.KBArticleIDs);Severity=$_.MsrcSeverity;Categories=@($_.Categories | ForEach-Object { $_.CategoryID })} })} | ConvertTo-Json -Depth 4 -Compress' +
  "}catch{$e=$_.Exception;while($e.InnerException){$e=$e.InnerException};[pscustomobject]@{Error=$e.Message;HResult=('0x{0:X8}' -f $e.HResult)} | ConvertTo-Json -Compress}";

/** Why a Windows Update search fails, for the HRESULTs hospitals meet (Windows Update Agent error codes). */
const WU_HRESULTS: Readonly<Record<string, string>> = {
  '0x80070422': 'the Windows Update service (wuauserv) is disabled',
  '0x8024402C': 'the update server name could not be resolved (no WSUS reachable)',
  '0x8024401C': 'the update server did not answer in time',
  '0x80072EE2': 'the connection to the update server timed out',
  '0x80072EFD': 'the update server could not be reached',
  '0x80072EE7': 'the update server name could not be resolved',
  '0x8024002E': 'access to the update server is blocked by policy',
  '0x80244022': 'the update server answered 503 (service unavailable)',
};

/** The search's failure: the script's own error report, or a result that is no answer (no result code). */
export function windowsUpdateFailure(json: unknown): string | null {
  if (!isRecord(json)) return null;
  const hr = str(json.HResult)?.toUpperCase().replace(/^0X/, '0x') ?? null;
  if ('Error' in json || hr) {
    const known = hr ? WU_HRESULTS[hr] : undefined;
    return `the Windows Update search failed${hr ? ` (HRESULT ${hr}${known ? `: ${known}` : ''})` : ''}${str(json.Error) ? `: ${clip(str(json.Error)!, 300)}` : ''}`;
  }
  const code = num(json.ResultCode);
  if (code === null) return 'the Windows Update search gave no result code: it did not run';
  // OperationResultCode: 2 succeeded, 3 succeeded with errors; anything else is not a usable answer.
  if (code !== 2 && code !== 3) return `the Windows Update search failed (result code ${code})`;
  return null;
}

/** The "Security Updates" classification: its id, not its name, which is localized ("安全更新"). */
const SECURITY_UPDATES_CATEGORY = '0fa1201d-4330-4fa8-8ae9-b877473b6441';

export function parseHotFixes(json: unknown): { ids: string[]; lastInstalledAt: string | null; rebootPending: boolean | null } | null {
  if (!isRecord(json)) return null;
  let last: string | null = null;
  const ids: string[] = [];
  for (const h of toArray(json.HotFixes)) {
    if (!isRecord(h)) continue;
    const id = str(h.Id);
    if (id) ids.push(id);
    last = latest(last, psDate(h.InstalledOn));
  }
  return { ids, lastInstalledAt: last, rebootPending: typeof json.RebootPending === 'boolean' ? json.RebootPending : null };
}

/** The search result: each update's title, KB number and whether it is classified as a security update (or carries an MSRC severity). */
export function parseWindowsUpdateSearch(json: unknown): PendingUpdate[] | null {
  if (!isRecord(json) || !('Updates' in json) || windowsUpdateFailure(json) !== null) return null;
  return (
    toArray(json.Updates)
      .filter(isRecord)
      // An entry with neither title nor KB is no update (PowerShell's rendering of an empty result), not an "unnamed" one.
      .filter((u) => str(u.Title) !== null || toArray(u.KB).some((k) => str(k) !== null))
      .map((u) => {
        const kb = toArray(u.KB).map(str).find(Boolean);
        const cats = toArray(u.Categories).map((c) => (str(c) ?? '').toLowerCase());
        return {
          name: clip(str(u.Title) ?? `KB${kb}`),
          installedVersion: null,
          availableVersion: kb ? `KB${kb}` : null,
          security: cats.includes(SECURITY_UPDATES_CATEGORY) || str(u.Severity) !== null,
        };
      })
  );
}

// ---- collection -----------------------------------------------------------------------------

interface Parts {
  manager: Manager;
  pending: PendingUpdate[];
  /** False: the host's sources do not say which updates are security fixes (see uncertain). */
  securityKnown: boolean;
  autoUpdate: AutoUpdate | null;
  uncertain: UncertainFields;
  lastPatchedAt: string | null;
  rebootRequired: boolean | null;
  rebootRequiredSince: string | null;
  warnings: string[];
}

function finish(p: Parts): CollectOutcome<'patches'> {
  if (p.pending.length > LIMITS.updates) p.uncertain.flag('pending', 'partial-list', `more than ${LIMITS.updates} pending updates: the list sent is partial`);
  const warnings = [...p.warnings];
  const securityCount = p.securityKnown ? p.pending.filter((u) => u.security).length : null;
  const data: PatchesData = {
    manager: p.manager,
    pending: capList(p.pending, LIMITS.updates, 'pending updates', warnings),
    pendingCount: p.pending.length,
    securityCount,
    lastPatchedAt: p.lastPatchedAt,
    rebootRequired: p.rebootRequired,
    rebootRequiredSince: p.rebootRequiredSince,
    autoUpdate: p.autoUpdate,
    ...p.uncertain.part,
  };
  return { status: 'ok', data, ...(warnings.length ? { warnings } : {}) };
}

const stampOf = async (runner: Runner, paths: string[]) => (await Promise.all(paths.map((p) => statPath(runner, p)))).map((s) => (s ? `${s.mtimeMs}:${s.size}` : '-')).join('|');

/** A pending-list command's output is usable when it ran to the end with its documented exit code. */
const usable = (r: ExecResult, okCodes: number[]) => !r.timedOut && !r.spawnError && r.code !== null && okCodes.includes(r.code);

async function collectApt(ctx: CollectContext): Promise<Parts> {
  const { runner } = ctx;
  const warnings: string[] = [];
  const uncertain = new UncertainFields(warnings);
  const stamp = await stampOf(runner, ['/var/lib/dpkg/status', '/var/lib/apt/lists', '/var/cache/apt/pkgcache.bin']);
  const memo = ctx.memo ?? runnerMemo(runner);
  const [sim, policy, history, reboot, offset, autoUpdate] = await Promise.all([
    memoized(
      memo,
      'apt-get -s upgrade',
      stamp,
      PENDING_MAX_AGE_MS,
      ctx.now().getTime(),
      () => runner.exec('apt-get', ['-s', 'upgrade'], { timeoutMs: 120_000 }),
      (r) => usable(r, [0]),
    ),
    memoized(
      memo,
      'apt-cache policy',
      stamp,
      PENDING_MAX_AGE_MS,
      ctx.now().getTime(),
      () => runner.exec('apt-cache', ['policy'], { timeoutMs: 60_000 }),
      (r) => usable(r, [0]),
    ),
    runner.readFile('/var/log/apt/history.log'),
    statPath(runner, '/var/run/reboot-required'),
    utcOffsetMinutes(runner),
    linuxAutoUpdate(runner, 'apt'),
  ]);
  if (!usable(sim, [0])) throw new CollectError('command-failed', `pending updates could not be listed: ${describeFailure('apt-get -s upgrade', sim)}`);
  const pending = parseAptSimulate(sim.stdout);
  if (sim.truncated) uncertain.flag('pending', 'partial-list', 'apt-get output was larger than the output cap; the pending list is partial');
  if (!pending.length && /^\d+ (upgraded|newly installed)/m.test(sim.stdout) && !/^0 upgraded/m.test(sim.stdout))
    uncertain.flag('pending', 'garbled', 'apt-get reported upgrades but no "Inst" line could be read');
  // An update from a "-security" suite proves the host has one; else the configured suites must show one.
  const securitySuite = pending.some((u) => u.security) || (usable(policy, [0]) ? parseAptPolicySecurity(policy.stdout) : null);
  const securityKnown = pending.length === 0 || securitySuite === true;
  if (!securityKnown)
    uncertain.flag(
      'pending.security',
      'no-security-classification',
      securitySuite === false
        ? 'no configured apt suite is a security suite (UOS, Kylin and Deepin publish security fixes in their ordinary suite): security updates cannot be told apart'
        : `the configured apt suites could not be read (${describeFailure('apt-cache policy', policy)}): security updates cannot be told apart`,
    );
  let lastPatchedAt = history ? parseAptHistory(history, offset) : null;
  if (!lastPatchedAt) {
    // history.log is rotated monthly; dpkg.log still knows the last install.
    const dpkg = await runner.readFile('/var/log/dpkg.log');
    lastPatchedAt = dpkg ? parseDpkgLog(dpkg, offset) : null;
    if (!lastPatchedAt) warnings.push('the time of the last patch could not be read from /var/log/apt/history.log or /var/log/dpkg.log');
  }
  return { manager: 'apt', pending, securityKnown, autoUpdate, uncertain, lastPatchedAt, rebootRequired: reboot !== null, rebootRequiredSince: reboot ? epochToIso(reboot.mtimeMs) : null, warnings };
}

/** Any advisory type: bug fixes, enhancements, security (English and Chinese dnf). */
const ANY_ADVISORY = /sec|bugfix|enhancement|newpackage|unknown|安全|缺陷|增强/i;

/** `needs-restarting -r`, else `dnf needs-restarting -r` (minimal openEuler and Kylin have dnf but not dnf-utils). */
async function rebootNeeded(runner: Runner, manager: 'dnf' | 'yum'): Promise<{ required: boolean | null; tried: string }> {
  const r = await runner.exec('needs-restarting', ['-r'], { timeoutMs: 60_000 });
  const required = parseNeedsRestarting(r);
  if (required !== null || manager !== 'dnf' || !r.spawnError) return { required, tried: describeFailure('needs-restarting -r', r) };
  const d = await runner.exec('dnf', ['needs-restarting', '-r'], { timeoutMs: 60_000 });
  return { required: parseNeedsRestarting(d), tried: `${describeFailure('needs-restarting -r', r)}; ${describeFailure('dnf needs-restarting -r', d)}` };
}

async function collectRpm(ctx: CollectContext, manager: 'dnf' | 'yum'): Promise<Parts> {
  const { runner } = ctx;
  const warnings: string[] = [];
  const uncertain = new UncertainFields(warnings);
  const stamp = await stampOf(runner, ['/var/lib/rpm/Packages', '/var/lib/rpm/rpmdb.sqlite', `/var/cache/${manager}`]);
  const now = ctx.now().getTime();
  const memo = ctx.memo ?? runnerMemo(runner);
  const slow = (args: string[], codes: number[]) =>
    memoized(
      memo,
      `${manager} ${args.join(' ')}`,
      stamp,
      PENDING_MAX_AGE_MS,
      now,
      () => runner.exec(manager, args, { timeoutMs: 120_000 }),
      (r) => usable(r, codes),
    );
  const [check, info, rpm, restart, autoUpdate] = await Promise.all([
    // check-update exits 100 when updates are available, 0 when none, 1 on error.
    slow(['check-update'], [0, 100]),
    slow(manager === 'dnf' ? ['updateinfo', 'list', '--security'] : ['updateinfo', 'list', 'security'], [0]),
    memoized(
      memo,
      'rpm -qa',
      stamp,
      PENDING_MAX_AGE_MS,
      now,
      () => runner.exec('rpm', ['-qa', '--qf', RPM_QUERY_FORMAT], { timeoutMs: 60_000 }),
      (r) => usable(r, [0]),
    ),
    rebootNeeded(runner, manager),
    linuxAutoUpdate(runner, manager),
  ]);
  if (!usable(check, [0, 100])) throw new CollectError('command-failed', `pending updates could not be listed: ${describeFailure(`${manager} check-update`, check)}`);
  const available = parseCheckUpdate(check.stdout);
  if (check.code === 100 && !available.length) uncertain.flag('pending', 'garbled', `${manager} check-update said updates are available but none could be read`);
  if (check.truncated) uncertain.flag('pending', 'partial-list', `${manager} check-update output was larger than the output cap; the pending list is partial`);
  const advisories = usable(info, [0]) ? parseUpdateInfo(info.stdout) : null;
  const security = advisories && !(advisories.unreadable && !advisories.names.size) ? advisories.names : null;
  let securityKnown = available.length === 0 || (security !== null && security.size > 0);
  if (!advisories) uncertain.flag('pending.security', 'command-failed', `security advisories could not be read: ${describeFailure(`${manager} updateinfo`, info)}`);
  else if (!security) uncertain.flag('pending.security', 'garbled', `security advisories could not be read: ${advisories.unreadable} line(s) of ${manager} updateinfo output were garbled`);
  else if (!securityKnown) {
    // No security advisory for any pending update: true only if the repositories publish advisories at all.
    const all = await slow(['updateinfo', 'list'], [0]);
    securityKnown = usable(all, [0]) && parseUpdateInfo(all.stdout, ANY_ADVISORY).names.size > 0;
    if (!securityKnown)
      uncertain.flag('pending.security', 'no-security-classification', "the repositories publish no security advisories (updateinfo), as CentOS's own do not: security updates cannot be told apart");
  }
  const installed = usable(rpm, [0]) ? parseRpmInstalled(rpm.stdout) : null;
  if (!installed) warnings.push(`installed versions could not be read: ${describeFailure('rpm -qa', rpm)}`);
  const rebootRequired = restart.required;
  if (rebootRequired === null) warnings.push(`whether a reboot is pending is unknown: ${restart.tried}`);
  const pending = available.map((u) => ({
    name: clip(u.name),
    installedVersion: installed?.versions.get(u.name) ?? null,
    availableVersion: clip(u.availableVersion),
    security: security?.has(u.name) ?? false,
  }));
  return { manager, pending, securityKnown, autoUpdate, uncertain, lastPatchedAt: installed?.lastInstalledAt ?? null, rebootRequired, rebootRequiredSince: null, warnings };
}

async function collectWindows(ctx: CollectContext): Promise<Parts> {
  const { runner } = ctx;
  const warnings: string[] = [];
  const quick = await runPowerShell(runner, WINDOWS_HOTFIX_SCRIPT, 60_000);
  const hotfixes = parseHotFixes(quick.json);
  if (!hotfixes) warnings.push(`installed hotfixes could not be read: ${quick.problem ?? 'unexpected JSON'}`);
  const stamp = hotfixes ? `${hotfixes.ids.join(',')}|${hotfixes.rebootPending}` : '-';
  const search = await memoized(
    ctx.memo ?? runnerMemo(runner),
    'windows-update-search',
    stamp,
    PENDING_MAX_AGE_MS,
    ctx.now().getTime(),
    () => runPowerShell(runner, WINDOWS_UPDATE_SCRIPT, 150_000),
    (r) => parseWindowsUpdateSearch(r.json) !== null,
  );
  const pending = parseWindowsUpdateSearch(search.json);
  if (!pending) {
    const why = search.problem ?? windowsUpdateFailure(search.json) ?? 'the Windows Update search printed no update list';
    throw new CollectError('command-failed', `pending updates could not be listed: ${why}${hotfixes ? '' : '; hotfixes could not be read either'}`);
  }
  const policy = await runPowerShell(runner, WINDOWS_AUTO_UPDATE_SCRIPT, 30_000);
  const autoUpdate = parseWindowsAutoUpdate(policy.json);
  return {
    manager: 'windows-update',
    pending,
    securityKnown: true,
    autoUpdate,
    uncertain: new UncertainFields(warnings),
    lastPatchedAt: hotfixes?.lastInstalledAt ?? null,
    rebootRequired: hotfixes?.rebootPending ?? null,
    rebootRequiredSince: null,
    warnings,
  };
}

/** Which package manager this Linux host uses: the first of the distribution's likely ones whose binary exists. */
async function linuxManager(runner: Runner): Promise<'apt' | 'dnf' | 'yum' | 'zypper' | null> {
  const os = await osRelease(runner);
  const family = [os?.id ?? '', ...(os?.idLike ?? [])];
  const order: Array<['apt' | 'dnf' | 'yum' | 'zypper', string]> = [
    ['dnf', '/usr/bin/dnf'],
    ['yum', '/usr/bin/yum'],
    ['apt', '/usr/bin/apt-get'],
    ['zypper', '/usr/bin/zypper'],
  ];
  // Kylin and UOS exist in both Debian- and RPM-based editions: os-release decides only the order.
  if (family.some((f) => f === 'debian' || f === 'ubuntu')) order.unshift(order.splice(2, 1)[0]!);
  const found = await Promise.all(order.map(([, path]) => statPath(runner, path)));
  return order[found.findIndex((s) => s !== null)]?.[0] ?? null;
}

export const patches: Collector<'patches'> = {
  section: 'patches',
  // A Windows Update search or a dnf metadata refresh can take minutes.
  timeoutMs: 180_000,
  async collect(ctx) {
    const { runner } = ctx;
    if (runner.platform === 'win32') return finish(await collectWindows(ctx));
    if (runner.platform !== 'linux') return { status: 'unsupported', reason: `patch status is not collected on ${runner.platform}` };
    const manager = await linuxManager(runner);
    if (manager === 'apt') return finish(await collectApt(ctx));
    if (manager === 'dnf' || manager === 'yum') return finish(await collectRpm(ctx, manager));
    if (manager === 'zypper') return { status: 'unsupported', reason: 'zypper (SUSE) patch status is not collected by this agent version' };
    return { status: 'unsupported', reason: 'no known package manager (apt-get, dnf, yum, zypper) was found' };
  },
};
