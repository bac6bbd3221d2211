import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CredentialCheckSettings, CredentialsData } from '@weian/shared';
import { describe, expect, it } from 'vitest';
import { liveRunner } from '../runner.js';
import { linuxCredentials } from './credentials.js';
import { crypt, cryptMatches, cryptScheme } from './crypt.js';
import type { MemoEntry } from './helpers/memo.js';
import { checkWeakPasswords, loginAccounts, type WeakPasswordDeps } from './weakPasswords.js';
import { perlCrypt, type SystemCrypt } from './systemCrypt.js';

const FIXTURES = join(import.meta.dirname, '../../testdata/credentials');
const SHADOW = join(FIXTURES, 'shadow');
const PASSWD = join(FIXTURES, 'passwd');
// The passwords build.sh hashed for the weak accounts: none may ever appear in what the agent sends.
const FIXTURE_PASSWORDS = ['root@123', 'Abc@1234', 'admin@123', 'P@ssw0rd', 'Xxrmyy@2024', 'Pacs_Vendor_9', '123456'];
const NOW = new Date('2026-12-06T08:00:00Z');

/** Deterministic deps: the fixture files, and a CPU clock that advances `msPerRead` at every look. */
function deps(memo = new Map<string, MemoEntry>(), msPerRead = 0): WeakPasswordDeps & { lowered: number } {
  let cpu = 0;
  const d = {
    lowered: 0,
    readFile: (path: string) => readFile(path, 'utf8').catch(() => null),
    cpuMs: () => (cpu += msPerRead),
    lowerPriority: () => void d.lowered++,
    memo,
    now: NOW,
  };
  return d;
}
const settings = (s: Partial<CredentialCheckSettings> = {}) => CredentialCheckSettings.parse({ enabled: true, ...s });

describe('crypt(3) against openssl passwd', () => {
  it.each(['-6', '-5', '-1'])('openssl passwd %s: the right password matches, a wrong one does not', (flag) => {
    for (const pw of ['123456', 'Abc@1234', '中文口令', 'x'.repeat(80)]) {
      const hash = execFileSync('openssl', ['passwd', flag, pw]).toString().trim();
      expect(crypt(pw, hash)).toBe(hash);
      expect(cryptMatches(`${pw}!`, hash)).toBe(false);
    }
  });
  it("Drepper's published vectors with explicit rounds", () => {
    expect(crypt('Hello world!', '$5$rounds=10000$saltstringsaltstring')).toBe('$5$rounds=10000$saltstringsaltst$3xv.VbSHBb41AL9AvLeujZkZRBAwqFMz2.opqey6IcA');
    expect(crypt('Hello world!', '$6$rounds=10000$saltstringsaltstring')).toBe(
      '$6$rounds=10000$saltstringsaltst$OW1/O6BYHV6BcXZu8QVeXbDWra3Oeqh0sbHbbMCVNSnCM/UrjmM0Dp8vOuZeHBy/YTBmSK6H9qs/y3RnOaw5v.',
    );
  });
  it('names the schemes it does not compute, and computes nothing for them', () => {
    expect(cryptScheme('$y$j9T$abc$def')).toBe('yescrypt');
    expect(cryptScheme('$2b$10$abcdefghijklmnopqrstuv')).toBe('bcrypt');
    expect(cryptMatches('123456', '$y$j9T$abc$def')).toBeNull();
  });
});

/** A shadow file of some of the fixture's accounts (the full dictionary on every SHA account costs minutes of CPU). */
async function subset(accounts: string[]): Promise<string> {
  const lines = (await readFile(SHADOW, 'utf8')).split('\n').filter((l) => accounts.includes(l.split(':')[0]!));
  const dir = await mkdtemp(join(tmpdir(), 'weian-shadow-'));
  await writeFile(join(dir, 'shadow'), lines.join('\n'));
  return join(dir, 'shadow');
}
// Where only the logic is under test: three words, one of them a fixture's password.
const SHORT = ['123456', 'Abc@1234', 'Huawei@123'];
const run = (shadowPath: string, s = settings(), d = deps(), dictionary?: string[]) =>
  checkWeakPasswords(d, { shadowPath, passwdPath: PASSWD, settings: s, sliceMs: 1e9, ...(dictionary ? { dictionary } : {}) });
const byAccount = <A extends { account: string }>(r: { accounts: A[] }): Record<string, A> => Object.fromEntries(r.accounts.map((a) => [a.account, a]));

