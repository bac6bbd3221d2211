import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

const Env = z.object({
  WEIAN_PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  WEIAN_HOST: z.string().default('0.0.0.0'),
  WEIAN_DATA_DIR: z.string().default('./data'),
  DATABASE_URL: z.string().optional(),
  WEIAN_DASHBOARD_DIR: z.string().optional(),
  /** The agent packages served under /agent/ (what `pnpm build` made). */
  WEIAN_AGENT_DIST: z.string().optional(),
  WEIAN_LOG: z.enum(['silent', 'info', 'debug']).default('info'),
  /** An agent silent this long raises an offline alert. */
  WEIAN_OFFLINE_AFTER_MINUTES: z.coerce.number().int().min(2).max(7 * 24 * 60).default(30),
});

export interface ServerConfig {
  port: number;
  host: string;
  dataDir: string;
  databaseUrl: string | undefined;
  dashboardDir: string;
  agentDist: string;
  log: 'silent' | 'info' | 'debug';
  tls: { cert: string; key: string } | null;
  offlineAfterMinutes: number;
}

export class ConfigError extends Error {}

/** Parsed once at start; a bad value stops the server with a message naming the variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: Partial<ServerConfig> = {}): ServerConfig {
  const parsed = Env.safeParse(env);
  if (!parsed.success) throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
  const e = parsed.data;
  return {
    port: e.WEIAN_PORT,
    host: e.WEIAN_HOST,
    dataDir: resolve(e.WEIAN_DATA_DIR),
    databaseUrl: e.DATABASE_URL,
    dashboardDir: resolve(e.WEIAN_DASHBOARD_DIR ?? fileURLToPath(new URL('../../dashboard/dist', import.meta.url))),
    agentDist: resolve(e.WEIAN_AGENT_DIST ?? fileURLToPath(new URL('../../agent/dist', import.meta.url))),
    log: e.WEIAN_LOG,
    tls: null,
    offlineAfterMinutes: e.WEIAN_OFFLINE_AFTER_MINUTES,
    ...overrides,
  };
}
