import type { SecurityData } from '@weian/shared';
import type { Runner } from '../runner.js';
import { configLines, listDir } from './helpers/probe.js';
import { isRecord, parseKeyColon, str } from './helpers/parse.js';

/**
 * Password policy and account lockout (等保 身份鉴别 / 登录失败处理): what a local login must meet
 * and after how many failures an account locks. Every value the agent cannot read is null, never a
 * guess; where a default applies, it is the one the tool documents (and the source says so).
 */
export type PasswordPolicy = NonNullable<SecurityData['passwordPolicy']>;
export type Lockout = NonNullable<SecurityData['lockout']>;
/** What could not be read, on the field it concerns. */
export interface AccountProblem {
  field: 'passwordPolicy' | 'lockout';
  reason: string;
}

const int = (v: string | undefined): number | null => (v !== undefined && /^-?\d+$/.test(v.trim()) ? Number(v.trim()) : null);

// ---- Linux ----------------------------------------------------------------------------------

/** `/etc/login.defs`: PASS_MAX_DAYS (shadow's default 99999 means never; 0 here means "never expires"). */
export function parseLoginDefs(text: string): { maxAgeDays: number | null } {
  let max: number | null = null;
  for (const line of configLines(text)) {
    const m = /^PASS_MAX_DAYS\s+(\S+)/.exec(line);
    if (m) max = int(m[1]);
  }
  // Unset means shadow's compiled default (99999): passwords never expire.
  if (max === null) return { maxAgeDays: 0 };
  return { maxAgeDays: max < 0 || max >= 10000 ? 0 : max };
}

