import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { isAddressOrCidr, trustedProxies, type TrustedProxies } from './http/clientAddress.js';

/** Comma-separated list → trimmed, non-empty entries. */
const list = () =>
  z
    .string()
    .default('')
    .transform((v) =>
      v
        .split(',')
        .map((o) => o.trim())
        .filter(Boolean),
    );

/**
 * Every environment variable the server reads, with its default and what it does: read once here,
 * validated, and listed by `weian-server help env` (the descriptions are the documentation).
 */
export const Env = z.object({
  WEIAN_PORT: z.coerce.number().int().min(0).max(65535).default(8080).describe('TCP port the server listens on (0: any free port).'),
  WEIAN_HOST: z.string().default('0.0.0.0').describe('Address the server listens on.'),
  WEIAN_DATA_DIR: z.string().default('./data').describe('Directory of the SQLite database (weian.sqlite), the signing key and the scheduled backups.'),
  DATABASE_URL: z.string().optional().describe('postgres://user:pass@host/db selects PostgreSQL instead of SQLite.'),
  WEIAN_ADMIN_PASSWORD: z.string().optional().describe('On the first start only: creates the user "admin" with this password when there are no users.'),
  WEIAN_DASHBOARD_DIR: z.string().optional().describe('The built dashboard to serve (default: dashboard/dist beside the server).'),
  WEIAN_AGENT_DIST: z.string().optional().describe('The agent packages served under /agent/ (what `pnpm build` made; default: agent/dist).'),
  WEIAN_LOG: z.enum(['silent', 'info', 'debug']).default('info').describe('Log level: silent, info or debug (debug adds stacks and per-request lines).'),
  WEIAN_LOG_FORMAT: z.enum(['text', 'json']).default('text').describe('Log lines as text for a terminal, or JSON (one object per line, pino) for a log collector; the packaged service uses json.'),
  WEIAN_OFFLINE_AFTER_MINUTES: z.coerce
    .number()
    .int()
    .min(2)
    .max(7 * 24 * 60)
    .default(30)
    .describe('An agent silent this long raises an offline alert.'),
  WEIAN_CHROMIUM: z.string().min(1).optional().describe('The Chromium that prints PDF exports (default: /usr/bin/chromium and the other usual paths are tried).'),
  WEIAN_ALLOWED_ORIGINS: list()
    .pipe(z.array(z.string().regex(/^https?:\/\/[^/\s]+\/?$/, 'an origin: scheme://host[:port]')))
    .describe('Other browser origins whose pages may open the WebSocket, comma-separated (e.g. https://weian.example.gov.cn).'),
  WEIAN_CHANNEL_HOSTS: list()
    .pipe(z.array(z.string().regex(/^[A-Za-z0-9.-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$/, 'a host or host:port')))
    .describe("Hosts notification channels may send to besides the robots' documented ones, comma-separated host or host:port."),
  WEIAN_TRUSTED_PROXIES: list()
    .pipe(z.array(z.string().refine(isAddressOrCidr, 'an IP address or CIDR (e.g. 127.0.0.1, 10.0.0.0/8, ::1)')))
    .describe('Reverse proxies whose X-Forwarded-For / X-Forwarded-Proto are believed, comma-separated addresses or CIDRs. Unset: the socket address is the client.'),
  WEIAN_METRICS_TOKEN: z.string().min(16, 'at least 16 characters').optional().describe('Bearer token that may read GET /metrics from other addresses than loopback (unset: loopback only).'),
  WEIAN_SQLITE_CACHE_KIB: z.coerce.number().int().min(1024).default(65_536).describe("SQLite's page cache per connection, in KiB."),
  WEIAN_BACKUP_DIR: z.string().optional().describe('Scheduled backups of the SQLite database are written here (default: <data dir>/backups).'),
  WEIAN_BACKUP_EVERY_HOURS: z.coerce.number().min(0).default(24).describe('Hours between scheduled backups of the SQLite database (0: none).'),
  WEIAN_BACKUP_KEEP: z.coerce.number().int().min(1).default(7).describe('Scheduled backups kept; older ones are deleted.'),
  WEIAN_DOCUMENTATION_TARGETS: z
    .enum(['0', '1'])
    .default('0')
    .transform((v) => v === '1')
    .describe(
      'Set to 1 to accept the documentation ranges 192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24 (RFC 5737), 2001:db8::/32 (RFC 3849) and 3fff::/20 (RFC 9637) as public targets: for a lab or training install and the scanner tests only; they never route on the Internet, so leave it unset in production.',
    ),
});

export interface ServerConfig {
  port: number;
  host: string;
  dataDir: string;
  databaseUrl: string | undefined;
  dashboardDir: string;
  agentDist: string;
  log: 'silent' | 'info' | 'debug';
  logFormat: 'text' | 'json';
  /** `ca`: the private CA that signed `cert`, served to agents' install lines at /agent/ca.pem. */
  tls: { cert: string; key: string; ca?: string } | null;
  offlineAfterMinutes: number;
  chromiumPath?: string | undefined;
  /** Browser origins besides the server's own that may open a WebSocket. */
  allowedOrigins: string[];
  /** Hosts notification channels may send to besides their kinds' documented ones. */
  channelHosts: string[];
  /** WEIAN_ADMIN_PASSWORD: the first admin's password on a fresh install. */
  adminPassword: string | undefined;
  /** Reverse proxies whose forwarding headers are believed. */
  trustedProxies: TrustedProxies;
  sqliteCacheKib: number;
  /** WEIAN_METRICS_TOKEN: who may read /metrics beyond loopback. */
  metricsToken: string | undefined;
  backup: { dir: string; everyHours: number; keep: number };
  /** WEIAN_DOCUMENTATION_TARGETS: the documentation ranges (RFC 5737, 3849, 9637) may be registered as public targets (labs and tests). */
  documentationTargets: boolean;
}

export class ConfigError extends Error {}

/** A directory shipped beside the built server (server.mjs), else where a source checkout has it. */
const beside = (built: string, source: string) => {
  const candidate = fileURLToPath(new URL(built, import.meta.url));
  return import.meta.url.endsWith('/server.mjs') && existsSync(candidate) ? candidate : fileURLToPath(new URL(source, import.meta.url));
};

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
    dashboardDir: resolve(e.WEIAN_DASHBOARD_DIR ?? beside('./dashboard', '../../dashboard/dist')),
    agentDist: resolve(e.WEIAN_AGENT_DIST ?? beside('./agent', '../../agent/dist')),
    log: e.WEIAN_LOG,
    logFormat: e.WEIAN_LOG_FORMAT,
    tls: null,
    offlineAfterMinutes: e.WEIAN_OFFLINE_AFTER_MINUTES,
    chromiumPath: e.WEIAN_CHROMIUM,
    allowedOrigins: e.WEIAN_ALLOWED_ORIGINS,
    channelHosts: e.WEIAN_CHANNEL_HOSTS,
    adminPassword: e.WEIAN_ADMIN_PASSWORD,
    trustedProxies: trustedProxies(e.WEIAN_TRUSTED_PROXIES),
    sqliteCacheKib: e.WEIAN_SQLITE_CACHE_KIB,
    metricsToken: e.WEIAN_METRICS_TOKEN,
    backup: { dir: resolve(e.WEIAN_BACKUP_DIR ?? resolve(e.WEIAN_DATA_DIR, 'backups')), everyHours: e.WEIAN_BACKUP_EVERY_HOURS, keep: e.WEIAN_BACKUP_KEEP },
    documentationTargets: e.WEIAN_DOCUMENTATION_TARGETS,
    ...overrides,
  };
}
