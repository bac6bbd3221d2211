import { z } from 'zod';
import { DATABASE_PORTS, HIGH_RISK_PORTS, PLAINTEXT_PORTS, REMOTE_MANAGEMENT_PORTS } from './wellKnownPorts.js';

/**
 * Exposure seen from outside (资产测绘, issue 24): what a region registers as an institution's public
 * addresses, how a scanner's observation is made safe to store, which outside-in rule it meets, and
 * how a fingerprint seen from outside names the host behind a port mapping. Pure functions.
 */

// ---- registered targets ---------------------------------------------------------------------
/** An address or a CIDR range, IPv4 (first/last as numbers) or IPv6 (as bigints: 128 bits). */
export type IpTarget = { kind: 'ip' | 'range'; family: 4; value: string; first: number; last: number } | { kind: 'ip' | 'range'; family: 6; value: string; first: bigint; last: bigint };
export type PublicTarget = IpTarget | { kind: 'domain'; value: string };
/** A range may hold at most this many addresses (an IPv4 /20, an IPv6 /116): a scanner's round stays bounded. */
export const MAX_RANGE_ADDRESSES = 4096;

/** The shared package runs in the browser too: no node:net here. */
const isV4 = (a: string) => /^\d{1,3}(\.\d{1,3}){3}$/.test(a) && a.split('.').every((o) => Number(o) <= 255);
const v4ToInt = (a: string) => a.split('.').reduce((n, o) => n * 256 + Number(o), 0);
export const intToV4 = (n: number) => [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.');

/** An IPv6 address (with "::" and a trailing dotted IPv4 allowed) as a 128-bit integer; null when it is none. */
function v6ToBig(a: string): bigint | null {
  if (!/^[0-9a-f:.]+$/.test(a) || a.split('::').length > 2) return null;
  let text = a;
  const dotted = /^(.*:)(\d{1,3}(?:\.\d{1,3}){3})$/.exec(a);
  if (dotted) {
    if (!isV4(dotted[2]!)) return null;
    const n = v4ToInt(dotted[2]!);
    text = `${dotted[1]}${(n >>> 16).toString(16)}:${(n & 0xffff).toString(16)}`;
  }
  const [head, tail] = text.split('::') as [string, string | undefined];
  const part = (s: string) => (s === '' ? [] : s.split(':'));
  const h = part(head);
  const t = tail === undefined ? [] : part(tail);
  const groups = tail === undefined ? h : [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
  if (groups.length !== 8 || (tail !== undefined && h.length + t.length > 7) || !groups.every((g) => /^[0-9a-f]{1,4}$/.test(g))) return null;
  return groups.reduce((n, g) => (n << 16n) | BigInt(parseInt(g, 16)), 0n);
}
/** RFC 5952 text: lowercase, no leading zeros, the longest run of two or more zero groups as "::". */
export function bigToV6(n: bigint): string {
  const g = Array.from({ length: 8 }, (_, i) => Number((n >> BigInt(112 - 16 * i)) & 0xffffn));
  let best = { at: -1, len: 1 };
  for (let i = 0; i < 8;) {
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > best.len) best = { at: i, len: j - i };
    i = j === i ? i + 1 : j;
  }
  const hex = g.map((x) => x.toString(16));
  if (best.at < 0) return hex.join(':');
  return `${hex.slice(0, best.at).join(':')}::${hex.slice(best.at + best.len).join(':')}`;
}

/**
 * The documentation ranges of RFC 5737 (TEST-NET-1/2/3), RFC 3849 (2001:db8::/32) and RFC 9637 (3fff::/20): never routed on
 * the Internet, so refused as public unless the caller says so explicitly (a lab or training install,
 * and the network-namespace test, which gives its listeners such addresses so that no real host is ever touched).
 */
export const DOCUMENTATION_RANGES = ['192.0.2.0/24', '198.51.100.0/24', '203.0.113.0/24', '2001:db8::/32', '3fff::/20'] as const;
export interface PublicTargetOptions {
  /** Accept the documentation ranges as public (server WEIAN_DOCUMENTATION_TARGETS, scanner --documentation-targets). */
  documentation?: boolean;
}

const V4_BLOCKS: Array<[string, number, string]> = [
  ['0.0.0.0', 8, 'this-network'],
  ['10.0.0.0', 8, 'private (RFC 1918)'],
  ['100.64.0.0', 10, 'carrier-grade NAT (RFC 6598)'],
  ['127.0.0.0', 8, 'loopback'],
  ['169.254.0.0', 16, 'link-local'],
  ['172.16.0.0', 12, 'private (RFC 1918)'],
  ['192.0.2.0', 24, 'documentation'],
  ['192.168.0.0', 16, 'private (RFC 1918)'],
  ['198.18.0.0', 15, 'benchmarking'],
  ['198.51.100.0', 24, 'documentation'],
  ['203.0.113.0', 24, 'documentation'],
  ['224.0.0.0', 4, 'multicast'],
  ['240.0.0.0', 4, 'reserved'],
];
// Only global unicast (2000::/3) is public; inside it, the blocks that are not routed to one host.
const V6_BLOCKS: Array<[string, number, string]> = [
  ['::', 128, 'unspecified'],
  ['::1', 128, 'loopback'],
  ['::ffff:0:0', 96, 'IPv4-mapped'],
  ['fc00::', 7, 'unique local (ULA)'],
  ['fe80::', 10, 'link-local'],
  ['ff00::', 8, 'multicast'],
  ['2001::', 32, 'Teredo'],
  ['2001:db8::', 32, 'documentation'],
  ['3fff::', 20, 'documentation'],
];
const GLOBAL_UNICAST = { first: 0x2n << 124n, last: (0x4n << 124n) - 1n };

/** Not reachable from the Internet, or not an address at all: never registered as public. */
function notPublicReason(t: IpTarget, opts: PublicTargetOptions): string | null {
  const six = t.family === 6;
  const first = BigInt(t.first);
  const last = BigInt(t.last);
  const hit = (six ? V6_BLOCKS : V4_BLOCKS).find(([base, bits, why]) => {
    const size = 1n << BigInt((six ? 128 : 32) - bits);
    const b = six ? v6ToBig(base)! : BigInt(v4ToInt(base));
    return first < b + size && last >= b && !(why === 'documentation' && opts.documentation);
  });
  if (hit) return hit[2];
  return six && (first < GLOBAL_UNICAST.first || last > GLOBAL_UNICAST.last) ? 'not global unicast (2000::/3)' : null;
}

const DOMAIN = /^(?=.{4,253}$)(?:(?!-)[a-z0-9-]{1,63}(?<!-)\.)+(?:[a-z]{2,63}|xn--[a-z0-9-]{2,59})$/;

/** An address or CIDR range as written, without judging whether it is public; null when it is neither (a domain, or malformed). */
export function parseIpTarget(input: string): IpTarget | null {
  const value = input.trim().toLowerCase();
  const slash = value.indexOf('/');
  const addr = slash < 0 ? value : value.slice(0, slash);
  const bitsText = slash < 0 ? null : value.slice(slash + 1);
  if (bitsText !== null && !/^\d{1,3}$/.test(bitsText)) return null;
  if (isV4(addr)) {
    const bits = bitsText === null ? 32 : Number(bitsText);
    if (bits > 32) return null;
    const size = 2 ** (32 - bits);
    const first = Math.floor(v4ToInt(addr) / size) * size;
    return bitsText === null ? { kind: 'ip', family: 4, value: addr, first, last: first } : { kind: 'range', family: 4, value: `${intToV4(first)}/${bits}`, first, last: first + size - 1 };
  }
  const n = addr.includes(':') ? v6ToBig(addr) : null;
  if (n === null) return null;
  const bits = bitsText === null ? 128 : Number(bitsText);
  if (bits > 128) return null;
  const size = 1n << BigInt(128 - bits);
  const first = (n / size) * size;
  return bitsText === null ? { kind: 'ip', family: 6, value: bigToV6(n), first: n, last: n } : { kind: 'range', family: 6, value: `${bigToV6(first)}/${bits}`, first, last: first + size - 1n };
}

/** One registered entry: an IPv4 or IPv6 address, a CIDR range (at most 4096 addresses), or a domain name. Throws with the reason. */
export function parsePublicTarget(input: string, opts: PublicTargetOptions = {}): PublicTarget {
  const value = input.trim().toLowerCase().replace(/\.$/, '');
  const ip = parseIpTarget(value);
  if (ip) {
    const size = BigInt(ip.last) - BigInt(ip.first) + 1n;
    if (size > BigInt(MAX_RANGE_ADDRESSES)) throw new Error(`${input}: a range may hold at most ${MAX_RANGE_ADDRESSES} addresses (${ip.family === 4 ? '/20' : '/116'} or narrower)`);
    const why = notPublicReason(ip, opts);
    if (why) throw new Error(ip.kind === 'range' ? `${input}: ${why} addresses are not public` : `${input}: ${why} address, not public`);
    return ip;
  }
  if (/^[\d./]+$/.test(value)) throw new Error(`${input}: not a valid IPv4 address or range`);
  if (value.includes(':')) throw new Error(`${input}: not a valid IPv6 address or range`);
  if (!DOMAIN.test(value)) throw new Error(`${input}: not a valid domain name`);
  return { kind: 'domain', value };
}

/** Whether two registered targets cover the same address or name (an IPv4 and an IPv6 entry never do). */
export function targetsOverlap(a: PublicTarget, b: PublicTarget): boolean {
  if (a.kind === 'domain' || b.kind === 'domain') return a.kind === b.kind && a.value === b.value;
  return a.family === b.family && BigInt(a.first) <= BigInt(b.last) && BigInt(b.first) <= BigInt(a.last);
}

/** The first entry of another institution that `target` overlaps, or null. */
export function overlapWith<T extends { institutionCode: string; target: PublicTarget }>(target: PublicTarget, institutionCode: string, registered: readonly T[]): T | null {
  return registered.find((r) => r.institutionCode !== institutionCode && targetsOverlap(r.target, target)) ?? null;
}

/** The registered entry (by its stored value) an address falls in, IPv4 or IPv6, or null (a domain entry holds no address of its own). */
export function targetHolding<T>(targets: readonly T[], address: string, valueOf: (t: T) => string): T | null {
  const a = parseIpTarget(address);
  if (!a || a.kind !== 'ip') return null;
  return (
    targets.find((t) => {
      const r = parseIpTarget(valueOf(t));
      return r !== null && r.family === a.family && BigInt(r.first) <= BigInt(a.first) && BigInt(a.first) <= BigInt(r.last);
    }) ?? null
  );
}

/** The addresses of IP targets, in order (domains are resolved by the scanner). */
export function targetAddresses(t: PublicTarget): string[] {
  if (t.kind === 'domain') return [];
  if (t.family === 4) return Array.from({ length: t.last - t.first + 1 }, (_, i) => intToV4(t.first + i));
  return Array.from({ length: Number(t.last - t.first) + 1 }, (_, i) => bigToV6(t.first + BigInt(i)));
}

/** "address:port", with an IPv6 address in brackets: the one way an open port is named (and its exposure's id). */
export const endpointOf = (address: string, port: number) => (address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`);

// ---- observations ---------------------------------------------------------------------------
/** At most this much of a banner or title is kept. */
export const MAX_BANNER_CHARS = 256;

/**
 * A banner as stored and shown: at most `max` characters of the first bytes, terminal escape
 * sequences removed whole (not just their ESC, which would leave "[31m" behind), other control
 * characters (NUL, line breaks) replaced by a space, runs of spaces collapsed.
 */
export function sanitizeBanner(raw: Buffer | string, max = MAX_BANNER_CHARS): string {
  const text = typeof raw === 'string' ? raw.slice(0, max * 4) : raw.subarray(0, max * 4).toString('utf8');
  return text
    .replace(/\u001b(?:\[[0-?]*[ -/]*[@-~]|\][^\u0007\u001b]*(?:\u0007|\u001b\\)?|[0-~])/g, '')
    .replace(/[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028\u2029\ufffd]/g, ' ')
    .replace(/ {2,}/g, ' ')
    .trim()
    .slice(0, max);
}

export const EXT_RULE_IDS = ['EXT-REMOTE-ADMIN', 'EXT-DATABASE', 'EXT-PORT-RISKY', 'EXT-PLAINTEXT'] as const;
export type ExtRuleId = (typeof EXT_RULE_IDS)[number];

export interface Observation {
  address: string;
  /** The registered domain name this address was resolved from; null for an address or range entry. */
  domain?: string | null;
  port: number;
  /** Server-first banner (SSH, FTP, SMTP…), sanitized. */
  banner: string | null;
  /** SHA-256 of the TLS certificate (DER), lowercase hex, when the port spoke TLS. */
  tlsSha256: string | null;
  /** SHA256 fingerprint of the SSH host key as ssh-keygen prints it ("SHA256:…"), when the port spoke SSH. */
  sshHostKey: string | null;
  /** HTTP <title> or status, sanitized, when the port spoke HTTP. */
  httpTitle: string | null;
  /** Plain (not TLS) HTTP answered. */
  plainHttp: boolean;
}

/**
 * The outside-in rules an open port meets: a remote-management port, a database/cache port, another
 * port of the high-risk list, a plaintext protocol (Telnet/FTP/rsh, or a login page over plain HTTP).
 */
export function extRulesFor(o: Pick<Observation, 'port' | 'plainHttp' | 'httpTitle'> & { banner?: string | null }): ExtRuleId[] {
  const out: ExtRuleId[] = [];
  // A port mapping moves SSH or RDP to any port: the banner says what it is (the scanner names RDP "RDP").
  if (REMOTE_MANAGEMENT_PORTS.includes(o.port) || /^SSH-|^RDP$/.test(o.banner ?? '')) out.push('EXT-REMOTE-ADMIN');
  if (DATABASE_PORTS.includes(o.port)) out.push('EXT-DATABASE');
  else if (HIGH_RISK_PORTS.includes(o.port) && !out.length) out.push('EXT-PORT-RISKY');
  if (PLAINTEXT_PORTS.includes(o.port) || (o.plainHttp && /登录|login|sign in|password|口令|密码/i.test(o.httpTitle ?? ''))) out.push('EXT-PLAINTEXT');
  return out;
}

export interface ScanLimits {
  /** Connection attempts started per second, at most. */
  ratePerSecond: number;
  /** Connections open at once, at most. */
  concurrency: number;
  /** Per connection attempt and per grab step. */
  timeoutMs: number;
}
/** What `weian-agent scan` uses unless told otherwise. */
export const DEFAULT_SCAN_LIMITS: ScanLimits = { ratePerSecond: 50, concurrency: 20, timeoutMs: 3000 };
/** What a region may set, at most: a scanner never floods an institution's link. */
export const MAX_SCAN_LIMITS: ScanLimits = { ratePerSecond: 500, concurrency: 100, timeoutMs: 10_000 };

/** The ports every scan tries: the high-risk list, remote management, plaintext protocols, and the region's own. */
export function scanPorts(regionPorts: readonly number[] = []): number[] {
  return [...new Set([...REMOTE_MANAGEMENT_PORTS, ...PLAINTEXT_PORTS, ...HIGH_RISK_PORTS, ...DATABASE_PORTS, 80, 443, 8080, 8443, ...regionPorts])].sort((a, b) => a - b);
}

// ---- outside to inside ----------------------------------------------------------------------
export interface HostIdentity {
  hostId: string;
  sshHostKeys: readonly string[];
  tlsSha256: readonly string[];
}

/**
 * The host behind a public port: the enrolled host whose own SSH host key or TLS certificate is the
 * one the scanner saw. Null when none matches, or when more than one does (a certificate shared by
 * several servers names none of them).
 */
export function hostBehind(o: Pick<Observation, 'sshHostKey' | 'tlsSha256'>, hosts: readonly HostIdentity[]): { hostId: string; by: 'ssh-host-key' | 'tls-certificate' } | null {
  const match = (pick: (h: HostIdentity) => readonly string[], value: string | null) => (value ? hosts.filter((h) => pick(h).includes(value)) : []);
  const ssh = match((h) => h.sshHostKeys, o.sshHostKey);
  if (ssh.length === 1) return { hostId: ssh[0]!.hostId, by: 'ssh-host-key' };
  const tls = match((h) => h.tlsSha256, o.tlsSha256);
  if (tls.length === 1) return { hostId: tls[0]!.hostId, by: 'tls-certificate' };
  return null;
}

// ---- inputs ---------------------------------------------------------------------------------
/** What a region user registers for an institution: the entry is validated by parsePublicTarget on the server. */
export const RegisterPublicTargetInput = z.object({
  institutionCode: z.string().min(1).max(64),
  target: z.string().min(1).max(253),
  note: z.string().max(200).nullable().default(null),
});
export type RegisterPublicTargetInput = z.infer<typeof RegisterPublicTargetInput>;
export const PublicTargetId = z.object({ id: z.string().min(1).max(64) });
export const ListPublicTargetsInput = z.object({ institutionCode: z.string().min(1).max(64).optional() }).default({});
export const CreateScannerInput = z.object({ regionCode: z.string().regex(/^\d{6}$/), name: z.string().min(1).max(64) });
export const ScannerId = z.object({ scannerId: z.string().min(1).max(64) });
/** A scanner's own credentials: it is not a user, and not an institution's agent. */
export const ScannerCredentials = z.object({ scannerId: z.string().min(1).max(64), secret: z.string().min(1).max(128) });
export const ObservationInput = z.object({
  address: z
    .string()
    .max(39)
    .refine((a) => parseIpTarget(a)?.kind === 'ip', 'an IPv4 or IPv6 address'),
  /** The registered domain the scanner resolved this address from (absent: an address or range entry). */
  domain: z.string().min(4).max(253).nullable().optional(),
  port: z.number().int().min(1).max(65535),
  banner: z.string().max(4096).nullable(),
  tlsSha256: z
    .string()
    .regex(/^[0-9a-f]{64}$/)
    .nullable(),
  sshHostKey: z
    .string()
    .regex(/^SHA256:[A-Za-z0-9+/]{43}$/)
    .nullable(),
  httpTitle: z.string().max(4096).nullable(),
  plainHttp: z.boolean(),
});
export const ScanReportInput = ScannerCredentials.extend({
  observations: z.array(ObservationInput).max(10_000),
  /** The registered entries this round covered completely (every port of the list): their ports not reported are closed. */
  complete: z.array(z.string().min(1).max(253)).max(1000).default([]),
});
export type ScanReportInput = z.infer<typeof ScanReportInput>;
