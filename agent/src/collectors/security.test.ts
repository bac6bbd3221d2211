import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { detectProduct } from './antimalware.js';
import { parseIsActive } from './linux-services.js';
import { parseChronyTracking, parseFirewallRules, parseTimedatectl, parseW32tm, parseWindowsSecurity } from './security.js';
import { parseSshdConfig, parseSshdT } from './sshd.js';

const fx = (p: string) => readFile(join(import.meta.dirname, '../../fixtures', p), 'utf8');

describe('Linux', () => {
  it('chronyc tracking: Normal is synchronised, Not synchronised is not', async () => {
    expect(parseChronyTracking(await fx('centos7/chronyc-tracking.txt'))).toBe(true);
    expect(parseChronyTracking(await fx('kylin-v10/chronyc-tracking.txt'))).toBe(false);
    expect(parseChronyTracking('506 Cannot talk to daemon')).toBeNull();
  });
  it('timedatectl in the systemd ≥ 239 and CentOS 7 wordings', () => {
    expect(parseTimedatectl('               Local time: Fri 2024-05-10 09:30:00 CST\nSystem clock synchronized: yes\n              NTP service: active\n')).toBe(true);
    expect(parseTimedatectl('      Local time: Fri 2024-05-10 09:30:00 CST\n     NTP enabled: yes\nNTP synchronized: no\n')).toBe(false);
    expect(parseTimedatectl('')).toBeNull();
  });
  it('firewall rules: an nft ruleset of accepting empty chains is no firewall; rules or a drop policy are', async () => {
    expect(parseFirewallRules(await fx('kylin-v10/nft-ruleset.txt'))).toBe(false);
    expect(parseFirewallRules('table inet filter {\n\tchain input {\n\t\ttype filter hook input priority 0; policy drop;\n\t\tct state established accept\n\t}\n}\n')).toBe(true);
    expect(parseFirewallRules('-P INPUT ACCEPT\n-P FORWARD ACCEPT\n-P OUTPUT ACCEPT\n')).toBe(false);
    // Accepting rules under an accepting policy filter nothing.
    expect(parseFirewallRules('-P INPUT ACCEPT\n-A INPUT -p tcp --dport 22 -j ACCEPT\n')).toBe(false);
    expect(parseFirewallRules('-P INPUT ACCEPT\n-A INPUT -p tcp --dport 22 -j ACCEPT\n-A INPUT -j REJECT --reject-with icmp-host-prohibited\n')).toBe(true);
  });
  it('systemctl is-active: one state per unit, null when systemd does not answer or lines are missing', () => {
    expect(parseIsActive('active\ninactive\n', ['a', 'b'])).toEqual(
      new Map([
        ['a', 'active'],
        ['b', 'inactive'],
      ]),
    );
    expect(parseIsActive('', ['a'])).toBeNull();
    expect(parseIsActive('active\n', ['a', 'b'])).toBeNull();
  });
  it('sshd: -T output, config with Match blocks, OpenSSH defaults when unset', async () => {
    expect(parseSshdT(await fx('kylin-v10/sshd-T.txt'))).toEqual({ permitRootLogin: 'no', passwordAuthentication: true });
    expect(parseSshdT(await fx('uos-garbled/sshd-T-garbled.txt'))).toBeNull();
    expect(parseSshdConfig(await fx('centos7/sshd_config.txt'))).toEqual({ permitRootLogin: 'yes', passwordAuthentication: true });
    expect(parseSshdConfig('# nothing set\n')).toEqual({ permitRootLogin: 'prohibit-password', passwordAuthentication: true });
    expect(parseSshdConfig('PasswordAuthentication=no\nPasswordAuthentication yes\n').passwordAuthentication).toBe(false);
  });
  it('anti-malware table: products by service or process name', () => {
    expect(detectProduct(['svchost', 'HipsDaemon'], 'windows')).toMatch(/火绒/);
    expect(detectProduct(['SangforEDRService'], 'windows')).toMatch(/深信服/);
    expect(detectProduct(['ds_agent'], 'linux')).toMatch(/亚信/);
    expect(detectProduct(['sshd', 'bash'], 'linux')).toBeNull();
  });
});

describe('Windows', () => {
  it('w32tm in English and Chinese, synchronised and free-running', async () => {
    const text = async (d: string) => (JSON.parse(await fx(`${d}/security.json`)) as { W32tm: string }).W32tm;
    expect(parseW32tm(await text('windows2012r2'))).toBe(false);
    expect(parseW32tm(await text('windows2016'))).toBe(true);
    expect(parseW32tm(await text('windows2022'))).toBe(false);
    expect(parseW32tm('Leap Indicator: 0(no warning)\nStratum: 3 (secondary reference - syncd by (S)NTP)\nSource: dc01.hospital.local\n')).toBe(true);
    expect(parseW32tm('The following error occurred: The service has not been started. (0x80070426)')).toBeNull();
  });
  it('security JSON: firewall profiles, Defender state, services as strings or enum numbers', async () => {
    const raw = parseWindowsSecurity(JSON.parse(await fx('windows2016/security.json')))!;
    expect(raw.firewall).toEqual([
      { name: 'Domain', enabled: true },
      { name: 'Private', enabled: true },
      { name: 'Public', enabled: true },
    ]);
    expect(raw.defender).toEqual({ running: true, signatureUpdatedAt: '2024-05-09T19:12:40.000Z' });
    expect(raw.services.get('W32Time')).toBe(true);
    expect(parseWindowsSecurity({ Services: { Name: 'EventLog', Status: 4 }, Firewall: { Name: 'Domain', Enabled: 1 } })!.services.get('EventLog')).toBe(true);
    expect(parseWindowsSecurity(null)).toBeNull();
  });
});
