import { createHash } from 'node:crypto';
import type { AccountVerdict, CredentialCheckSettings } from '@weian/shared';
import { COMPUTED_SCHEMES, cryptMatches, cryptScheme } from './crypt.js';
import type { MemoStore } from './helpers/memo.js';
import type { SystemCrypt } from './systemCrypt.js';
import { accountNamePatterns, institutionPatterns, WEAK_PASSWORDS } from './weakPasswordWords.js';

/**
 * Weak local passwords (等保 身份鉴别, issue 24): each login-capable account's hash is tried against
 * the bundled dictionary, the account's own name, the institution's initials + year and the
 * region's words, in the hash's own scheme. Only the verdict comes out of here.
 *
 * The work is bounded twice: a daily CPU budget (the region's setting) and a slice per collection,
 * so a collection every 15 minutes never spends more than the slice. Progress is kept in the memo
 * (by account, stamped by a digest of the hash and the candidate list), so the next collection
 * goes on where this one stopped and an unchanged hash is never tried twice.
 */

export interface WeakPasswordDeps {
  /** Read directly, never through the runner: a capture must not hold hashes. */
  readFile(path: string): Promise<string | null>;
  /** CPU time this process has used, ms. */
  cpuMs(): number;
  /** Low priority for the rest of this (short-lived) collection process. */
  lowerPriority(): void;
  memo: MemoStore;
  now: Date;
  /** The system's crypt(3) for schemes node:crypto does not compute (yescrypt); absent: those stay unknown. */
  systemCrypt?: SystemCrypt;
}

export interface WeakPasswordOptions {
  shadowPath: string;
  passwdPath: string;
  settings: CredentialCheckSettings;
  /** CPU this collection may spend, ms (the daily budget still applies). */
  sliceMs?: number;
  /** The bundled dictionary unless given (tests give a short one where only the logic is under test). */
  dictionary?: readonly string[];
}

export interface WeakPasswordResult {
  accounts: AccountVerdict[];
  /** Set when the shadow file could not be read: nothing was tested. */
  problem: string | null;
  /** CPU spent by this call and over the day so far, ms: what `pnpm bench` prints. */
  spentMs: number;
  spentTodayMs: number;
}

const NO_LOGIN_SHELLS = /(?:^|\/)(?:nologin|false|sync|shutdown|halt)$/;

interface ShadowEntry {
  account: string;
  hash: string;
}
/** Accounts that can log in with a password: a hash that is not locked (! or *), and a login shell. */
export function loginAccounts(shadow: string, passwd: string | null): ShadowEntry[] {
  const shells = new Map<string, string>();
  for (const line of (passwd ?? '').split('\n')) {
    const f = line.split(':');
    if (f.length >= 7) shells.set(f[0]!, f[6]!.trim());
  }
  const out: ShadowEntry[] = [];
  for (const line of shadow.split('\n')) {
    const f = line.split(':');
    if (f.length < 2 || !f[0]) continue;
    const hash = f[1]!.trim();
    if (hash.startsWith('!') || hash.startsWith('*')) continue;
    const shell = shells.get(f[0]);
    if (shell !== undefined && NO_LOGIN_SHELLS.test(shell)) continue;
    out.push({ account: f[0], hash });
  }
  return out;
}

type Check = AccountVerdict['check'];
/** The candidates for one account, most likely first, each with the check it belongs to. */
export function candidates(account: string, settings: CredentialCheckSettings, now: Date, dictionary: readonly string[] = WEAK_PASSWORDS): Array<{ word: string; check: Check }> {
  const seen = new Set<string>();
  const out: Array<{ word: string; check: Check }> = [];
  const add = (words: readonly string[], check: Check) => {
    for (const word of words) {
      if (seen.has(word)) continue;
      seen.add(word);
      out.push({ word, check });
    }
  };
  add(accountNamePatterns(account), 'account-name');
  add(dictionary, 'dictionary');
  add(institutionPatterns(settings.initials, now), 'institution-pattern');
  add(settings.words, 'region-words');
  return out;
}

