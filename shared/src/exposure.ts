import { z } from 'zod';
import { DATABASE_PORTS, HIGH_RISK_PORTS, PLAINTEXT_PORTS, REMOTE_MANAGEMENT_PORTS } from './wellKnownPorts.js';

/**
 * Exposure seen from outside (资产测绘, issue 24): what a region registers as an institution's public
 * addresses, how a scanner's observation is made safe to store, which outside-in rule it meets, and
 * how a fingerprint seen from outside names the host behind a port mapping. Pure functions.
 */

// ---- registered targets ---------------------------------------------------------------------
export type PublicTarget = { kind: 'ip'; value: string; first: number; last: number } | { kind: 'range'; value: string; first: number; last: number } | { kind: 'domain'; value: string };
/** A range may hold at most this many addresses (a /20): a scanner's round stays bounded. */
export const MAX_RANGE_ADDRESSES = 4096;

/** The shared package runs in the browser too: no node:net here. */
const isV4 = (a: string) => /^\d{1,3}(\.\d{1,3}){3}$/.test(a) && a.split('.').every((o) => Number(o) <= 255);
const v4ToInt = (a: string) => a.split('.').reduce((n, o) => n * 256 + Number(o), 0);
export const intToV4 = (n: number) => [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.');

/**
 * The documentation ranges of RFC 5737 (TEST-NET-1/2/3): never routed on the Internet, so refused as
 * public unless the caller says so explicitly (a lab or training install, and the network-namespace
 * test, which gives its listeners such addresses so that no real host is ever touched).
 */
export const DOCUMENTATION_RANGES = ['192.0.2.0/24', '198.51.100.0/24', '203.0.113.0/24'] as const;
export interface PublicTargetOptions {
  /** Accept the documentation ranges as public (server WEIAN_DOCUMENTATION_TARGETS, scanner --documentation-targets). */
  documentation?: boolean;
}

/** Not reachable from the Internet, or not an address at all: never registered as public. */
function notPublicReason(first: number, last: number, opts: PublicTargetOptions): string | null {
  const inBlock = (base: string, bits: number) => {
    const b = v4ToInt(base);
    const size = 2 ** (32 - bits);
    return first < b + size && last >= b;
  };
  const blocks: Array<[string, number, string]> = [
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
  const hit = blocks.find(([b, bits, why]) => inBlock(b, bits) && !(why === 'documentation' && opts.documentation));
  return hit ? hit[2] : null;
}

const DOMAIN = /^(?=.{4,253}$)(?:(?!-)[a-z0-9-]{1,63}(?<!-)\.)+(?:[a-z]{2,63}|xn--[a-z0-9-]{2,59})$/;

/** One registered entry: an IPv4 address, an IPv4 CIDR range (at most /20), or a domain name. Throws with the reason. */
export function parsePublicTarget(input: string, opts: PublicTargetOptions = {}): PublicTarget {
  const value = input.trim().toLowerCase().replace(/\.$/, '');
  const cidr = /^(\d{1,3}(?:\.\d{1,3}){3})\/(\d{1,2})$/.exec(value);
  if (cidr) {
    if (!isV4(cidr[1]!)) throw new Error(`${input}: not an IPv4 range`);
    const bits = Number(cidr[2]);
    if (bits > 32 || 2 ** (32 - bits) > MAX_RANGE_ADDRESSES) throw new Error(`${input}: a range may hold at most ${MAX_RANGE_ADDRESSES} addresses (/20 or narrower)`);
    const size = 2 ** (32 - bits);
    const first = Math.floor(v4ToInt(cidr[1]!) / size) * size;
    const why = notPublicReason(first, first + size - 1, opts);
    if (why) throw new Error(`${input}: ${why} addresses are not public`);
    return { kind: 'range', value: `${intToV4(first)}/${bits}`, first, last: first + size - 1 };
  }
  if (isV4(value)) {
    const n = v4ToInt(value);
    const why = notPublicReason(n, n, opts);
    if (why) throw new Error(`${input}: ${why} address, not public`);
    return { kind: 'ip', value, first: n, last: n };
  }
  if (value.includes(':')) throw new Error(`${input}: IPv6 targets are not scanned yet`);
  if (/^[\d.]+$/.test(value)) throw new Error(`${input}: not a valid IPv4 address`);
  if (!DOMAIN.test(value)) throw new Error(`${input}: not a valid domain name`);
  return { kind: 'domain', value };
}

/** Whether two registered targets cover the same address or name. */
export function targetsOverlap(a: PublicTarget, b: PublicTarget): boolean {
  if (a.kind === 'domain' || b.kind === 'domain') return a.kind === b.kind && a.value === b.value;
  return a.first <= b.last && b.first <= a.last;
}

/** The first entry of another institution that `target` overlaps, or null. */
export function overlapWith<T extends { institutionCode: string; target: PublicTarget }>(target: PublicTarget, institutionCode: string, registered: readonly T[]): T | null {
  return registered.find((r) => r.institutionCode !== institutionCode && targetsOverlap(r.target, target)) ?? null;
}

/** The registered entry an IPv4 address falls in, or null (a domain entry holds no address of its own). */
export function targetHolding<T>(targets: readonly T[], address: string, range: (t: T) => { first: number | null; last: number | null }): T | null {
  if (!isV4(address)) return null;
  const n = v4ToInt(address);
  return (
    targets.find((t) => {
      const r = range(t);
      return r.first !== null && r.last !== null && r.first <= n && n <= r.last;
    }) ?? null
  );
}

/** The addresses of IP targets, in order (domains are resolved by the scanner). */
export function targetAddresses(t: PublicTarget): string[] {
  if (t.kind === 'domain') return [];
  return Array.from({ length: t.last - t.first + 1 }, (_, i) => intToV4(t.first + i));
}

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
  address: z.string().min(7).max(15),
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
