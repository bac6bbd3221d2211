import { describe, expect, it } from 'vitest';
import { newId, newSecret } from './secrets.js';

describe('newId', () => {
  it('names rows with the prefix, the time and 96 random bits, never the same twice across pool refills', () => {
    const ids = Array.from({ length: 2000 }, () => newId('ft'));
    for (const id of ids) expect(id).toMatch(/^ft_[0-9a-f]{12}[A-Za-z0-9_-]{16}$/);
    // 2,000 ids draw the 4 KiB pool several times over.
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('sorts ids by the time they were made, whatever their random part', () => {
    const times = [Date.UTC(2026, 11, 7, 8), Date.UTC(2026, 11, 7, 8, 0, 0, 1), Date.UTC(2027, 0, 1), Date.UTC(2100, 0, 1)];
    const ids = times.map((t) => newId('al', t));
    expect([...ids].reverse().sort()).toEqual(ids);
  });
});

describe('newSecret', () => {
  it('never starts with a dash, which a command line would read as an option', () => {
    // One draw in 64 would; 3,000 draws without the guard all miss with odds of about 1 in 10^20.
    const secrets = Array.from({ length: 3000 }, () => newSecret());
    for (const s of secrets) expect(s).toMatch(/^[A-Za-z0-9_][A-Za-z0-9_-]{42}$/);
    expect(new Set(secrets).size).toBe(secrets.length);
  });
});
