import { describe, expect, it } from 'vitest';
import { capList, localTimeToIso, parseJson, parseKeyColon, psDate, segmentRegExp } from './parse.js';

describe('text helpers', () => {
  it('local wall-clock times at an offset; an explicit zone wins', () => {
    expect(localTimeToIso('2024-05-10 02:00:03', 480)).toBe('2024-05-09T18:00:03.000Z');
    expect(localTimeToIso('2024-05-10T02:00:03.123456789+08:00', 0)).toBe('2024-05-09T18:00:03.123Z');
    expect(localTimeToIso('2024-05-10T02:00:03Z', 480)).toBe('2024-05-10T02:00:03.000Z');
    expect(localTimeToIso('星期五', 0)).toBeNull();
  });
  it('PowerShell dates', () => {
    expect(psDate('\\/Date(1704931200000)\\/')).toBe('2024-01-11T00:00:00.000Z');
    expect(psDate({ value: '/Date(1704931200000)/', DateTime: '2024年1月11日' })).toBe('2024-01-11T00:00:00.000Z');
    expect(psDate('2024-03-13T16:00:00.0000000Z')).toBe('2024-03-13T16:00:00.000Z');
    expect(psDate('3/13/2024')).toBeNull();
  });
  it('JSON with a BOM, truncated JSON', () => {
    expect(parseJson('\uFEFF{"a":1}')).toEqual({ a: 1 });
    expect(parseJson('{"a":')).toBeNull();
  });
  it('full-width colons of Chinese output', () => {
    expect(parseKeyColon('源：DC01\nSource: x')).toEqual({ 源: 'DC01', source: 'x' });
  });
  it('lists over a bound are cut with a warning', () => {
    const w: string[] = [];
    expect(capList([1, 2, 3], 2, 'things', w)).toEqual([1, 2]);
    expect(w).toEqual(['3 things found, only the first 2 are reported']);
  });
  it('glob segments', () => {
    expect(segmentRegExp('his_??.dmp').test('his_01.dmp')).toBe(true);
    expect(segmentRegExp('[0-9]*.conf').test('10-a.conf')).toBe(true);
    expect(segmentRegExp('*.BAK', true).test('x.bak')).toBe(true);
    expect(segmentRegExp('*.conf').test('a.conf.rpmsave')).toBe(false);
  });
});
