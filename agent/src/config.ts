import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { AgentSettings, DEFAULT_AGENT_SETTINGS, ServerKey } from '@weian/shared/agentCommands';

const common = {
  name: z.string().min(1).max(128),
  /** Expected interval between successful runs (RPO), hours. */
  intervalHours: z
    .number()
    .positive()
    .max(24 * 366)
    .default(24),
  /** The job keeps a copy off-site (异地). */
  offsite: z.boolean().default(false),
  /** A file whose modification time (or a JSON {"testedAt": "…"}) records the last restore test. */
  restoreEvidence: z.string().max(4096).optional(),
};
export const BackupJobConfig = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('files'), glob: z.string().min(1).max(4096), ...common }),
  z.object({ kind: z.literal('restic'), repository: z.string().min(1).max(4096), passwordFile: z.string().max(4096).optional(), ...common }),
  z.object({ kind: z.literal('borg'), repository: z.string().min(1).max(4096), passphraseFile: z.string().max(4096).optional(), ...common }),
  z.object({ kind: z.literal('command'), command: z.array(z.string().max(4096)).min(1).max(64), ...common }),
  /** Windows Server Backup's own record of its runs (Get-WBSummary, else wbadmin get versions). */
  z.object({ kind: z.literal('wbadmin'), ...common }),
]);
export type BackupJobConfig = z.infer<typeof BackupJobConfig>;

export const AgentConfig = z.object({
  /** Base URL of the WeiAn server, e.g. https://weian.example.gov.cn */
  server: z.url(),
  agentId: z.string().min(1).max(64),
  secret: z.string().min(1).max(128),
  hostId: z.string().min(1).max(64),
  institution: z.object({ code: z.string(), name: z.string() }).optional(),
  /** PEM file of the CA that signed the server's certificate. */
  caFile: z.string().optional(),
  /** The server's Ed25519 key (base64 SPKI) that signs upgrades: given at enrolment, pinned here. */
  serverKey: ServerKey.optional(),
  /** Where the outbox and sync state live; default: beside the config file. */
  dataDir: z.string().optional(),
  settings: AgentSettings.default(DEFAULT_AGENT_SETTINGS),
  outbox: z
    .object({
      maxReports: z.number().int().min(1).max(100_000).default(500),
      maxBytes: z
        .number()
        .int()
        .min(65_536)
        .default(50 * 1024 * 1024),
    })
    .default({ maxReports: 500, maxBytes: 50 * 1024 * 1024 }),
  backups: z.array(BackupJobConfig).max(64).default([]),
  /** Linux hosts whose region asks for anti-malware report it as required. */
  requireLinuxAntimalware: z.boolean().default(false),
});
export type AgentConfig = z.infer<typeof AgentConfig>;

/** A config for collecting only (`once --print`): nothing to send to. */
export function localConfig(partial: Partial<AgentConfig> = {}): AgentConfig {
  return AgentConfig.parse({ server: 'http://127.0.0.1:0', agentId: 'local', secret: 'local', hostId: 'local', ...partial });
}

export class ConfigError extends Error {}

/**
 * The part of an agent config that decides what is collected (backup jobs, anti-malware policy): a
 * capture holds it as config.json, so that a replay judges the host's backups too. Never the server,
 * agent id or secret.
 */
export const CaptureConfig = AgentConfig.pick({ backups: true, requireLinuxAntimalware: true }).partial();
export type CaptureConfig = z.infer<typeof CaptureConfig>;
export const CAPTURE_CONFIG_FILE = 'config.json';
export const capturePart = (c: AgentConfig): CaptureConfig => ({ backups: c.backups, requireLinuxAntimalware: c.requireLinuxAntimalware });

/** A capture's config.json, or nothing when it has none (captures made before it was written). */
export async function readCaptureConfig(dir: string): Promise<CaptureConfig> {
  let raw: string;
  try {
    raw = await readFile(join(dir, CAPTURE_CONFIG_FILE), 'utf8');
  } catch {
    return {};
  }
  const parsed = CaptureConfig.safeParse(JSON.parse(raw));
  if (!parsed.success) throw new ConfigError(`${join(dir, CAPTURE_CONFIG_FILE)} is invalid: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return parsed.data;
}

export async function loadConfig(path: string): Promise<AgentConfig> {
  let raw: string;
  try {
    raw = await readFile(path, 'utf8');
  } catch (e) {
    throw new ConfigError(`cannot read agent config ${path}: ${(e as Error).message} (enroll first: weian-agent enroll --server URL --token T --config ${path})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (e) {
    throw new ConfigError(`agent config ${path} is not valid JSON: ${(e as Error).message}`);
  }
  const parsed = AgentConfig.safeParse(json);
  if (!parsed.success) {
    throw new ConfigError(`agent config ${path} is invalid: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  return parsed.data;
}

/** Written atomically with mode 0600: the file holds the agent's secret. */
export async function saveConfig(path: string, config: AgentConfig): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, JSON.stringify(config, null, 2) + '\n', { mode: 0o600 });
  await chmod(tmp, 0o600);
  await rename(tmp, path);
}
