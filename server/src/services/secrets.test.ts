import { describe, expect, it } from 'vitest';
import { newId } from './secrets.js';

describe('newId', () => {
  it('names rows with the prefix and 96 random bits, never the same twice across pool refills', () => {
    const ids = Array.from({ length: 2000 }, () => newId('ft'));
    for (const id of ids) expect(id).toMatch(/^ft_[A-Za-z0-9_-]{16}$/);
    // 2,000 ids draw the 4 KiB pool several times over.
    expect(new Set(ids).size).toBe(ids.length);
  });
});
