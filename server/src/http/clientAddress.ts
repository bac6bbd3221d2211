import type { IncomingMessage } from 'node:http';
import { BlockList, isIP } from 'node:net';

/**
 * Who the client is behind a reverse proxy. X-Forwarded-For is believed only when the socket's
 * peer is a configured proxy (WEIAN_TRUSTED_PROXIES); otherwise anyone could name any address and
 * walk past the login limits. With a chain of proxies the client is the right-most address that
 * is not itself a trusted proxy (entries left of it were written by the client and prove nothing).
 */
export interface TrustedProxies {
  /** The configured entries, as written. */
  entries: string[];
  has(address: string): boolean;
}

const CIDR = /^(.+)\/(\d{1,3})$/;

/** `::ffff:10.0.0.1` (an IPv4 peer on a dual-stack socket) is 10.0.0.1. */
const plain = (address: string) => address.replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/i, '');

export function isAddressOrCidr(entry: string): boolean {
  const m = CIDR.exec(entry);
  if (!m) return isIP(entry) !== 0;
  const family = isIP(m[1]!);
  const bits = Number(m[2]);
  return family !== 0 && bits <= (family === 4 ? 32 : 128);
}

export function trustedProxies(entries: string[]): TrustedProxies {
  const list = new BlockList();
  for (const entry of entries) {
    const m = CIDR.exec(entry);
    if (m) list.addSubnet(m[1]!, Number(m[2]), isIP(m[1]!) === 6 ? 'ipv6' : 'ipv4');
    else list.addAddress(entry, isIP(entry) === 6 ? 'ipv6' : 'ipv4');
  }
  return {
    entries,
    has(address) {
      const a = plain(address);
      const family = isIP(a);
      return entries.length > 0 && family !== 0 && list.check(a, family === 6 ? 'ipv6' : 'ipv4');
    },
  };
}

export const NO_PROXIES: TrustedProxies = trustedProxies([]);

const header = (req: IncomingMessage, name: string): string | undefined => {
  const v = req.headers[name];
  return Array.isArray(v) ? v.join(',') : v;
};

/** The client's address: the socket peer, or what trusted proxies forwarded. */
export function clientAddress(req: IncomingMessage, proxies: TrustedProxies): string {
  const peer = plain(req.socket.remoteAddress ?? 'unknown');
  if (!proxies.has(peer)) return peer;
  const hops = (header(req, 'x-forwarded-for') ?? '')
    .split(',')
    .map((h) => plain(h.trim()))
    .filter((h) => isIP(h) !== 0);
  for (let i = hops.length - 1; i >= 0; i--) if (!proxies.has(hops[i]!)) return hops[i]!;
  // Every hop is a proxy (or there is no header): the left-most is the nearest to the client we know.
  return hops[0] ?? peer;
}

/** Whether the client reached us over TLS: our own socket, or a trusted proxy's X-Forwarded-Proto. */
export function clientUsesTls(req: IncomingMessage, proxies: TrustedProxies): boolean {
  if ((req.socket as { encrypted?: boolean }).encrypted) return true;
  if (!proxies.has(plain(req.socket.remoteAddress ?? ''))) return false;
  const proto = header(req, 'x-forwarded-proto')?.split(',')[0]?.trim().toLowerCase();
  return proto === 'https' || proto === 'wss';
}
