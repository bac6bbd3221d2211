import { describe, expect, it } from 'vitest';
import { auditdStore, journaldSettings, oldestArchivedEntry, parseJournalDiskUsage, parseLogrotate, parseTimeSpan, parseWindowsLogRetention, rotateKeepDays } from './logRetention.js';

// Log retention as the host's own files and commands say it (issue 19): logrotate, journald, auditd,
// Windows event logs; garbled or localized output gives nothing to judge on, never a made-up bound.

const CENTOS_LOGROTATE = `# see "man logrotate" for details
weekly
rotate 4
create
dateext
include /etc/logrotate.d
/var/log/wtmp {
    monthly
    create 0664 root utmp
\tminsize 1M
    rotate 1
}
`;
const CENTOS_SYSLOG = `/var/log/cron
/var/log/maillog
/var/log/messages
/var/log/secure
/var/log/spooler
{
    missingok
    sharedscripts
    postrotate
\t/bin/kill -HUP \`cat /var/run/syslogd.pid 2> /dev/null\` 2> /dev/null || true
    endscript
}
`;

describe('logrotate', () => {
  it('reads CentOS 7 defaults: secure and messages weekly × 4 = 28 days', () => {
    const rules = parseLogrotate([CENTOS_LOGROTATE, CENTOS_SYSLOG]);
    expect(rotateKeepDays(rules.get('/var/log/secure')!)).toBe(28);
    expect(rotateKeepDays(rules.get('/var/log/messages')!)).toBe(28);
    expect(rotateKeepDays(rules.get('/var/log/wtmp')!)).toBe(30);
  });
  it('lets a block override the defaults, with maxage bounding it', () => {
    const rules = parseLogrotate(['weekly\nrotate 4\n', '/var/log/auth.log /var/log/syslog {\n  monthly\n  rotate 12\n  maxage 200\n}\n']);
    expect(rotateKeepDays(rules.get('/var/log/auth.log')!)).toBe(200);
    expect(rotateKeepDays(parseLogrotate(['weekly\n', '/var/log/secure {\n rotate 6\n monthly\n}\n']).get('/var/log/secure')!)).toBe(182);
  });
  it('gives no time bound where size decides, or no period is set', () => {
    expect(rotateKeepDays(parseLogrotate(['/var/log/secure {\n size 100M\n rotate 10\n}\n']).get('/var/log/secure')!)).toBeNull();
    expect(rotateKeepDays(parseLogrotate(['/var/log/secure {\n weekly\n rotate 52\n maxsize 1G\n}\n']).get('/var/log/secure')!)).toBeNull();
    expect(rotateKeepDays(parseLogrotate(['/var/log/secure {\n rotate 52\n}\n']).get('/var/log/secure')!)).toBeNull();
    // Garbled: nothing named, nothing made up.
    expect(parseLogrotate(['\u0000\u0001 {{ garbage']).size).toBe(0);
  });
});

describe('journald', () => {
  it('reads time spans and sizes as systemd writes them', () => {
    expect(parseTimeSpan('1year')! / 86_400).toBeCloseTo(365.25);
    expect(parseTimeSpan('6month')! / 86_400).toBeCloseTo(182.64);
    expect(parseTimeSpan('2w 3d')).toBe(17 * 86_400);
    expect(parseTimeSpan('3600')).toBe(3600);
    expect(parseTimeSpan('一年')).toBeNull();
    expect(parseJournalDiskUsage('Archived and active journals take up 3.9G in the file system.\n')).toBe(Math.round(3.9 * 1024 ** 3));
    expect(parseJournalDiskUsage('日志占用 3.9G')).toBeNull();
  });
  it('lets drop-ins win over journald.conf, [Journal] keys only', () => {
    expect(journaldSettings(['[Journal]\nStorage=auto\n#MaxRetentionSec=\n', '[Journal]\nMaxRetentionSec=1year\n[Other]\nStorage=none\n'])).toEqual({ Storage: 'auto', MaxRetentionSec: '1year' });
  });
  it('reads the oldest entry from the archived files’ names (head realtime, hex µs)', () => {
    const us = (iso: string) => (Date.parse(iso) * 1000).toString(16).padStart(16, '0');
    const names = [
      'system.journal',
      `system@6b9e0c1d2a3f4e5d6c7b8a9f0e1d2c3b-0000000000000001-${us('2024-01-02T03:04:05Z')}.journal`,
      `system@6b9e0c1d2a3f4e5d6c7b8a9f0e1d2c3b-00000000000a1b2c-${us('2024-03-01T00:00:00Z')}.journal`,
      'user-1000.journal',
    ];
    expect(oldestArchivedEntry(names)).toBe('2024-01-02T03:04:05.000Z');
    expect(oldestArchivedEntry(['system.journal'])).toBeNull();
  });
});

describe('auditd', () => {
  it('rotates by size: the cap is reached once the last of num_logs files exists; keep_logs never removes', () => {
    const conf = 'log_file = /var/log/audit/audit.log\nmax_log_file = 8\nnum_logs = 5\nmax_log_file_action = ROTATE\n';
    expect(auditdStore(conf, true)).toMatchObject({ keepDays: null, atSizeCap: true, neverDeletes: false });
    expect(auditdStore(conf, false)).toMatchObject({ atSizeCap: false });
    expect(auditdStore(conf.replace('ROTATE', 'keep_logs'), null)).toMatchObject({ neverDeletes: true });
  });
});

describe('Windows event logs', () => {
  it('reads each log’s mode, size and oldest event; an unreadable one is a problem, not a store', () => {
    const r = parseWindowsLogRetention([
      { Name: 'Security', Mode: 'Circular', MaxBytes: 20971520, Bytes: 20975616, Oldest: '2024-04-28T01:02:03.0000000Z' },
      { Name: 'System', Mode: 'AutoBackup', MaxBytes: 20971520, Bytes: 1052672, Oldest: null },
      { Name: 'Application', Mode: null, MaxBytes: null, Bytes: null, Oldest: null },
    ]);
    expect(r.logRetention!.stores).toMatchObject([
      { name: 'Security', oldestEntryAt: '2024-04-28T01:02:03.000Z', atSizeCap: true, neverDeletes: false },
      { name: 'System', oldestEntryAt: null, neverDeletes: true },
    ]);
    expect(r.problems).toEqual(["the Application event log's settings could not be read"]);
    expect(parseWindowsLogRetention('garbled').logRetention).toBeNull();
  });
});
