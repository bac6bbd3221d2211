import { describe, expect, it } from 'vitest';
import { compareDpkg, compareRpm, rpmEvr, rpmvercmp } from './versions.js';

describe("rpm version order (rpmvercmp cases from rpm's own test suite)", () => {
  it.each([
    ['1.0', '1.0', 0],
    ['1.0', '2.0', -1],
    ['2.0.1', '2.0', 1],
    ['5.5p1', '5.5p10', -1],
    ['10xyz', '10.1xyz', -1],
    ['xyz10', 'xyz10.1', -1],
    ['1.0a', '1.0', 1],
    ['1.0~rc1', '1.0', -1],
    ['1.0~rc1', '1.0~rc2', -1],
    ['1.0^', '1.0', 1],
    ['1.0^git1', '1.0.1', -1],
    ['1.010', '1.9', 1],
    ['2a', '2.0', -1],
    ['1.0', '1.0a', -1],
    ['b', 'a', 1],
  ] as const)('%s vs %s', (a, b, want) => expect(rpmvercmp(a, b)).toBe(want));
  it('the epoch wins over everything; a missing epoch is 0', () => {
    expect(compareRpm('1:1.8.0.352.b08-2.el7_9', '1.8.0.412.b08-1.el7_9')).toBe(1);
    expect(compareRpm('1:1.8.0.352.b08-2.el7_9', '1:1.8.0.412.b08-1.el7_9')).toBe(-1);
    expect(compareRpm('0:3.10.0-1160.el7', '3.10.0-1160.el7')).toBe(0);
    expect(compareRpm('3.10.0-1160.119.1.el7', '3.10.0-1160.83.1.el7')).toBe(1);
  });
  it('prints the epoch only when not 0', () => {
    expect(rpmEvr('(none)', '1.1.1k-12.el8_9')).toBe('1.1.1k-12.el8_9');
    expect(rpmEvr('0', '1.0-1')).toBe('1.0-1');
    expect(rpmEvr('1', '1.1.1k-12.el8_9')).toBe('1:1.1.1k-12.el8_9');
  });
});

describe('dpkg version order', () => {
  it.each([
    ['1.0', '1.0', 0],
    ['1.0~rc1', '1.0', -1],
    ['1.0', '1.0+deb12u1', -1],
    ['3.0.11-1~deb12u2', '3.0.15-1~deb12u1', -1],
    ['1:1.0', '2.0', 1],
    ['1.10', '1.9', 1],
    ['1.0-1', '1.0-1ubuntu0.1', -1],
    ['2.36-9+deb12u7', '2.36-9+deb12u10', -1],
    ['1.0a', '1.0', 1],
    ['1.0~', '1.0', -1],
  ] as const)('%s vs %s', (a, b, want) => expect(compareDpkg(a, b)).toBe(want));
});
