import type { SecurityData } from '@weian/shared';
import type { Runner } from '../runner.js';
import { epochToIso, isRecord, num, psDate, str, toArray } from './helpers/parse.js';
import { configLines, listDir, statPath } from './helpers/probe.js';

/**
 * How long the host keeps its logs (《网络安全法》第二十一条, issue 19): one entry per log store, with
 * what decides it where the agent can read it — the oldest retained entry, the configured time
 * bound, a size cap and whether it is reached. What cannot be read stays null, never a guess.
 */
export type LogRetention = NonNullable<SecurityData['logRetention']>;
export type LogStore = LogRetention['stores'][number];

const DAY_S = 86_400;
/** logrotate's frequencies in days (a month and a year as their mean lengths: "rotate 6 monthly" keeps six months). */
const PERIOD_DAYS: Record<string, number> = { daily: 1, weekly: 7, monthly: 30.44, yearly: 365.25 };

interface RotateRule {
  period: string | null;
  rotate: number | null;
  maxage: number | null;
  /** `size`: rotated by size alone, whatever the period. */
  bySize: boolean;
  /** `maxsize`: rotated early when larger, so the period is only an upper bound. */
  maxsize: boolean;
}

/** logrotate's directives that bear on retention, from one block of lines. */
function directives(lines: readonly string[], base: RotateRule): RotateRule {
  const r = { ...base };
  for (const l of lines) {
    const [word, arg] = l.split(/\s+/);
    if (word! in PERIOD_DAYS) r.period = word!;
    else if (word === 'rotate' && arg && /^-?\d+$/.test(arg)) r.rotate = Number(arg);
    else if (word === 'maxage' && arg && /^\d+$/.test(arg)) r.maxage = Number(arg);
    else if (word === 'size' || /^size=/.test(word!)) r.bySize = true;
    else if (word === 'maxsize') r.maxsize = true;
  }
  return r;
}

/**
 * The rule logrotate applies to each log path named in these files (logrotate.conf first: its
 * top-level directives are the defaults every block starts from). Scripts (postrotate … endscript) are skipped.
 */
export function parseLogrotate(files: readonly string[]): Map<string, RotateRule> {
  const out = new Map<string, RotateRule>();
  let defaults: RotateRule = { period: null, rotate: 0, maxage: null, bySize: false, maxsize: false };
  for (const text of files) {
    const top: string[] = [];
    let paths: string[] = [];
    let block: string[] | null = null;
    let script = false;
    for (const raw of configLines(text)) {
      if (script) {
        if (/^endscript\b/.test(raw)) script = false;
        continue;
      }
      if (block && /^(postrotate|prerotate|firstaction|lastaction|preremove)\b/.test(raw)) {
        script = true;
        continue;
      }
      const open = raw.indexOf('{');
      if (!block && open >= 0) {
        paths.push(...raw.slice(0, open).split(/\s+/).filter(Boolean));
        block = [];
        continue;
      }
      if (block) {
        if (raw.startsWith('}')) {
          const rule = directives(block, defaults);
          for (const p of paths) out.set(p.replace(/^"|"$/g, ''), rule);
          paths = [];
          block = null;
        } else block.push(raw);
        continue;
      }
      if (raw.startsWith('/')) paths.push(...raw.split(/\s+/));
      else top.push(raw);
    }
    defaults = directives(top, defaults);
  }
  return out;
}

/** Days a logrotate rule keeps: rotate × period (what is left right after a rotation), bounded by maxage; null when size decides. */
export function rotateKeepDays(r: RotateRule): number | null {
  if (r.bySize || r.period === null || r.rotate === null) return null;
  const days = Math.floor(Math.max(0, r.rotate) * PERIOD_DAYS[r.period]!);
  const kept = r.maxage === null ? days : Math.min(days, r.maxage);
  // maxsize can rotate earlier than the period: the period then only bounds it from above.
  return r.maxsize && kept > 0 ? null : kept;
}

