import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * crypt(3) for the schemes Linux shadow files use, in plain node:crypto (no native binding to
 * build on every distribution): MD5-crypt ($1$), SHA-256-crypt ($5$) and SHA-512-crypt ($6$), as
 * glibc and libxcrypt compute them. yescrypt ($y$) and the others are named but not computed here:
 * yescrypt goes to the system's own crypt(3) (systemCrypt.ts) where it has one, the rest are unknown.
 */
export type CryptScheme = 'sha512crypt' | 'sha256crypt' | 'md5crypt' | 'yescrypt' | 'bcrypt' | 'descrypt' | 'other';
export const COMPUTED_SCHEMES: readonly CryptScheme[] = ['sha512crypt', 'sha256crypt', 'md5crypt'];

export function cryptScheme(hash: string): CryptScheme {
  if (hash.startsWith('$6$')) return 'sha512crypt';
  if (hash.startsWith('$5$')) return 'sha256crypt';
  if (hash.startsWith('$1$')) return 'md5crypt';
  if (hash.startsWith('$y$') || hash.startsWith('$7$')) return 'yescrypt';
  if (/^\$2[abxy]\$/.test(hash)) return 'bcrypt';
  if (/^[./0-9A-Za-z]{13}$/.test(hash)) return 'descrypt';
  return 'other';
}

const ITOA64 = './0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
/** crypt's base-64: 24 bits at a time, least significant 6 bits first. */
function encode(bytes: Buffer, groups: readonly (readonly number[])[], tail: { idx: readonly number[]; chars: number }): string {
  let out = '';
  const put = (b2: number, b1: number, b0: number, n: number) => {
    let w = (b2 << 16) | (b1 << 8) | b0;
    for (let i = 0; i < n; i++, w >>= 6) out += ITOA64[w & 0x3f];
  };
  for (const [a, b, c] of groups) put(bytes[a!]!, bytes[b!]!, bytes[c!]!, 4);
  const t = tail.idx.map((i) => (i < 0 ? 0 : bytes[i]!));
  put(t[0]!, t[1]!, t[2]!, tail.chars);
  return out;
}

// glibc's byte orders: group i takes bytes i, i+n, i+2n (n = 21 or 10), rotated by i mod 3.
const rotated = (count: number, n: number, dir: 1 | -1) =>
  Array.from({ length: count }, (_, i) => {
    const base = [i, i + n, i + 2 * n];
    const r = (((dir * i) % 3) + 3) % 3;
    return [...base.slice(3 - r), ...base.slice(0, 3 - r)];
  });
const SHA512_ORDER = { groups: rotated(21, 21, -1), tail: { idx: [-1, -1, 63], chars: 2 } };
const SHA256_ORDER = { groups: rotated(10, 10, 1), tail: { idx: [-1, 31, 30], chars: 3 } };
const MD5_ORDER = {
  groups: [
    [0, 6, 12],
    [1, 7, 13],
    [2, 8, 14],
    [3, 9, 15],
    [4, 10, 5],
  ],
  tail: { idx: [-1, -1, 11], chars: 2 },
};

/** `len` bytes of `block` repeated. */
const repeat = (block: Buffer, len: number) => Buffer.concat(Array.from({ length: Math.ceil(len / block.length) }, () => block)).subarray(0, len);