describe('weak local passwords on the fixture shadow file', () => {
  it('login-capable accounts only: locked (!), no password (*) and no-login shells are left out', async () => {
    const names = loginAccounts(await readFile(SHADOW, 'utf8'), await readFile(PASSWD, 'utf8')).map((a) => a.account);
    expect(names).toEqual(['root', 'weak512', 'strong512', 'weak256', 'strong256', 'weakmd5', 'strongmd5', 'hisadmin', 'pacs', 'blank', 'yes']);
  });

  it('the bundled dictionary finds the weak password of each scheme and passes a strong one; yescrypt without the system crypt(3) is unknown', async () => {
    const v = byAccount(await run(await subset(['root', 'weak512', 'weak256', 'weakmd5', 'strongmd5', 'blank', 'yes', 'locked', 'daemon', 'nologin'])));
    expect(v).toEqual({
      root: { account: 'root', weak: true, scheme: 'sha512crypt', check: 'account-name' },
      weak512: { account: 'weak512', weak: true, scheme: 'sha512crypt', check: 'dictionary' },
      weak256: { account: 'weak256', weak: true, scheme: 'sha256crypt', check: 'dictionary' },
      weakmd5: { account: 'weakmd5', weak: true, scheme: 'md5crypt', check: 'dictionary' },
      strongmd5: { account: 'strongmd5', weak: false, scheme: 'md5crypt', check: 'dictionary' },
      blank: { account: 'blank', weak: true, scheme: 'none', check: 'empty-password' },
      yes: { account: 'yes', weak: null, scheme: 'yescrypt', check: 'scheme-unsupported' },
    });
  }, 120_000);

  it("strong SHA hashes pass; the region's initials and words extend the dictionary", async () => {
    const path = await subset(['strong512', 'strong256', 'hisadmin', 'pacs']);
    const plain = byAccount(await run(path, settings(), deps(), SHORT));
    expect(Object.values(plain).map((a) => a.weak)).toEqual([false, false, false, false]);
    const hinted = byAccount(await run(path, settings({ initials: ['xxrmyy'], words: ['Pacs_Vendor_9'] }), deps(), SHORT));
    expect(hinted.strong512).toEqual({ account: 'strong512', weak: false, scheme: 'sha512crypt', check: 'dictionary' });
    expect(hinted.strong256).toEqual({ account: 'strong256', weak: false, scheme: 'sha256crypt', check: 'dictionary' });
    expect(hinted.hisadmin).toMatchObject({ weak: true, check: 'institution-pattern' });
    expect(hinted.pacs).toMatchObject({ weak: true, check: 'region-words' });
  }, 120_000);

  it('runs at low priority, and stops at the budget: accounts not reached are unknown, then resumed the next day', async () => {
    const memo = new Map<string, MemoEntry>();
    const d = deps(memo, 100);
    const budget = settings({ cpuBudgetMsPerDay: 1000 });
    const first = await run(SHADOW, budget, d, SHORT);
    expect(d.lowered).toBe(1);
    expect(first.spentTodayMs).toBeGreaterThanOrEqual(1000);
    const undecided = first.accounts.filter((a) => a.check === 'budget');
    expect(undecided.length).toBeGreaterThan(0);
    expect(undecided.every((a) => a.weak === null)).toBe(true);
    // Same day: the budget is spent, nothing more is tried.
    const again = await run(SHADOW, budget, deps(memo, 100), SHORT);
    expect(again.spentMs).toBeLessThanOrEqual(100 * 2);
    expect(again.accounts.filter((a) => a.check === 'budget').length).toBe(undecided.length);
    // Following days: each goes on where the last stopped, until every account is decided.
    let days = 0;
    let last = again;
    while (last.accounts.some((a) => a.check === 'budget') && days < 30) {
      days++;
      last = await run(SHADOW, budget, { ...deps(memo, 100), now: new Date(NOW.getTime() + days * 86_400_000) }, SHORT);
    }
    expect(days).toBeGreaterThan(0);
    expect(last.accounts.find((a) => a.account === 'weak512')).toMatchObject({ weak: true });
    expect(last.accounts.find((a) => a.account === 'strong512')).toMatchObject({ weak: false });
  }, 120_000);

  it('an unreadable shadow file: nothing tested, and the reason', async () => {
    const r = await run(join(FIXTURES, 'missing'));
    expect(r.accounts).toEqual([]);
    expect(r.problem).toMatch(/could not be read/);
  });

  it('only the verdict leaves the host: no hash, salt, password or dictionary word in the section part', async () => {
    const shadow = await readFile(SHADOW, 'utf8');
    const hashes = shadow
      .split('\n')
      .map((l) => l.split(':')[1] ?? '')
      .filter((h) => h.length > 2);
    const part = await linuxCredentials(liveRunner('linux'), {
      settings: settings({ words: ['Pacs_Vendor_9'] }),
      secrets: deps(),
      shadowPath: SHADOW,
      passwdPath: PASSWD,
      sliceMs: 1e9,
      dictionary: SHORT,
      services: { targets: [], pgHbaPaths: [] },
    });
    expect(CredentialsData.safeParse(part).success).toBe(true);
    const json = JSON.stringify(part);
    for (const h of hashes) {
      expect(json).not.toContain(h);
      expect(json).not.toContain(h.split('$')[2]!);
    }
    for (const word of [...FIXTURE_PASSWORDS, ...SHORT]) expect(json.toLowerCase()).not.toContain(word.toLowerCase());
    // Each verdict has exactly the four facts it may carry.
    for (const a of part.accounts) expect(Object.keys(a).sort()).toEqual(['account', 'check', 'scheme', 'weak']);
    expect(part.accounts.filter((a) => a.weak).map((a) => a.account)).toEqual(['root', 'weak512', 'pacs', 'blank']);
  }, 120_000);
});

