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
  /** The Chromium that prints PDF exports; unset: the usual install paths are tried. */
  WEIAN_CHROMIUM: z.string().min(1).optional(),
  /** Other browser origins whose pages may open the WebSocket (comma-separated, e.g. https://weian.example.gov.cn). */
  WEIAN_ALLOWED_ORIGINS: z
    .string()
    .default('')
    .transform((v) => v.split(',').map((o) => o.trim()).filter(Boolean))
    .pipe(z.array(z.string().regex(/^https?:\/\/[^/\s]+\/?$/, 'an origin: scheme://host[:port]'))),
  /** Hosts notification channels may send to besides the robots' documented ones (comma-separated host or host:port). */
  WEIAN_CHANNEL_HOSTS: z
    .string()
    .default('')
    .transform((v) => v.split(',').map((h) => h.trim()).filter(Boolean))
    .pipe(z.array(z.string().regex(/^[A-Za-z0-9.-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$/, 'a host or host:port'))),
});

export interface ServerConfig {
  port: number;
  host: string;
  dataDir: string;
  databaseUrl: string | undefined;
  dashboardDir: string;
  agentDist: string;
  log: 'silent' | 'info' | 'debug';
  /** `ca`: the private CA that signed `cert`, served to agents' install lines at /agent/ca.pem. */
  tls: { cert: string; key: string; ca?: string } | null;
  offlineAfterMinutes: number;
  chromiumPath?: string | undefined;
  /** Browser origins besides the server's own that may open a WebSocket. */
  allowedOrigins: string[];
  /** Hosts notification channels may send to besides their kinds' documented ones. */
  channelHosts: string[];
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
    chromiumPath: e.WEIAN_CHROMIUM,
    allowedOrigins: e.WEIAN_ALLOWED_ORIGINS,
    channelHosts: e.WEIAN_CHANNEL_HOSTS,
    ...overrides,
  };
}
