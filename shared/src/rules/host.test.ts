import { describe, expect, it } from 'vitest';
import { FIXTURE_NOW as NOW, healthyDevice, healthyHost } from './fixtures.js';
import { DEFAULT_SETTINGS, evaluateHost, resolveSettings, type Finding } from './index.js';
import type { RiskException } from '../schemas/records.js';
import { RegionSettings } from '../schemas/settings.js';
import type { HostRuleInput } from './inputs.js';
import type { SectionData } from '../schemas/sections.js';

const byId = (fs: Finding[]) => Object.fromEntries(fs.map((f) => [f.ruleId, f]));
const judge = (input: HostRuleInput, settings = DEFAULT_SETTINGS, now = NOW) => byId(evaluateHost(input, settings, now));
const daysAgo = (d: number) => new Date(NOW.getTime() - d * 86_400_000).toISOString();

describe('a healthy host', () => {
  it('passes every host rule, or is not applicable where the rule does not apply', () => {
    const f = judge(healthyHost());
    expect(Object.keys(f)).toHaveLength(27);
    for (const finding of Object.values(f)) expect(['pass', 'not-applicable'], finding.ruleId).toContain(finding.status);
    expect(f['HOST-AV-MISSING']!.status).toBe('not-applicable'); // Linux, region does not require it
  });
});

describe('missing data is unknown, never pass', () => {
  const statuses = [{ status: 'error', error: { code: 'TIMEOUT', message: 'timed out after 30 s' } }, { status: 'unsupported', reason: 'no package manager' }, { status: 'missing' }] as const;
  for (const state of statuses)
    it(`for a section in state ${state.status}`, () => {
      for (const section of ['device', 'patches', 'ports', 'backups', 'security'] as const) {
        const input = healthyHost();
        (input.sections as Record<string, unknown>)[section] = state;
        const f = evaluateHost(input, DEFAULT_SETTINGS, NOW);
        // Every rule that reads the section now says unknown, with the reason.
        const readers = f.filter((x) => x.evidence.data?.['section'] === section);
        expect(readers.length, section).toBeGreaterThan(0);
        for (const x of readers) expect(x.status).toBe('unknown');
        expect(f.some((x) => x.status === 'pass' && x.evidence.data?.['section'] === section)).toBe(false);
      }
    });

  it('when the agent could not tell a value', () => {
    const f = judge(healthyHost((d) => void (d.security.firewall.active = null)));
    expect(f['HOST-FIREWALL-OFF']!.status).toBe('unknown');
    expect(f['HOST-FIREWALL-OFF']!.evidence.en).toMatch(/could not tell/);
  });

  it('when no report was ever received', () => {
    const f = judge(healthyHost(undefined, { lastReportAt: null }));
    expect(f['HOST-AGENT-SILENT']!.status).toBe('unknown');
  });

  it('when the OS is not in the end-of-life table', () => {
    const f = judge(healthyHost((d) => void (d.device = healthyDevice({ distro: 'Plan 9', release: '4', id: 'plan9', codename: null }))));
    expect(f['HOST-OS-EOL']!.status).toBe('unknown');
  });
});

