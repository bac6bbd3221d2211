/**
 * The server's refusal of a public target (shared/src/exposure.ts parsePublicTarget, services/publicTargets.ts)
 * in the user's words: its messages are English for operators, so the kinds a registrar meets are
 * recognised here and shown as an i18n key with its values; anything else keeps the server's words.
 */
export interface TargetRefusal {
  key: string;
  values: Record<string, string>;
}

/** The address blocks parsePublicTarget names, by the words it uses. */
const BLOCKS: Record<string, string> = {
  'this-network': 'thisNetwork',
  'private (RFC 1918)': 'private',
  'carrier-grade NAT (RFC 6598)': 'cgnat',
  loopback: 'loopback',
  'link-local': 'linkLocal',
  documentation: 'documentation',
  benchmarking: 'benchmarking',
  multicast: 'multicast',
  reserved: 'reserved',
  unspecified: 'unspecified',
  'IPv4-mapped': 'ipv4Mapped',
  'unique local (ULA)': 'ula',
  Teredo: 'teredo',
  'not global unicast (2000::/3)': 'notGlobal',
};

export function targetRefusal(message: string): TargetRefusal | null {
  const notPublic = /^(.+?): (.+?) (?:address, not public|addresses are not public)$/.exec(message);
  if (notPublic && BLOCKS[notPublic[2]!]) return { key: 'exposure.refusal.notPublic', values: { target: notPublic[1]!, block: `exposure.blocks.${BLOCKS[notPublic[2]!]}` } };
  const wide = /^(.+?): a range may hold at most (\d+) addresses/.exec(message);
  if (wide) return { key: 'exposure.refusal.tooWide', values: { target: wide[1]!, max: wide[2]! } };
  const overlap = /^(\S+) overlaps (\S+), already registered for (this institution|institution (\S+)|an institution outside your region)$/.exec(message);
  if (overlap) {
    const whose = overlap[3] === 'this institution' ? 'same' : overlap[4] ? 'other' : 'outside';
    return { key: `exposure.refusal.overlap.${whose}`, values: { target: overlap[1]!, existing: overlap[2]!, institution: overlap[4] ?? '' } };
  }
  const kinds: Array<[RegExp, string]> = [
    [/^(.+?): not a valid IPv6 address or range$/, 'badIpv6'],
    [/^(.+?): not a valid IPv4 address or range$/, 'badAddress'],
    [/^(.+?): not a valid domain name$/, 'badDomain'],
  ];
  for (const [re, kind] of kinds) {
    const m = re.exec(message);
    if (m) return { key: `exposure.refusal.${kind}`, values: { target: m[1]! } };
  }
  return null;
}
