import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CaptureManifest } from '../runner.js';
import { parseAptHistory, parseAptSimulate, parseCheckUpdate, parseDpkgLog, parseHotFixes, parseRpmInstalled, parseUpdateInfo, parseWindowsUpdateSearch, rpmNameOf } from './patches.js';

const fx = (p: string) => readFile(join(import.meta.dirname, '../../fixtures', p), 'utf8');
/** A file of the real Debian capture, found by its key. */
async function captured(key: string): Promise<string> {
  const m = JSON.parse(await fx('debian12/manifest.json')) as CaptureManifest;
  return fx(`debian12/${m.entries.find((e) => e.key === key)!.file}`);
}

describe('apt', () => {
  it("reads Inst lines of this machine's apt-get -s upgrade, security from the -security suite", async () => {
    const out = await captured('exec:apt-get -s upgrade');
    const updates = parseAptSimulate(out);
    expect(updates.length).toBe(Number(/^(\d+) upgraded/m.exec(out)![1]));
    expect(updates.filter((u) => u.security).length).toBe(out.split('\n').filter((l) => l.startsWith('Inst') && /security/i.test(l)).length);
    expect(parseAptSimulate('Inst libc6 [2.31-0ubuntu9.9] (2.31-0ubuntu9.14 Ubuntu:20.04/focal-updates, Ubuntu:20.04/focal-security [amd64]) []')).toEqual([
      { name: 'libc6', installedVersion: '2.31-0ubuntu9.9', availableVersion: '2.31-0ubuntu9.14', security: true },
    ]);
    expect(parseAptSimulate('Inst newpkg (1.0-1 Debian:12.5/stable [all])')[0]).toMatchObject({ installedVersion: null, security: false });
  });

  it("takes the last error-free install/upgrade from history.log, in the host's UTC offset", async () => {
    const hist = await captured('file:/var/log/apt/history.log');
    const ends = [...hist.matchAll(/^End-Date: (.+)$/gm)].map((m) => m[1]!);
    expect(parseAptHistory(hist, 0)).toBe(new Date(`${ends.at(-1)!.replace(/\s+/, 'T')}Z`).toISOString());
    const text =
      'Start-Date: 2024-05-01  10:00:00\nUpgrade: a (1, 2)\nEnd-Date: 2024-05-01  10:01:00\n\nStart-Date: 2024-05-02  10:00:00\nUpgrade: b (1, 2)\nError: Sub-process /usr/bin/dpkg returned an error code (1)\nEnd-Date: 2024-05-02  10:01:00\n';
    expect(parseAptHistory(text, 480)).toBe('2024-05-01T02:01:00.000Z');
    expect(parseAptHistory('', 0)).toBeNull();
    expect(parseDpkgLog('2024-05-10 02:00:03 status installed openssl:amd64 3.0.11-1\n2024-05-10 02:00:04 status half-configured x:amd64 1\n', 480)).toBe('2024-05-09T18:00:03.000Z');
  });
});

describe('rpm family', () => {
  it('yum check-update: wrapped names, obsoletes skipped, headers ignored', async () => {
    const u = parseCheckUpdate(await fx('centos7/yum-check-update.txt'));
    expect(u).toHaveLength(13);
    expect(u.find((x) => x.name === 'java-1.8.0-openjdk-headless')).toEqual({ name: 'java-1.8.0-openjdk-headless', availableVersion: '1:1.8.0.412.b08-1.el7_9' });
    expect(u.some((x) => x.name === 'grub2')).toBe(false);
  });
  it('dnf check-update with a Chinese-locale header', async () => {
    const u = parseCheckUpdate(await fx('kylin-v10/dnf-check-update.txt'));
    expect(u.map((x) => x.name)).toContain('openssl-libs');
    expect(u).toHaveLength(9);
  });
  it('updateinfo: advisory lines to package names; garbled lines counted', async () => {
    const k = parseUpdateInfo(await fx('kylin-v10/dnf-updateinfo-security.txt'));
    expect([...k.names].sort()).toEqual(['kernel', 'kernel-tools', 'openssh', 'openssh-clients', 'openssh-server', 'openssl', 'openssl-libs', 'sudo']);
    expect(k.unreadable).toBe(0);
    expect(parseUpdateInfo(await fx('centos7/yum-updateinfo-security.txt'))).toEqual({ names: new Set(), unreadable: 0 });
    expect(parseUpdateInfo(await fx('uos-garbled/dnf-updateinfo-garbled.txt')).unreadable).toBeGreaterThan(0);
    expect(rpmNameOf('openssl-libs-1:1.1.1k-12.el8_9.x86_64')).toBe('openssl-libs');
    expect(rpmNameOf('garbage')).toBeNull();
  });
  it('rpm -qa: installed versions and the last install time', async () => {
    const r = parseRpmInstalled(await fx('kylin-v10/rpm-qa.txt'));
    expect(r.versions.get('sudo')).toBe('1.9.2-12.p03.ky10');
    expect(r.lastInstalledAt).toBe('2023-12-28T02:40:00.000Z');
    expect(parseRpmInstalled('not\trpm\toutput\n\x00')).toEqual({ versions: new Map(), lastInstalledAt: null });
  });
});

describe('Windows', () => {
  it('Get-HotFix in ISO, \\/Date()\\/ and {value, DateTime} forms; reboot flag', async () => {
    const h = parseHotFixes(JSON.parse(await fx('windows2012r2/hotfix.json')));
    expect(h).toEqual({ ids: ['KB2919355', 'KB3000850', 'KB5034171', 'KB4054566'], lastInstalledAt: '2024-01-11T00:00:00.000Z', rebootPending: true });
    expect(parseHotFixes('garbage')).toBeNull();
  });
  it('Windows Update search: security by classification id or MSRC severity, Chinese titles kept', async () => {
    const u = parseWindowsUpdateSearch(JSON.parse(await fx('windows2016/windows-update.json')))!;
    expect(u.map((x) => [x.availableVersion, x.security])).toEqual([
      ['KB5036899', true],
      ['KB2267602', false],
      ['KB5036604', true],
    ]);
    expect(u[0]!.name).toMatch(/累积更新/);
    expect(parseWindowsUpdateSearch(JSON.parse(await fx('windows2022/windows-update.json')))).toBeNull();
    expect(parseWindowsUpdateSearch({ ResultCode: 2, Updates: { Title: 'one', KB: '1', Categories: '0FA1201D-4330-4FA8-8AE9-B877473B6441' } })).toEqual([
      { name: 'one', installedVersion: null, availableVersion: 'KB1', security: true },
    ]);
  });
});
