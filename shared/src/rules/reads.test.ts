import { describe, expect, it } from 'vitest';
import { FIXTURE_NOW as NOW, healthyCredentials, healthyHost, healthyInstitution, healthyWindowsData } from './fixtures.js';
import { evaluateHost, evaluateInstitution, resolveSettings, RULES, HOST_RULE_READS, type Finding, type HostRuleId } from './index.js';
import { RegionSettings } from '../schemas/settings.js';
import type { SectionData, SectionName } from '../schemas/sections.js';
import type { HostRuleInput, HostSections } from './inputs.js';

// The general rule of issue 19, table-driven over the whole catalogue: when the data a rule reads is
// missing, partial or flagged uncertain by the agent, the verdict is `unknown` with the reason shown.

/** A host on which every host rule passes (anti-malware required and fresh, level-3 system). */
function passingHost(change: (d: SectionData) => void = () => {}, windows = false): HostRuleInput {
  return healthyHost((d) => {
    if (windows) Object.assign(d, healthyWindowsData());
    d.security.antimalware = { required: true, running: true, product: 'ClamAV', signatureUpdatedAt: new Date(NOW.getTime() - 86_400_000).toISOString() };
    // The weak-credential rules are opt-in: the region that checks them gets a part that passes.
    d.security.credentials = healthyCredentials();
    change(d);
  });
}
/** Rules that apply to Windows hosts only are tried on a healthy Windows host. */
const WINDOWS_ONLY: ReadonlySet<HostRuleId> = new Set(['HOST-AUDIT-POLICY']);
const hostFor = (id: HostRuleId, change?: (d: SectionData) => void) => passingHost(change, WINDOWS_ONLY.has(id));
const settings = resolveSettings(RegionSettings.parse({ requireLinuxAntimalware: true }));
const judge = (input: HostRuleInput): Record<string, Finding> => Object.fromEntries(evaluateHost(input, settings, NOW).map((f) => [f.ruleId, f]));
const hostRules = RULES.filter((r) => r.subject === 'host').map((r) => r.id as HostRuleId);

describe('the baseline passes every host rule (so each case below can fail)', () => {
  it.each(hostRules)('%s', (id) => expect(judge(hostFor(id))[id]!.status).toBe('pass'));
});

describe('a field the agent flags uncertain makes every rule that reads it unknown, with the reason', () => {
  const cases = hostRules.flatMap((id) => HOST_RULE_READS[id].map((path) => [id, path] as const));
  it.each(cases)('%s reading %s', (id, path) => {
    const [section, ...rest] = path.split('.') as [SectionName, ...string[]];
    const input = hostFor(id, (d) => {
      (d[section] as { uncertain?: unknown[] }).uncertain = [{ field: rest.join('.'), code: 'garbled', reason: `test: ${path} was garbled` }];
    });
    const f = judge(input)[id]!;
    expect(f.status).toBe('unknown');
    expect(f.evidence.en).toContain(`test: ${path} was garbled`);
    expect(f.evidence.zh).toContain('命令输出无法解析');
    expect(f.evidence.data?.['reason']).toBe('data-uncertain');
  });

  it('a flag on a field no rule reads changes nothing', () => {
    const before = judge(passingHost());
    const f = judge(passingHost((d) => (d.device.uncertain = [{ field: 'hardware.serial', code: 'garbled', reason: 'x' }])));
    expect(Object.values(f).every((x) => x.status === before[x.ruleId]!.status && x.status !== 'unknown')).toBe(true);
  });

  it('a fail stands on what was read, flag or not', () => {
    const f = judge(
      passingHost((d) => {
        d.security.firewall = { active: false, product: 'iptables' };
        d.security.uncertain = [{ field: 'firewall', code: 'partial-list', reason: 'nft could not be read' }];
      }),
    );
    expect(f['HOST-FIREWALL-OFF']!.status).toBe('fail');
  });
});

describe('a section that is missing, failed or unsupported makes every rule that reads it unknown', () => {
  const states = [{ status: 'missing' }, { status: 'error', error: { code: 'timeout', message: 'timed out' } }, { status: 'unsupported', reason: 'no such thing here' }] as const;
  const cases = hostRules.flatMap((id) => [...new Set(HOST_RULE_READS[id].map((p) => p.split('.')[0] as SectionName))].flatMap((s) => states.map((st) => [id, s, st.status] as const)));
  it.each(cases)('%s without %s (%s)', (id, section, status) => {
    const input = hostFor(id);
    (input.sections as Record<string, HostSections[SectionName]>)[section] = states.find((s) => s.status === status)!;
    const f = judge(input)[id]!;
    expect(f.status).toBe('unknown');
    expect(f.evidence.zh.length).toBeGreaterThan(0);
  });
});

describe('rules that read no agent section cannot pass without their own data', () => {
  it('HOST-AGENT-SILENT with no report yet', () => {
    expect(judge({ ...passingHost(), lastReportAt: null })['HOST-AGENT-SILENT']!.status).not.toBe('pass');
  });
  const instRules = RULES.filter((r) => r.subject === 'institution').map((r) => r.id);
  it.each(instRules)('%s with no records at all', (id) => {
    const f = evaluateInstitution({ systems: [], governance: [], coverage: { registered: 0, reporting: 0 } }, settings, NOW).find((x) => x.ruleId === id)!;
    expect(f.status).not.toBe('pass');
  });
  it.each(instRules)('%s passes on complete records (the case above can fail)', (id) => {
    expect(evaluateInstitution(healthyInstitution(), settings, NOW).find((x) => x.ruleId === id)!.status).toBe('pass');
  });
});

describe('agents of the previous version: a warning that the data cannot decide a rule makes it unknown', () => {
  it('CentOS 7 without updateinfo: "security updates cannot be told apart" → HOST-PATCH-SECURITY unknown', () => {
    const input = passingHost((d) => {
      d.patches.pending = [{ name: 'openssl', installedVersion: '1.0.2k-25.el7_9', availableVersion: '1:1.0.2k-26.el7_9', security: false }];
      d.patches.pendingCount = 1;
    });
    const warned = {
      ...input,
      sections: {
        ...input.sections,
        patches: { ...input.sections.patches, warnings: ["the repositories publish no security advisories (updateinfo), as CentOS's own do not: security updates cannot be told apart"] },
      },
    } as HostRuleInput;
    expect(judge(input)['HOST-PATCH-SECURITY']!.status).toBe('pass');
    expect(judge(warned)['HOST-PATCH-SECURITY']!.status).toBe('unknown');
  });
  it('securityCount null (cannot tell) is unknown even without a flag', () => {
    expect(judge(passingHost((d) => (d.patches.securityCount = null)))['HOST-PATCH-SECURITY']!.status).toBe('unknown');
  });
});
