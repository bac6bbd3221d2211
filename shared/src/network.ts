import type { AddressScope } from './schemas/common.js';
import type { BindScope } from './schemas/sections.js';

const v4 = (a: string): number[] | null => {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(a);
  if (!m) return null;
  const parts = m.slice(1).map(Number);
  return parts.every((n) => n <= 255) ? parts : null;
};

/** Strips brackets, zone ids ("fe80::1%eth0") and IPv4-mapped prefixes ("::ffff:10.0.0.1"). */
export function normalizeAddress(address: string): string {
  let a = address.trim().replace(/^\[|\]$/g, '');
  const zone = a.indexOf('%');
  if (zone >= 0) a = a.slice(0, zone);
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(a);
  return mapped ? mapped[1]! : a.toLowerCase();
}

export function isWildcard(address: string): boolean {
  const a = normalizeAddress(address);
  return a === '0.0.0.0' || a === '::' || a === '*' || a === '';
}

/** RFC 1918/6598/4193 private, loopback, link-local, else public. Unparseable input is treated as public: the cautious answer. */
export function classifyAddress(address: string): AddressScope {
  const a = normalizeAddress(address);
  const p = v4(a);
  if (p) {
    const [x, y] = p as [number, number];
    if (x === 127) return 'loopback';
    if (x === 169 && y === 254) return 'link-local';
    if (x === 10 || (x === 172 && y >= 16 && y <= 31) || (x === 192 && y === 168) || (x === 100 && y >= 64 && y <= 127)) return 'private';
    if (x === 0) return 'private';
    return 'public';
  }
  if (a === '::1') return 'loopback';
  if (/^fe[89ab]/.test(a)) return 'link-local';
  if (/^f[cd]/.test(a)) return 'private';
  return 'public';
}

export function bindScope(address: string): BindScope {
  return isWildcard(address) ? 'wildcard' : classifyAddress(address);
}

/** Whether a socket bound to `address` is reachable on a public address of this host. */
export function publiclyExposed(address: string, hostHasPublicAddress: boolean): boolean {
  const scope = bindScope(address);
  return scope === 'public' || (scope === 'wildcard' && hostHasPublicAddress);
}
