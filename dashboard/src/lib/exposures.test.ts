import { describe, expect, it } from 'vitest';
import type { Exposure } from '../api/exposure.js';
import { exposuresIn, fingerprintOf, isNewExposure } from './exposures.js';

const NOW = new Date('2026-12-06T12:00:00Z');
const row = (over: Partial<Exposure>): Exposure => ({
  institutionCode: '330106001',
  regionCode: '330106',
  address: '61.164.10.2',
  port: 22,
  domain: null,
  rules: ['EXT-REMOTE-ADMIN'],
  banner: null,
  httpTitle: null,
  sshHostKey: null,
  tlsSha256: null,
  hostId: null,
  hostname: null,
  internalPort: null,
  tiedBy: null,
  firstSeen: '2026-11-01T00:00:00.000Z',
  lastSeen: '2026-12-06T00:00:00.000Z',
  ...over,
});

describe('exposures on the dashboard', () => {
  it('is new for 7 days after it was first seen', () => {
    expect(isNewExposure(row({ firstSeen: '2026-12-01T12:00:01Z' }), NOW)).toBe(true);
    expect(isNewExposure(row({ firstSeen: '2026-11-29T12:00:00Z' }), NOW)).toBe(false);
  });
  it('keeps a region with everything under it, or one institution, newest first then by address and port', () => {
    const all = [
      row({ address: '61.164.10.10', port: 80 }),
      row({ address: '61.164.10.9', port: 443 }),
      row({ address: '61.164.10.9', port: 22 }),
      row({ institutionCode: '330105001', regionCode: '330105', address: '61.1.1.1' }),
      row({ address: '61.164.10.3', firstSeen: '2026-12-05T00:00:00Z' }),
    ];
    expect(exposuresIn(all, { regionCode: '330100' }).map((e) => `${e.address}:${e.port}`)).toEqual(['61.164.10.3:22', '61.1.1.1:22', '61.164.10.9:22', '61.164.10.9:443', '61.164.10.10:80']);
    expect(exposuresIn(all, { regionCode: '330105' })).toHaveLength(1);
    expect(exposuresIn(all, { institutionCode: '330106001' })).toHaveLength(4);
  });
  it('shows the SSH host key before the TLS certificate, shortened', () => {
    const key = 'SHA256:abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQ';
    expect(fingerprintOf(row({ sshHostKey: key, tlsSha256: 'f'.repeat(64) }))).toEqual({ kind: 'ssh', value: key, short: 'SHA256:abcdefgh…' });
    expect(fingerprintOf(row({ tlsSha256: 'ab'.repeat(32) }))?.short).toBe('abababababab…');
    expect(fingerprintOf(row({}))).toBeNull();
  });
});
