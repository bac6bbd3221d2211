import type { ScoreWeights } from './schemas/settings.js';
import type { MlpsLevel } from './schemas/records.js';
import { exceptionActive, type Finding } from './rules/index.js';
import { compareNames } from './nameOrder.js';
import type { Severity } from './rules/types.js';
import { divHalfUp, fromTenths, percentTenths, toTenths, weightUnits } from './tenths.js';

/**
 * DESIGN.md's compliance model, and nothing else. Every displayed score is rounded to one decimal,
 * half up, once per level, and each aggregate is computed from the displayed scores below it, so
 * that a bureau can recompute any number from what the dashboard shows. The arithmetic is exact
 * (integer tenths, tenths.ts): a value that is exactly x.x5 rounds up, as it does by hand.
 */
export const SEVERITY_WEIGHTS: Readonly<Record<Severity, number>> = { critical: 10, high: 5, medium: 2, low: 1 };
/** Any failing critical rule caps a host here, whatever its ratio. */
export const CRITICAL_CAP = 59;
export const LEVEL3_HOST_WEIGHT = 2;

/**
 * A number rounded half up to one decimal. For a value that is already a sum or difference of
 * one-decimal scores; scores themselves are computed exactly in tenths (tenths.ts).
 */
export const round1 = (x: number): number => {
  const t = Math.round(Math.abs(x) * 1e6) / 1e5; // tenths, cleared of float noise far below a hundredth
  return (Math.sign(x) * Math.floor(t + 0.5)) / 10 || 0;
};

type Scored = Pick<Finding, 'status' | 'severity' | 'exception'>;
/** Left out of every ratio: not applicable, or covered by an exception that has not expired. */
const counts = (f: Scored, now: Date) => f.status !== 'not-applicable' && !(f.exception && exceptionActive(f.exception, now));

export interface RatioBreakdown {
  /** Sum of the weights of passing findings. */
  earned: number;
  /** Sum of the weights of every counted finding (pass, fail, unknown). */
  possible: number;
}
/** Weighted pass ratio: `unknown` weighs like a failure (not passed), never like a pass. */
export function weightedRatio(findings: readonly Scored[], now: Date): RatioBreakdown {
  let earned = 0;
  let possible = 0;
  for (const f of findings) {
    if (!counts(f, now)) continue;
    const w = SEVERITY_WEIGHTS[f.severity];
    possible += w;
    if (f.status === 'pass') earned += w;
  }
  return { earned, possible };
}

export interface HostScore extends RatioBreakdown {
  /** 0–100, one decimal; null when nothing applies (no basis to score). */
  score: number | null;
  capped: boolean;
}
export function hostScore(findings: readonly Scored[], now: Date): HostScore {
  const r = weightedRatio(findings, now);
  if (r.possible === 0) return { ...r, score: null, capped: false };
  const raw = percentTenths(r.earned, r.possible);
  // A critical rule without evidence of passing caps the host as a failing one does: otherwise a host
  // whose port collector breaks would score above one that honestly reports an exposed port.
  // `capped` says the cap lowered the score (the ratio, rounded, was above it), not that a critical failed.
  const capped = findings.some((f) => counts(f, now) && (f.status === 'fail' || f.status === 'unknown') && f.severity === 'critical') && raw > CRITICAL_CAP * 10;
  return { ...r, score: fromTenths(capped ? CRITICAL_CAP * 10 : raw), capped };
}

export interface InstitutionScoreInput {
  /** One entry per registered host: its score and the highest MLPS level of its systems. */
  hosts: ReadonlyArray<{ score: number | null; mlpsLevel: MlpsLevel | null }>;
  /** The institution's own findings (institution rules). INST-COVERAGE is left to the coverage part. */
  findings: ReadonlyArray<Scored & Pick<Finding, 'ruleId'>>;
  coverage: { registered: number; reporting: number };
}
export interface InstitutionScore {
  score: number;
  grade: Grade;
  /** Each part 0–100, one decimal; no data is 0 (missing evidence is never a pass). */
  technical: number;
  governance: number;
  coverage: number;
  weights: ScoreWeights;
}
/** Measured directly as the coverage part; counting the rule in governance too would count it twice. */
const COVERAGE_RULES = new Set(['INST-COVERAGE']);
/** The governance part's weights: the institution rules' weighted pass ratio, INST-COVERAGE left to the coverage part. */
export const governanceRatio = (findings: InstitutionScoreInput['findings'], now: Date): RatioBreakdown =>
  weightedRatio(
    findings.filter((f) => !COVERAGE_RULES.has(f.ruleId)),
    now,
  );

