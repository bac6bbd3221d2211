import { z } from 'zod';
import { LIMITS, instant, sha256Hex, text } from './schemas/common.js';
import { CredentialCheckSettings } from './schemas/credentials.js';

/**
 * The agent ↔ server command contract, defined once: what the server pushes down `agent.commands`
 * or hands back with a heartbeat, and what the agent says in its heartbeat. Importable on its own
 * (`@weian/shared/agentCommands`, zod only) so the long-lived agent validates what it receives
 * without loading every report schema.
 */

/** Settings the server hands to agents in every acknowledgement. */
export const AgentSettings = z.object({
  collectIntervalMinutes: z
    .number()
    .int()
    .min(1)
    .max(24 * 60),
  heartbeatSeconds: z.number().int().min(10).max(3600),
  /** The region's weak-credential check (issue 24); absent: off. */
  credentials: CredentialCheckSettings.optional(),
});
export type AgentSettings = z.infer<typeof AgentSettings>;
export const DEFAULT_AGENT_SETTINGS: AgentSettings = { collectIntervalMinutes: 15, heartbeatSeconds: 60 };

/**
 * How an agent was installed, which decides how it upgrades: its own executable replaced, or its
 * package manager. `rpm-el7`: the el7 rpm (Node 16 with the bundle, glibc 2.17), which only an agent
 * of that build takes. `exe`: the Windows single executable run from wherever it was put; `msi`: the
 * same executable installed by the MSI (Windows Installer replaces it). Agents before a kind skip it
 * (see foreignFile below).
 */
export const AGENT_INSTALL_KINDS = ['sea', 'deb', 'rpm', 'rpm-el7', 'exe', 'msi'] as const;
export type AgentInstallKind = (typeof AGENT_INSTALL_KINDS)[number];
/** Node's names (process.arch), which the agent knows itself by. */
export const AGENT_ARCHS = ['x64', 'arm64'] as const;
export type AgentArch = (typeof AGENT_ARCHS)[number];

/**
 * Why an agent cannot be upgraded remotely, as it says itself (agent/src/upgrade.ts, agentInstall).
 * Windows agents are upgradable: they report kind `exe` or `msi`.
 */
export const NOT_UPGRADABLE_REASONS = [
  /** Neither Linux nor Windows. */
  'other-os',
  /** The script run by a Node.js of the system's: nothing of ours owns the runtime. */
  'node-script',
  /** The el7 build unpacked from its tarball, not installed by the el7 rpm. */
  'el7-tarball',
] as const;
export type NotUpgradableReason = (typeof NOT_UPGRADABLE_REASONS)[number];

/**
 * How an agent was installed, as it reports it with its heartbeats: the server sends an upgrade only
 * to agents whose kind and architecture the release has a file for. `kind` null: not upgradable
 * remotely, `reason` says why. `arch` is Node's process.arch (any, ia32 too); `flavour` the el7 build.
 */
export const AgentInstall = z.object({
  kind: z.enum(AGENT_INSTALL_KINDS).nullable(),
  reason: z.enum(NOT_UPGRADABLE_REASONS).optional(),
  arch: z.string().regex(/^[a-z0-9_]{1,16}$/),
  flavour: z.enum(['glibc217']).nullable(),
});
export type AgentInstall = z.infer<typeof AgentInstall>;

/** Why the server does not send a release to an agent: its own reason, or no file of its kind and architecture. */
export type UpgradeBlock = NotUpgradableReason | 'no-package';

/**
 * Whether a release reaches an agent: null when it does, or when the agent has not said how it was
 * installed (a version before it reported that), in which case the agent decides as it always did.
 */
export function upgradeBlock(install: AgentInstall | null, files: ReadonlyArray<Pick<ReleaseFile, 'arch' | 'kind'>>): UpgradeBlock | null {
  if (!install) return null;
  if (!install.kind) return install.reason ?? 'other-os';
  return files.some((f) => f.kind === install.kind && f.arch === install.arch) ? null : 'no-package';
}

/** One file of a release the server offers: what an agent of that kind and architecture downloads from `/agent/FILE`. */
export const ReleaseFile = z.object({
  file: z
    .string()
    .regex(/^[A-Za-z0-9._-]+$/)
    .max(200),
  sha256: sha256Hex(),
  size: z.number().int().positive(),
  arch: z.enum(AGENT_ARCHS),
  kind: z.enum(AGENT_INSTALL_KINDS),
});
export type ReleaseFile = z.infer<typeof ReleaseFile>;

/** A file for an install kind or architecture this version does not know (a later release's): skipped, so the rest still parses. */
const foreignFile = (f: unknown) => {
  const o = (typeof f === 'object' && f ? f : {}) as { kind?: unknown; arch?: unknown };
  return !(AGENT_INSTALL_KINDS as readonly unknown[]).includes(o.kind) || !(AGENT_ARCHS as readonly unknown[]).includes(o.arch);
};

/** What the server signs: the release's version and its files (single executables and packages, Linux and Windows). */
export const UpgradeManifest = z.object({
  version: z.string().regex(/^\d+\.\d+\.\d+$/),
  files: z.preprocess((files) => (Array.isArray(files) ? files.filter((f) => !foreignFile(f)) : files), z.array(ReleaseFile).min(1).max(64)),
  issuedAt: instant(),
});
export type UpgradeManifest = z.infer<typeof UpgradeManifest>;

/**
 * Server's Ed25519 public key as base64 of its SPKI DER (44 bytes): given at enrolment and pinned in
 * the agent's config.
 */
export const ServerKey = z.string().regex(/^[A-Za-z0-9+/]{59}=$/, 'an Ed25519 public key, base64 SPKI');

export const AgentCommand = z.discriminatedUnion('type', [
  z.object({ type: z.literal('collect'), id: text(64) }),
  z.object({ type: z.literal('settings'), id: text(64), settings: AgentSettings }),
  /**
   * Upgrade to the release `manifest` (an UpgradeManifest's JSON text, exactly as signed):
   * `signature` is base64 Ed25519 over its UTF-8 bytes. The agent verifies before it parses.
   */
  z.object({ type: z.literal('upgrade'), id: text(64), manifest: text(LIMITS.longText * 4), signature: z.string().max(128) }),
]);
export type AgentCommand = z.infer<typeof AgentCommand>;

/** How an upgrade ended, as the agent reports it (with heartbeats until one is acknowledged). */
export const UpgradeOutcome = z.object({
  id: text(64),
  status: z.enum(['upgraded', 'failed']),
  fromVersion: text(64),
  toVersion: text(64),
  /** Why it failed, in words an operator can act on. */
  reason: text(LIMITS.longText).optional(),
  at: instant(),
});
export type UpgradeOutcome = z.infer<typeof UpgradeOutcome>;

export const HeartbeatInput = z.object({
  sentAt: instant(),
  agentVersion: text(64),
  outboxDepth: z.number().int().nonnegative().max(1_000_000).optional(),
  upgrade: UpgradeOutcome.optional(),
  /** Absent from agents before it; a later agent's kind this server does not know reads as absent too (the agent decides). */
  install: AgentInstall.optional().catch(undefined),
});
export type HeartbeatInput = z.infer<typeof HeartbeatInput>;

export const HeartbeatAck = z.object({
  serverTime: instant(),
  settings: AgentSettings,
  /** Commands queued for this agent while its socket was down (HTTP fallback). */
  commands: z.array(AgentCommand).optional(),
  /** The server's upgrade-signing key, for agents enrolled before it existed to pin (see docs/agent-install.md). */
  serverKey: ServerKey.optional(),
});
export type HeartbeatAck = z.infer<typeof HeartbeatAck>;
