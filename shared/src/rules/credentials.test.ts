import { describe, expect, it } from 'vitest';
import { FIXTURE_NOW as NOW, healthyCredentials, healthyData, healthyWindowsData, sectionsOf } from './fixtures.js';
import { DEFAULT_SETTINGS, evaluateHost, type Finding } from './index.js';
import type { CredentialsData } from '../schemas/credentials.js';
import type { SectionData } from '../schemas/sections.js';

// HOST-WEAK-PASSWORD and HOST-SERVICE-NOAUTH (issue 24): opt-in, so absent means not applicable;
// a weak account or an open service fails; what the agent could not decide is unknown.

const linuxPart = (): CredentialsData => {
  const c = healthyCredentials();
  c.accounts.push({ account: 'his', weak: false, scheme: 'sha256crypt', check: 'dictionary' });
  return c;
};
const finding = (id: string, change: (c: CredentialsData, d: SectionData) => void = () => {}, windows = false): Finding => {
  const data = windows ? healthyWindowsData() : healthyData();
  const c = windows
    ? { accounts: [], windows: { blankPasswordsAllowed: false, neverExpire: [], adminEnabled: false }, services: [], notChecked: ['Windows account passwords are not tested'] }
    : linuxPart();
  data.security.credentials = c;
  change(c, data);
  return evaluateHost({ sections: sectionsOf(data), mlpsLevel: 3, securityUpdateFirstSeen: new Map(), lastReportAt: NOW }, DEFAULT_SETTINGS, NOW).find((f) => f.ruleId === id)!;
};
const listening = (port: number, address: string, bind: 'loopback' | 'wildcard' | 'private') => (_c: CredentialsData, d: SectionData) =>
  void d.ports.listeners.push({ protocol: 'tcp', address, port, pid: null, process: null, bind, publicExposure: false, service: null, category: null });

describe('HOST-WEAK-PASSWORD', () => {
  it('not applicable when the region has not turned the check on (no credentials part)', () => {
    const f = finding('HOST-WEAK-PASSWORD', (_c, d) => void delete d.security.credentials);
    expect(f.status).toBe('not-applicable');
  });
  it('passes when every account was tried; fails on a weak one, naming the account and the check, never the word', () => {
    expect(finding('HOST-WEAK-PASSWORD').status).toBe('pass');
    const f = finding('HOST-WEAK-PASSWORD', (c) => void (c.accounts[1] = { account: 'his', weak: true, scheme: 'sha256crypt', check: 'institution-pattern' }));
    expect(f.status).toBe('fail');
    expect(f.severity).toBe('critical');
    expect(f.evidence.zh).toContain('his（机构缩写加年份）');
  });
  it('an empty password fails; a fail stands when another account is undecided', () => {
    const f = finding('HOST-WEAK-PASSWORD', (c) => {
      c.accounts.push({ account: 'kiosk', weak: true, scheme: 'none', check: 'empty-password' });
      c.accounts.push({ account: 'new', weak: null, scheme: 'yescrypt', check: 'scheme-unsupported' });
    });
    expect(f.status).toBe('fail');
  });
  it.each([
    ['budget spent before an account', { account: 'ops', weak: null, scheme: 'sha512crypt', check: 'budget' }],
    ['a yescrypt hash', { account: 'ops', weak: null, scheme: 'yescrypt', check: 'scheme-unsupported' }],
  ] as const)('unknown, never a pass: %s', (_w, verdict) => {
    const f = finding('HOST-WEAK-PASSWORD', (c) => void c.accounts.push({ ...verdict }));
    expect(f.status).toBe('unknown');
    expect(f.evidence.zh).toContain('ops');
  });
  it('shadow not readable: unknown', () => {
    expect(finding('HOST-WEAK-PASSWORD', (c) => void ((c.accounts = []), (c.notChecked = ['/etc/shadow could not be read']))).status).toBe('unknown');
  });
  it('Windows: blank passwords, an enabled Administrator and never-expiring passwords fail; unread values are unknown', () => {
    expect(finding('HOST-WEAK-PASSWORD', () => {}, true).status).toBe('pass');
    expect(finding('HOST-WEAK-PASSWORD', (c) => void (c.windows!.blankPasswordsAllowed = true), true).status).toBe('fail');
    expect(finding('HOST-WEAK-PASSWORD', (c) => void (c.windows!.adminEnabled = true), true).status).toBe('fail');
    expect(finding('HOST-WEAK-PASSWORD', (c) => void (c.windows!.neverExpire = ['his']), true).evidence.zh).toContain('his');
    expect(finding('HOST-WEAK-PASSWORD', (c) => void (c.windows!.adminEnabled = null), true).status).toBe('unknown');
  });
});

describe('HOST-SERVICE-NOAUTH', () => {
  const open = (c: CredentialsData) => void (c.services[0] = { service: 'redis', port: 6379, noAuth: true, check: 'PING without AUTH', reason: null });
  it('passes when every service found needs authentication, and when none is found', () => {
    expect(finding('HOST-SERVICE-NOAUTH').status).toBe('pass');
    expect(finding('HOST-SERVICE-NOAUTH', (c) => void (c.services = [])).status).toBe('pass');
  });
  it('high when the open service listens on loopback only', () => {
    const f = finding('HOST-SERVICE-NOAUTH', (c, d) => (open(c), listening(6379, '127.0.0.1', 'loopback')(c, d)));
    expect([f.status, f.severity]).toEqual(['fail', 'high']);
    // The Chinese line says what was found in Chinese; the agent's English description stays in the English line.
    expect(f.evidence.zh).toBe('无需认证：Redis 6379（未认证即可执行 PING）');
    expect(f.evidence.en).toContain('(PING without AUTH)');
  });
  it('critical when it is reachable beyond loopback (a wildcard or a LAN address)', () => {
    for (const [address, bind] of [
      ['0.0.0.0', 'wildcard'],
      ['10.1.2.3', 'private'],
    ] as const) {
      const f = finding('HOST-SERVICE-NOAUTH', (c, d) => (open(c), listening(6379, address, bind)(c, d)));
      expect([f.status, f.severity]).toEqual(['fail', 'critical']);
      expect(f.evidence.zh).toContain('回环地址以外');
    }
  });
  it('MySQL root without a password and PostgreSQL trust fail too', () => {
    const f = finding('HOST-SERVICE-NOAUTH', (c) => {
      c.services.push({ service: 'mysql', port: 3306, noAuth: true, check: 'root login with an empty password', reason: null });
      c.services.push({ service: 'postgresql', port: 5432, noAuth: true, check: 'pg_hba.conf: trust for 0.0.0.0/0', reason: null });
    });
    expect(f.status).toBe('fail');
    expect(f.evidence.en).toMatch(/MySQL\/MariaDB 3306.*PostgreSQL 5432/);
  });
  it('a probe without a verdict is unknown', () => {
    const f = finding('HOST-SERVICE-NOAUTH', (c) => void c.services.push({ service: 'mongodb', port: 27017, noAuth: null, check: 'handshake', reason: 'no answer within 3000 ms' }));
    expect(f.status).toBe('unknown');
    expect(f.evidence.en).toContain('no answer');
  });
});
