import { describe, expect, it } from 'vitest';
import { aptAutoUpdate, dnfAutoUpdate, parseWindowsAutoUpdate, yumAutoUpdate } from './autoUpdate.js';

describe('automatic updates (information beside the patch rules)', () => {
  it('apt: unattended-upgrades installed and switched on, off, or not installed', () => {
    expect(aptAutoUpdate('APT::Periodic::Update-Package-Lists "1";\nAPT::Periodic::Unattended-Upgrade "1";\n', true)).toMatchObject({ enabled: true, mechanism: 'unattended-upgrades' });
    expect(aptAutoUpdate('APT::Periodic::Unattended-Upgrade "0";\n', true).enabled).toBe(false);
    expect(aptAutoUpdate(null, true).enabled).toBe(false);
    expect(aptAutoUpdate('APT::Periodic::Unattended-Upgrade "1";\n', false)).toMatchObject({ enabled: false, mechanism: null });
  });
  it('dnf-automatic: the install timer, or the plain timer with apply_updates = yes; security-only noted', () => {
    expect(dnfAutoUpdate('[commands]\nupgrade_type = security\napply_updates = no\n', { install: true, plain: false })).toMatchObject({ enabled: true, securityOnly: true });
    expect(dnfAutoUpdate('[commands]\napply_updates = yes\n', { install: false, plain: true })).toMatchObject({ enabled: true, securityOnly: false });
    expect(dnfAutoUpdate('[commands]\napply_updates = no\n', { install: false, plain: true }).enabled).toBe(false);
    expect(dnfAutoUpdate(null, { install: false, plain: false })).toMatchObject({ enabled: false, mechanism: null });
  });
  it('yum-cron: its daily job and apply_updates = yes', () => {
    expect(yumAutoUpdate('[commands]\nupdate_cmd = security\napply_updates = yes\n', true)).toMatchObject({ enabled: true, securityOnly: true, mechanism: 'yum-cron' });
    expect(yumAutoUpdate('[commands]\napply_updates = no\n', true).enabled).toBe(false);
  });
  it('Windows: automatic install (4), download only (3) from WSUS, disabled service, no policy', () => {
    expect(parseWindowsAutoUpdate({ AUOptions: 4, NoAutoUpdate: 0, Service: 'Automatic' })).toMatchObject({ enabled: true, mechanism: 'Windows Update' });
    expect(parseWindowsAutoUpdate({ AUOptions: 3, UseWUServer: 1, WUServer: 'http://wsus:8530', Service: 'Manual' })).toMatchObject({ enabled: false, mechanism: 'WSUS', server: 'http://wsus:8530' });
    expect(parseWindowsAutoUpdate({ AUOptions: 4, Service: 'Disabled' })!.enabled).toBe(false);
    expect(parseWindowsAutoUpdate({ Service: 'Manual' })!.enabled).toBeNull();
  });
  it.each([
    ['no output', null, null],
    ['garbled', { AUOptions: '四', Service: '\ufffd' }, { enabled: null }],
    ['truncated apt line', 'APT::Periodic::Unattended-Upgrade', null],
  ] as const)('bad input: %s → not claimed enabled', (_n, input, want) => {
    if (typeof input === 'string') expect(aptAutoUpdate(input, true).enabled).not.toBe(true);
    else if (want === null) expect(parseWindowsAutoUpdate(input)).toBeNull();
    else expect(parseWindowsAutoUpdate(input)).toMatchObject(want);
  });
});
