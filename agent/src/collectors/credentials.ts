import { setPriority } from 'node:os';
import { readFile } from 'node:fs/promises';
import type { CredentialCheckSettings, CredentialsData } from '@weian/shared';
import type { Runner } from '../runner.js';
import { runnerMemo, type MemoStore } from './helpers/memo.js';
import { isRecord, str, toArray } from './helpers/parse.js';
import { runPowerShell } from './helpers/powershell.js';
import { checkServiceAuth, type ServiceAuthOptions } from './serviceAuth.js';
import type { CollectContext, CollectOutcome } from './types.js';
import { checkWeakPasswords, type WeakPasswordDeps } from './weakPasswords.js';
import { perlCrypt } from './systemCrypt.js';

/**
 * The security section's `credentials` part (issue 24, opt-in per region): weak local passwords
 * and local services without authentication. Linux tests the hashes; Windows says what it can
 * know without dumping secrets, and what it did not check.
 */

/** Live reads and clocks of the weak-password check; a replay has none (a capture never holds hashes). */
export function liveSecretDeps(memo: MemoStore, now: Date): WeakPasswordDeps {
  return {
    readFile: async (path) => readFile(path, 'utf8').catch(() => null),
    cpuMs: () => {
      const u = process.cpuUsage();
      return (u.user + u.system) / 1000;
    },
    lowerPriority: () => {
      try {
        // This collection runs in its own short-lived process (collect-process.ts): lowering it lowers nothing else.
        setPriority(19);
      } catch {
        // not permitted: the budget still bounds the work
      }
    },
    memo,
    now,
    systemCrypt: perlCrypt(),
  };
}

export interface CredentialOptions {
  settings: CredentialCheckSettings;
  /** Absent in a replay: the accounts are then not checked, and notChecked says so. */
  secrets?: WeakPasswordDeps;
  shadowPath?: string;
  passwdPath?: string;
  services?: ServiceAuthOptions;
  /** CPU this collection may spend on hashes (default 5 s: the security collector has 20 s in all). */
  sliceMs?: number;
  dictionary?: readonly string[];
}

export async function linuxCredentials(runner: Runner, opts: CredentialOptions): Promise<CredentialsData> {
  const notChecked: string[] = [];
  const [weak, svc] = await Promise.all([
    opts.secrets
      ? checkWeakPasswords(opts.secrets, {
          shadowPath: opts.shadowPath ?? '/etc/shadow',
          passwdPath: opts.passwdPath ?? '/etc/passwd',
          settings: opts.settings,
          sliceMs: opts.sliceMs,
          dictionary: opts.dictionary,
        })
      : Promise.resolve(null),
    checkServiceAuth(runner, opts.services),
  ]);
  if (!weak) notChecked.push('local account passwords were not tested: captures and replays never read password hashes');
  else if (weak.problem) notChecked.push(`local account passwords were not tested: ${weak.problem}`);
  return { accounts: weak?.accounts ?? [], windows: null, services: svc.services, notChecked: [...notChecked, ...svc.notChecked] };
}

// ---- Windows --------------------------------------------------------------------------------

export const WINDOWS_CREDENTIALS_SCRIPT =
  "$lb=(Get-ItemProperty 'HKLM:\\SYSTEM\\CurrentControlSet\\Control\\Lsa' -Name LimitBlankPasswordUse).LimitBlankPasswordUse;" +
  "$u=@(Get-WmiObject Win32_UserAccount -Filter 'LocalAccount=True' | ForEach-Object { [pscustomobject]@{Name=$_.Name;Sid=[string]$_.SID;Disabled=$_.Disabled;PasswordExpires=$_.PasswordExpires;PasswordRequired=$_.PasswordRequired} });" +
  '[pscustomobject]@{LimitBlankPasswordUse=$lb;Users=$u} | ConvertTo-Json -Depth 3 -Compress';

const WINDOWS_NOT_CHECKED = 'Windows account passwords are not tested against the dictionary: that would need the SAM hashes, which the agent does not dump';

/**
 * What the registry and the local accounts tell: blank passwords allowed (LimitBlankPasswordUse 0,
 * or an enabled account that needs no password), enabled accounts whose password never expires,
 * the built-in Administrator (RID 500) enabled.
 */
export function parseWindowsCredentials(json: unknown): NonNullable<CredentialsData['windows']> | null {
  if (!isRecord(json)) return null;
  const users = toArray(json.Users).filter(isRecord);
  const limit = typeof json.LimitBlankPasswordUse === 'number' ? json.LimitBlankPasswordUse : null;
  const enabled = users.filter((u) => u.Disabled === false);
  const noPasswordNeeded = enabled.some((u) => u.PasswordRequired === false);
  const admin = users.find((u) => /-500$/.test(str(u.Sid) ?? ''));
  return {
    blankPasswordsAllowed: limit === 0 || noPasswordNeeded ? true : limit === null ? null : false,
    neverExpire: users.length ? enabled.filter((u) => u.PasswordExpires === false).map((u) => str(u.Name) ?? '?') : null,
    adminEnabled: admin ? admin.Disabled === false : null,
  };
}

export async function windowsCredentials(runner: Runner): Promise<CredentialsData> {
  const ps = await runPowerShell(runner, WINDOWS_CREDENTIALS_SCRIPT, 30_000);
  const windows = parseWindowsCredentials(ps.json);
  const notChecked = [WINDOWS_NOT_CHECKED, 'local services without authentication are checked on Linux hosts only'];
  if (!windows) notChecked.push(`the local accounts could not be read: ${ps.problem ?? 'unexpected JSON'}`);
  return { accounts: [], windows: windows ?? { blankPasswordsAllowed: null, neverExpire: null, adminEnabled: null }, services: [], notChecked };
}

/**
 * Adds the credentials part to a security section when the region has turned the check on
 * (delivered in the agent's settings); otherwise the section is left as it is, without the part.
 */
export async function withCredentials(ctx: CollectContext, outcome: CollectOutcome<'security'>): Promise<CollectOutcome<'security'>> {
  const settings = ctx.config.settings.credentials;
  if (!settings?.enabled || outcome.status !== 'ok') return outcome;
  const { runner } = ctx;
  const credentials =
    runner.platform === 'win32'
      ? await windowsCredentials(runner)
      : await linuxCredentials(runner, { settings, ...(ctx.liveSecrets ? { secrets: liveSecretDeps(ctx.memo ?? runnerMemo(runner), ctx.now()) } : {}) });
  return { ...outcome, data: { ...outcome.data, credentials } };
}
