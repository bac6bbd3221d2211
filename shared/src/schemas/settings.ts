import { z } from 'zod';
import { IncidentSettings } from '../incidents.js';
import { NoticeSettings } from '../notices.js';
import { CredentialCheckSettings } from './credentials.js';
import { ScanSettings } from '../scanSchedule.js';
import { RULE_DATA_BY_ID, RULE_IDS } from '../rules/catalogue.js';
import { text } from './common.js';
import { RECORD_LIMITS, RuleIdSchema } from './records.js';

// A region's settings: which rules apply with what thresholds, the score weights, and the clocks
// the regulations leave to the region. Cities and counties may only tighten what they inherit.

export const RuleOverride = z
  .object({
    ruleId: RuleIdSchema,
    enabled: z.boolean().optional(),
    thresholds: z
      .record(text(64), z.union([z.number().finite(), z.boolean()]))
      .refine((t) => Object.keys(t).length <= RECORD_LIMITS.thresholdsPerRule, 'too many thresholds')
      .optional(),
  })
  .superRefine((o, ctx) => {
    const specs = RULE_DATA_BY_ID[o.ruleId].thresholds;
    for (const [key, value] of Object.entries(o.thresholds ?? {})) {
      const issue = (message: string) => ctx.addIssue({ code: 'custom', path: ['thresholds', key], message });
      const spec = specs[key];
      if (!spec) {
        issue(`${o.ruleId} has no threshold "${key}" (known: ${Object.keys(specs).join(', ') || 'none'})`);
        continue;
      }
      if (typeof value !== typeof spec.default) {
        issue(`expected a ${typeof spec.default}`);
        continue;
      }
      const v = Number(value);
      if ((spec.min !== undefined && v < spec.min) || (spec.max !== undefined && v > spec.max)) issue(`out of range ${spec.min ?? '-∞'}–${spec.max ?? '∞'}`);
      // REGULATION.md: regions may tighten thresholds, never loosen them.
      const d = Number(spec.default);
      if (spec.stricter === 'lower' ? v > d : v < d) issue(`may only be tightened (default ${String(spec.default)}, stricter is ${spec.stricter})`);
    }
  });
export type RuleOverride = z.infer<typeof RuleOverride>;

export const DEFAULT_SCORE_WEIGHTS = { technical: 0.6, governance: 0.3, coverage: 0.1 } as const;
const weight = () => z.number().min(0).max(1);
export const ScoreWeights = z
  .object({ technical: weight(), governance: weight(), coverage: weight() })
  .refine((w) => Math.abs(w.technical + w.governance + w.coverage - 1) < 1e-9, 'weights must add up to 1');
export type ScoreWeights = z.infer<typeof ScoreWeights>;

export const RegionSettings = z.object({
  rules: z
    .array(RuleOverride)
    .max(RULE_IDS.length)
    .refine((rs) => new Set(rs.map((r) => r.ruleId)).size === rs.length, 'a rule is listed twice')
    .default([]),
  /** HOST-AV-MISSING and HOST-AV-STALE also apply to Linux hosts. */
  requireLinuxAntimalware: z.boolean().default(false),
  /** Weak local passwords and services without authentication, checked by the agents (issue 24): absent or not enabled means off. */
  credentialChecks: CredentialCheckSettings.optional(),
  weights: ScoreWeights.default({ ...DEFAULT_SCORE_WEIGHTS }),
  /** A deadline this close is shown as due soon. */
  dueSoonDays: z.number().int().min(1).max(180).default(30),
  /** Incident clock settings the Measures leave open (一般 deadline, summary days); absent means the documented defaults. */
  incidents: IncidentSettings.optional(),
  /** The scanners' rate, concurrency, interval, window and extra ports (scanSchedule.ts); absent means the defaults. */
  scanning: ScanSettings.optional(),
  /** Rectification notices: how long after closing a linked finding failing again reopens an item; absent means the documented default. */
  notices: NoticeSettings.partial().optional(),
});
export type RegionSettings = z.infer<typeof RegionSettings>;
export type RegionSettingsInput = z.input<typeof RegionSettings>;
