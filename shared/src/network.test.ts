import { describe, expect, it } from 'vitest';
import { bindScope, classifyAddress, normalizeAddress, publiclyExposed } from './network.js';

describe('classifyAddress', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['::1', 'loopback'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['172.32.0.1', 'public'],
    ['192.168.10.5', 'private'],
    ['100.64.0.1', 'private'],
    ['169.254.1.1', 'link-local'],
    ['fe80::1%eth0', 'link-local'],
    ['fd12:3456::1', 'private'],
    ['::ffff:10.0.0.1', 'private'],
    ['202.96.128.86', 'public'],
    ['2400:3200::1', 'public'],
    ['not-an-address', 'public'],
  ] as const)('%s is %s', (address, scope) => {
    expect(classifyAddress(address)).toBe(scope);
  });
});

describe('exposure', () => {
  it('treats wildcard binds as public only on hosts with a public address', () => {
    expect(bindScope('0.0.0.0')).toBe('wildcard');
    expect(bindScope('[::]')).toBe('wildcard');
    expect(publiclyExposed('0.0.0.0', true)).toBe(true);
    expect(publiclyExposed('0.0.0.0', false)).toBe(false);
    expect(publiclyExposed('203.0.113.9', false)).toBe(true);
    expect(publiclyExposed('10.0.0.5', true)).toBe(false);
  });
  it('normalizes brackets and zones', () => {
    expect(normalizeAddress('[FE80::1%2]')).toBe('fe80::1');
  });
});