describe("yescrypt through the system's crypt(3) (perl, libxcrypt)", () => {
  // Real yescrypt hashes made here by the system's own crypt(3), each with a fresh salt in yescrypt's encoding
  // (22 characters of ./0-9A-Za-z: 128 bits, so the last one carries two bits and is one of ./01).
  const ALPHABET = './0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
  const yescrypt = (password: string) => {
    const salt = Array.from({ length: 21 }, () => ALPHABET[Math.floor(Math.random() * 64)]).join('') + ALPHABET[Math.floor(Math.random() * 4)];
    return execFileSync('perl', ['-e', 'my $p = <STDIN>; chomp $p; print crypt($p, $ARGV[0])', `$y$j9T$${salt}$`], { input: `${password}\n` }).toString();
  };
  const shadowOf = async (lines: Array<[string, string]>) => {
    const dir = await mkdtemp(join(tmpdir(), 'weian-yescrypt-'));
    await writeFile(join(dir, 'shadow'), lines.map(([a, h]) => `${a}:${h}:19700:0:99999:7:::\n`).join(''));
    await writeFile(join(dir, 'passwd'), lines.map(([a]) => `${a}:x:1000:1000::/home/${a}:/bin/bash\n`).join(''));
    return dir;
  };
  const withSystem = (crypt: SystemCrypt, msPerRead = 0) => ({ ...deps(new Map(), msPerRead), systemCrypt: crypt });

  it('finds the weak password and passes a strong one, perl reading the hash and the words on STDIN, never in its argv', async () => {
    const weak = yescrypt('Abc@1234');
    expect(weak).toMatch(/^\$y\$j9T\$/);
    const strong = yescrypt(`Strong-${Math.random().toString(36).slice(2)}-Pass`);
    const dir = await shadowOf([
      ['nurse', weak],
      ['doctor', strong],
    ]);
    // A perl that records what it was started with, then runs the real one.
    const log = join(dir, 'argv.log');
    const wrapper = join(dir, 'perl');
    await writeFile(wrapper, `#!/bin/sh\nprintf '%s\\n' "$@" >> '${log}'\nexec perl "$@"\n`, { mode: 0o755 });
    const r = await checkWeakPasswords(withSystem(perlCrypt(wrapper)), { shadowPath: join(dir, 'shadow'), passwdPath: join(dir, 'passwd'), settings: settings(), dictionary: SHORT, sliceMs: 60_000 });
    expect(byAccount(r)).toEqual({
      nurse: { account: 'nurse', weak: true, scheme: 'yescrypt', check: 'dictionary' },
      doctor: { account: 'doctor', weak: false, scheme: 'yescrypt', check: 'dictionary' },
    });
    // perl's own CPU is counted in the budget.
    expect(r.spentMs).toBeGreaterThan(0);
    const argv = await readFile(log, 'utf8');
    for (const secret of [weak, strong, weak.split('$')[3]!, 'Abc@1234', ...SHORT]) expect(argv).not.toContain(secret);
  }, 120_000);

  it('stops at the budget (unknown), and is unknown with the reason where the system cannot compute it', async () => {
    const dir = await shadowOf([['admin', yescrypt(`Strong-${Math.random().toString(36).slice(2)}`)]]);
    const opts = { shadowPath: join(dir, 'shadow'), passwdPath: join(dir, 'passwd'), settings: settings() };
    // A 1 ms slice: perl stops after its first word, far from the end of the bundled dictionary.
    const tight = await checkWeakPasswords(withSystem(perlCrypt()), { ...opts, sliceMs: 1 });
    expect(byAccount(tight).admin).toEqual({ account: 'admin', weak: null, scheme: 'yescrypt', check: 'budget' });
    // No perl (or a crypt(3) without yescrypt): the probe says no, and the account is unknown, never a pass.
    const none = await checkWeakPasswords(withSystem(perlCrypt(join(dir, 'no-such-perl'))), { ...opts, sliceMs: 60_000, dictionary: SHORT });
    expect(byAccount(none).admin).toEqual({ account: 'admin', weak: null, scheme: 'yescrypt', check: 'scheme-unsupported' });
  }, 120_000);
});