interface Progress {
  /** Index of the next candidate to try. */
  next: number;
  /** The check whose candidate matched, once one did. */
  found: Check | null;
}
interface Budget {
  day: string;
  spentMs: number;
}
const BUDGET_KEY = 'weak-passwords:budget';
const progressKey = (account: string) => `weak-passwords:${account}`;
const digest = (...parts: string[]) => createHash('sha256').update(parts.join('\n')).digest('hex');
/** Hashes tried between two looks at the clock and the event loop. */
const BATCH = 4;

export async function checkWeakPasswords(deps: WeakPasswordDeps, opts: WeakPasswordOptions): Promise<WeakPasswordResult> {
  const shadow = await deps.readFile(opts.shadowPath);
  if (shadow === null) return { accounts: [], problem: `${opts.shadowPath} could not be read (the agent needs root)`, spentMs: 0, spentTodayMs: 0 };
  const passwd = await deps.readFile(opts.passwdPath);
  const day = deps.now.toISOString().slice(0, 10);
  const stored = deps.memo.get(BUDGET_KEY)?.value as Budget | undefined;
  const spentBefore = stored?.day === day ? stored.spentMs : 0;
  const allowMs = Math.max(0, Math.min(opts.settings.cpuBudgetMsPerDay - spentBefore, opts.sliceMs ?? 5_000));
  deps.lowerPriority();
  const start = deps.cpuMs();
  // The system's crypt(3) runs in a child process: its CPU is added as it reports it.
  let childMs = 0;
  const spent = () => deps.cpuMs() - start + childMs;
  // Once over, the clock is not read again: every account not decided yet is `budget`.
  let over = allowMs <= 0;
  const within = () => !over && !(over = spent() >= allowMs);

  const accounts: AccountVerdict[] = [];
  for (const { account, hash } of loginAccounts(shadow, passwd)) {
    const scheme = cryptScheme(hash);
    if (hash === '') {
      accounts.push({ account, weak: true, scheme: 'none', check: 'empty-password' });
      continue;
    }
    const bySystem = !COMPUTED_SCHEMES.includes(scheme) && deps.systemCrypt !== undefined && (await deps.systemCrypt.supports(scheme));
    if (!COMPUTED_SCHEMES.includes(scheme) && !bySystem) {
      accounts.push({ account, weak: null, scheme, check: 'scheme-unsupported' });
      continue;
    }
    const list = candidates(account, opts.settings, deps.now, opts.dictionary);
    const stamp = digest(hash, ...list.map((c) => c.word));
    const hit = deps.memo.get(progressKey(account));
    const progress: Progress = hit?.stamp === stamp ? (hit.value as Progress) : { next: 0, found: null };
    while (bySystem && progress.found === null && progress.next < list.length && within()) {
      const rest = list.slice(progress.next);
      const r = await deps.systemCrypt!.tryWords(
        hash,
        rest.map((c) => c.word),
        allowMs - spent(),
      );
      childMs += r.cpuMs;
      progress.next += r.tried;
      if (r.matched !== null) progress.found = rest[r.matched]!.check;
    }
    while (!bySystem && progress.found === null && progress.next < list.length && within()) {
      for (const c of list.slice(progress.next, progress.next + BATCH)) {
        progress.next++;
        if (cryptMatches(c.word, hash)) {
          progress.found = c.check;
          break;
        }
      }
      // Let the other collectors and the heartbeat run between batches.
      await new Promise((r) => setImmediate(r));
    }
    deps.memo.set(progressKey(account), { stamp, at: deps.now.getTime(), value: progress });
    if (progress.found) accounts.push({ account, weak: true, scheme: scheme as AccountVerdict['scheme'], check: progress.found });
    else if (progress.next >= list.length) accounts.push({ account, weak: false, scheme: scheme as AccountVerdict['scheme'], check: 'dictionary' });
    else accounts.push({ account, weak: null, scheme: scheme as AccountVerdict['scheme'], check: 'budget' });
  }
  const spentMs = spent();
  deps.memo.set(BUDGET_KEY, { stamp: day, at: deps.now.getTime(), value: { day, spentMs: spentBefore + spentMs } satisfies Budget });
  return { accounts, problem: null, spentMs, spentTodayMs: spentBefore + spentMs };
}
