import type { SectionName } from '../schemas/sections.js';
import type { HostRuleId } from './catalogue.js';
import { unknown } from './check.js';
import type { CheckResult } from './types.js';
import type { HostSections } from './inputs.js';

/**
 * What each host rule reads from the agent's sections, as "section.field" paths. One place, so that
 * the general rule holds for every rule alike: when a field a rule reads is flagged uncertain by the
 * agent, the rule cannot pass (it is `unknown`, with the agent's reason). A fail stands: what was
 * read is real, even when more could not be read. The compiler checks that every host rule is here.
 */
export const HOST_RULE_READS: { readonly [K in HostRuleId]: readonly FieldPath[] } = {
  'HOST-OS-EOL': ['device.os'],
  'HOST-PATCH-SECURITY': ['patches.pending', 'patches.pending.security'],
  'HOST-PATCH-STALE': ['patches.lastPatchedAt'],
  'HOST-REBOOT-PENDING': ['patches.rebootRequired'],
  'HOST-PORT-REMOTE-PUBLIC': ['ports.listeners'],
  'HOST-PORT-RISKY-PUBLIC': ['ports.listeners'],
  'HOST-PORT-PLAINTEXT': ['ports.listeners'],
  'HOST-PORT-DB-WILDCARD': ['ports.listeners'],
  'HOST-FIREWALL-OFF': ['security.firewall'],
  'HOST-AV-MISSING': ['device.os', 'security.antimalware'],
  'HOST-AV-STALE': ['device.os', 'security.antimalware', 'security.antimalware.signatureUpdatedAt'],
  'HOST-AUDIT-OFF': ['device.os', 'security.audit', 'security.auditPolicy'],
  'HOST-TIME-UNSYNCED': ['security.timeSync'],
  'HOST-SSH-ROOT-PASSWORD': ['security.ssh'],
  'HOST-PASSWORD-POLICY': ['security.passwordPolicy'],
  'HOST-ACCOUNT-LOCKOUT': ['security.lockout'],
  'HOST-AUDIT-POLICY': ['device.os', 'security.auditPolicy'],
  'HOST-REMOTE-HARDENING': ['device.os', 'security.remoteAccess'],
  'HOST-WEAK-PASSWORD': ['security.credentials', 'security.credentials.accounts', 'security.credentials.windows'],
  // ports.listeners only raises the severity of a fail: a flag on it must not turn a pass unknown.
  'HOST-SERVICE-NOAUTH': ['security.credentials', 'security.credentials.services'],
  'HOST-LOG-RETENTION': ['security.logRetention'],
  'HOST-BACKUP-NONE': ['backups.jobs'],
  'HOST-BACKUP-STALE': ['backups.jobs'],
  'HOST-BACKUP-FAILED': ['backups.jobs'],
  'HOST-BACKUP-OFFSITE': ['backups.jobs'],
  'HOST-BACKUP-RESTORE-TEST': ['backups.jobs'],
  // Judged on the server's own clock and the time of the last report: nothing the agent sends.
  'HOST-AGENT-SILENT': [],
};
export type FieldPath = `${SectionName}.${string}`;

export interface UncertainFlag {
  field: string;
  code: string;
  reason: string;
}

/**
 * Warnings of agents before the `uncertain` field (≤ 0.x of this issue) that say a field cannot be
 * decided. Old agents keep reporting for a while; their warning must weigh as much as a flag.
 */
const LEGACY_WARNINGS: ReadonlyArray<{ section: SectionName; field: string; code: string; pattern: RegExp }> = [
  { section: 'patches', field: 'pending.security', code: 'no-security-classification', pattern: /security updates cannot be told apart|security advisories could not be read/ },
  { section: 'patches', field: 'pending', code: 'partial-list', pattern: /pending list is partial|but none could be read|no "Inst" line could be read/ },
];

/** The flags of one section: the agent's own, plus those its warnings imply (older agents). */
export function uncertainFlags(name: SectionName, sections: HostSections): UncertainFlag[] {
  const s = sections[name];
  if (s.status !== 'ok') return [];
  const own = (s.data as { uncertain?: UncertainFlag[] }).uncertain ?? [];
  const legacy = (s.warnings ?? []).flatMap((w) =>
    LEGACY_WARNINGS.filter((l) => l.section === name && l.pattern.test(w) && !own.some((o) => o.field === l.field)).map((l) => ({ field: l.field, code: l.code, reason: w })),
  );
  return [...own, ...legacy];
}

/** A flag on "a.b" covers reads of "a.b" and of anything under it, and a read of "a.b.c" is covered by a flag on "a". */
const covers = (flag: string, read: string) => flag === read || read.startsWith(`${flag}.`) || flag.startsWith(`${read}.`);

/** The flags that touch what a rule reads. */
export function flagsFor(reads: readonly FieldPath[], sections: HostSections): Array<UncertainFlag & { section: SectionName }> {
  const out: Array<UncertainFlag & { section: SectionName }> = [];
  for (const name of new Set(reads.map((r) => r.split('.')[0] as SectionName))) {
    const mine = reads.filter((r) => r.startsWith(`${name}.`)).map((r) => r.slice(name.length + 1));
    for (const f of uncertainFlags(name, sections)) if (mine.some((r) => covers(f.field, r))) out.push({ ...f, section: name });
  }
  return out;
}

/** Reasons the agent gives, in Chinese for the codes it uses; others show the agent's own words. */
const CODE_ZH: Readonly<Record<string, string>> = {
  'no-security-classification': '软件源未标明哪些更新是安全更新，无法区分安全更新',
  'partial-list': '列表不完整（输出被截断或部分无法读取）',
  garbled: '命令输出无法解析',
  'command-failed': '命令执行失败',
  'vendor-default-unknown': '配置未显式设置，且无法确定该发行版的默认值',
  'not-readable': '无法读取',
};

/** A flag's reason as the Chinese views show it: by its code where known, else the agent's words. */
export const reasonZh = (f: UncertainFlag): string => CODE_ZH[f.code] ?? f.reason;

/**
 * Flags a region's setting answers: with HOST-PATCH-SECURITY's `pendingAsSecurity` on, a host that
 * cannot tell security updates apart has every pending update counted as one, so that flag no longer
 * stands in the way (a partial list still does).
 */
export function waivedFlags(ruleId: HostRuleId, thresholds: Readonly<Record<string, unknown>>): readonly string[] {
  return ruleId === 'HOST-PATCH-SECURITY' && thresholds.pendingAsSecurity === true ? ['pending.security'] : [];
}

/** A pass on data the agent flagged uncertain becomes `unknown` with the agent's reasons. */
export function withUncertainty(result: CheckResult, reads: readonly FieldPath[], sections: HostSections, waived: readonly string[] = []): CheckResult {
  if (result.status !== 'pass') return result;
  const flags = flagsFor(reads, sections).filter((f) => !waived.includes(f.field));
  if (!flags.length) return result;
  const zh = flags.map((f) => `${f.section}.${f.field}：${CODE_ZH[f.code] ?? f.reason}`).join('；');
  const en = flags.map((f) => `${f.section}.${f.field}: ${f.reason}`).join('; ');
  return unknown(`探针无法确定所需数据，不能判为合规（${zh}）`, `the agent could not vouch for the data this rule reads, so it cannot pass (${en})`, {
    reason: 'data-uncertain',
    uncertain: flags.map((f) => ({ section: f.section, field: f.field, code: f.code })),
    would: result.evidence.data ?? null,
  });
}