function shaCrypt(alg: 'sha256' | 'sha512', key: Buffer, setting: string): string | null {
  const prefix = alg === 'sha512' ? '$6$' : '$5$';
  const m = /^\$[56]\$(?:rounds=(\d+)\$)?([^$]{0,16})/.exec(setting);
  if (!m) return null;
  const explicit = m[1] !== undefined;
  const rounds = explicit ? Math.min(999_999_999, Math.max(1000, Number(m[1]))) : 5000;
  const salt = Buffer.from(m[2]!, 'utf8');
  const H = (...parts: Buffer[]) => {
    const h = createHash(alg);
    for (const p of parts) h.update(p);
    return h.digest();
  };
  const size = alg === 'sha512' ? 64 : 32;
  const b = H(key, salt, key);
  const a = createHash(alg).update(key).update(salt).update(repeat(b, key.length));
  for (let n = key.length; n > 0; n >>= 1) a.update(n & 1 ? b : key);
  let c = a.digest();
  const p = repeat(H(...Array.from({ length: key.length }, () => key)), key.length);
  const s = repeat(H(...Array.from({ length: 16 + c[0]! }, () => salt)), salt.length);
  // The hot loop (5,000 rounds by default): one buffer per round shape, C copied in, one digest each.
  const shapes = new Map<number, { buf: Buffer; at: number[] }>();
  for (let i = 0; i < rounds; i++) {
    const shape = (i & 1) | (i % 3 ? 2 : 0) | (i % 7 ? 4 : 0);
    let sh = shapes.get(shape);
    if (!sh) {
      const parts: Array<Buffer | null> = [i & 1 ? p : null];
      if (i % 3) parts.push(s);
      if (i % 7) parts.push(p);
      parts.push(i & 1 ? null : p);
      const at: number[] = [];
      let len = 0;
      for (const part of parts) {
        if (part === null) at.push(len);
        len += part === null ? size : part.length;
      }
      const buf = Buffer.alloc(len);
      let o = 0;
      for (const part of parts) o += part === null ? size : part.copy(buf, o);
      shapes.set(shape, (sh = { buf, at }));
    }
    c.copy(sh.buf, sh.at[0]!);
    c = createHash(alg).update(sh.buf).digest();
  }
  if (c.length !== size) return null;
  const order = alg === 'sha512' ? SHA512_ORDER : SHA256_ORDER;
  return `${prefix}${explicit ? `rounds=${rounds}$` : ''}${m[2]}$${encode(c, order.groups, order.tail)}`;
}

function md5Crypt(key: Buffer, setting: string): string | null {
  const m = /^\$1\$([^$]{0,8})/.exec(setting);
  if (!m) return null;
  const salt = Buffer.from(m[1]!, 'utf8');
  const md5 = (...parts: Buffer[]) => parts.reduce((h, part) => h.update(part), createHash('md5')).digest();
  let fin = md5(key, salt, key);
  const ctx = createHash('md5').update(key).update('$1$').update(salt);
  for (let pl = key.length; pl > 0; pl -= 16) ctx.update(fin.subarray(0, Math.min(pl, 16)));
  for (let i = key.length; i; i >>= 1) ctx.update(i & 1 ? Buffer.from([0]) : key.subarray(0, 1));
  fin = ctx.digest();
  for (let i = 0; i < 1000; i++) {
    const h = createHash('md5');
    h.update(i & 1 ? key : fin);
    if (i % 3) h.update(salt);
    if (i % 7) h.update(key);
    h.update(i & 1 ? fin : key);
    fin = h.digest();
  }
  return `$1$${m[1]}$${encode(fin, MD5_ORDER.groups, MD5_ORDER.tail)}`;
}

/** The crypt(3) string of `password` under `setting` (a full hash or its salt part); null for schemes not computed here. */
export function crypt(password: string, setting: string): string | null {
  const key = Buffer.from(password, 'utf8');
  switch (cryptScheme(setting)) {
    case 'sha512crypt':
      return shaCrypt('sha512', key, setting);
    case 'sha256crypt':
      return shaCrypt('sha256', key, setting);
    case 'md5crypt':
      return md5Crypt(key, setting);
    default:
      return null;
  }
}

/** Whether `password` produces `hash`; null when the hash's scheme is not computed here. */
export function cryptMatches(password: string, hash: string): boolean | null {
  const computed = crypt(password, hash);
  if (computed === null) return null;
  const a = Buffer.from(computed);
  const b = Buffer.from(hash);
  return a.length === b.length && timingSafeEqual(a, b);
}
