import { describe, expect, it } from 'vitest';
import { FIXTURE_NOW as NOW, healthyData, sectionsOf } from './fixtures.js';
import { DEFAULT_SETTINGS, evaluateHost, resolveSettings } from './index.js';
import { RegionSettings } from '../schemas/settings.js';

// Issue 19: UOS, Kylin Desktop and Deepin ship security fixes in the ordinary suite, and CentOS 7's own
// repositories publish no updateinfo: such hosts cannot tell security updates apart. By default
// HOST-PATCH-SECURITY is then unknown; a region may count every pending update as a security one.

const ON = resolveSettings(RegionSettings.parse({ rules: [{ ruleId: 'HOST-PATCH-SECURITY', thresholds: { pendingAsSecurity: true } }] }));
const daysAgo = (d: number) => new Date(NOW.getTime() - d * 86_400_000);

function uosHost(firstSeenDaysAgo: number, partial = false) {
  const data = healthyData();
  data.patches = {
    ...data.patches,
    pending: [
      { name: 'openssl', installedVersion: '1.1.1d-2+deb10u6', availableVersion: '1.1.1n-0+deb10u3', security: false },
      { name: 'sudo', installedVersion: '1.8.27-1+deb10u3', availableVersion: '1.8.27-1+deb10u6', security: false },
    ],
    pendingCount: 2,
    securityCount: null,
    uncertain: [
      { field: 'pending.security', code: 'no-security-classification', reason: 'the repositories have no security suite: security updates cannot be told apart' },
      ...(partial ? [{ field: 'pending', code: 'partial-list', reason: 'apt-get -s upgrade output was cut: the pending list is partial' }] : []),
    ],
  };
  const seen = new Map(['openssl', 'sudo'].map((n) => [n, daysAgo(firstSeenDaysAgo)]));
  return { sections: sectionsOf(data), mlpsLevel: 3 as const, securityUpdateFirstSeen: seen, lastReportAt: NOW };
}
const verdict = (input: ReturnType<typeof uosHost>, settings = DEFAULT_SETTINGS) => evaluateHost(input, settings, NOW).find((f) => f.ruleId === 'HOST-PATCH-SECURITY')!;

describe('HOST-PATCH-SECURITY where security updates cannot be told apart', () => {
  it('is unknown by default, whatever is pending', () => {
    expect(verdict(uosHost(2)).status).toBe('unknown');
    expect(verdict(uosHost(30)).status).toBe('unknown');
  });
  it('with the region setting on, fails on updates pending past the threshold, naming the setting', () => {
    const f = verdict(uosHost(30), ON);
    expect(f.status).toBe('fail');
    expect(f.evidence.zh).toContain('所有待装更新均视为安全更新');
    expect(f.evidence.data).toMatchObject({ overdue: ['openssl', 'sudo'], pendingAsSecurity: true });
  });
  it('with the setting on, passes when every pending update is younger than the threshold', () => {
    const f = verdict(uosHost(2), ON);
    expect(f.status).toBe('pass');
    expect(f.evidence.data).toMatchObject({ pending: 2, pendingAsSecurity: true });
  });
  it('does not waive a partial list: still unknown, never a pass', () => {
    expect(verdict(uosHost(2, true), ON).status).toBe('unknown');
  });
  it('changes nothing on hosts that tell security updates apart', () => {
    const input = uosHost(30);
    const data = healthyData();
    input.sections = sectionsOf(data);
    expect(verdict(input, ON).status).toBe('pass');
    expect(verdict(input, ON).evidence.data).toMatchObject({ pendingAsSecurity: false });
  });
});
