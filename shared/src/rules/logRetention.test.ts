import { describe, expect, it } from 'vitest';
import { FIXTURE_NOW as NOW, healthyData, healthyWindowsData, sectionsOf } from './fixtures.js';
import { DEFAULT_SETTINGS, evaluateHost, resolveSettings, type Finding } from './index.js';
import { RegionSettings } from '../schemas/settings.js';
import type { SectionData } from '../schemas/sections.js';

// HOST-LOG-RETENTION (《网络安全法》第二十一条, ≥ 6 months): every log store must keep the minimum;
// the oldest entry decides where known, else the configuration, else unknown — never a pass on data that cannot decide.

type Sec = SectionData['security'];
type Store = NonNullable<Sec['logRetention']>['stores'][number];
const daysAgo = (d: number) => new Date(NOW.getTime() - d * 86_400_000).toISOString();
const store = (s: Partial<Store>): Store => ({ name: '/var/log/secure', oldestEntryAt: null, keepDays: null, atSizeCap: null, neverDeletes: false, detail: 'test', ...s });
const finding = (stores: Store[] | null | undefined, settings = DEFAULT_SETTINGS, windows = false, flags?: Sec['uncertain'], holdsImportantData = false): Finding => {
  const data = windows ? healthyWindowsData() : healthyData();
  if (stores === undefined) delete data.security.logRetention;
  else data.security.logRetention = stores === null ? null : { stores };
  if (flags) data.security.uncertain = flags;
  return evaluateHost({ sections: sectionsOf(data), mlpsLevel: 3, holdsImportantData, securityUpdateFirstSeen: new Map(), lastReportAt: NOW }, settings, NOW).find(
    (f) => f.ruleId === 'HOST-LOG-RETENTION',
  )!;
};

describe('HOST-LOG-RETENTION', () => {
  it('keeps longer on a host holding important data once the region sets the (unconfirmed) figure; the default adds nothing', () => {
    const kept200 = [store({ keepDays: 200 })];
    const longer = resolveSettings(RegionSettings.parse({ rules: [{ ruleId: 'HOST-LOG-RETENTION', thresholds: { importantDataMinDays: 365 } }] }));
    expect(finding(kept200, DEFAULT_SETTINGS, false, undefined, true).status).toBe('pass');
    expect(finding(kept200, longer, false, undefined, false).status).toBe('pass');
    const f = finding(kept200, longer, false, undefined, true);
    expect([f.status, f.evidence.data]).toEqual(['fail', expect.objectContaining({ minDays: 365, importantData: true })]);
    expect(f.evidence.zh).toContain('不足 365 天');
    expect(finding([store({ keepDays: 400 })], longer, false, undefined, true).status).toBe('pass');
    // A threshold below the general minimum is refused, like any loosening.
    expect(RegionSettings.safeParse({ rules: [{ ruleId: 'HOST-LOG-RETENTION', thresholds: { importantDataMinDays: 90 } }] }).success).toBe(false);
  });

  it('passes the healthy fixtures (Linux by configuration, Windows by the oldest event)', () => {
    expect(finding(healthyData().security.logRetention!.stores).status).toBe('pass');
    expect(finding(healthyWindowsData().security.logRetention!.stores, DEFAULT_SETTINGS, true).status).toBe('pass');
  });

  it('fails CentOS/RHEL logrotate defaults (weekly, rotate 4 = 28 days)', () => {
    const f = finding([store({ keepDays: 28 })]);
    expect(f.status).toBe('fail');
    expect(f.evidence.zh).toContain('只保留 28 天');
  });

  it('fails a volatile journal that is the only log (lost at reboot)', () => {
    expect(finding([store({ name: 'journald', keepDays: 0 })]).status).toBe('fail');
  });

  it('fails a Security log that overwrites itself at its cap with 12 days of events, however long System keeps', () => {
    const f = finding([store({ name: 'Security', oldestEntryAt: daysAgo(12), atSizeCap: true }), store({ name: 'System', oldestEntryAt: daysAgo(700), atSizeCap: false })], DEFAULT_SETTINGS, true);
    expect(f.status).toBe('fail');
    expect(f.evidence.en).toContain('Security is at its size cap');
  });

  it('passes on an oldest entry older than the minimum even when the configuration rotates by size', () => {
    expect(finding([store({ name: 'Security', oldestEntryAt: daysAgo(200), atSizeCap: true })]).status).toBe('pass');
  });

  it('is unknown, not a pass, when a size-rotated store is young and below its cap (the host may be new)', () => {
    const f = finding([store({ name: 'Security', oldestEntryAt: daysAgo(20), atSizeCap: false })]);
    expect(f.status).toBe('unknown');
    expect(f.evidence.zh).toContain('主机可能较新');
    expect(f.evidence.data).toMatchObject({ reason: 'value-unknown' });
  });

  it('is unknown when a store has neither a time bound nor a readable oldest entry (auditd rotating by size)', () => {
    expect(finding([store({ name: 'auditd', atSizeCap: true })]).status).toBe('unknown');
    expect(finding([store({ keepDays: 182 }), store({ name: 'auditd', atSizeCap: null })]).status).toBe('unknown');
  });

  it('is unknown for an agent before issue 19, unreadable settings, no store, or a flag of the agent', () => {
    expect(finding(undefined).evidence.data).toMatchObject({ reason: 'not-collected' });
    expect(finding(null).status).toBe('unknown');
    expect(finding([]).status).toBe('unknown');
    const flagged = finding([store({ keepDays: 365 })], DEFAULT_SETTINGS, false, [{ field: 'logRetention', code: 'not-readable', reason: '/etc/logrotate.conf could not be read' }]);
    expect(flagged.status).toBe('unknown');
    expect(flagged.evidence.zh).toContain('无法读取');
  });

  it('takes a region’s stricter minimum (365 days): 26 weekly rotations no longer pass', () => {
    const strict = resolveSettings(RegionSettings.parse({ rules: [{ ruleId: 'HOST-LOG-RETENTION', thresholds: { minDays: 365 } }] }));
    expect(finding([store({ keepDays: 182 })]).status).toBe('pass');
    expect(finding([store({ keepDays: 182 })], strict).status).toBe('fail');
  });
});

describe('HOST-LOG-RETENTION: the journal and the syslog files are one log', () => {
  it('passes when the journal keeps it, whatever logrotate does', () => {
    expect(finding([store({ keepDays: 28 }), store({ name: 'journald', keepDays: 365 })]).status).toBe('pass');
  });
  it('is unknown when the files fail but the journal might keep the same messages', () => {
    const f = finding([store({ keepDays: 28 }), store({ name: 'journald', oldestEntryAt: daysAgo(119) })]);
    expect(f.status).toBe('unknown');
    expect(f.evidence.zh).toContain('journald 日志的留存未按时间限定');
  });
  it('fails when both the journal and a file fall short; auditd is judged on its own', () => {
    expect(finding([store({ keepDays: 28 }), store({ name: 'journald', keepDays: 30 })]).status).toBe('fail');
    expect(finding([store({ keepDays: 200 }), store({ name: 'auditd', keepDays: 0 })]).status).toBe('fail');
  });
});
