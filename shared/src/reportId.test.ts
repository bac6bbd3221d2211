import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { newReportId } from './reportId.js';

describe('newReportId', () => {
  it('is a version 7 UUID the report schema accepts, carrying the time in its first 48 bits', () => {
    const at = Date.UTC(2026, 10, 23, 4, 45, 3, 123);
    const id = newReportId(at);
    expect(z.uuid().safeParse(id).success).toBe(true);
    expect(id[14]).toBe('7');
    expect('89ab').toContain(id[19]);
    expect(parseInt(id.replace(/-/g, '').slice(0, 12), 16)).toBe(at);
  });

  it('sorts as time goes on, and differs within one millisecond', () => {
    const t0 = Date.UTC(2026, 0, 1);
    const ids = [0, 1, 2, 1000, 86_400_000, 2 ** 40].map((d) => newReportId(t0 + d));
    expect([...ids].sort()).toEqual(ids);
    const same = new Set(Array.from({ length: 1000 }, () => newReportId(t0)));
    expect(same.size).toBe(1000);
  });

  it('takes its randomness from the given source', () => {
    const zeros = newReportId(0, (b) => b.fill(0));
    expect(zeros).toBe('00000000-0000-7000-8000-000000000000');
  });
});
