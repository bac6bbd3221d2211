import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { WEIAN_VERSION } from './version.js';

describe('the one WeiAn version', () => {
  it('is what every package.json says', () => {
    for (const pkg of ['../package.json', '../../agent/package.json', '../../server/package.json', '../../dashboard/package.json']) {
      const { version } = JSON.parse(readFileSync(new URL(pkg, import.meta.url), 'utf8')) as { version?: string };
      expect(version, pkg).toBe(WEIAN_VERSION);
    }
  });
});
