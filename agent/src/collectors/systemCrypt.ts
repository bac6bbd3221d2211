import { spawn } from 'node:child_process';
import type { CryptScheme } from './crypt.js';

/**
 * The system's own crypt(3), for the schemes node:crypto does not compute: yescrypt ($y$), the
 * default of Debian 11+, Ubuntu 22.04+ and other new distributions, is computed by libxcrypt, which
 * perl's `crypt` calls. The hash and the candidates go to perl on STDIN, never in its argv (which
 * any user can read in /proc); perl stops at the first match or when its own CPU time reaches the
 * limit it is given, and says how far it got and how much CPU it used, so the caller's daily
 * budget counts perl's work too. Perl runs at the lowest priority (nice 19).
 */

export interface SystemCrypt {
  /** Whether the system's crypt(3) computes this scheme (probed once with a made-up salt, no secret). */
  supports(scheme: CryptScheme): Promise<boolean>;
  /** Tries `words` in order against `hash`: the index of the match (null: none), how many were tried, and the CPU used (ms). */
  tryWords(hash: string, words: readonly string[], cpuLimitMs: number): Promise<{ matched: number | null; tried: number; cpuMs: number }>;
}

/** A valid yescrypt setting (its default cost, j9T) with a fixed salt: only to ask whether crypt(3) knows the scheme. */
const PROBES: Partial<Record<CryptScheme, string>> = { yescrypt: '$y$j9T$F5Jx5fExrKuPp53xLKQ..1$' };

// Bytes in, bytes compared: the candidates are UTF-8, as node's crypt() hashes them.
const TRY = `
binmode STDIN; binmode STDOUT;
my $limit = $ARGV[0] / 1000;
my $hash = <STDIN>; chomp $hash;
my ($i, $m) = (0, -1);
while (defined(my $w = <STDIN>)) {
  chomp $w;
  my $c = crypt($w, $hash);
  $i++;
  if (defined $c && $c eq $hash) { $m = $i - 1; last; }
  my @t = times; last if $t[0] + $t[1] >= $limit;
}
my @t = times;
printf "%d %d %d\\n", $m, $i, ($t[0] + $t[1]) * 1000;
`;
const PROBE = `my $c = crypt('x', $ARGV[0]); print((defined $c && substr($c, 0, 3) eq substr($ARGV[0], 0, 3)) ? 'yes' : 'no');`;

function perl(args: string[], input: string, perlPath: string): Promise<string | null> {
  return new Promise((resolve) => {
    // nice(1): the collection process is already at 19; perl is its own process and starts at the default.
    const child = spawn('nice', ['-n', '19', perlPath, ...args], { stdio: ['pipe', 'pipe', 'ignore'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', () => resolve(null));
    child.on('close', (code) => resolve(code === 0 ? out : null));
    child.stdin.on('error', () => {});
    child.stdin.end(input);
  });
}

export function perlCrypt(perlPath = 'perl'): SystemCrypt {
  const known = new Map<CryptScheme, Promise<boolean>>();
  return {
    supports(scheme) {
      const probe = PROBES[scheme];
      if (!probe) return Promise.resolve(false);
      if (!known.has(scheme))
        known.set(
          scheme,
          perl(['-e', PROBE, probe], '', perlPath).then((o) => o === 'yes'),
        );
      return known.get(scheme)!;
    },
    async tryWords(hash, words, cpuLimitMs) {
      // A word with a line break cannot be sent one per line: it is skipped (no dictionary word has one).
      const list = words.map((w) => (/[\r\n]/.test(w) ? '' : w));
      const out = await perl(['-e', TRY, String(Math.max(1, Math.floor(cpuLimitMs)))], `${hash}\n${list.join('\n')}\n`, perlPath);
      const m = out === null ? null : /^(-?\d+) (\d+) (\d+)/.exec(out);
      if (!m) throw new Error('perl crypt(3) gave no answer');
      const matched = Number(m[1]);
      return { matched: matched >= 0 && list[matched] !== '' ? matched : null, tried: Number(m[2]), cpuMs: Number(m[3]) };
    },
  };
}