/** systemd time spans ("1year", "6month", "180d", "2w 3d", "3600" seconds) in seconds. */
export function parseTimeSpan(s: string): number | null {
  const units: Record<string, number> = {
    s: 1,
    sec: 1,
    second: 1,
    seconds: 1,
    m: 60,
    min: 60,
    minute: 60,
    minutes: 60,
    h: 3600,
    hr: 3600,
    hour: 3600,
    hours: 3600,
    d: DAY_S,
    day: DAY_S,
    days: DAY_S,
    w: 7 * DAY_S,
    week: 7 * DAY_S,
    weeks: 7 * DAY_S,
    M: 30.44 * DAY_S,
    month: 30.44 * DAY_S,
    months: 30.44 * DAY_S,
    y: 365.25 * DAY_S,
    year: 365.25 * DAY_S,
    years: 365.25 * DAY_S,
  };
  const parts = [...s.trim().matchAll(/(\d+(?:\.\d+)?)\s*([A-Za-z]*)/g)];
  if (
    !parts.length ||
    parts
      .map((p) => p[0])
      .join('')
      .replace(/\s/g, '') !== s.replace(/\s/g, '')
  )
    return null;
  let total = 0;
  for (const [, n, unit] of parts) {
    const f = unit ? units[unit] : 1;
    if (f === undefined) return null;
    total += Number(n) * f;
  }
  return total;
}

/** "4G", "500M", "1.2G" (journald and journalctl sizes, base 1024) in bytes. */
export function parseSize(s: string): number | null {
  const m = /^(\d+(?:\.\d+)?)\s*([KMGTPE]?)i?B?$/i.exec(s.trim());
  if (!m) return null;
  return Math.round(Number(m[1]) * 1024 ** 'BKMGTPE'.indexOf((m[2] || 'B').toUpperCase()));
}

/** journald.conf and its drop-ins, later ones winning, as journald reads them ([Journal] keys only). */
export function journaldSettings(files: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const text of files) {
    let section = '';
    for (const l of configLines(text)) {
      const s = /^\[(.+)\]$/.exec(l);
      if (s) section = s[1]!;
      const kv = /^(\w+)\s*=\s*(.*)$/.exec(l);
      if (kv && section === 'Journal') out[kv[1]!] = kv[2]!.trim();
    }
  }
  return out;
}

/**
 * The oldest entry of a persistent journal, from its archived files' names: journald names each
 * "system@<seqnum id>-<head seqnum>-<head realtime>.journal", the realtime in hex microseconds.
 * null when nothing is archived yet (the oldest entry is then inside the active file).
 */
export function oldestArchivedEntry(names: readonly string[]): string | null {
  const heads = names.map((n) => /@[0-9a-f]{32}-[0-9a-f]{16}-([0-9a-f]{16})\.journal$/.exec(n)?.[1]).filter((h): h is string => h !== undefined);
  if (!heads.length) return null;
  const min = heads.map((h) => parseInt(h, 16)).reduce((a, b) => Math.min(a, b));
  return epochToIso(Math.floor(min / 1000));
}

/** "Archived and active journals take up 3.9G in the file system." (journalctl --disk-usage). */
export const parseJournalDiskUsage = (out: string): number | null => {
  const m = /take up\s+(\S+)\s/.exec(out);
  return m ? parseSize(m[1]!) : null;
};

/** The syslog files whose retention is judged: where logins and system events are written. */
export const SYSLOG_FILES = ['/var/log/secure', '/var/log/messages', '/var/log/auth.log', '/var/log/syslog'] as const;
const LOGROTATE_FILES = ['/etc/logrotate.conf', '/etc/logrotate.d/syslog', '/etc/logrotate.d/rsyslog'] as const;

async function syslogStores(runner: Runner, problems: string[]): Promise<LogStore[]> {
  const [conf, ...rest] = await Promise.all(LOGROTATE_FILES.map((f) => runner.readFile(f)));
  if (conf === null) problems.push('/etc/logrotate.conf could not be read: how long syslog files are kept is unknown');
  const rules = parseLogrotate([conf ?? '', ...rest.filter((t): t is string => t !== null)]);
  const named = SYSLOG_FILES.filter((f) => rules.has(f));
  if (!named.length) return [{ name: '/var/log', oldestEntryAt: null, keepDays: null, atSizeCap: null, neverDeletes: false, detail: `no logrotate rule names ${SYSLOG_FILES.join(', ')}` }];
  return named.map((f) => {
    const r = rules.get(f)!;
    const keepDays = rotateKeepDays(r);
    const how = r.bySize ? 'rotated by size' : `${r.period ?? 'no period'}, rotate ${r.rotate ?? '?'}${r.maxage !== null ? `, maxage ${r.maxage}` : ''}${r.maxsize ? ', maxsize' : ''}`;
    return { name: f, oldestEntryAt: null, keepDays, atSizeCap: null, neverDeletes: false, detail: `logrotate: ${how}` };
  });
}

