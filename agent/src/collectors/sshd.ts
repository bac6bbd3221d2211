import type { Runner } from '../runner.js';
import { configLines, listDir, type OsRelease } from './helpers/probe.js';
import { hasGlob, lines, segmentRegExp } from './helpers/parse.js';

export interface SshSettings {
  permitRootLogin: string | null;
  passwordAuthentication: boolean | null;
}

const yesNo = (v: string | undefined) => (v === undefined ? null : v.toLowerCase() === 'yes' ? true : v.toLowerCase() === 'no' ? false : null);

/** `sshd -T` (effective settings, needs root): "permitrootlogin without-password", "passwordauthentication yes". */
export function parseSshdT(out: string): SshSettings | null {
  const kv = new Map<string, string>();
  for (const line of lines(out)) {
    const m = /^([a-z0-9]+)\s+(.+)$/.exec(line.trim());
    if (m) kv.set(m[1]!, m[2]!.trim());
  }
  if (!kv.has('permitrootlogin') && !kv.has('passwordauthentication')) return null;
  return { permitRootLogin: kv.get('permitrootlogin') ?? null, passwordAuthentication: yesNo(kv.get('passwordauthentication')) };
}

/**
 * PermitRootLogin when sshd_config leaves it unset: the default compiled into the vendor's sshd, or
 * null where it is not known (then the rule is `unknown`, never a guess). Upstream OpenSSH ≥ 7.0 says
 * prohibit-password, but Red Hat patches it back to yes up to RHEL 8 (RHEL 9 follows upstream), and
 * the domestic systems built on them (Kylin V10, NeoKylin 7, openEuler, Anolis, BC-Linux) ship yes.
 */
export function vendorPermitRootLogin(os: OsRelease | null): { value: string | null; source: string } {
  if (!os) return { value: null, source: 'the distribution could not be read (/etc/os-release)' };
  const family = [os.id, ...os.idLike];
  const major = Number(/^(\d+)/.exec(os.versionId)?.[1] ?? NaN);
  const label = `${os.id} ${os.versionId}`.trim();
  if (['kylin', 'neokylin', 'openeuler', 'bclinux', 'anolis'].includes(os.id) && !family.includes('debian') && !family.includes('ubuntu'))
    return { value: 'yes', source: `${label}: the vendor's sshd permits root login by default` };
  if (['rhel', 'centos', 'ol', 'rocky', 'almalinux', 'fedora'].some((f) => family.includes(f)) && os.id !== 'fedora') {
    if (major === 7 || major === 8) return { value: 'yes', source: `${label}: Red Hat's sshd up to RHEL 8 permits root login by default` };
    if (major >= 9) return { value: 'prohibit-password', source: `${label}: RHEL 9 follows upstream OpenSSH (prohibit-password)` };
  }
  if (os.id === 'debian' || os.id === 'ubuntu') return { value: 'prohibit-password', source: `${label}: upstream OpenSSH default (prohibit-password)` };
  return { value: null, source: `${label || 'this distribution'}: its sshd's default PermitRootLogin is not known` };
}

/**
 * Settings from sshd_config text with its includes already inlined. sshd keeps the first value it
 * reads for a keyword, and a `Match` block applies only to some connections, so reading stops there.
 * An unset PermitRootLogin takes `defaultPermitRootLogin` (the vendor's, see vendorPermitRootLogin;
 * upstream OpenSSH's prohibit-password when not given, as Win32-OpenSSH); PasswordAuthentication yes.
 */
export function parseSshdConfig(text: string, defaultPermitRootLogin: string | null = 'prohibit-password'): SshSettings {
  const first = new Map<string, string>();
  for (const line of configLines(text)) {
    const m = /^(\S+)\s*(?:=\s*|\s+)(.*)$/.exec(line);
    if (!m) continue;
    const key = m[1]!.toLowerCase();
    if (key === 'match') break;
    if (!first.has(key)) first.set(key, m[2]!.trim().replace(/^"(.*)"$/, '$1'));
  }
  return { permitRootLogin: first.get('permitrootlogin')?.toLowerCase() ?? defaultPermitRootLogin, passwordAuthentication: yesNo(first.get('passwordauthentication')) ?? true };
}

/** sshd_config with every `Include` (globs in the last path segment, relative to /etc/ssh) inlined in place. */
export async function readSshdConfig(runner: Runner, path: string, depth = 0): Promise<string | null> {
  const text = await runner.readFile(path, 256 * 1024);
  if (text === null || depth > 3) return text;
  const base = path.replace(/[\\/][^\\/]*$/, '');
  const out: string[] = [];
  for (const line of lines(text)) {
    const inc = /^\s*Include\s+(.+)$/i.exec(line);
    if (!inc) {
      out.push(line);
      continue;
    }
    for (const pattern of inc[1]!.trim().split(/\s+/)) {
      const full = /^([\\/]|[A-Za-z]:)/.test(pattern) ? pattern : `${base}/${pattern}`;
      const dir = full.replace(/[\\/][^\\/]*$/, '');
      const leaf = full.slice(dir.length + 1);
      const files = hasGlob(leaf) ? ((await listDir(runner, dir)) ?? []).filter((n) => segmentRegExp(leaf).test(n)).map((n) => `${dir}/${n}`) : [full];
      for (const f of files) out.push((await readSshdConfig(runner, f, depth + 1)) ?? '');
    }
  }
  return out.join('\n');
}
