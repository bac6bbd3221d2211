import { join } from 'node:path';
import { CredentialCheckSettings } from '@weian/shared';
import { crypt } from '../../agent/src/collectors/crypt.js';
import { perlCrypt } from '../../agent/src/collectors/systemCrypt.js';
import { candidates, checkWeakPasswords } from '../../agent/src/collectors/weakPasswords.js';
import { REPO } from '../helpers/paths.js';

/**
 * The weak-password check's cost (issue 24): CPU per dictionary word in each scheme, per account
 * tried in full with the bundled dictionary, and what the default daily budget covers; then the
 * check itself on the fixture shadow file within that budget.
 */
export interface CredentialCost {
  msPerWord: Record<'sha512crypt' | 'sha256crypt' | 'md5crypt', number>;
  /** yescrypt through the system's crypt(3) (perl, its own CPU as it reports it); null where the system cannot compute it. */
  yescryptMsPerWord: number | null;
  wordsPerAccount: number;
  budgetMsPerDay: number;
  run: { accounts: number; decided: number; spentMs: number };
}

const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

export async function weakPasswordCost(): Promise<CredentialCost> {
  const settings = CredentialCheckSettings.parse({ enabled: true });
  const words = candidates('his', settings, new Date()).map((c) => c.word);
  const perWord = (setting: string) => {
    const sample = words.slice(0, 20);
    const t = cpuMs();
    for (const w of sample) crypt(w, setting);
    return (cpuMs() - t) / sample.length;
  };
  const msPerWord = { sha512crypt: perWord('$6$benchsaltbench1'), sha256crypt: perWord('$5$benchsaltbench1'), md5crypt: perWord('$1$benchslt') };
  // yescrypt at the default cost (j9T) through perl: the whole dictionary against a hash none of it matches, perl's CPU per word.
  const system = perlCrypt();
  let yescryptMsPerWord: number | null = null;
  if (await system.supports('yescrypt')) {
    const r = await system.tryWords('$y$j9T$F5Jx5fExrKuPp53xLKQ..1$NHKFeBrkafwHC2nQzJgxGD9dPavDpuWFa9fsWu57o/.', words.slice(0, 50), 60_000);
    yescryptMsPerWord = r.cpuMs / r.tried;
  }
  const dir = join(REPO, 'agent', 'testdata', 'credentials');
  const memo = new Map();
  const r = await checkWeakPasswords(
    { readFile: async (p) => (await import('node:fs/promises')).readFile(p, 'utf8'), cpuMs, lowerPriority: () => {}, memo, now: new Date() },
    { shadowPath: join(dir, 'shadow'), passwdPath: join(dir, 'passwd'), settings, sliceMs: settings.cpuBudgetMsPerDay },
  );
  return {
    msPerWord,
    yescryptMsPerWord,
    wordsPerAccount: words.length,
    budgetMsPerDay: settings.cpuBudgetMsPerDay,
    run: { accounts: r.accounts.length, decided: r.accounts.filter((a) => a.weak !== null).length, spentMs: r.spentMs },
  };
}
