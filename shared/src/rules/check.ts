import { SEVERITIES, type CheckResult, type CheckStatus, type Evidence, type Severity } from './types.js';
import type { HostCheckInput, InstitutionCheckInput, SectionState } from './inputs.js';
import type { HostRuleId, InstitutionRuleId, ThresholdsOf } from './catalogue.js';
import type { SectionName } from '../schemas/sections.js';

/** Helpers every family's checks share: result constructors, section access, aggregation. */

export type HostCheck<Id extends HostRuleId> = (input: HostCheckInput, thresholds: ThresholdsOf<Id>, now: Date) => CheckResult;
export type InstitutionCheck<Id extends InstitutionRuleId> = (input: InstitutionCheckInput, thresholds: ThresholdsOf<Id>, now: Date) => CheckResult;
export type HostChecks<Ids extends HostRuleId> = { [K in Ids]: HostCheck<K> };
export type InstitutionChecks<Ids extends InstitutionRuleId> = { [K in Ids]: InstitutionCheck<K> };

export const evidence = (zh: string, en: string, data?: Record<string, unknown>): Evidence => (data ? { zh, en, data } : { zh, en });
const result =
  (status: CheckStatus) =>
  (zh: string, en: string, data?: Record<string, unknown>, severity?: Severity): CheckResult =>
    severity ? { status, evidence: evidence(zh, en, data), severity } : { status, evidence: evidence(zh, en, data) };
export const pass = result('pass');
export const fail = result('fail');
export const unknown = result('unknown');
export const notApplicable = result('not-applicable');

const SECTION_LABEL: Record<SectionName, string> = { device: '设备信息', patches: '补丁', ports: '端口', backups: '备份', security: '主机安全' };

/** The section's data, or the `unknown` result that says why it is missing: never a pass. */
export function sectionData<K extends SectionName>(name: K, state: SectionState<K>): { ok: true; data: Extract<SectionState<K>, { status: 'ok' }>['data'] } | { ok: false; result: CheckResult } {
  switch (state.status) {
    case 'ok':
      return { ok: true, data: state.data };
    case 'error':
      return {
        ok: false,
        result: unknown(`${SECTION_LABEL[name]}采集失败（${state.error.code}）：${state.error.message}`, `the ${name} collector failed (${state.error.code}): ${state.error.message}`, {
          reason: 'section-error',
          section: name,
          code: state.error.code,
        }),
      };
    case 'unsupported':
      return {
        ok: false,
        result: unknown(
          `该主机不支持采集${SECTION_LABEL[name]}${state.reason ? `：${state.reason}` : ''}`,
          `the ${name} section is not supported on this host${state.reason ? `: ${state.reason}` : ''}`,
          { reason: 'section-unsupported', section: name },
        ),
      };
    case 'missing':
      return {
        ok: false,
        result: unknown(`尚未收到${SECTION_LABEL[name]}数据`, `no ${name} data received yet`, { reason: 'section-missing', section: name }),
      };
  }
}

/** A value the agent could not tell (null) is unknown, never a pass. */
// A space between Chinese and a Latin word ("探针无法判断 sshd 的配置"), as Chinese typesetting has it.
export const couldNotTell = (zh: string, en: string, field: string): CheckResult =>
  unknown(`探针无法判断${/^[A-Za-z0-9]/.test(zh) ? ' ' : ''}${zh}`, `the agent could not tell ${en}`, { reason: 'value-unknown', field });

export const DAY_MS = 86_400_000;
export const HOUR_MS = 3_600_000;
/** Age of an ISO instant at `now`, in days (fractional). */
export const ageDays = (instant: string | Date, now: Date): number => (now.getTime() - new Date(instant).getTime()) / DAY_MS;
export const fmtDays = (d: number): string => (Math.floor(d * 10) / 10).toFixed(1).replace(/\.0$/, '');

export const maxSeverity = (severities: readonly Severity[]): Severity | undefined => (severities.length ? SEVERITIES[Math.min(...severities.map((s) => SEVERITIES.indexOf(s)))] : undefined);

/** A short list for evidence text; the full list goes into `data`. */
export const listText = (items: readonly string[], max = 5): string => (items.length <= max ? items.join(', ') : `${items.slice(0, max).join(', ')} … (+${items.length - max})`);

/**
 * Aggregates per-item results (one per system, per job): any fail fails, else any unknown is
 * unknown, else any pass passes, else not applicable. Severity: the highest among the results
 * that decided the outcome.
 */
export function combine(items: ReadonlyArray<{ label: string; result: CheckResult }>, none: CheckResult): CheckResult {
  const applicable = items.filter((i) => i.result.status !== 'not-applicable');
  if (applicable.length === 0) return none;
  const status: CheckStatus = applicable.some((i) => i.result.status === 'fail') ? 'fail' : applicable.some((i) => i.result.status === 'unknown') ? 'unknown' : 'pass';
  const deciding = status === 'pass' ? applicable : applicable.filter((i) => i.result.status === status);
  const severity = maxSeverity(deciding.flatMap((i) => (i.result.severity ? [i.result.severity] : [])));
  const lines = deciding.map((i) => i.result.evidence);
  return {
    status,
    evidence: evidence(lines.map((e) => e.zh).join('；'), lines.map((e) => e.en).join('; '), {
      items: applicable.map((i) => ({ label: i.label, status: i.result.status, ...(i.result.evidence.data ?? {}) })),
    }),
    ...(severity ? { severity } : {}),
  };
}
