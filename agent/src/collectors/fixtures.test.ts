import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hostBehind, Report } from '@weian/shared';
import { collectReport } from '../collect.js';
import { localConfig } from '../config.js';
import { replayRunner, type CaptureManifest } from '../runner.js';
import { HANDWRITTEN } from '../../fixtures/build.js';
import { parseRdpCertificate } from './identities.js';

const root = join(import.meta.dirname, '../../fixtures');
const dirs = (await readdir(root, { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => d.name);

async function replay(dir: string) {
  const extra = await readFile(join(root, dir, 'config.json'), 'utf8').then(JSON.parse, () => ({}));
  const report = await collectReport({ runner: await replayRunner(join(root, dir)), config: localConfig(extra), now: () => new Date('2024-05-10T01:30:00Z') });
  return { report, parsed: Report.parse(report) };
}
const ok = <T>(s: { status: string; data?: T }) => {
  expect(s.status).toBe('ok');
  return s.data as T;
};

describe('every fixture replays into a valid report', () => {
  it.each(dirs)('%s', async (dir) => {
    const { parsed } = await replay(dir);
    for (const [name, s] of Object.entries(parsed.sections)) {
      if (s.status === 'error') expect(s.error.message, name).not.toBe('');
      if (s.status === 'unsupported') expect(s.reason, name).toBeTruthy();
      expect(['ok', 'error', 'unsupported']).toContain(s.status);
    }
  });
});

describe('fixture reports say what their hosts show', () => {
  it('debian12 (this machine): apt with security updates from the -security suite', async () => {
    const { parsed } = await replay('debian12');
    const p = ok(parsed.sections.patches)!;
    expect(p.manager).toBe('apt');
    expect(p.securityCount).toBeGreaterThan(0);
    expect(p.pendingCount).toBe(p.pending.length);
    expect(p.lastPatchedAt).not.toBeNull();
    expect(ok(parsed.sections.device)!.os.family).toBe('linux');
    expect(ok(parsed.sections.backups)).toEqual({ configured: false, jobs: [] });
  });

  it('centos7: yum, no advisories in the repositories (security count unknown, flagged), reboot pending, firewalld/chrony/auditd, root login allowed', async () => {
    const { parsed } = await replay('centos7');
    const s = parsed.sections.patches;
    const p = ok(s)!;
    expect(p).toMatchObject({ manager: 'yum', pendingCount: 13, securityCount: null, rebootRequired: true, lastPatchedAt: '2023-02-27T07:32:11.000Z' });
    expect(p.uncertain).toEqual([expect.objectContaining({ field: 'pending.security', code: 'no-security-classification' })]);
    // Both versions in one form, the epoch kept on both sides.
    expect(p.pending.find((u) => u.name === 'java-1.8.0-openjdk-headless')).toMatchObject({ installedVersion: '1:1.8.0.352.b08-2.el7_9', availableVersion: '1:1.8.0.412.b08-1.el7_9' });
    // Of two installed kernels, the newer one.
    expect(p.pending.find((u) => u.name === 'kernel')).toMatchObject({ installedVersion: '3.10.0-1160.83.1.el7' });
    expect(p.pending.some((u) => u.name === 'grub2')).toBe(false);
    expect(s.status === 'ok' && s.warnings?.join()).toMatch(/no security advisories/);
    const sec = ok(parsed.sections.security)!;
    expect(sec).toMatchObject({
      firewall: { active: true, product: 'firewalld' },
      timeSync: { synchronized: true, service: 'chrony' },
      ssh: { running: true, permitRootLogin: 'yes', passwordAuthentication: true },
    });
    expect(sec.audit.service).toContain('auditd');
    const jobs = ok(parsed.sections.backups)!.jobs;
    expect(jobs.map((j) => [j.kind, j.lastStatus])).toEqual([
      ['files', 'success'],
      ['restic', 'success'],
      ['command', 'failed'],
    ]);
    expect(jobs[0]!.lastRestoreTestAt).toBe('2024-04-11T02:00:00.000Z');
    expect(jobs[1]).toMatchObject({ offsite: true, lastSuccessAt: '2024-05-09T17:00:03.552Z', sizeBytes: 52613349376 });
    const mysql = ok(parsed.sections.ports)!.listeners.find((l) => l.port === 3306)!;
    expect(mysql).toMatchObject({ bind: 'wildcard', category: 'database', process: 'mysqld', publicExposure: false });
  });

  it('kylin-v10: Chinese dnf headers, KYSA advisories, empty nft ruleset = firewall off, AsiaInfo anti-malware, public exposure', async () => {
    const { parsed } = await replay('kylin-v10');
    const p = ok(parsed.sections.patches)!;
    expect(p).toMatchObject({ manager: 'dnf', pendingCount: 9, securityCount: 8, rebootRequired: false });
    expect(p.pending.find((u) => u.name === 'vim-minimal')!.security).toBe(false);
    const sec = ok(parsed.sections.security)!;
    expect(sec.firewall.active).toBe(false);
    expect(sec.antimalware).toMatchObject({ required: true, running: true });
    expect(sec.antimalware.product).toMatch(/亚信/);
    expect(sec.timeSync).toEqual({ synchronized: false, service: 'chrony' });
    expect(sec.ssh).toEqual({ running: true, permitRootLogin: 'no', passwordAuthentication: true });
    expect(sec.audit.service).toMatch(/journald \(persistent\)/);
    expect(ok(parsed.sections.ports)!.listeners.find((l) => l.port === 1521)).toMatchObject({ publicExposure: true, service: 'oracle' });
    expect(ok(parsed.sections.backups)!.jobs[0]).toMatchObject({ kind: 'borg', lastAttemptAt: '2024-05-09T18:00:03.000Z', lastSuccessAt: '2024-05-09T18:30:36.412Z', sizeBytes: 412316860416 });
  });

  it('uos-garbled: cut, garbled, hung and missing outputs give partial data flagged in warnings, never a crash', async () => {
    const { parsed } = await replay('uos-garbled');
    const s = parsed.sections.patches;
    const p = ok(s)!;
    expect(p).toMatchObject({ pendingCount: 6, securityCount: null, rebootRequired: null, lastPatchedAt: null });
    expect(p.uncertain?.map((u) => [u.field, u.code])).toEqual([
      ['pending', 'partial-list'],
      ['pending.security', 'garbled'],
    ]);
    const warnings = (s.status === 'ok' && s.warnings) || [];
    expect(warnings.join('\n')).toMatch(/output cap[\s\S]*garbled[\s\S]*did not answer in time[\s\S]*ENOENT/);
    const ports = parsed.sections.ports;
    expect(ok(ports)!.listeners.map((l) => l.port)).toEqual([22, 104, 6379]);
    expect(ports.status === 'ok' && ports.warnings).toEqual(['2 line(s) of ss output could not be read']);
    const sec = ok(parsed.sections.security)!;
    // sshd -T was garbled: the config with its sshd_config.d include (first value wins) decides.
    expect(sec.ssh).toEqual({ running: true, permitRootLogin: 'no', passwordAuthentication: false });
    expect(sec.firewall.active).toBeNull();
    expect(sec.antimalware.product).toMatch(/火绒/);
    const [files, command] = ok(parsed.sections.backups)!.jobs;
    expect(files).toMatchObject({ lastStatus: 'failed', sizeBytes: 0 });
    expect(files!.error).toMatch(/empty.*stopped after reading 50000/);
    expect(command).toMatchObject({ lastStatus: 'unknown' });
    expect(command!.error).toMatch(/expected JSON/);
  });

  it('windows2012r2: PS 5.1 date forms, reboot pending, Huorong instead of Defender, Public profile off, free-running clock', async () => {
    const { parsed } = await replay('windows2012r2');
    expect(ok(parsed.sections.device)!.os).toMatchObject({ family: 'windows', release: '6.3.9600' });
    expect(ok(parsed.sections.patches)).toMatchObject({ manager: 'windows-update', pendingCount: 4, securityCount: 2, rebootRequired: true, lastPatchedAt: '2024-01-11T00:00:00.000Z' });
    const sec = ok(parsed.sections.security)!;
    expect(sec).toMatchObject({ firewall: { active: false }, antimalware: { running: true, product: '火绒 (Huorong)' }, timeSync: { synchronized: false }, audit: { active: true }, ssh: null });
    const smb = ok(parsed.sections.ports)!.listeners.filter((l) => l.port === 445);
    expect(smb.map((l) => l.process)).toEqual(['System', 'System']);
  });

  it('windows2016: Chinese titles and w32tm output, Defender signatures', async () => {
    const { parsed } = await replay('windows2016');
    expect(ok(parsed.sections.patches)).toMatchObject({ pendingCount: 3, securityCount: 2, rebootRequired: false });
    expect(ok(parsed.sections.security)).toMatchObject({
      firewall: { active: true },
      antimalware: { running: true, product: 'Windows Defender', signatureUpdatedAt: '2024-05-09T19:12:40.000Z' },
      timeSync: { synchronized: true, service: 'w32time' },
    });
  });

  it('windows2022: a failed Windows Update search is an error section; real-time protection off; OpenSSH settings; public RDP', async () => {
    const { parsed } = await replay('windows2022');
    expect(parsed.sections.patches).toMatchObject({ status: 'error', error: { code: 'command-failed' } });
    expect(ok(parsed.sections.security)).toMatchObject({
      antimalware: { running: false },
      timeSync: { synchronized: false },
      ssh: { running: true, permitRootLogin: 'prohibit-password', passwordAuthentication: true },
    });
    expect(ok(parsed.sections.ports)!.listeners.find((l) => l.port === 3389)).toMatchObject({ publicExposure: true, category: 'remote-management' });
    // Issue 24: the RDP certificate WMI names (SHA-256 of the DER whose SHA-1 is the thumbprint) and Win32-OpenSSH's host key name this host to a scanner.
    expect(ok(parsed.sections.ports)!.identities).toEqual({
      sshHostKeys: ['SHA256:dw/fa6bgdAcHgv5d3uFP6JQpBAvUEaN6Uc4A4gg2QKo'],
      tls: [{ port: 3389, sha256: '39fa4164c53db2ba6eb1e9d15e375c171214fb8aa703ad310ebb5cbf28900405' }],
    });
    expect(
      hostBehind({ sshHostKey: null, tlsSha256: '39fa4164c53db2ba6eb1e9d15e375c171214fb8aa703ad310ebb5cbf28900405' }, [
        { hostId: 'PACS-WEB01', sshHostKeys: [], tlsSha256: ['39fa4164c53db2ba6eb1e9d15e375c171214fb8aa703ad310ebb5cbf28900405'] },
      ]),
    ).toEqual({ hostId: 'PACS-WEB01', by: 'tls-certificate' });
  });
  it('an RDP certificate whose SHA-1 is not the thumbprint WMI names is not taken', () => {
    const b64 = Buffer.from('not the certificate').toString('base64');
    expect(parseRdpCertificate({ Thumbprint: '715C6E3724061A7FB3FA5CACC9D685597E97728C', Port: 3389, Certificate: b64 })).toBeNull();
    expect(parseRdpCertificate({ Thumbprint: null, Port: 3389, Certificate: null })).toBeNull();
  });
});

describe('hand-written fixtures', () => {
  it.each(HANDWRITTEN.map((f) => f.dir))('%s: manifest.json is what fixtures/build.ts makes from the current collectors', async (dir) => {
    const f = HANDWRITTEN.find((x) => x.dir === dir)!;
    const onDisk = JSON.parse(await readFile(join(root, dir, 'manifest.json'), 'utf8')) as CaptureManifest;
    expect(onDisk.entries).toEqual(f.entries);
  });
});
