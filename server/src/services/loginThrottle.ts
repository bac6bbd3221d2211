/**
 * How failed sign-ins are throttled (SECURITY.md, "Sign-in throttling"). Issue 18: five failures
 * from anywhere used to lock `admin` out for 15 minutes, correct password included, and 30 from one
 * address locked out everyone behind it (a bureau's NAT). Now:
 *
 * - per (user, address) pair: 5 failures free, then a wait that doubles with each further failure
 *   (30 s, 1 min, 2 min … at most 15 min) before that pair may try again;
 * - per user across all addresses, and per address across all users: past a ceiling each attempt is
 *   slowed (a fixed delay before the password is checked), never refused, so a guesser elsewhere
 *   cannot lock the real user out;
 * - sustained attempts on one user (LOGIN_LIMITS.alertAfter failures in the window) are reported
 *   to admins, once per window; an admin can clear a user's failures (users.unlock).
 */
export const LOGIN_LIMITS = {
  windowMs: 15 * 60_000,
  pairFree: 5,
  pairBackoffMs: 30_000,
  pairBackoffMaxMs: 15 * 60_000,
  userSlowAfter: 20,
  addressSlowAfter: 30,
  slowMs: 1_000,
  alertAfter: 25,
} as const;

export interface FailureStats {
  /** Failures of this (user, address) pair in the window, and when the last one was. */
  pair: { count: number; last: string | null };
  /** Failures of this user from every address in the window. */
  user: number;
  /** Failures from this address for every user in the window. */
  address: number;
}

export type LoginVerdict = { kind: 'refuse'; retryAfterMs: number } | { kind: 'try'; delayMs: number };

/** What an attempt may do now, from the failures recorded so far. Pure: `now` is passed in. */
export function loginVerdict(stats: FailureStats, now: Date, limits = LOGIN_LIMITS): LoginVerdict {
  const over = stats.pair.count - limits.pairFree;
  if (over >= 0 && stats.pair.last) {
    const wait = Math.min(limits.pairBackoffMs * 2 ** over, limits.pairBackoffMaxMs);
    const left = Date.parse(stats.pair.last) + wait - now.getTime();
    if (left > 0) return { kind: 'refuse', retryAfterMs: left };
  }
  const slow = stats.user >= limits.userSlowAfter || stats.address >= limits.addressSlowAfter;
  return { kind: 'try', delayMs: slow ? limits.slowMs : 0 };
}

/** The keys failures are counted under. Usernames compare case-insensitively, as sign-in does. */
export const failureKeys = (username: string, address: string) => {
  const user = username.toLowerCase();
  return { user: `user:${user}`, address: `addr:${address}`, pair: `pair:${user}|${address}`, pairsOfUser: `pair:${user}|` };
};
