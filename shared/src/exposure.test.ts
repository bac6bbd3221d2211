import { describe, expect, it } from 'vitest';
import { extRulesFor, hostBehind, overlapWith, parsePublicTarget, sanitizeBanner, scanPorts, targetAddresses, targetsOverlap } from './exposure.js';

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
    ['-bad-.example.cn', /not a valid domain/],
    ['localhost', /not a valid domain/],
    ['exa mple.cn', /not a valid domain/],
    ['a'.repeat(64) + '.cn', /not a valid domain/],
    ['2001:db8::1', /IPv6/],
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
