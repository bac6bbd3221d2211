import { describe, expect, it } from 'vitest';
import { LOGIN_LIMITS, loginVerdict } from './loginThrottle.js';

const NOW = new Date('2026-12-06T10:00:00Z');
const ago = (ms: number) => new Date(NOW.getTime() - ms).toISOString();
const stats = (pair: number, lastMsAgo: number, user = pair, address = pair) => ({ pair: { count: pair, last: pair ? ago(lastMsAgo) : null }, user, address });

describe('login throttling', () => {
  it('lets a (user, address) pair fail five times freely, then waits 30 s, doubling per failure up to 15 minutes', () => {
    expect(loginVerdict(stats(4, 0), NOW)).toEqual({ kind: 'try', delayMs: 0 });
    expect(loginVerdict(stats(5, 10_000), NOW)).toEqual({ kind: 'refuse', retryAfterMs: 20_000 });
    expect(loginVerdict(stats(5, 30_000), NOW)).toEqual({ kind: 'try', delayMs: 0 });
    expect(loginVerdict(stats(6, 30_000), NOW)).toEqual({ kind: 'refuse', retryAfterMs: 30_000 });
    expect(loginVerdict(stats(12, 0), NOW)).toEqual({ kind: 'refuse', retryAfterMs: LOGIN_LIMITS.pairBackoffMaxMs });
  });

  it('slows, never refuses, a user failing from many addresses, and an address failing for many users', () => {
    // A fresh address for a user guessed at from everywhere: slowed, not locked out.
    expect(loginVerdict({ pair: { count: 0, last: null }, user: 500, address: 0 }, NOW)).toEqual({ kind: 'try', delayMs: LOGIN_LIMITS.slowMs });
    // Someone else behind a NAT whose address guessed at other users.
    expect(loginVerdict({ pair: { count: 0, last: null }, user: 0, address: 300 }, NOW)).toEqual({ kind: 'try', delayMs: LOGIN_LIMITS.slowMs });
  });
});
