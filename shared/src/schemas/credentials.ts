import { z } from 'zod';
import { LIMITS, text } from './common.js';

/**
 * Weak credentials checked on the host (issue 24): opt-in per region, off by default. Only the
 * verdict leaves the host — account or service, weak yes/no, the scheme, which check — never a
 * hash, a password or a dictionary word (the agent's tests assert it on the report it sends).
 */

/** What the region asks of its agents: off by default; its own words and institution initials extend the bundled dictionary. */
export const CredentialCheckSettings = z.object({
  enabled: z.boolean().default(false),
  /** Extra weak passwords the region has seen (e.g. the HIS vendor's default). */
  words: z.array(z.string().min(1).max(64)).max(200).default([]),
  /** Institution name initials (e.g. "xxrmyy"): tried with years and the usual separators. */
  initials: z
    .array(z.string().regex(/^[A-Za-z]{2,16}$/, 'letters only'))
    .max(20)
    .default([]),
  /** CPU the check may spend per day on one host, ms; past it, accounts not reached are `unknown`. */
  cpuBudgetMsPerDay: z.number().int().min(1000).max(3_600_000).default(60_000),
});
export type CredentialCheckSettings = z.infer<typeof CredentialCheckSettings>;
export type CredentialCheckSettingsInput = z.input<typeof CredentialCheckSettings>;

export const PASSWORD_SCHEMES = ['sha512crypt', 'sha256crypt', 'md5crypt', 'yescrypt', 'bcrypt', 'descrypt', 'other', 'none'] as const;
/**
 * Which check decided: for a weak account, the kind of candidate that matched (never the candidate);
 * for a strong one, `dictionary` (every candidate tried); for an undecided one, why.
 */
export const WEAK_PASSWORD_CHECKS = ['empty-password', 'dictionary', 'account-name', 'institution-pattern', 'region-words', 'budget', 'scheme-unsupported'] as const;
export const AccountVerdict = z.object({
  account: text(64),
  /** null: not decided (check says why). */
  weak: z.boolean().nullable(),
  scheme: z.enum(PASSWORD_SCHEMES),
  check: z.enum(WEAK_PASSWORD_CHECKS),
});
export type AccountVerdict = z.infer<typeof AccountVerdict>;

export const NOAUTH_SERVICES = ['redis', 'mongodb', 'elasticsearch', 'memcached', 'mysql', 'postgresql'] as const;
export type NoAuthService = (typeof NOAUTH_SERVICES)[number];
export const ServiceAuthVerdict = z.object({
  service: z.enum(NOAUTH_SERVICES),
  /** The port the probe reached (or the one the config serves): the rule looks it up in the ports section. */
  port: z.number().int().min(0).max(65535),
  /** true: it answered without credentials; null: could not tell (reason). */
  noAuth: z.boolean().nullable(),
  /** What was done, e.g. "PING without AUTH", "pg_hba.conf: trust for 0.0.0.0/0". */
  check: text(),
  reason: text(LIMITS.longText).nullable(),
});
export type ServiceAuthVerdict = z.infer<typeof ServiceAuthVerdict>;

export const CredentialsData = z.object({
  /** Linux: one verdict per login-capable account. Empty on Windows (hashes are not read there). */
  accounts: z.array(AccountVerdict).max(1024),
  /**
   * Windows: what can be known without dumping secrets; null values could not be read. Null on Linux.
   * neverExpire: enabled local accounts whose password never expires.
   */
  windows: z.object({ blankPasswordsAllowed: z.boolean().nullable(), neverExpire: z.array(text(64)).max(256).nullable(), adminEnabled: z.boolean().nullable() }).nullable(),
  services: z.array(ServiceAuthVerdict).max(32),
  /** What was not checked, in the agent's words (e.g. "Windows passwords are not tested"). */
  notChecked: z.array(text(LIMITS.longText)).max(16),
});
export type CredentialsData = z.infer<typeof CredentialsData>;
