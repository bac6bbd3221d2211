import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { AgentArch, AgentInstallKind, ReleaseFile, UpgradeManifest } from '@weian/shared';

/** The agent release this server hands out, and the key that vouches for it to agents. */
export interface AgentRelease {
  /** The server's Ed25519 public key, base64 SPKI DER: given at enrolment, pinned by the agent. */
  publicKey: string;
  /** The release in the server's agent dist as a signed manifest; null when the server has no packages. */
  signedManifest(now: Date): Promise<SignedManifest | null>;
}
export interface SignedManifest {
  version: string;
  /** UpgradeManifest as JSON text, exactly the bytes signed. */
  manifest: string;
  /** base64 Ed25519 signature over the manifest's UTF-8 bytes. */
  signature: string;
  /** The manifest's files: which install kinds and architectures the release reaches. */
  files: ReleaseFile[];
}

/** `sha256  name` lines, as sha256sum writes them, into name → sum. */
export function parseSums(text: string): Map<string, string> {
  const sums = new Map<string, string>();
  for (const line of text.split('\n')) {
    const m = /^([0-9a-f]{64}) [ *]([A-Za-z0-9._-]+)$/.exec(line.trim());
    if (m) sums.set(m[2]!, m[1]!);
  }
  return sums;
}

export const SIGNING_KEY_FILE = 'agent-signing-key.pem';

/**
 * The server's upgrade-signing key, made on first start and kept in the data directory (mode 0600).
 * It must be backed up with the database: agents pinned its public key and refuse upgrades signed by another.
 */
export function loadOrCreateSigningKey(dataDir: string): KeyObject {
  const file = join(dataDir, SIGNING_KEY_FILE);
  if (existsSync(file)) return createPrivateKey(readFileSync(file));
  mkdirSync(dataDir, { recursive: true });
  const { privateKey } = generateKeyPairSync('ed25519');
  try {
    writeFileSync(file, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600, flag: 'wx' });
  } catch (e) {
    // Another process on the same data directory made it first: that one is the key.
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return createPrivateKey(readFileSync(file));
    throw e;
  }
  return privateKey;
}

export const publicKeyOf = (key: KeyObject) => createPublicKey(key).export({ type: 'spki', format: 'der' }).toString('base64');

/** Which agents a built file is for, by its name (agent/scripts/build.mjs names them); null: not an upgrade target. */
export function releaseTarget(file: string): { arch: AgentArch; kind: AgentInstallKind } | null {
  if (file === 'weian-agent-linux-x64') return { arch: 'x64', kind: 'sea' };
  if (file === 'weian-agent-linux-arm64') return { arch: 'arm64', kind: 'sea' };
  const deb = /^weian-agent_\d+\.\d+\.\d+_(amd64|arm64)\.deb$/.exec(file);
  if (deb) return { arch: deb[1] === 'amd64' ? 'x64' : 'arm64', kind: 'deb' };
  const rpm = /^weian-agent-\d+\.\d+\.\d+-1\.(x86_64|aarch64)\.rpm$/.exec(file);
  if (rpm) return { arch: rpm[1] === 'x86_64' ? 'x64' : 'arm64', kind: 'rpm' };
  // Its own kind: an agent of the el7 build (it knows itself, agent/src/self.ts) takes it, and only such an agent.
  if (/^weian-agent-\d+\.\d+\.\d+-1\.el7\.x86_64\.rpm$/.test(file)) return { arch: 'x64', kind: 'rpm-el7' };
  // Windows: the bare executable replaces itself; an agent the MSI installed takes the MSI (agents before 'exe'/'msi' skip both).
  if (file === 'weian-agent-win-x64.exe') return { arch: 'x64', kind: 'exe' };
  if (/^weian-agent-\d+\.\d+\.\d+-x64\.msi$/.test(file)) return { arch: 'x64', kind: 'msi' };
  return null;
}

export function agentRelease(o: { dist: string; key: KeyObject; fallbackVersion: string }): AgentRelease {
  return {
    publicKey: publicKeyOf(o.key),
    async signedManifest(now) {
      const sums = await readFile(join(o.dist, 'SHA256SUMS'), 'utf8').catch(() => null);
      if (sums === null) return null;
      const version = (await readFile(join(o.dist, 'VERSION'), 'utf8').catch(() => o.fallbackVersion)).trim();
      const files: ReleaseFile[] = [];
      for (const [file, sha256] of parseSums(sums)) {
        const target = releaseTarget(file);
        if (target) files.push({ file, sha256, size: (await stat(join(o.dist, file))).size, ...target });
      }
      if (!files.length) return null;
      const manifest = JSON.stringify({ version, files, issuedAt: now.toISOString() } satisfies UpgradeManifest);
      return { version, manifest, signature: sign(null, Buffer.from(manifest, 'utf8'), o.key).toString('base64'), files };
    },
  };
}