/** A PAM module line of a given type: its module name and `key=value` / flag arguments. */
interface PamLine {
  type: string;
  module: string;
  args: Record<string, string>;
}
export function parsePam(text: string): PamLine[] {
  const out: PamLine[] = [];
  for (const line of configLines(text)) {
    // "password requisite pam_pwquality.so try_first_pass retry=3" or with a [bracketed] control.
    const m = /^-?(auth|account|password|session)\s+(\[[^\]]*\]|\S+)\s+(\S+)\s*(.*)$/.exec(line);
    if (!m) continue;
    const args: Record<string, string> = {};
    for (const a of m[4]!.split(/\s+/).filter(Boolean)) {
      const [k, v] = a.split('=');
      args[k!.toLowerCase()] = v ?? '';
    }
    out.push({ type: m[1]!, module: m[3]!.replace(/^.*\//, ''), args });
  }
  return out;
}

/** `key = value` lines of pwquality.conf / faillock.conf. */
export function parseKeyValueConf(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of configLines(text)) {
    const m = /^([A-Za-z_]+)\s*(?:=\s*(.*))?$/.exec(line);
    if (m) out[m[1]!.toLowerCase()] = (m[2] ?? '').trim();
  }
  return out;
}

const CREDITS = ['dcredit', 'ucredit', 'lcredit', 'ocredit'] as const;

/**
 * pam_pwquality / pam_cracklib settings → minimum length and complexity. Complexity: at least 3
 * character classes required (minclass ≥ 3, or three negative credits). Positive credits let a
 * password be shorter than minlen (one character less per class used): the effective minimum is
 * minlen minus the positive credits, never below 6 (pwquality's floor).
 */
export function qualityPolicy(settings: Record<string, string>, module: 'pam_pwquality.so' | 'pam_cracklib.so'): { minLength: number | null; complexity: boolean | null; note: string } {
  // Compiled-in defaults differ by version (libpwquality 1.2 on RHEL 7: minlen 9, credits 1; ≥ 1.4: minlen 8,
  // credits 0; pam_cracklib: minlen 9, credits 1): a length resting on them is not claimed. No version
  // requires character classes by default (minclass 0, no negative credit).
  const cracklib = module === 'pam_cracklib.so';
  // Positive credits shorten the minimum by one per class used, and their default is 1 or 0 by version:
  // the length is claimed only when minlen and the four credits are all set (as 等保 baselines set them).
  const lengthSet = settings.minlen !== undefined && CREDITS.every((k) => settings[k] !== undefined);
  const minlen = int(settings.minlen ?? '');
  const credits = CREDITS.map((k) => (settings[k] === undefined ? (cracklib ? 1 : 0) : int(settings[k])));
  const minclass = settings.minclass === undefined ? 0 : int(settings.minclass);
  if (minclass === null || credits.some((c) => c === null) || (settings.minlen !== undefined && minlen === null)) return { minLength: null, complexity: null, note: `${module}: unreadable value` };
  const complexity = minclass >= 3 || credits.filter((c) => c! < 0).length >= 3;
  if (!lengthSet || minlen === null) return { minLength: null, complexity, note: `${module}: minlen or the d/u/l/o credits left at their compiled defaults, which depend on the version` };
  const positive = credits.reduce<number>((s, c) => s + Math.max(0, c!), 0);
  return { minLength: Math.max(6, minlen - positive), complexity, note: `${module} minlen=${minlen} minclass=${minclass} credits=${credits.join('/')}` };
}

/** The PAM files that hold the password and auth stacks: RHEL family (authselect) and Debian family. */
export const PAM_FILES = ['/etc/pam.d/system-auth', '/etc/pam.d/password-auth', '/etc/pam.d/common-password', '/etc/pam.d/common-auth'] as const;

export async function linuxAccounts(runner: Runner): Promise<{ passwordPolicy: PasswordPolicy | null; lockout: Lockout | null; problems: AccountProblem[] }> {
  const problems: AccountProblem[] = [];
  const [loginDefs, pwqConf, faillockConf, ...pamTexts] = await Promise.all([
    runner.readFile('/etc/login.defs'),
    runner.readFile('/etc/security/pwquality.conf'),
    runner.readFile('/etc/security/faillock.conf'),
    ...PAM_FILES.map((f) => runner.readFile(f)),
  ]);
  const pam = pamTexts.flatMap((t) => (t === null ? [] : parsePam(t)));
  if (!pamTexts.some((t) => t !== null)) {
    const reason = `none of ${PAM_FILES.join(', ')} could be read: the password and lockout policy are unknown`;
    problems.push({ field: 'passwordPolicy', reason }, { field: 'lockout', reason });
    return { passwordPolicy: null, lockout: null, problems };
  }

  // ---- password quality
  const maxAgeDays = loginDefs === null ? null : parseLoginDefs(loginDefs).maxAgeDays;
  if (loginDefs === null) problems.push({ field: 'passwordPolicy', reason: '/etc/login.defs could not be read: the maximum password age is unknown' });
  const quality = pam.find((l) => l.type === 'password' && (l.module === 'pam_pwquality.so' || l.module === 'pam_cracklib.so'));
  let minLength: number | null;
  let complexity: boolean | null;
  let source: string;
  if (quality) {
    let conf: Record<string, string> = {};
    if (quality.module === 'pam_pwquality.so') {
      // pwquality.conf, then pwquality.conf.d/*.conf in order, then the PAM line's own arguments.
      const drop = ((await listDir(runner, '/etc/security/pwquality.conf.d')) ?? []).filter((n) => n.endsWith('.conf'));
      const dropTexts = await Promise.all(drop.map((n) => runner.readFile(`/etc/security/pwquality.conf.d/${n}`)));
      for (const t of [pwqConf, ...dropTexts]) if (t) conf = { ...conf, ...parseKeyValueConf(t) };
    }
    const q = qualityPolicy({ ...conf, ...quality.args }, quality.module as 'pam_pwquality.so' | 'pam_cracklib.so');
    ({ minLength, complexity } = q);
    source = `${q.note}; login.defs`;
    if (minLength === null) problems.push({ field: 'passwordPolicy', reason: `the minimum password length could not be told: ${q.note}` });
  } else {
    // No quality module: only pam_unix's own minimum (minlen=, default 6) applies, with no class rule.
    const unix = pam.find((l) => l.type === 'password' && l.module === 'pam_unix.so');
    minLength = unix ? (unix.args.minlen === undefined ? 6 : int(unix.args.minlen)) : null;
    complexity = unix ? false : null;
    source = unix ? 'pam_unix only (no pam_pwquality/pam_cracklib); login.defs' : 'no password stack found in PAM';
    if (!unix) problems.push({ field: 'passwordPolicy', reason: 'no pam_unix, pam_pwquality or pam_cracklib password line was found: the password policy is unknown' });
  }

  // ---- lockout
  const faillock = pam.find((l) => l.type === 'auth' && l.module === 'pam_faillock.so');
  const tally = pam.find((l) => l.type === 'auth' && (l.module === 'pam_tally2.so' || l.module === 'pam_tally.so'));
  let lockout: Lockout;
  if (faillock) {
    const conf = { ...(faillockConf ? parseKeyValueConf(faillockConf) : {}), ...faillock.args };
    // faillock.conf(5): deny defaults to 3; deny=0 disables locking; unlock_time defaults to 600 s.
    const deny = conf.deny === undefined ? 3 : int(conf.deny);
    const unlock = conf.unlock_time === undefined ? 600 : int(conf.unlock_time);
    lockout = { threshold: deny, durationMinutes: unlock === null ? null : unlock === 0 ? 0 : Math.ceil(unlock / 60), source: 'pam_faillock' };
  } else if (tally) {
    // pam_tally2(8): no deny= means failures are counted but never lock.
    const deny = tally.args.deny === undefined ? 0 : int(tally.args.deny);
    const unlock = tally.args.unlock_time === undefined ? 0 : int(tally.args.unlock_time);
    lockout = { threshold: deny, durationMinutes: unlock === null ? null : Math.ceil(unlock / 60), source: tally.module.replace('.so', '') };
  } else lockout = { threshold: 0, durationMinutes: null, source: 'no pam_faillock or pam_tally2 in the auth stack: accounts never lock' };
  if (lockout.threshold === null) problems.push({ field: 'lockout', reason: `the ${lockout.source} deny= setting could not be read` });

  return { passwordPolicy: { minLength, complexity, maxAgeDays, source }, lockout, problems };
}

// ---- Windows --------------------------------------------------------------------------------

/** The local security policy (secedit export, UTF-16 file read back by PowerShell) and `net accounts`. */
export const WINDOWS_ACCOUNTS_SCRIPT =
  '$f=[IO.Path]::GetTempFileName();secedit /export /cfg $f /areas SECURITYPOLICY | Out-Null;' +
  '$s=(Get-Content $f) -join [Environment]::NewLine;Remove-Item $f;' +
  '[pscustomobject]@{Secedit=$s;NetAccounts=(net accounts) -join [Environment]::NewLine} | ConvertTo-Json -Compress';

/** secedit's [System Access] keys: locale-independent. */
export function parseSecedit(text: string): Record<string, number> {
  const out: Record<string, number> = {};
  let inAccess = false;
  for (const line of text.split(/\r?\n/)) {
    const t = line.trim();
    if (/^\[.*\]$/.test(t)) inAccess = /^\[System Access\]$/i.test(t);
    else if (inAccess) {
      const m = /^(\w+)\s*=\s*(-?\d+)\s*$/.exec(t);
      if (m) out[m[1]!] = Number(m[2]);
    }
  }
  return out;
}

/** `net accounts` in the English or Chinese locale; "Never"/"从不"/"无限制" read as 0 (never). */
export function parseNetAccounts(text: string): { minLength: number | null; maxAgeDays: number | null; threshold: number | null; durationMinutes: number | null } {
  const kv = parseKeyColon(text);
  const find = (re: RegExp) => Object.entries(kv).find(([k]) => re.test(k))?.[1];
  const value = (v: string | undefined): number | null => {
    if (v === undefined) return null;
    if (/^(never|unlimited|从不|无限制|永不)$/i.test(v.trim())) return 0;
    return int(v);
  };
  return {
    minLength: value(find(/^minimum password length|^密码长度最小值|^密码最短长度/)),
    maxAgeDays: value(find(/^maximum password age|^密码最长使用期限|^密码最长期限/)),
    threshold: value(find(/^lockout threshold|^锁定阈值/)),
    durationMinutes: value(find(/^lockout duration|^锁定持续时间/)),
  };
}

export function windowsAccounts(json: unknown): { passwordPolicy: PasswordPolicy | null; lockout: Lockout | null; problems: AccountProblem[] } {
  const problems: AccountProblem[] = [];
  const sec = isRecord(json) && typeof json.Secedit === 'string' ? parseSecedit(json.Secedit) : {};
  const net = isRecord(json) && str(json.NetAccounts) ? parseNetAccounts(json.NetAccounts as string) : null;
  const has = (k: string) => typeof sec[k] === 'number';
  if (!Object.keys(sec).length && !net) {
    const reason = 'neither secedit /export nor net accounts gave a readable password policy';
    problems.push({ field: 'passwordPolicy', reason }, { field: 'lockout', reason });
    return { passwordPolicy: null, lockout: null, problems };
  }
  // secedit: MaximumPasswordAge -1 (or 0 in net accounts' terms) means passwords never expire.
  const maxAge = has('MaximumPasswordAge') ? Math.max(0, sec.MaximumPasswordAge!) : (net?.maxAgeDays ?? null);
  const passwordPolicy: PasswordPolicy = {
    minLength: has('MinimumPasswordLength') ? sec.MinimumPasswordLength! : (net?.minLength ?? null),
    complexity: has('PasswordComplexity') ? sec.PasswordComplexity === 1 : null,
    maxAgeDays: maxAge,
    source: has('MinimumPasswordLength') ? 'secedit /export (local security policy)' : 'net accounts',
  };
  if (passwordPolicy.complexity === null) problems.push({ field: 'passwordPolicy', reason: 'whether password complexity is required could not be read (secedit /export gave no PasswordComplexity)' });
  const lockout: Lockout = {
    threshold: has('LockoutBadCount') ? sec.LockoutBadCount! : (net?.threshold ?? null),
    durationMinutes: has('LockoutDuration') ? Math.max(0, sec.LockoutDuration!) : (net?.durationMinutes ?? null),
    source: has('LockoutBadCount') ? 'secedit /export (local security policy)' : 'net accounts',
  };
  if (passwordPolicy.minLength === null) problems.push({ field: 'passwordPolicy', reason: 'the minimum password length could not be read from secedit or net accounts' });
  if (lockout.threshold === null) problems.push({ field: 'lockout', reason: 'the lockout threshold could not be read from secedit or net accounts' });
  return { passwordPolicy, lockout, problems };
}
