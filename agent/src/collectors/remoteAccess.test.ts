import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { linuxRemoteAccess, parseWindowsRemoteAccess } from './remoteAccess.js';

const fx = async (p: string) => JSON.parse(await readFile(join(import.meta.dirname, '../../fixtures', p), 'utf8')) as unknown;

describe('remote-access hardening', () => {
  it('Windows Server 2012 R2: RDP with NLA, SMBv1 on, FTP running (one service arrives as a bare string)', async () => {
    expect(parseWindowsRemoteAccess(await fx('windows2012r2/remote-access.json'))).toEqual({
      remoteAccess: { rdpEnabled: true, rdpNla: true, smb1: true, guestEnabled: false, plaintextServices: ['FTPSVC'] },
      problems: [],
    });
  });
  it('Windows Server 2019 (Chinese): RDP without NLA', async () => {
    expect(parseWindowsRemoteAccess(await fx('windows2019-zh-wuauserv/remote-access.json')).remoteAccess).toMatchObject({ rdpEnabled: true, rdpNla: false, smb1: false });
  });
  it('RDP off: NLA does not apply', () => {
    expect(parseWindowsRemoteAccess({ RdpDenied: 1, Nla: 0, Smb1: false, GuestDisabled: true, Plaintext: [] }).remoteAccess).toMatchObject({ rdpEnabled: false, rdpNla: null });
  });
  it.each([
    ['no output', null],
    ['garbled values', { RdpDenied: 'é', Nla: '?', Smb1: 'x', GuestDisabled: {}, Plaintext: null }],
    ['Get-SmbServerConfiguration missing (2008 R2) and no Guest', { RdpDenied: 0, Nla: 1, Smb1: null, GuestDisabled: null, Plaintext: [] }],
  ] as const)('bad input: %s → null where unread, with reasons, nothing reported as safe', (_n, json) => {
    const r = parseWindowsRemoteAccess(json);
    expect(r.problems.length).toBeGreaterThan(0);
    if (r.remoteAccess) {
      expect(r.remoteAccess.smb1).toBeNull();
      expect(r.remoteAccess.guestEnabled).toBeNull();
    }
  });
  it('Linux: Telnet/FTP daemons from the process list; unknown without one', () => {
    expect(linuxRemoteAccess(['sshd', 'vsftpd', 'in.telnetd', 'vsftpd'])).toMatchObject({ plaintextServices: ['vsftpd', 'in.telnetd'], rdpEnabled: null });
    expect(linuxRemoteAccess(null)).toBeNull();
  });
});
