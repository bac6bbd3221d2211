import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compareVersions, isOutdated, WEIAN_VERSION } from './version.js';

describe('the one WeiAn version', () => {
  it('is what every package.json says', () => {
    for (const pkg of ['../package.json', '../../agent/package.json', '../../server/package.json', '../../dashboard/package.json']) {
      const { version } = JSON.parse(readFileSync(new URL(pkg, import.meta.url), 'utf8')) as { version?: string };
      expect(version, pkg).toBe(WEIAN_VERSION);
    }
  });
});

describe('outdated agents', () => {
  it('compares versions by number, not text', () => {
    expect(compareVersions('0.9.0', '0.10.0')).toBeLessThan(0);
    expect(compareVersions('1.0.0', '0.99.99')).toBeGreaterThan(0);
    expect(compareVersions('0.1.0', '0.1.0')).toBe(0);
  });
  it('marks older and unknown versions outdated, never newer ones', () => {
    expect(isOutdated('0.1.0', '0.1.1')).toBe(true);
    expect(isOutdated(null, '0.1.1')).toBe(true);
    expect(isOutdated('garbage', '0.1.1')).toBe(true);
    expect(isOutdated('0.1.1', '0.1.1')).toBe(false);
    expect(isOutdated('0.2.0', '0.1.1')).toBe(false);
  });
});
