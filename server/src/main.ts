import type { AddressInfo } from 'node:net';
import { ConfigError, loadConfig, type ServerConfig } from './config.js';
import { EventBus } from './events.js';
import { bridgeEvents } from './events-pg.js';
import { createHttpStack } from './http/server.js';
import { loadLimits } from './http/limits.js';
import { createJobRunner, type JobRunner } from './jobs/runner.js';
import { jobsFor, scheduleJobs } from './jobs/index.js';
import { createLogger } from './log.js';
import { startAlertEngine } from './services/alertEngine.js';
import { agentRelease, loadOrCreateSigningKey } from './services/agentRelease.js';
import { WEIAN_VERSION } from '@weian/shared/version';
import type { ServiceDeps } from './services/deps.js';
import { bootstrapAdmin, LOGIN_LIMITS } from './services/auth.js';
import { flushInstitutionScores } from './services/scoreRefresher.js';
import { INGEST_GATHER_MS } from './services/ingest.js';
import { tableStatisticsWarning } from './services/tableStatistics.js';
import { migrate, openDb } from './storage/db.js';
import { writePidFile } from './pidFile.js';
import { describeOpenError } from './storage/databaseState.js';
import { chromiumStartWarning, findChromium } from './services/exports/pdfRenderer.js';

export interface RunningServer {
  url: string;
  port: number;
  deps: ServiceDeps;
  /** Where jobs are scheduled (once per tick across processes). */
  jobs: JobRunner;
  close(): Promise<void>;
}

/** Composition root: config → database (migrated) → services → HTTP + ws. */
export async function startServer(overrides: Partial<ServerConfig> = {}): Promise<RunningServer> {
  const config = loadConfig(process.env, overrides);
  const log = createLogger(config.log, config.logFormat);
  const limits = loadLimits(process.env);
  // An unwritable data dir, a full disk, a missing or unreachable PostgreSQL stop the start with one clear line.
  const handle = await (async () => {
    let h: ReturnType<typeof openDb> | undefined;
    try {
      h = openDb({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, backgroundCheckpoints: true, sqliteCacheKib: config.sqliteCacheKib });
      await migrate(h.db);
      return h;
    } catch (e) {
      await h?.close().catch(() => {});
      throw new ConfigError(describeOpenError(e, config));
    }
  })();
  const releasePid = handle.dialect === 'sqlite' ? writePidFile(config.dataDir) : null;
  // The upgrade-signing key lives beside the SQLite file (with PostgreSQL too): made on first start.
  const release = agentRelease({ dist: config.agentDist, key: loadOrCreateSigningKey(config.dataDir), fallbackVersion: WEIAN_VERSION });
  const deps: ServiceDeps = {
    db: handle.db,
    dialect: handle.dialect,
    bus: new EventBus(),
    now: () => new Date(),
    channelHosts: config.channelHosts,
    backupSchedule: config.backup,
    agentRelease: release,
    documentationTargets: config.documentationTargets,
    // Agents report on their own clocks, not after each other's answers: a report alone waits briefly for company.
    ingestGatherMs: INGEST_GATHER_MS,
  };
  // Several processes on one PostgreSQL: live events reach subscribers on every process.
  const bridge = handle.pubsub ? bridgeEvents(deps.bus, handle.pubsub, { log }) : null;
  await bridge?.ready;
  // Alerts react to changes made on this process; the database keeps one open alert per (subject, rule).
  const alerts = startAlertEngine(deps, log);
  // Sustained guessing at one account (also in the audit log): operators watching the log see it at once.
  deps.bus.onOrigin('auth.sustained-failures', (e) =>
    log.error(`sustained failed sign-ins: ${e.failures} for user "${e.username}" in the last ${LOGIN_LIMITS.windowMs / 60_000} minutes; an admin can clear them with users.unlock`),
  );
  const jobs = createJobRunner(deps, { log });
  scheduleJobs(jobs, jobsFor({ alerts: { offlineAfterMs: config.offlineAfterMinutes * 60_000 }, backup: { dataDir: config.dataDir, ...config.backup } }));
  const admin = await bootstrapAdmin(deps, config.adminPassword);
  if (admin === 'created') log.info('first admin user "admin" created from WEIAN_ADMIN_PASSWORD');
  if (admin === 'no-password')
    log.info('no users yet: set WEIAN_ADMIN_PASSWORD on start, or run `pnpm weian-server user add --username U --role admin --password-stdin` (`weian-server …` where installed as a command)');
  // Checked now, not at the first PDF: the operator reading the start log learns it before a user does.
  const noPdf = chromiumStartWarning(findChromium(config.chromiumPath));
  if (noPdf) log.warn(noPdf);
  const statistics = await tableStatisticsWarning(deps);
  if (statistics) log.warn(statistics);
  const http = createHttpStack(config, deps, log, { limits });
  await new Promise<void>((resolve, reject) => {
    http.server.once('error', reject);
    http.server.listen(config.port, config.host, () => resolve());
  });
  const port = (http.server.address() as AddressInfo).port;
  const scheme = config.tls ? 'https' : 'http';
  const shownHost = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
  const url = `${scheme}://${shownHost}:${port}`;
  log.info(`WeiAn server listening on ${url} (database: ${handle.dialect} ${handle.location})`);
  let closed = false;
  return {
    url,
    port,
    deps,
    jobs,
    async close() {
      if (closed) return;
      closed = true;
      await jobs.stop();
      await http.close();
      // Scores marked by the last reports are written before the database closes.
      await flushInstitutionScores(deps);
      await alerts.stop();
      await bridge?.close();
      await handle.close();
      releasePid?.();
    },
  };
}
