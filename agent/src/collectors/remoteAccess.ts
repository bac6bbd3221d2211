import type { SecurityData } from '@weian/shared';
import { bool, isRecord, str, toArray } from './helpers/parse.js';

/**
 * Remote-access hardening (M11, 等保 访问控制): RDP with or without Network Level Authentication,
 * SMBv1, the built-in Guest account, and plaintext remote services (Telnet, FTP) running. Read from
 * the registry, Get-SmbServerConfiguration and WMI on Windows (Server 2012 R2 and later); on Linux,
 * only the plaintext services (from the process list). What cannot be read is null.
 */
export type RemoteAccess = NonNullable<SecurityData['remoteAccess']>;

// The Guest account is the local account whose SID ends in -501, whatever it was renamed to.
export const WINDOWS_REMOTE_ACCESS_SCRIPT =
  "$ts='HKLM:\\SYSTEM\\CurrentControlSet\\Control\\Terminal Server';" +
  '$rdp=(Get-ItemProperty $ts -Name fDenyTSConnections).fDenyTSConnections;' +
  "$nla=(Get-ItemProperty ($ts+'\\WinStations\\RDP-Tcp') -Name UserAuthentication).UserAuthentication;" +
  '$smb=$null;try{$smb=(Get-SmbServerConfiguration -ErrorAction Stop).EnableSMB1Protocol}catch{};' +
  "$g=(Get-WmiObject Win32_UserAccount -Filter 'LocalAccount=True' | Where-Object { $_.SID -like '*-501' } | Select-Object -First 1).Disabled;" +
  "$p=@(Get-Service -Name TlntSvr,FTPSVC,MSFTPSVC | Where-Object { $_.Status -eq 'Running' } | ForEach-Object { $_.Name });" +
  '[pscustomobject]@{RdpDenied=$rdp;Nla=$nla;Smb1=$smb;GuestDisabled=$g;Plaintext=$p} | ConvertTo-Json -Compress';

export function parseWindowsRemoteAccess(json: unknown): { remoteAccess: RemoteAccess | null; problems: string[] } {
  if (!isRecord(json)) return { remoteAccess: null, problems: ['the remote-access settings could not be read (no JSON from PowerShell)'] };
  const problems: string[] = [];
  const denied = bool(json.RdpDenied);
  const rdpEnabled = denied === null ? null : !denied;
  const nla = bool(json.Nla);
  const guestDisabled = bool(json.GuestDisabled);
  const remoteAccess: RemoteAccess = {
    rdpEnabled,
    // NLA matters only where RDP accepts connections.
    rdpNla: rdpEnabled === false ? null : nla,
    smb1: bool(json.Smb1),
    guestEnabled: guestDisabled === null ? null : !guestDisabled,
    plaintextServices: toArray(json.Plaintext)
      .map(str)
      .filter((s): s is string => s !== null)
      .slice(0, 16),
  };
  if (rdpEnabled === null) problems.push('whether RDP accepts connections could not be read (fDenyTSConnections)');
  if (rdpEnabled && nla === null) problems.push('whether RDP requires Network Level Authentication could not be read (UserAuthentication)');
  if (remoteAccess.smb1 === null) problems.push('whether SMBv1 is enabled could not be read (Get-SmbServerConfiguration)');
  if (remoteAccess.guestEnabled === null) problems.push('whether the Guest account is enabled could not be read');
  return { remoteAccess, problems };
}

/** Linux: Telnet and FTP daemons among the running processes; RDP, SMBv1 and Guest do not apply (null). */
const LINUX_PLAINTEXT = /^(in\.telnetd|telnetd|vsftpd|proftpd|pure-ftpd|in\.ftpd)$/;
export function linuxRemoteAccess(processes: readonly string[] | null): RemoteAccess | null {
  if (processes === null) return null;
  return { rdpEnabled: null, rdpNla: null, smb1: null, guestEnabled: null, plaintextServices: [...new Set(processes.filter((p) => LINUX_PLAINTEXT.test(p)))].slice(0, 16) };
}
