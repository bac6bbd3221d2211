import type { HostIdentities, Listener } from '@weian/shared';
import type { Runner } from '../runner.js';
import { sshFingerprint, tlsCertificate } from '../scan/grab.js';
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

/** Undefined when nothing could be read at all (a replayed capture made before identities were collected). */
export async function hostIdentities(runner: Runner, listeners: readonly Listener[]): Promise<HostIdentities | undefined> {
  const sshHostKeys: string[] = [];
  const sshDir = await listDir(runner, '/etc/ssh');
  for (const f of sshDir ?? []) {
    if (!/^ssh_host_.*_key\.pub$/.test(f)) continue;
    const fp = publicKeyFingerprint((await runner.readFile(`/etc/ssh/${f}`, 16 * 1024)) ?? '');
    if (fp && !sshHostKeys.includes(fp)) sshHostKeys.push(fp);
  }
  const candidates = listeners.filter((l) => l.protocol === 'tcp' && (TLS_PORTS.has(l.port) || l.category === 'web'));
  const seen = new Set<number>();
  const tls: HostIdentities['tls'] = [];
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
