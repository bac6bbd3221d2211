import { createHash } from 'node:crypto';
import type { HostIdentities, Listener } from '@weian/shared';
import type { Runner } from '../runner.js';
import { sshFingerprint, tlsCertificate } from '../scan/grab.js';
import { isRecord, num, str } from './helpers/parse.js';
import { runPowerShell } from './helpers/powershell.js';
import { listDir } from './helpers/probe.js';

/**
 * This host's SSH host-key fingerprints and its TLS listeners' certificates (issue 24), so that a
 * scanner outside that sees one of them on a public address names this host. Public keys and
 * certificates only: nothing secret is read.
 */

/** Fingerprint of an OpenSSH public key line ("ssh-ed25519 AAAA… root@host"); null when it is not one. */
export function publicKeyFingerprint(line: string): string | null {
  const m = /^(?:ssh-|ecdsa-|sk-)\S+\s+([A-Za-z0-9+/]+={0,2})(?:\s|$)/.exec(line.trim());
  if (!m) return null;
  const blob = Buffer.from(m[1]!, 'base64');
  return blob.length > 16 ? sshFingerprint(blob) : null;
}

/** Ports commonly serving TLS, and any listener the well-known table calls web: their certificates are read on loopback. */
const TLS_PORTS = new Set([443, 636, 993, 995, 2376, 4443, 5986, 6443, 8443, 9443]);
const MAX_TLS_PROBES = 16;

/**
 * The certificate Remote Desktop presents (issue 24): the thumbprint WMI names for the RDP-Tcp listener
 * (Win32_TSGeneralSetting.SSLCertificateSHA1Hash), that certificate's public DER from the "Remote
 * Desktop" store (or the machine's own store, where an administrator may have put it), and the port
 * RDP listens on. A certificate is public: the private key is never touched.
 */
export const WINDOWS_RDP_CERTIFICATE_SCRIPT =
  "$h=(Get-WmiObject -Namespace 'root\\cimv2\\TerminalServices' -Class Win32_TSGeneralSetting | Where-Object { $_.TerminalName -eq 'RDP-Tcp' } | Select-Object -First 1).SSLCertificateSHA1Hash;" +
  "$port=(Get-ItemProperty 'HKLM:\\SYSTEM\\CurrentControlSet\\Control\\Terminal Server\\WinStations\\RDP-Tcp' -Name PortNumber).PortNumber;" +
  "$c=Get-ChildItem 'Cert:\\LocalMachine\\Remote Desktop','Cert:\\LocalMachine\\My' | Where-Object { $_.Thumbprint -eq $h } | Select-Object -First 1;" +
  '$d=$null;if($c){$d=[Convert]::ToBase64String($c.RawData)};' +
  '[pscustomobject]@{Thumbprint=$h;Port=$port;Certificate=$d} | ConvertTo-Json -Compress';

/**
 * The RDP listener's certificate as a scanner outside sees it (SHA-256 of the DER), on its port; null
 * when it could not be read, or when the DER is not the certificate WMI names (its SHA-1 must be the thumbprint).
 */
export function parseRdpCertificate(json: unknown): { port: number; sha256: string } | null {
  if (!isRecord(json)) return null;
  const thumbprint = str(json.Thumbprint)?.toLowerCase();
  const der = str(json.Certificate);
  const port = num(json.Port) ?? 3389;
  if (!thumbprint || !der || !Number.isInteger(port) || port < 1 || port > 65535) return null;
  const raw = Buffer.from(der, 'base64');
  if (createHash('sha1').update(raw).digest('hex') !== thumbprint) return null;
  return { port, sha256: createHash('sha256').update(raw).digest('hex') };
}

/** Where sshd keeps its host keys: OpenSSH on Linux, Win32-OpenSSH on Windows. */
const sshDirOf = (runner: Runner) => (runner.platform === 'win32' ? 'C:/ProgramData/ssh' : '/etc/ssh');

/** Undefined when nothing could be read at all (a replayed capture made before identities were collected). */
export async function hostIdentities(runner: Runner, listeners: readonly Listener[]): Promise<HostIdentities | undefined> {
  const sshHostKeys: string[] = [];
  const dir = sshDirOf(runner);
  const sshDir = await listDir(runner, dir);
  for (const f of sshDir ?? []) {
    if (!/^ssh_host_.*_key\.pub$/.test(f)) continue;
    const fp = publicKeyFingerprint((await runner.readFile(`${dir}/${f}`, 16 * 1024)) ?? '');
    if (fp && !sshHostKeys.includes(fp)) sshHostKeys.push(fp);
  }
  const candidates = listeners.filter((l) => l.protocol === 'tcp' && (TLS_PORTS.has(l.port) || l.category === 'web'));
  const seen = new Set<number>();
  const tls: HostIdentities['tls'] = [];
  // Windows: the RDP certificate, so that a mapped 3389 (or any port it is moved to) names this host.
  if (runner.platform === 'win32') {
    const rdp = parseRdpCertificate((await runPowerShell(runner, WINDOWS_RDP_CERTIFICATE_SCRIPT, 30_000)).json);
    if (rdp) {
      tls.push(rdp);
      seen.add(rdp.port);
    }
  }
  for (const l of candidates) {
    if (seen.has(l.port) || seen.size >= MAX_TLS_PROBES) continue;
    seen.add(l.port);
    const host = l.bind === 'wildcard' ? (l.address.includes(':') ? '::1' : '127.0.0.1') : l.address;
    const cert = await runner.call(`tls-certificate:${host}:${l.port}`, () => tlsCertificate(host, l.port, undefined, 2000, false)).catch(() => null);
    if (cert) tls.push({ port: l.port, sha256: cert.sha256 });
  }
  if (sshDir === null && !tls.length) return undefined;
  return { sshHostKeys: sshHostKeys.slice(0, 16), tls };
}