export function institutionScore(input: InstitutionScoreInput, weights: ScoreWeights, now: Date): InstitutionScore {
  // All in tenths: each part is rounded once (half up), the score once more from the rounded parts.
  let sum = 0;
  let weight = 0;
  for (const h of input.hosts) {
    // A host with no applicable rule has no score and is left out of the mean (it is still counted by coverage).
    if (h.score === null) continue;
    const w = h.mlpsLevel !== null && h.mlpsLevel >= 3 ? LEVEL3_HOST_WEIGHT : 1;
    sum += w * toTenths(h.score);
    weight += w;
  }
  const technical = weight ? divHalfUp(sum, weight) : 0;
  const gov = governanceRatio(input.findings, now);
  const governance = gov.possible ? percentTenths(gov.earned, gov.possible) : 0;
  const { registered, reporting } = input.coverage;
  const coverage = registered ? percentTenths(Math.min(reporting, registered), registered) : 0;
  const wt = [weightUnits(weights.technical), weightUnits(weights.governance), weightUnits(weights.coverage)] as const;
  const score = fromTenths(divHalfUp(wt[0] * technical + wt[1] * governance + wt[2] * coverage, wt[0] + wt[1] + wt[2]));
  return { score, grade: gradeOf(score), technical: fromTenths(technical), governance: fromTenths(governance), coverage: fromTenths(coverage), weights };
}

// ---- grades ---------------------------------------------------------------------------------
export const GRADES = [
  { letter: 'A', min: 90, zh: '优秀', en: 'Excellent' },
  { letter: 'B', min: 80, zh: '良好', en: 'Good' },
  { letter: 'C', min: 60, zh: '合格', en: 'Pass' },
  { letter: 'D', min: 0, zh: '不合格', en: 'Fail' },
] as const;
export type Grade = (typeof GRADES)[number];
/** On the displayed (one-decimal) score: 89.9 is B, 90.0 is A. */
export const gradeOf = (score: number): Grade => GRADES.find((g) => toTenths(score) >= g.min * 10) ?? GRADES[3];

// ---- ranking --------------------------------------------------------------------------------
export type FailingCounts = Record<Severity, number>;
/** Findings of one status per severity, excepted and not-applicable ones excluded (as in the score). */
export function countStatus(findings: Iterable<Scored>, now: Date, status: 'pass' | 'fail' | 'unknown'): FailingCounts {
  const c: FailingCounts = { critical: 0, high: 0, medium: 0, low: 0 };
  for (const f of findings) if (f.status === status && counts(f, now)) c[f.severity]++;
  return c;
}
/** Failing findings per severity, excepted ones excluded (as in the score). */
export const countFailing = (findings: Iterable<Scored>, now: Date): FailingCounts => countStatus(findings, now, 'fail');

export interface RankingRow {
  /** The last tie-break, for identical names. */
  code?: string;
  name: string;
  score: number;
  failing: FailingCounts;
}
// Names in Chinese (pinyin) order, place names read as places (nameOrder.ts).
export { compareNames } from './nameOrder.js';

/**
 * DESIGN.md: score descending, then fewer critical failing, then fewer high, then name (zh collation,
 * place names read as places), then institution code. The failing counts are those the exports show
 * (fail only, excepted ones left out): an unknown critical already costs its cap in the score, and a
 * tie-break an officer cannot read off the export could not be checked by hand.
 */
export function compareRanking(a: RankingRow, b: RankingRow): number {
  return b.score - a.score || a.failing.critical - b.failing.critical || a.failing.high - b.failing.high || compareNames(a.name, b.name) || (a.code ?? '').localeCompare(b.code ?? '');
}

/**
 * Rows in rank order. `position` is the strict order (1..n); `rank` is shared by rows equal on
 * everything but the name (competition ranking, 1, 2, 2, 4), so that an alphabetical tie-break is
 * never presented as a difference in compliance.
 */
export function rankInstitutions<T extends RankingRow>(rows: readonly T[]): Array<T & { position: number; rank: number }> {
  const sorted = [...rows].sort(compareRanking);
  const out: Array<T & { position: number; rank: number }> = [];
  sorted.forEach((row, i) => {
    const prev = out[i - 1];
    const tied = prev && prev.score === row.score && prev.failing.critical === row.failing.critical && prev.failing.high === row.failing.high;
    // The same object as `{ ...row, position, rank }`, which V8 (Node 20) builds several times slower: a province is 5,000 rows.
    out.push(Object.assign({}, row, { position: i + 1, rank: tied ? prev.rank : i + 1 }));
  });
  return out;
}