describe('host rules fail on what REGULATION.md names', () => {
  it('HOST-OS-EOL: CentOS 7 is past end of life', () => {
    const f = judge(healthyHost((d) => void (d.device = healthyDevice({ distro: 'CentOS Linux', release: '7.9.2009', id: 'centos', codename: 'Core' }))));
    expect(f['HOST-OS-EOL']).toMatchObject({ status: 'fail', severity: 'critical' });
    expect(f['HOST-OS-EOL']!.evidence.data).toMatchObject({ eolDate: '2024-06-30' });
  });

  it('HOST-OS-EOL: an openEuler SP without a verified date fails once its LTS line has ended, and is unknown before', () => {
    const sp1 = (d: SectionData) => void (d.device = healthyDevice({ distro: 'openEuler', release: '20.03', id: 'openEuler', codename: 'LTS-SP1' }));
    // FIXTURE_NOW (2026-03) is past the 20.03 line's end (2025-11-30).
    expect(judge(healthyHost(sp1))['HOST-OS-EOL']).toMatchObject({ status: 'fail', evidence: { data: { notAfter: '2025-11-30' } } });
    expect(judge(healthyHost(sp1), DEFAULT_SETTINGS, new Date('2025-06-01T00:00:00Z'))['HOST-OS-EOL']).toMatchObject({ status: 'unknown', evidence: { data: { reason: 'eol-date-unverified' } } });
  });

  it('HOST-PATCH-SECURITY: counts from when the server first saw the update', () => {
    const pending = (d: SectionData) => {
      d.patches.pending = [{ name: 'openssl', installedVersion: '3.0.11', availableVersion: '3.0.13', security: true }];
      d.patches.securityCount = d.patches.pendingCount = 1;
    };
    const seen = (days: number) => new Map([['openssl', new Date(NOW.getTime() - days * 86_400_000)]]);
    expect(judge(healthyHost(pending, { securityUpdateFirstSeen: seen(14) }))['HOST-PATCH-SECURITY']!.status).toBe('pass');
    expect(judge(healthyHost(pending, { securityUpdateFirstSeen: seen(15) }))['HOST-PATCH-SECURITY']!.status).toBe('fail');
    // Not yet in the server's memory: just seen, so not overdue.
    expect(judge(healthyHost(pending))['HOST-PATCH-SECURITY']!.status).toBe('pass');
  });

  it('HOST-PATCH-STALE and HOST-REBOOT-PENDING', () => {
    expect(judge(healthyHost((d) => void (d.patches.lastPatchedAt = daysAgo(91))))['HOST-PATCH-STALE']!.status).toBe('fail');
    const reboot = (since: string | null, last: string) =>
      judge(healthyHost((d) => Object.assign(d.patches, { rebootRequired: true, rebootRequiredSince: since, lastPatchedAt: last })))['HOST-REBOOT-PENDING']!.status;
    expect(reboot(daysAgo(8), daysAgo(8))).toBe('fail');
    expect(reboot(daysAgo(2), daysAgo(2))).toBe('pass');
    // No start time: a last patch 10 days ago proves the reboot has waited at least that long.
    expect(reboot(null, daysAgo(10))).toBe('fail');
    expect(reboot(null, daysAgo(2))).toBe('unknown');
  });

  it('port rules', () => {
    const f = judge(
      healthyHost((d) => {
        d.ports.listeners = [
          { protocol: 'tcp', address: '0.0.0.0', port: 3389, pid: null, process: null, bind: 'wildcard', publicExposure: true, service: 'rdp', category: 'remote-management' },
          { protocol: 'tcp', address: '203.0.113.5', port: 6379, pid: null, process: 'redis', bind: 'public', publicExposure: true, service: 'redis', category: 'database' },
          { protocol: 'tcp', address: '10.1.2.3', port: 23, pid: null, process: 'telnetd', bind: 'private', publicExposure: false, service: 'telnet', category: 'plaintext' },
          { protocol: 'udp', address: '0.0.0.0', port: 514, pid: null, process: 'rsyslogd', bind: 'wildcard', publicExposure: false, service: null, category: null },
          { protocol: 'tcp', address: '::', port: 3306, pid: null, process: 'mysqld', bind: 'wildcard', publicExposure: false, service: 'mysql', category: 'database' },
        ];
      }),
    );
    expect(f['HOST-PORT-REMOTE-PUBLIC']!.status).toBe('fail');
    expect(f['HOST-PORT-RISKY-PUBLIC']!.status).toBe('fail');
    expect(f['HOST-PORT-PLAINTEXT']!.status).toBe('fail');
    expect(f['HOST-PORT-PLAINTEXT']!.evidence.en).not.toMatch(/514/); // syslog over UDP is not rsh
    expect(f['HOST-PORT-DB-WILDCARD']!.status).toBe('fail');
  });

  it('anti-malware: always on Windows, on Linux only when the region asks', () => {
    const linuxNoAv = healthyHost();
    expect(judge(linuxNoAv)['HOST-AV-MISSING']!.status).toBe('not-applicable');
    const strict = resolveSettings(RegionSettings.parse({ requireLinuxAntimalware: true }));
    expect(judge(linuxNoAv, strict)['HOST-AV-MISSING']!.status).toBe('fail');
    const windows = healthyHost((d) => void (d.device = healthyDevice({ family: 'windows', distro: 'Microsoft Windows Server 2019 Standard', release: '10.0.17763', id: 'windows', codename: null })));
    expect(judge(windows)['HOST-AV-MISSING']!.status).toBe('fail');
    const stale = healthyHost((d) => {
      d.device = healthyDevice({ family: 'windows', distro: 'Microsoft Windows Server 2019 Standard', release: '10.0.17763', id: 'windows', codename: null });
      d.security.antimalware = { running: true, product: 'Defender', signatureUpdatedAt: daysAgo(8) };
      d.security.ssh = null;
    });
    const f = judge(stale);
    expect(f['HOST-AV-MISSING']!.status).toBe('pass');
    expect(f['HOST-AV-STALE']!.status).toBe('fail');
    expect(f['HOST-SSH-ROOT-PASSWORD']!.status).toBe('not-applicable');
  });

  it('HOST-SSH-ROOT-PASSWORD, and a region tightening it', () => {
    const prl = (v: string) => healthyHost((d) => void (d.security.ssh = { running: true, permitRootLogin: v, passwordAuthentication: true }));
    expect(judge(prl('yes'))['HOST-SSH-ROOT-PASSWORD']!.status).toBe('fail');
    expect(judge(prl('prohibit-password'))['HOST-SSH-ROOT-PASSWORD']!.status).toBe('pass');
    const strict = resolveSettings(RegionSettings.parse({ rules: [{ ruleId: 'HOST-SSH-ROOT-PASSWORD', thresholds: { allowRootKeyOnly: false } }] }));
    expect(judge(prl('prohibit-password'), strict)['HOST-SSH-ROOT-PASSWORD']!.status).toBe('fail');
  });

  it('backup rules, with severity that depends on the result', () => {
    const job = (over: object) => healthyHost((d) => Object.assign(d.backups.jobs[0]!, over));
    // Interval 24 h: stale past 36 h; critical past 7 days.
    expect(judge(job({ lastSuccessAt: daysAgo(1.4) }))['HOST-BACKUP-STALE']!.status).toBe('pass');
    expect(judge(job({ lastSuccessAt: daysAgo(2) }))['HOST-BACKUP-STALE']).toMatchObject({ status: 'fail', severity: 'high' });
    expect(judge(job({ lastSuccessAt: daysAgo(8) }))['HOST-BACKUP-STALE']).toMatchObject({ status: 'fail', severity: 'critical' });
    expect(judge(job({ lastStatus: 'failed' }))['HOST-BACKUP-FAILED']!.status).toBe('fail');
    expect(judge(job({ error: 'repository locked' }))['HOST-BACKUP-FAILED']!.status).toBe('unknown');
    // Off-site: high at level 3+, medium below.
    expect(judge(job({ offsite: false }))['HOST-BACKUP-OFFSITE']).toMatchObject({ status: 'fail', severity: 'high' });
    expect(judge(healthyHost((d) => void (d.backups.jobs[0]!.offsite = false), { mlpsLevel: 2 }))['HOST-BACKUP-OFFSITE']).toMatchObject({ status: 'fail', severity: 'medium' });
    // Restore test: 90 days at level 3+, 180 below.
    expect(judge(job({ lastRestoreTestAt: daysAgo(100) }))['HOST-BACKUP-RESTORE-TEST']!.status).toBe('fail');
    expect(judge(healthyHost((d) => void (d.backups.jobs[0]!.lastRestoreTestAt = daysAgo(100)), { mlpsLevel: 2 }))['HOST-BACKUP-RESTORE-TEST']!.status).toBe('pass');
  });

  it('HOST-BACKUP-NONE applies from level 2; the job rules then stand aside', () => {
    const none = (level: HostRuleInput['mlpsLevel']) => judge(healthyHost((d) => void (d.backups = { configured: false, jobs: [] }), { mlpsLevel: level }));
    expect(none(2)['HOST-BACKUP-NONE']!.status).toBe('fail');
    expect(none(1)['HOST-BACKUP-NONE']!.status).toBe('not-applicable');
    expect(none(null)['HOST-BACKUP-NONE']!.status).toBe('not-applicable');
    expect(none(3)['HOST-BACKUP-STALE']!.status).toBe('not-applicable');
  });

  it('HOST-AGENT-SILENT after 24 h', () => {
    expect(judge(healthyHost(undefined, { lastReportAt: new Date(NOW.getTime() - 25 * 3_600_000) }))['HOST-AGENT-SILENT']!.status).toBe('fail');
  });
});

