import { describe, expect, it } from 'vitest';
import { FIXTURE_NOW as NOW, healthyInstitution } from './fixtures.js';
import { DEFAULT_SETTINGS, evaluateInstitution, resolveSettings, type Finding } from './index.js';
import type { OutsideIn } from './inputs.js';
import { RegionSettings } from '../schemas/settings.js';
import { governanceRatio, institutionScore } from '../scoring.js';
import { extRulesFor } from '../exposure.js';

const EXT = ['EXT-REMOTE-ADMIN', 'EXT-DATABASE', 'EXT-PORT-RISKY', 'EXT-PLAINTEXT'];
const ago = (days: number) => new Date(NOW.getTime() - days * 86_400_000);
const judge = (outside: OutsideIn | null, settings = DEFAULT_SETTINGS) =>
  Object.fromEntries(evaluateInstitution(healthyInstitution({ outside }), settings, NOW).map((f) => [f.ruleId, f])) as Record<string, Finding>;
const port = (address: string, p: number, over: Partial<OutsideIn['exposures'][number]> = {}) => ({
  address,
  port: p,
  rules: extRulesFor({ port: p, plainHttp: false, httpTitle: null }),
  target: '61.164.10.0/29',
  firstSeen: ago(3),
  lastSeen: ago(1),
  host: null,
  ...over,
});
const scanned = (days: number | null): OutsideIn['targets'] => [{ value: '61.164.10.0/29', scannedAt: days === null ? null : ago(days) }];

describe('outside-in rules (EXT-*) on scanner results', () => {
  it('are not applicable where no public address is registered, so they do not move the score', () => {
    for (const id of EXT) expect(judge(null)[id]!.status, id).toBe('not-applicable');
    for (const id of EXT) expect(judge({ targets: [], exposures: [] })[id]!.evidence.data).toMatchObject({ reason: 'no-targets' });
  });

  it('are unknown, never a pass, while a registered target has no complete round within the window', () => {
    for (const id of EXT) expect(judge({ targets: scanned(null), exposures: [] })[id]!.status, id).toBe('unknown');
    expect(judge({ targets: scanned(8), exposures: [] })['EXT-DATABASE']!.evidence.data).toMatchObject({ reason: 'scan-stale' });
    for (const id of EXT) expect(judge({ targets: scanned(1), exposures: [] })[id]!.status, id).toBe('pass');
  });

  it('fail on a port seen in the latest complete round, naming the address, the host behind it and the first sighting', () => {
    const r = judge({ targets: scanned(1), exposures: [port('61.164.10.3', 3306), port('61.164.10.3', 2222, { rules: ['EXT-REMOTE-ADMIN'], host: 'his-db' })] });
    expect(r['EXT-DATABASE']).toMatchObject({ status: 'fail', severity: 'critical' });
    expect(r['EXT-DATABASE']!.evidence.zh).toContain('61.164.10.3:3306');
    expect(r['EXT-REMOTE-ADMIN']!.evidence.en).toContain('61.164.10.3:2222 → his-db');
    expect(r['EXT-REMOTE-ADMIN']!.evidence.en).toContain(`first seen ${ago(3).toISOString().slice(0, 10)}`);
    expect(r['EXT-PORT-RISKY']!.status).toBe('pass');
    expect(r['EXT-PLAINTEXT']!.status).toBe('pass');
    // A port failing decides even while another target is stale.
    const two = judge({ targets: [...scanned(1), { value: '220.191.1.1', scannedAt: null }], exposures: [port('61.164.10.3', 3306)] });
    expect(two['EXT-DATABASE']!.status).toBe('fail');
    expect(two['EXT-PORT-RISKY']!.status).toBe('unknown');
  });

  it('stop failing once a later complete round no longer sees the port (the mapping was closed)', () => {
    const closed = port('61.164.10.3', 3306, { lastSeen: ago(2) });
    expect(judge({ targets: scanned(1), exposures: [closed] })['EXT-DATABASE']!.status).toBe('pass');
    // A partial round (some ports only) that saw it after the last complete one: still open.
    expect(judge({ targets: scanned(3), exposures: [closed] })['EXT-DATABASE']!.status).toBe('fail');
    // Seen too long ago to count, and no recent round: unknown, not a pass and not a fail.
    expect(judge({ targets: scanned(20), exposures: [port('61.164.10.3', 3306, { lastSeen: ago(20) })] })['EXT-DATABASE']!.status).toBe('unknown');
  });

  it('a region may shorten the window, never lengthen it', () => {
    const strict = resolveSettings(RegionSettings.parse({ rules: EXT.map((ruleId) => ({ ruleId, thresholds: { maxRoundAgeDays: 2 } })) }));
    expect(judge({ targets: scanned(3), exposures: [] }, strict)['EXT-REMOTE-ADMIN']!.status).toBe('unknown');
    expect(judge({ targets: scanned(3), exposures: [] })['EXT-REMOTE-ADMIN']!.status).toBe('pass');
  });

  it('count in the governance part of the institution score: an open database port lowers it, a critical one by 10 points of weight', () => {
    const weights = DEFAULT_SETTINGS.weights;
    const clean = evaluateInstitution(healthyInstitution({ outside: { targets: scanned(1), exposures: [] } }), DEFAULT_SETTINGS, NOW);
    const open = evaluateInstitution(healthyInstitution({ outside: { targets: scanned(1), exposures: [port('61.164.10.3', 3306)] } }), DEFAULT_SETTINGS, NOW);
    const none = evaluateInstitution(healthyInstitution({ outside: null }), DEFAULT_SETTINGS, NOW);
    const g = (f: Finding[]) => governanceRatio(f, NOW);
    // Not applicable adds nothing; passing adds 10+10+5+5 = 30 to both sides; one critical failing takes 10 from the earned.
    expect(g(clean).possible - g(none).possible).toBe(30);
    expect(g(clean).earned - g(none).earned).toBe(30);
    expect(g(clean).earned - g(open).earned).toBe(10);
    const score = (f: Finding[]) => institutionScore({ hosts: [{ score: 100, mlpsLevel: 3 }], findings: f, coverage: { registered: 1, reporting: 1 } }, weights, NOW).score;
    expect(score(open)).toBeLessThan(score(clean));
  });
});
