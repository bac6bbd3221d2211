/**
 * Exact score arithmetic. Every shown score has one decimal; computing with it in floating point
 * makes an exact x.x5 land a hair below and round down (0.6 × 66.6 + 0.3 × 33.3 + 0.1 × 100 is
 * 59.949999… in doubles, but exactly 59.95 → 60.0). So scores are handled as integers of tenths,
 * sums and products stay integers (exact below 2^53), and the one division of each step rounds
 * half up on integers, never on a float.
 */

/** A stored or shown one-decimal score as an integer of tenths (66.6 → 666). */
export const toTenths = (score: number): number => Math.round(score * 10);
export const fromTenths = (tenths: number): number => tenths / 10;

/** n / d rounded half up, for integers n ≥ 0 and d > 0, without a float division. */
export function divHalfUp(n: number, d: number): number {
  if (!Number.isSafeInteger(n) || !Number.isSafeInteger(d) || n < 0 || d <= 0) throw new RangeError(`divHalfUp(${n}, ${d}): needs safe integers n ≥ 0, d > 0`);
  const q = 2 * n + d;
  const den = 2 * d;
  return (q - (q % den)) / den;
}

/** 100 × part / whole in tenths, rounded half up: a ratio as a one-decimal percentage. */
export const percentTenths = (part: number, whole: number): number => divHalfUp(1000 * part, whole);

/** Score weights as integers of millionths: a region's weights are read to six decimals. */
export const WEIGHT_UNIT = 1_000_000;
export const weightUnits = (w: number): number => Math.round(w * WEIGHT_UNIT);