async function journalStore(runner: Runner, syslog: boolean): Promise<LogStore | null> {
  const dropIns = ['/etc/systemd/journald.conf.d', '/run/systemd/journald.conf.d', '/usr/lib/systemd/journald.conf.d'];
  const listed = await Promise.all(dropIns.map(async (d) => ((await listDir(runner, d)) ?? []).filter((n) => n.endsWith('.conf')).map((n) => `${d}/${n}`)));
  // Drop-ins apply in file-name order across the directories (same name: /etc wins, so it is read last).
  const paths = listed.flat().sort((a, b) => a.split('/').pop()!.localeCompare(b.split('/').pop()!) || dropIns.findIndex((d) => b.startsWith(d)) - dropIns.findIndex((d) => a.startsWith(d)));
  const [main, dir, ...drops] = await Promise.all([runner.readFile('/etc/systemd/journald.conf'), statPath(runner, '/var/log/journal'), ...paths.map((p) => runner.readFile(p))]);
  const cfg = journaldSettings([main ?? '', ...drops.filter((t): t is string => t !== null)]);
  const storage = (cfg.Storage ?? 'auto').toLowerCase();
  const persistent = storage === 'persistent' || (storage === 'auto' && dir?.dir === true);
  if (!persistent) {
    // With a syslog daemon the volatile journal is only a relay; without one, nothing survives a reboot.
    return syslog
      ? null
      : {
          name: 'journald',
          oldestEntryAt: null,
          keepDays: 0,
          atSizeCap: null,
          neverDeletes: false,
          detail: `Storage=${storage}${storage === 'auto' ? ' without /var/log/journal' : ''}: the journal is lost at reboot`,
        };
  }
  const retention = cfg.MaxRetentionSec ? parseTimeSpan(cfg.MaxRetentionSec) : null;
  const cap = cfg.SystemMaxUse ? parseSize(cfg.SystemMaxUse) : null;
  const [usage, machines] = await Promise.all([runner.exec('journalctl', ['--disk-usage'], { timeoutMs: 10_000 }), listDir(runner, '/var/log/journal')]);
  const used = usage.code === 0 ? parseJournalDiskUsage(usage.stdout) : null;
  const ids = (machines ?? []).filter((n) => /^[0-9a-f]{32}$/.test(n));
  const files = (await Promise.all(ids.map((id) => listDir(runner, `/var/log/journal/${id}`, 5000)))).flat().filter((n): n is string => n !== null);
  const keepDays = retention !== null && retention > 0 ? Math.floor(retention / DAY_S) : null;
  // Without SystemMaxUse journald caps itself at 10% of the file system (at most 4G): only an explicit cap is compared.
  const atSizeCap = cap !== null && used !== null ? used >= cap * 0.9 : null;
  const detail = [
    `Storage=${storage}`,
    `MaxRetentionSec=${cfg.MaxRetentionSec ?? 'unset'}`,
    `SystemMaxUse=${cfg.SystemMaxUse ?? 'unset (10% of the file system, at most 4G)'}`,
    used !== null ? `journals use ${usage.stdout.match(/take up\s+(\S+)/)?.[1]}` : 'disk usage not read',
  ].join(', ');
  return { name: 'journald', oldestEntryAt: oldestArchivedEntry(files), keepDays, atSizeCap, neverDeletes: false, detail };
}

/** auditd.conf: rotation by size (max_log_file MB × num_logs), or keep_logs which never removes a log. */
export function auditdStore(conf: string, oldestPresent: boolean | null): LogStore {
  const kv: Record<string, string> = {};
  for (const l of configLines(conf)) {
    const m = /^(\w+)\s*=\s*(.*)$/.exec(l);
    if (m) kv[m[1]!.toLowerCase()] = m[2]!.trim();
  }
  const action = (kv.max_log_file_action ?? 'ROTATE').toUpperCase();
  const size = kv.max_log_file ?? '8';
  const n = Number(kv.num_logs ?? '5');
  const detail = `auditd.conf: max_log_file ${size} MB, num_logs ${kv.num_logs ?? '5 (default)'}, max_log_file_action ${action}`;
  if (action === 'KEEP_LOGS') return { name: 'auditd', oldestEntryAt: null, keepDays: null, atSizeCap: null, neverDeletes: true, detail };
  // ROTATE keeps num_logs files (num_logs 0 or 1: the one file is overwritten); the last of them existing means the cap is reached.
  return { name: 'auditd', oldestEntryAt: null, keepDays: null, atSizeCap: action === 'ROTATE' && n >= 2 ? oldestPresent : null, neverDeletes: false, detail };
}

