import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { clientAddress, clientUsesTls, isAddressOrCidr, NO_PROXIES, trustedProxies } from './clientAddress.js';

const req = (peer: string, headers: Record<string, string> = {}, encrypted = false) => ({ socket: { remoteAddress: peer, encrypted }, headers }) as unknown as IncomingMessage;

describe('client address behind reverse proxies', () => {
  const proxies = trustedProxies(['127.0.0.1', '10.0.0.0/8', '::1']);

  it('believes X-Forwarded-For only from a trusted proxy', () => {
    expect(clientAddress(req('203.0.113.9', { 'x-forwarded-for': '1.2.3.4' }), proxies)).toBe('203.0.113.9');
    expect(clientAddress(req('127.0.0.1', { 'x-forwarded-for': '198.51.100.7' }), proxies)).toBe('198.51.100.7');
    expect(clientAddress(req('127.0.0.1', { 'x-forwarded-for': '198.51.100.7' }), NO_PROXIES)).toBe('127.0.0.1');
  });

  it('takes the right-most address that is not a proxy: what the client wrote itself proves nothing', () => {
    // The client claims 1.1.1.1; nginx appended the real peer 198.51.100.7; an inner proxy 10.1.2.3 forwarded.
    expect(clientAddress(req('127.0.0.1', { 'x-forwarded-for': '1.1.1.1, 198.51.100.7, 10.1.2.3' }), proxies)).toBe('198.51.100.7');
  });

  it('reads IPv4-mapped peers and ignores junk in the header', () => {
    expect(clientAddress(req('::ffff:127.0.0.1', { 'x-forwarded-for': 'not-an-ip, 198.51.100.8' }), proxies)).toBe('198.51.100.8');
    expect(clientAddress(req('::ffff:127.0.0.1', { 'x-forwarded-for': 'garbage' }), proxies)).toBe('127.0.0.1');
    expect(clientAddress(req('::ffff:192.0.2.1'), proxies)).toBe('192.0.2.1');
  });

  it('takes the scheme from a trusted proxy only', () => {
    expect(clientUsesTls(req('127.0.0.1', { 'x-forwarded-proto': 'https' }), proxies)).toBe(true);
    expect(clientUsesTls(req('203.0.113.9', { 'x-forwarded-proto': 'https' }), proxies)).toBe(false);
    expect(clientUsesTls(req('203.0.113.9', {}, true), proxies)).toBe(true);
  });

  it('validates entries', () => {
    expect(['10.0.0.0/8', '::1', 'fd00::/8', '192.168.1.1'].every(isAddressOrCidr)).toBe(true);
    expect(['10.0.0.0/33', 'example.org', '10.0.0', '::1/129', ''].some(isAddressOrCidr)).toBe(false);
  });
});
