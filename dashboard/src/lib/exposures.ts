import { regionWithin } from '@weian/shared';
import type { Exposure } from '../api/exposure.js';

/** A port first seen this recently is shown as new (the alert for it went out then). */
export const NEW_EXPOSURE_DAYS = 7;

export const isNewExposure = (e: Pick<Exposure, 'firstSeen'>, now: Date = new Date()): boolean => now.getTime() - Date.parse(e.firstSeen) < NEW_EXPOSURE_DAYS * 86_400_000;

/** The exposures of one region (with everything under it) or of one institution; the newest first, then by address and port. */
export function exposuresIn(all: readonly Exposure[], where: { regionCode?: string | null; institutionCode?: string | null }): Exposure[] {
  return all
    .filter((e) => (where.institutionCode ? e.institutionCode === where.institutionCode : where.regionCode ? regionWithin(e.regionCode, where.regionCode) : true))
    .sort((a, b) => b.firstSeen.localeCompare(a.firstSeen) || a.address.localeCompare(b.address, 'en', { numeric: true }) || a.port - b.port);
}

/** What identified the service from outside: the SSH host key, else the TLS certificate's SHA-256 (shortened for the table). */
export function fingerprintOf(e: Pick<Exposure, 'sshHostKey' | 'tlsSha256'>): { kind: 'ssh' | 'tls'; value: string; short: string } | null {
  if (e.sshHostKey) return { kind: 'ssh', value: e.sshHostKey, short: `${e.sshHostKey.slice(0, 15)}…` };
  if (e.tlsSha256) return { kind: 'tls', value: e.tlsSha256, short: `${e.tlsSha256.slice(0, 12)}…` };
  return null;
}
