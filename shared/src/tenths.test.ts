import { describe, expect, it } from 'vitest';
import { FIXTURE_NOW as NOW } from './rules/fixtures.js';
import { gradeOf, hostScore, institutionScore, round1 } from './scoring.js';
import { regionScore } from './regionFigures.js';
import { divHalfUp } from './tenths.js';
import type { Severity } from './rules/types.js';

/**
 * The scores against an independent exact computation: rationals in BigInt, rounded half up to
 * tenths by hand, over random inputs from a seeded generator (a failure names its seed).
 */
const W: Record<Severity, bigint> = { critical: 10n, high: 5n, medium: 2n, low: 1n };
/** p / q ≥ 0 rounded half up to an integer. */
const halfUp = (p: bigint, q: bigint) => (2n * p + q) / (2n * q);
/** An exact ratio × 100 in tenths. */
const pctTenths = (part: bigint, whole: bigint) => halfUp(1000n * part, whole);

function rng(seed: number) {
  let a = seed >>> 0;
  return (n: number) => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * n);
  };
}
const SEVERITIES: Severity[] = ['critical', 'high', 'medium', 'low'];
const STATUSES = ['pass', 'fail', 'unknown', 'not-applicable'] as const;

describe('exact rounding', () => {
  it('the issue example: 66.6 / 33.3 / 100 is exactly 59.95, so 60.0 and C', () => {
    const inst = institutionScore(
      {
        hosts: [{ score: 66.6, mlpsLevel: null }],
        findings: [
          { ruleId: 'INST-GOV-DRILL', status: 'pass', severity: 'low', exception: null },
          ...Array.from({ length: 2 }, () => ({ ruleId: 'INST-GOV-TRAINING' as const, status: 'fail' as const, severity: 'low' as const, exception: null })),
        ],
        coverage: { registered: 1, reporting: 1 },
      },
      { technical: 0.6, governance: 0.3, coverage: 0.1 },
      NOW,
    );
    // governance 1 / 3 = 33.33… → 33.3
    expect(inst).toMatchObject({ technical: 66.6, governance: 33.3, coverage: 100, score: 60 });
    expect(inst.grade.letter).toBe('C');
    // …where the floating-point sum is 59.949999… and used to round to 59.9 (D).
    expect(0.6 * 66.6 + 0.3 * 33.3 + 0.1 * 100).toBeLessThan(59.95);
  });

  it('grade boundaries 60, 80 and 90 are hit exactly, from parts and from a region mean', () => {
    expect(regionScore([89.9, 90])).toBe(90); // 89.95 → 90.0
    expect(regionScore([79.9, 80])).toBe(80);
    expect(regionScore([59.9, 60])).toBe(60);
    expect(regionScore([89.8, 90])).toBe(89.9); // 89.90
    expect([90, 80, 60].map((s) => gradeOf(regionScore([s - 0.1, s])!).letter)).toEqual(['A', 'B', 'C']);
    // Parts as one-decimal percentages: governance = passed / 1000 institution findings, coverage = reporting / 1000 hosts.
    const inst = (technical: number, governance: number, coverage: number) =>
      institutionScore(
        {
          hosts: [{ score: technical, mlpsLevel: null }],
          findings: Array.from({ length: 1000 }, (_, i) => ({
            ruleId: 'INST-GOV-DRILL' as const,
            status: i < governance * 10 ? ('pass' as const) : ('fail' as const),
            severity: 'low' as const,
            exception: null,
          })),
          coverage: { registered: 1000, reporting: coverage * 10 },
        },
        { technical: 0.6, governance: 0.3, coverage: 0.1 },
        NOW,
      );
    // 0.6 × 100 + 0.3 × 66.6 + 0.1 × 99.7 = 60 + 19.98 + 9.97 = 89.95 → 90.0 A; with 99.6: 89.94 → 89.9 B.
    expect(inst(100, 66.6, 99.7)).toMatchObject({ score: 90, grade: { letter: 'A' } });
    expect(inst(100, 66.6, 99.6)).toMatchObject({ score: 89.9, grade: { letter: 'B' } });
    // 0.6 × 83.3 + 0.3 × 66.6 + 0.1 × 99.9 = 49.98 + 19.98 + 9.99 = 79.95 → 80.0 B.
    expect(inst(83.3, 66.6, 99.9)).toMatchObject({ score: 80, grade: { letter: 'B' } });
    expect(inst(66.6, 33.3, 100)).toMatchObject({ score: 60, grade: { letter: 'C' } });
  });

  it('host, institution and region scores equal an exact computation for random inputs', () => {
    for (let seed = 1; seed <= 300; seed++) {
      const r = rng(seed);
      // Host: random findings.
      const findings = Array.from({ length: 1 + r(30) }, () => ({ status: STATUSES[r(4)]!, severity: SEVERITIES[r(4)]!, exception: null }));
      let earned = 0n;
      let possible = 0n;
      let criticalNotPassed = false;
      for (const f of findings) {
        if (f.status === 'not-applicable') continue;
        possible += W[f.severity];
        if (f.status === 'pass') earned += W[f.severity];
        else if (f.severity === 'critical') criticalNotPassed = true;
      }
      const h = hostScore(findings, NOW);
      if (possible === 0n) expect(h.score, `seed ${seed}`).toBeNull();
      else {
        const raw = pctTenths(earned, possible);
        const expected = criticalNotPassed && raw > 590n ? 590n : raw;
        expect(h.score, `seed ${seed}`).toBe(Number(expected) / 10);
        expect(h.capped, `seed ${seed}`).toBe(criticalNotPassed && raw > 590n);
      }

      // Institution: random one-decimal host scores, governance ratio, coverage, weights in thousandths.
      const hosts = Array.from({ length: r(6) }, () => ({ tenths: BigInt(r(1001)), level: r(2) ? 3 : null }));
      const govPass = r(40);
      const govFail = r(40);
      const registered = r(50);
      const reporting = registered ? r(registered + 1) : 0;
      const wt = r(1001);
      const wg = r(1001 - wt);
      const wc = 1000 - wt - wg;
      const sumW = hosts.reduce((n, x) => n + (x.level ? 2n : 1n), 0n);
      const tech = sumW
        ? halfUp(
            hosts.reduce((n, x) => n + (x.level ? 2n : 1n) * x.tenths, 0n),
            sumW,
          )
        : 0n;
      const gov = govPass + govFail ? pctTenths(BigInt(govPass), BigInt(govPass + govFail)) : 0n;
      const cov = registered ? pctTenths(BigInt(reporting), BigInt(registered)) : 0n;
      const instExpected = halfUp(BigInt(wt) * tech + BigInt(wg) * gov + BigInt(wc) * cov, 1000n);
      const inst = institutionScore(
        {
          hosts: hosts.map((x) => ({ score: Number(x.tenths) / 10, mlpsLevel: x.level as 3 | null })),
          findings: [...Array.from({ length: govPass }, () => 'pass' as const), ...Array.from({ length: govFail }, () => 'fail' as const)].map((status) => ({
            ruleId: 'INST-GOV-DRILL' as const,
            status,
            severity: 'medium' as const,
            exception: null,
          })),
          coverage: { registered, reporting },
        },
        { technical: wt / 1000, governance: wg / 1000, coverage: wc / 1000 },
        NOW,
      );
      expect([inst.technical, inst.governance, inst.coverage, inst.score], `seed ${seed}`).toEqual([tech, gov, cov, instExpected].map((t) => Number(t) / 10));
      const g = instExpected >= 900n ? 'A' : instExpected >= 800n ? 'B' : instExpected >= 600n ? 'C' : 'D';
      expect(inst.grade.letter, `seed ${seed}`).toBe(g);

      // Region: random one-decimal institution scores (null: no score yet, counted as 0).
      const scores = Array.from({ length: r(12) }, () => (r(8) ? r(1001) : null));
      const regionExpected = scores.length ? Number(halfUp(BigInt(scores.reduce<number>((n, s) => n + (s ?? 0), 0)), BigInt(scores.length))) / 10 : null;
      expect(regionScore(scores.map((s) => (s === null ? null : s / 10))), `seed ${seed}`).toBe(regionExpected);
    }
  });

  it('divHalfUp and round1 round half up exactly', () => {
    expect([divHalfUp(5, 10), divHalfUp(4, 10), divHalfUp(15, 10), divHalfUp(0, 3), divHalfUp(2, 3)]).toEqual([1, 0, 2, 0, 1]);
    expect(() => divHalfUp(1.5, 2)).toThrow(RangeError);
    expect([round1(59.95), round1(0.6 * 66.6 + 0.3 * 33.3 + 0.1 * 100), round1(89.94999), round1(-0.05), round1(1.25)]).toEqual([60, 60, 89.9, -0.1, 1.3]);
  });
});
