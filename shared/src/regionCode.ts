import { z } from 'zod';

/**
 * Region codes (GB/T 2260, six digits: 330000 province, 330100 city, 330106 county) as codes alone:
 * level, prefix, ancestors, "is X within Y" and validation, the one home for every layer. Whether a
 * code names a real division is a question for the division table (server/src/services/regions.ts).
 */
export const REGION_LEVELS = ['province', 'city', 'county'] as const;
export type RegionLevel = (typeof REGION_LEVELS)[number];

/** Digits of a code that name a region of each level: the rest of the code is zeros (or, for a county, nothing). */
const PREFIX_LEN: Record<RegionLevel, number> = { province: 2, city: 4, county: 6 };

const SIX_DIGITS = /^\d{6}$/;
export const isRegionCode = (code: string): boolean => SIX_DIGITS.test(code);

/** A region code at the edge (router inputs, request schemas): six digits. */
export const RegionCode = z.string().regex(SIX_DIGITS, 'a six-digit region code');

/** Level of the region a code names; null for anything that is not six digits. */
export function regionLevelOf(code: string): RegionLevel | null {
  if (!isRegionCode(code)) return null;
  if (code.endsWith('0000')) return 'province';
  if (code.endsWith('00')) return 'city';
  return 'county';
}

/** The first digits of `code` that a region of `level` shares with everything inside it. */
export const prefixAt = (code: string, level: RegionLevel): string => code.slice(0, PREFIX_LEN[level]);

/** The prefix every code inside the region shares (3301 for 330100); a malformed code is taken whole. */
export const regionPrefix = (code: string): string => prefixAt(code, regionLevelOf(code) ?? 'county');

/** The region code a prefix stands for (33 → 330000). */
export const codeOfPrefix = (prefix: string): string => prefix.padEnd(6, '0');

/** The prefix length one level down (a province's cities, a city's counties); null below a county. */
export function childPrefixLength(prefixLength: number): number | null {
  const i = REGION_LEVELS.findIndex((l) => PREFIX_LEN[l] === prefixLength);
  const child = i < 0 ? undefined : REGION_LEVELS[i + 1];
  return child ? PREFIX_LEN[child] : null;
}

/** Province, city and the code itself, top down, each once (a city's chain is province and city). */
export const regionAncestors = (code: string): string[] => [...new Set([codeOfPrefix(prefixAt(code, 'province')), codeOfPrefix(prefixAt(code, 'city')), code])];

/** Whether region (or institution region) `code` lies at or below region `outer`. */
export const regionWithin = (code: string, outer: string): boolean => code.startsWith(regionPrefix(outer));
