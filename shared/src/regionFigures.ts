import { GRADES, gradeOf, type Grade } from './scoring.js';
import { divHalfUp, fromTenths, toTenths } from './tenths.js';

/**
 * Every figure shown for a region (its score, grade, grade counts and the totals beside them), in
 * one place, for the overview, the daily trend snapshot, the rankings and every export.
 *
 * Policy for an institution with no score yet (registered, nothing reported or evaluated): it counts
 * in the region with score 0 and grade D, in the average as in the grade counts. Missing evidence is
 * never a pass, and leaving such institutions out would let a region look better by enrolling late.
 */
export interface RegionPart {
  /** How many institutions this part stands for: 1 for one institution, n for an aggregate read in SQL. */
  institutions: number;
  /** Their scores summed, in tenths (integers: 66.6 is 666); 0 for institutions without a score. */
  scoreTenths: number;
  /** Their common grade; null for institutions that have no score yet (counted as D). */
  grade: Grade['letter'] | null;
  failingCritical?: number;
  failingHigh?: number;
  hostsRegistered?: number;
  hostsReporting?: number;
  overdueMlps?: number;
}
export interface RegionFigures {
  institutions: number;
  /** Plain mean of the institutions' scores, rounded half up once; null without institutions. */
  averageScore: number | null;
  grade: Grade['letter'] | null;
  distribution: Record<Grade['letter'], number>;
  totals: { failingCritical: number; failingHigh: number; hostsRegistered: number; hostsReporting: number; overdueMlps: number };
}

/** One institution as a part: `score` null when it has none yet. */
export const institutionPart = (score: number | null, counts: Omit<RegionPart, 'institutions' | 'scoreTenths' | 'grade'> = {}): RegionPart => ({
  institutions: 1,
  scoreTenths: score === null ? 0 : toTenths(score),
  grade: score === null ? null : gradeOf(score).letter,
  ...counts,
});

export function regionFigures(parts: Iterable<RegionPart>): RegionFigures {
  const distribution = Object.fromEntries(GRADES.map((g) => [g.letter, 0])) as Record<Grade['letter'], number>;
  const totals = { failingCritical: 0, failingHigh: 0, hostsRegistered: 0, hostsReporting: 0, overdueMlps: 0 };
  let institutions = 0;
  let tenths = 0;
  for (const p of parts) {
    institutions += p.institutions;
    tenths += p.scoreTenths;
    distribution[p.grade ?? gradeOf(0).letter] += p.institutions;
    for (const k of Object.keys(totals) as Array<keyof typeof totals>) totals[k] += p[k] ?? 0;
  }
  const averageScore = institutions ? fromTenths(divHalfUp(tenths, institutions)) : null;
  return { institutions, averageScore, grade: averageScore === null ? null : gradeOf(averageScore).letter, distribution, totals };
}

/** The region score alone, of institutions' scores (null: no score yet, counted as 0). */
export const regionScore = (scores: Iterable<number | null>): number | null => regionFigures([...scores].map((s) => institutionPart(s))).averageScore;
