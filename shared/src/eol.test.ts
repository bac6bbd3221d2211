import { describe, expect, it } from 'vitest';
import { EOL_TABLE, eolFor } from './eol.js';
import type { DeviceData } from './schemas/sections.js';

const os = (o: Partial<DeviceData['os']>): DeviceData['os'] => ({ family: 'linux', distro: '', release: '', id: null, codename: null, kernel: '', arch: 'x64', ...o });
const name = (o: Partial<DeviceData['os']>) => eolFor(os(o))?.name ?? null;

describe('eolFor', () => {
  it('matches Linux releases as systeminformation reports them', () => {
    expect(name({ distro: 'CentOS Linux', release: '7.9.2009', id: 'centos' })).toBe('CentOS Linux 7');
    expect(name({ distro: 'CentOS Stream', release: '9', id: 'centos' })).toBe('CentOS Stream 9');
    expect(name({ distro: 'Red Hat Enterprise Linux Server', release: '7.9', id: 'rhel' })).toBe('Red Hat Enterprise Linux 7');
    expect(name({ distro: 'Debian GNU/Linux', release: '11', id: 'debian', codename: 'bullseye' })).toBe('Debian 11 (bullseye)');
    expect(name({ distro: 'Ubuntu', release: '22.04.4 LTS', id: 'ubuntu' })).toBe('Ubuntu 22.04 LTS');
    expect(name({ distro: 'Ubuntu', release: '23.10', id: 'ubuntu' })).toBeNull(); // not LTS: not in the table
    expect(name({ distro: 'openEuler', release: '22.03', id: 'openEuler', codename: 'LTS' })).toBe('openEuler 22.03 LTS');
    expect(name({ distro: 'UnionTech OS Server 20', release: '20', id: 'uos' })).toBe('UOS Server 20');
    expect(name({ distro: 'Kylin Linux Advanced Server', release: 'V10', id: 'kylin', codename: 'Sword' })).toBe('Kylin Linux Advanced Server V10 SP2');
    expect(name({ distro: 'Kylin Linux Advanced Server', release: 'V10 (SP3)', id: 'kylin' })).toBe('Kylin Linux Advanced Server V10 SP3');
  });

  it('matches Windows by product name, or by build on servers', () => {
    const win = (distro: string, release: string) => name({ family: 'windows', distro, release, id: 'windows' });
    expect(win('Microsoft Windows Server 2008 R2 Enterprise', '6.1.7601')).toBe('Windows Server 2008 R2');
    expect(win('Microsoft Windows Server 2012 R2 Datacenter', '6.3.9600')).toBe('Windows Server 2012 R2');
    expect(win('Microsoft Windows Server 2016 Standard', '10.0.14393')).toBe('Windows Server 2016');
    expect(win('Microsoft Windows Server Standard', '10.0.20348')).toBe('Windows Server 2022');
    expect(win('Microsoft Windows 7 旗舰版', '6.1.7601')).toBe('Windows 7');
    expect(win('Microsoft Windows 10 专业版', '10.0.19045')).toBe('Windows 10');
    expect(win('Microsoft Windows 10 Enterprise LTSC', '10.0.17763')).toBe('Windows 10 Enterprise LTSC 2019');
    expect(eolFor(os({ family: 'windows', distro: 'Microsoft Windows Server 2012 R2 Standard', release: '6.3.9600' }))?.date).toBe('2023-10-10');
  });

  it('recognises the RHEL rebuilds and domestic systems hospitals run (issue 19), unknown where no date is verified', () => {
    expect(eolFor(os({ distro: 'Rocky Linux', release: '8.9', id: 'rocky' }))).toMatchObject({ name: 'Rocky Linux 8', date: '2029-05-31' });
    expect(eolFor(os({ distro: 'AlmaLinux', release: '9.3', id: 'almalinux' }))).toMatchObject({ name: 'AlmaLinux 9', date: '2032-05-31' });
    expect(eolFor(os({ distro: 'Anolis OS', release: '8.8', id: 'anolis' }))).toMatchObject({ name: 'Anolis OS 8', date: null });
    expect(eolFor(os({ distro: 'BigCloud Enterprise Linux', release: '7.8', id: 'bclinux' }))).toMatchObject({ name: 'BC-Linux 7', date: null });
    expect(eolFor(os({ distro: 'NeoKylin Linux Advanced Server', release: 'V7Update6', id: 'neokylin' }))).toMatchObject({ name: 'NeoKylin Linux Advanced Server 7 (中标麒麟)', date: null });
    expect(eolFor(os({ distro: 'KylinSec OS Linux', release: '3.4', id: 'kylinsec' }))).toMatchObject({ date: null });
    // Not mistaken for one another.
    expect(name({ distro: 'Kylin Linux Advanced Server', release: 'V10', id: 'kylin', codename: 'Tercel' })).toBe('Kylin Linux Advanced Server V10 SP1');
    expect(name({ distro: 'CentOS Linux', release: '7.9.2009', id: 'centos' })).toBe('CentOS Linux 7');
  });

  it('tells openEuler SP lines apart: each SP unknown, bounded by its LTS line’s end (issue 19)', () => {
    const oe = (release: string, codename: string | null) => eolFor(os({ distro: 'openEuler', release, id: 'openEuler', codename }));
    expect(oe('22.03', 'LTS-SP1')).toMatchObject({ name: 'openEuler 22.03 LTS SP1', date: null, notAfter: '2026-06-30' });
    expect(oe('20.03', 'LTS-SP3')).toMatchObject({ name: 'openEuler 20.03 LTS SP3', date: null, notAfter: '2025-11-30' });
    expect(oe('20.03', 'LTS-SP4')?.name).toBe('openEuler 20.03 LTS SP4');
    expect(oe('24.03', 'LTS-SP2')).toMatchObject({ name: 'openEuler 24.03 LTS SP2', notAfter: '2028-12-31' });
    expect(oe('22.03 (LTS-SP2)', null)?.name).toBe('openEuler 22.03 LTS SP2');
    expect(oe('20.03', 'LTS')?.name).toBe('openEuler 20.03 LTS');
    // The SP not reported: only the line's end is known.
    expect(oe('22.03', null)).toMatchObject({ name: 'openEuler 22.03 LTS（服务包未知）', date: null, notAfter: '2026-06-30' });
    for (const e of EOL_TABLE.filter((x) => x.name.startsWith('openEuler'))) expect(e.date, e.name).toBeNull();
  });

  it('names a source for every entry', () => {
    for (const e of EOL_TABLE) expect(e.source.length, e.name).toBeGreaterThan(10);
  });
});
