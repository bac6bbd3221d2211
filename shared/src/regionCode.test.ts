import { describe, expect, it } from 'vitest';
import { childPrefixLength, codeOfPrefix, isRegionCode, prefixAt, regionAncestors, RegionCode, regionLevelOf, regionPrefix, regionWithin } from './regionCode.js';

describe('region codes (GB/T 2260)', () => {
  it('tells the level of a code, and nothing for a malformed one', () => {
    expect(regionLevelOf('330000')).toBe('province');
    expect(regionLevelOf('330100')).toBe('city');
    expect(regionLevelOf('330106')).toBe('county');
    // A county whose own digits end in 0 is still a county.
    expect(regionLevelOf('110110')).toBe('county');
    for (const bad of ['33010', '3301060', '33010a', '', ' 330106']) expect(regionLevelOf(bad)).toBeNull();
  });

  it('validates at the edge with one zod type', () => {
    expect(RegionCode.parse('330106')).toBe('330106');
    expect(RegionCode.safeParse('33010').success).toBe(false);
    expect(RegionCode.safeParse('330106\n').success).toBe(false);
    expect(isRegionCode('330106')).toBe(true);
    expect(isRegionCode('abcdef')).toBe(false);
  });

  it('gives the prefix a region shares with everything inside it', () => {
    expect(regionPrefix('330000')).toBe('33');
    expect(regionPrefix('330100')).toBe('3301');
    expect(regionPrefix('330106')).toBe('330106');
    // Not the trailing zeros stripped: 110110 is a county, its prefix is the whole code.
    expect(regionPrefix('110110')).toBe('110110');
    expect(prefixAt('330106', 'city')).toBe('3301');
    expect(codeOfPrefix('3301')).toBe('330100');
    expect(childPrefixLength(2)).toBe(4);
    expect(childPrefixLength(4)).toBe(6);
    expect(childPrefixLength(6)).toBeNull();
  });

  it('lists ancestors top down, each once', () => {
    expect(regionAncestors('330106')).toEqual(['330000', '330100', '330106']);
    expect(regionAncestors('330100')).toEqual(['330000', '330100']);
    expect(regionAncestors('330000')).toEqual(['330000']);
  });

  it('tells whether a code lies within a region', () => {
    expect(regionWithin('330106', '330000')).toBe(true);
    expect(regionWithin('330106', '330100')).toBe(true);
    expect(regionWithin('330106', '330106')).toBe(true);
    expect(regionWithin('330206', '330100')).toBe(false);
    expect(regionWithin('110111', '110110')).toBe(false);
    expect(regionWithin('320106', '330000')).toBe(false);
  });
});
