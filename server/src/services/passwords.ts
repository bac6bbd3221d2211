import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

const scryptAsync = (password: string, salt: Buffer, keylen: number, opts: ScryptOptions) =>
  new Promise<Buffer>((resolve, reject) => scrypt(password, salt, keylen, opts, (e, key) => (e ? reject(e) : resolve(key))));

// N=2^15, r=8, p=1: ~60 ms on this class of machine, 32 MiB of memory per hash (OWASP's scrypt floor is 2^17 with r=8 for
// interactive logins at higher memory; 2^15 keeps a burst of logins from exhausting a 2-core server). Stored with the
// parameters so they can be raised later without breaking old hashes.
const PARAMS = { N: 1 << 15, r: 8, p: 1 };
const KEYLEN = 32;

export const PASSWORD_RULES = { min: 10, max: 256 } as const;

export function checkPasswordStrength(password: string): string | null {
  if (password.length < PASSWORD_RULES.min) return `password must have at least ${PASSWORD_RULES.min} characters`;
  if (password.length > PASSWORD_RULES.max) return `password must have at most ${PASSWORD_RULES.max} characters`;
  const classes = [/[a-z]/, /[A-Z]/, /\d/, /[^A-Za-z0-9]/].filter((r) => r.test(password)).length;
  if (classes < 3) return 'password must mix at least three of: lower case, upper case, digits, symbols';
  return null;
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scryptAsync(password, salt, KEYLEN, { ...PARAMS, maxmem: 128 * PARAMS.N * PARAMS.r * 2 });
  return `scrypt$${PARAMS.N}$${PARAMS.r}$${PARAMS.p}$${salt.toString('base64')}$${key.toString('base64')}`;
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [kind, n, r, p, salt, key] = stored.split('$');
  if (kind !== 'scrypt' || !salt || !key) return false;
  const N = Number(n);
  const opts = { N, r: Number(r), p: Number(p), maxmem: 128 * N * Number(r) * 2 };
  const expected = Buffer.from(key, 'base64');
  const got = await scryptAsync(password, Buffer.from(salt, 'base64'), expected.length, opts);
  return timingSafeEqual(got, expected);
}

/** A hash of a random password: verifying against it costs the same as a real one (no user-enumeration by timing). */
let dummy: Promise<string> | null = null;
export const dummyHash = () => (dummy ??= hashPassword(randomBytes(16).toString('hex')));