describe('settings and exceptions', () => {
  it('omits disabled rules', () => {
    const s = resolveSettings(RegionSettings.parse({ rules: [{ ruleId: 'HOST-TIME-UNSYNCED', enabled: false }] }));
    expect(judge(healthyHost(), s)['HOST-TIME-UNSYNCED']).toBeUndefined();
  });

  it('marks a failing finding excepted while the exception holds', () => {
    const exc: RiskException = { id: 'x1', subject: { kind: 'host', id: 'h1' }, ruleId: 'HOST-OS-EOL', reason: 'PACS vendor certifies only CentOS 7', approver: '王主任', expiresOn: '2026-03-31' };
    const input = healthyHost((d) => void (d.device = healthyDevice({ distro: 'CentOS Linux', release: '7.9.2009', id: 'centos' })), { exceptions: [exc] });
    expect(judge(input)['HOST-OS-EOL']).toMatchObject({ status: 'fail', exception: { id: 'x1', expiresOn: '2026-03-31' } });
    // 2026-04-01 00:00 in China: expired.
    expect(judge(input, DEFAULT_SETTINGS, new Date('2026-03-31T16:00:00Z'))['HOST-OS-EOL']!.exception).toBeNull();
    // A pass carries no exception.
    expect(judge(healthyHost(undefined, { exceptions: [exc] }))['HOST-OS-EOL']!.exception).toBeNull();
  });
});
