import { describe, expect, it } from 'vitest';
import { endpointOf, extRulesFor, hostBehind, ObservationInput, overlapWith, parsePublicTarget, sanitizeBanner, scanPorts, targetAddresses, targetHolding, targetsOverlap } from './exposure.js';

describe('registered public targets', () => {
  it('accepts public addresses, ranges up to /20 and domain names, normalised', () => {
    expect(parsePublicTarget(' 61.164.10.5 ')).toMatchObject({ kind: 'ip', value: '61.164.10.5' });
    expect(parsePublicTarget('61.164.10.7/29')).toMatchObject({ kind: 'range', value: '61.164.10.0/29' });
    expect(parsePublicTarget('HIS.XHRMYY.Example.CN.')).toEqual({ kind: 'domain', value: 'his.xhrmyy.example.cn' });
    expect(parsePublicTarget('xn--fiqs8s.xn--fiqs8s')).toMatchObject({ kind: 'domain' });
  });
  it.each([
    ['10.1.2.3', /private/],
    ['192.168.1.0/24', /private/],
    ['172.20.0.1', /private/],
    ['100.64.1.1', /carrier-grade/],
    ['127.0.0.2', /loopback/],
    ['169.254.1.1', /link-local/],
    ['224.0.0.1', /multicast/],
    ['203.0.113.9', /documentation/],
    ['60.0.0.0/16', /at most 4096/],
    ['61.164.10.5/33', /at most|not/],
    ['300.1.1.1', /not a valid IPv4/],
    ['1.2.3', /not a valid IPv4/],
    ['fd12:3456::1', /unique local \(ULA\) address/],
    ['fc00::/120', /unique local/],
    ['fe80::1', /link-local/],
    ['::1', /loopback/],
    ['::', /unspecified/],
    ['::ffff:61.164.10.5', /IPv4-mapped/],
    ['ff02::1', /multicast/],
    ['2001:db8::1', /documentation/],
    ['2001:0:4136:e378::1', /Teredo/],
    ['3fff::1', /documentation/],
    ['4000::1', /not global unicast/],
    ['240e:1::/64', /at most 4096 addresses \(\/116/],
    ['240e::1::2', /not a valid IPv6/],
    ['240e:1:2:3:4:5:6:7:8', /not a valid IPv6/],
    ['240e:1::g', /not a valid IPv6/],
    ['-bad-.example.cn', /not a valid domain/],
    ['localhost', /not a valid domain/],
    ['exa mple.cn', /not a valid domain/],
    ['a'.repeat(64) + '.cn', /not a valid domain/],
  ])('refuses %s', (input, reason) => expect(() => parsePublicTarget(input)).toThrow(reason));
  it('a range that only touches a private block is refused too', () => {
    expect(() => parsePublicTarget('172.15.240.0/20')).not.toThrow();
    expect(() => parsePublicTarget('172.16.0.0/20')).toThrow(/private/);
  });
  it('overlap across institutions: ranges that intersect, the same domain; none within one institution', () => {
    const reg = [
      { institutionCode: 'A', target: parsePublicTarget('61.164.10.0/28') },
      { institutionCode: 'B', target: parsePublicTarget('his.b.example.cn') },
    ];
    expect(overlapWith(parsePublicTarget('61.164.10.9'), 'B', reg)?.institutionCode).toBe('A');
    expect(overlapWith(parsePublicTarget('61.164.10.9'), 'A', reg)).toBeNull();
    expect(overlapWith(parsePublicTarget('61.164.10.16/28'), 'B', reg)).toBeNull();
    expect(overlapWith(parsePublicTarget('HIS.b.example.cn'), 'A', reg)?.institutionCode).toBe('B');
    expect(targetsOverlap(parsePublicTarget('61.164.0.0/20'), parsePublicTarget('61.164.15.255'))).toBe(true);
  });
  it('IPv6: global unicast addresses and ranges up to /116, written the one RFC 5952 way; the documentation block only when told', () => {
    expect(parsePublicTarget('240E:0388:0000:0000:0000:0000:0000:0001')).toMatchObject({ kind: 'ip', family: 6, value: '240e:388::1' });
    expect(parsePublicTarget('240e:388:0:0:1:0:0:ff/120')).toMatchObject({ kind: 'range', family: 6, value: '240e:388:0:0:1::/120' });
    expect(parsePublicTarget('2409:8a00::1:2:3:4:5')).toMatchObject({ value: '2409:8a00:0:1:2:3:4:5' });
    expect(parsePublicTarget('2001:db8::2', { documentation: true })).toMatchObject({ kind: 'ip', value: '2001:db8::2' });
    expect(() => parsePublicTarget('fd00::2', { documentation: true })).toThrow(/unique local/);
    expect(targetAddresses(parsePublicTarget('240e:388::/126'))).toEqual(['240e:388::', '240e:388::1', '240e:388::2', '240e:388::3']);
  });
  it('IPv6 overlap: prefixes that intersect; never with an IPv4 entry', () => {
    expect(targetsOverlap(parsePublicTarget('240e:388::/120'), parsePublicTarget('240e:388::ff'))).toBe(true);
    expect(targetsOverlap(parsePublicTarget('240e:388::/120'), parsePublicTarget('240e:388::100/120'))).toBe(false);
    expect(targetsOverlap(parsePublicTarget('240e:388::/116'), parsePublicTarget('240e:388::800/120'))).toBe(true);
    expect(targetsOverlap(parsePublicTarget('61.164.10.0/28'), parsePublicTarget('240e:388::/120'))).toBe(false);
    const reg = [
      { institutionCode: 'A', value: '240e:388::/120' },
      { institutionCode: 'B', value: '61.164.10.0/28' },
      { institutionCode: 'C', value: 'his.example.cn' },
    ];
    expect(targetHolding(reg, '240e:388::7', (r) => r.value)?.institutionCode).toBe('A');
    expect(targetHolding(reg, '240E:388:0::7', (r) => r.value)?.institutionCode).toBe('A');
    expect(targetHolding(reg, '61.164.10.9', (r) => r.value)?.institutionCode).toBe('B');
    expect(targetHolding(reg, '240e:389::7', (r) => r.value)).toBeNull();
    expect(endpointOf('240e:388::7', 22)).toBe('[240e:388::7]:22');
    expect(endpointOf('61.164.10.9', 22)).toBe('61.164.10.9:22');
  });
  it('an observation names an IPv4 or IPv6 address, and may name the domain it was resolved from', () => {
    const o = { port: 22, banner: null, tlsSha256: null, sshHostKey: null, httpTitle: null, plainHttp: false };
    expect(ObservationInput.safeParse({ ...o, address: '240e:388::7' }).success).toBe(true);
    expect(ObservationInput.safeParse({ ...o, address: '61.164.10.9', domain: 'his.example.cn' }).success).toBe(true);
    expect(ObservationInput.safeParse({ ...o, address: '240e:388::/120' }).success).toBe(false);
    expect(ObservationInput.safeParse({ ...o, address: 'his.example.cn' }).success).toBe(false);
  });
  it('a range lists its addresses', () => {
    expect(targetAddresses(parsePublicTarget('61.164.10.4/30'))).toEqual(['61.164.10.4', '61.164.10.5', '61.164.10.6', '61.164.10.7']);
  });
});

describe('observations', () => {
  it('banners: control characters and escapes out, bounded even for 1 MB', () => {
    expect(sanitizeBanner(Buffer.from('SSH-2.0-OpenSSH_7.4\r\n\u001b[31mred\u0000'))).toBe('SSH-2.0-OpenSSH_7.4 red');
    // A title-setting OSC sequence and a bare ESC-c reset vanish whole too.
    expect(sanitizeBanner('\u001b]0;pwned\u0007Welcome\u001bc \u001b[1;32mok\u001b[0m')).toBe('Welcome ok');
    const huge = sanitizeBanner(Buffer.alloc(1024 * 1024, 'A'));
    expect(huge.length).toBe(256);
  });
  it('the rules an open port meets', () => {
    const o = (port: number, plainHttp = false, httpTitle: string | null = null) => extRulesFor({ port, plainHttp, httpTitle });
    expect(o(3389)).toEqual(['EXT-REMOTE-ADMIN']);
    expect(o(23)).toEqual(['EXT-REMOTE-ADMIN', 'EXT-PLAINTEXT']);
    expect(o(3306)).toEqual(['EXT-DATABASE']);
    expect(o(445)).toEqual(['EXT-PORT-RISKY']);
    expect(o(21)).toEqual(['EXT-PORT-RISKY', 'EXT-PLAINTEXT']);
    expect(o(80, true, 'HIS 系统登录')).toEqual(['EXT-PLAINTEXT']);
    expect(o(443, false, 'HIS 系统登录')).toEqual([]);
    expect(extRulesFor({ port: 2222, plainHttp: false, httpTitle: null, banner: 'SSH-2.0-OpenSSH_7.4' })).toEqual(['EXT-REMOTE-ADMIN']);
    expect(scanPorts([10086])).toEqual(expect.arrayContaining([22, 3389, 6379, 445, 10086]));
  });
  it('the host behind a port mapping: by its SSH host key, else its certificate; a shared certificate names no one', () => {
    const hosts = [
      { hostId: 'h-his', sshHostKeys: ['SHA256:his'], tlsSha256: ['c1', 'shared'] },
      { hostId: 'h-pacs', sshHostKeys: ['SHA256:pacs'], tlsSha256: ['c2', 'shared'] },
    ];
    expect(hostBehind({ sshHostKey: 'SHA256:pacs', tlsSha256: null }, hosts)).toEqual({ hostId: 'h-pacs', by: 'ssh-host-key' });
    expect(hostBehind({ sshHostKey: null, tlsSha256: 'c1' }, hosts)).toEqual({ hostId: 'h-his', by: 'tls-certificate' });
    expect(hostBehind({ sshHostKey: null, tlsSha256: 'shared' }, hosts)).toBeNull();
    expect(hostBehind({ sshHostKey: 'SHA256:other', tlsSha256: null }, hosts)).toBeNull();
  });
});
