import { describe, expect, it } from 'vitest';
import { safeRedirect } from './redirect.js';

describe('safeRedirect', () => {
  it('keeps paths on this site', () => {
    expect(safeRedirect('/hosts/h1?tab=ports')).toBe('/hosts/h1?tab=ports');
  });
  it('refuses anything that could leave the site', () => {
    for (const v of ['//evil.example/x', '/\\evil.example', 'https://evil.example', 'javascript:alert(1)', '', undefined, ['/a']]) expect(safeRedirect(v)).toBe('/');
  });
});