/** The Linux log stores of a host whose running services are known (null: unknown, nothing is judged on it). */
export async function linuxLogRetention(runner: Runner, running: { syslog: boolean | null; journald: boolean | null; auditd: boolean | null }, problems: string[]): Promise<LogRetention | null> {
  if (running.syslog === null && running.journald === null) {
    problems.push('which logging services run could not be read: log retention is unknown');
    return null;
  }
  const stores: LogStore[] = [];
  if (running.syslog) stores.push(...(await syslogStores(runner, problems)));
  if (running.journald) {
    const j = await journalStore(runner, running.syslog === true);
    if (j) stores.push(j);
  }
  if (running.auditd) {
    const conf = await runner.readFile('/etc/audit/auditd.conf');
    if (conf === null) problems.push('/etc/audit/auditd.conf could not be read: how long the audit log is kept is unknown');
    else {
      const n = Number(/^\s*num_logs\s*=\s*(\d+)/m.exec(conf)?.[1] ?? 5);
      const last = n >= 2 ? await statPath(runner, `/var/log/audit/audit.log.${n - 1}`) : null;
      stores.push(auditdStore(conf, n >= 2 ? last !== null : null));
    }
  }
  return { stores };
}

// ---- Windows ----------------------------------------------------------------------------------

export const WINDOWS_EVENT_LOGS = ['Security', 'System', 'Application'] as const;
export const WINDOWS_LOG_RETENTION_SCRIPT =
  `$r=@(${WINDOWS_EVENT_LOGS.map((l) => `'${l}'`).join(',')} | ForEach-Object { $c=Get-WinEvent -ListLog $_ -ErrorAction SilentlyContinue;` +
  ' $o=Get-WinEvent -LogName $_ -MaxEvents 1 -Oldest -ErrorAction SilentlyContinue;' +
  " [pscustomobject]@{Name=$_;Mode=$(if ($c) { [string]$c.LogMode });MaxBytes=$(if ($c) { $c.MaximumSizeInBytes });Bytes=$(if ($c) { $c.FileSize });Oldest=$(if ($o) { $o.TimeCreated.ToUniversalTime().ToString('o') })} });" +
  ' ConvertTo-Json -InputObject $r -Depth 3 -Compress';

/**
 * Get-WinEvent -ListLog's LogMode: Circular overwrites the oldest events when the log is full;
 * AutoBackup archives the full log and starts a new one; Retain stops recording when full.
 */
export function parseWindowsLogRetention(json: unknown): { logRetention: LogRetention | null; problems: string[] } {
  const problems: string[] = [];
  const stores: LogStore[] = [];
  for (const e of toArray(json).filter(isRecord)) {
    const name = str(e.Name);
    if (!name) continue;
    const mode = str(e.Mode);
    const max = num(e.MaxBytes);
    const size = num(e.Bytes);
    const oldest = psDate(e.Oldest);
    if (!mode || !/^(Circular|AutoBackup|Retain)$/.test(mode)) {
      problems.push(`the ${name} event log's settings could not be read`);
      continue;
    }
    const mb = (n: number | null) => (n === null ? '?' : `${Math.round(n / 1048576)} MB`);
    const detail = `${mode}, maximum ${mb(max)}, file ${mb(size)}${oldest ? '' : ', oldest event not readable'}`;
    stores.push({
      name,
      oldestEntryAt: oldest,
      keepDays: null,
      atSizeCap: mode === 'Circular' && max !== null && size !== null ? size >= max * 0.95 : null,
      neverDeletes: mode !== 'Circular',
      detail,
    });
  }
  if (!stores.length) return { logRetention: null, problems: problems.length ? problems : ['the event logs could not be read (Get-WinEvent)'] };
  return { logRetention: { stores }, problems };
}
