import { canonicalJson, type Report } from '@weian/shared';
import type { AgentCommand, AgentInstall, AgentSettings, UpgradeOutcome } from '@weian/shared/agentCommands';
import type { Collected } from './collect-process.js';
import { backoffMs } from './backoff.js';
import { describeSendError, type AgentClient } from './client.js';
import type { AgentConfig } from './config.js';
import { recordSelfCheck } from './selfCheck.js';
import { loadState, saveState, writeFileDurable } from './state.js';
import { repeat, type Timers } from './schedule.js';
import { AgentRevokedError, drainOutbox, outboxFor, type AgentPaths } from './sync.js';
import type { UpgradeCommand } from './upgrade.js';
import { AGENT_VERSION } from './version.js';

export interface DaemonOptions {
  config: AgentConfig;
  paths: AgentPaths;
  client: AgentClient;
  /** One full collection (in production: a short-lived child process) and its CPU cost when known. */
  collect: () => Promise<Collected>;
  log: (line: string) => void;
  now?: () => Date;
  random?: () => number;
  timers?: Timers;
  /** Overrides of the server's settings, for tests and benchmarks only. */
  intervalMs?: number;
  heartbeatMs?: number;
  afterSend?: (sent: Report) => Promise<void>;
  /** Keep the commands WebSocket (default true). */
  commands?: boolean;
  /** Runs a signed upgrade (upgrade.ts); `restart`: the new version is in place, stop so the service manager starts it. */
  upgrade?: (cmd: UpgradeCommand) => Promise<{ restart: true } | { restart: false; outcome: UpgradeOutcome }>;
  /** The server has the upgrade's outcome: drop what was kept for a rollback. */
  upgradeReported?: (outcome: UpgradeOutcome) => Promise<void>;
  /** How this agent was installed (upgrade.ts, agentInstall), said in every heartbeat: the server upgrades by it. */
  install?: () => Promise<AgentInstall>;
}

export interface Daemon {
  /** Resolves when the agent stops: on `stop()`, with the reason when the server revoked it, or to start the upgraded version. */
  done: Promise<{ revoked: string | null; restart?: boolean }>;
  collectNow(): Promise<void>;
  stop(): void;
}

/**
 * The long-lived agent: collects on a jittered schedule (never two at once), queues each report
 * in the outbox and drains it in the background, heartbeats, and listens for server commands over
 * WebSocket while sending everything else over HTTP, so losing the socket loses nothing but latency.
 */
export function startDaemon(o: DaemonOptions): Daemon {
  const now = o.now ?? (() => new Date());
  const random = o.random ?? Math.random;
  const outbox = outboxFor(o.paths, o.config);
  const stopping = new AbortController();
  let finish!: (r: { revoked: string | null; restart?: boolean }) => void;
  const done = new Promise<{ revoked: string | null; restart?: boolean }>((r) => (finish = r));
  const settings = () => o.config.settings;
  const log = (line: string) => o.log(`${now().toISOString()} ${line}`);

  // A backoff wait that a sign of life from the server (heartbeat, socket open) cuts short.
  let wake: (() => void) | null = null;
  const sleep = (ms: number, signal?: AbortSignal) =>
    new Promise<void>((resolve) => {
      // A stop that came while a send was in flight: 'abort' has fired already and will not again.
      if (signal?.aborted) return resolve();
      const t = setTimeout(() => ((wake = null), resolve()), ms);
      wake = () => (clearTimeout(t), (wake = null), resolve());
      signal?.addEventListener('abort', () => wake?.(), { once: true });
    });

  let draining: Promise<void> | null = null;
  const kick = () => {
    if (draining || stopping.signal.aborted) return wake?.();
    draining = (async () => {
      try {
        const r = await drainOutbox(
          { client: o.client, outbox, statePath: o.paths.state, now, random, sleep, afterSend: o.afterSend, onAck: (ack) => applySettings(ack.settings) },
          { signal: stopping.signal },
        );
        for (const ack of r.acks) log(`report ${ack.reportId} acknowledged${ack.resend.length ? `; server asks again for ${ack.resend.join(', ')}` : ''}`);
      } catch (e) {
        if (e instanceof AgentRevokedError) return revoked(e.message);
        log(`sending failed: ${(e as Error).message}`);
      } finally {
        draining = null;
      }
    })();
  };

  const revoked = (message: string) => {
    log(`the server refused this agent's credentials, stopping: ${message}`);
    shutdown(message);
  };

  const persistConfig = (what: string) => writeFileDurable(o.paths.config, JSON.stringify(o.config, null, 2) + '\n').catch((e: Error) => log(`could not save ${what}: ${e.message}`));

  const applySettings = (next: AgentSettings | undefined) => {
    // The whole settings compare: the region's weak-credential check (issue 24) travels in them too.
    if (!next || canonicalJson(next) === canonicalJson(settings())) return;
    o.config.settings = next;
    log(`new settings from the server: collect every ${next.collectIntervalMinutes} min, heartbeat every ${next.heartbeatSeconds} s`);
    persistConfig('settings');
  };

  const collection = repeat(
    async () => {
      let collected: Collected;
      try {
        collected = await o.collect();
      } catch (e) {
        log(`collection failed: ${(e as Error).message}`);
        const state = await loadState(o.paths.state);
        await saveState(o.paths.state, { ...state, lastError: { at: now().toISOString(), message: `collection failed: ${(e as Error).message}` } });
        return;
      }
      const { report, cpuSeconds } = collected;
      await recordSelfCheck(o.paths.selfCheck, report, now().toISOString(), log).catch((e: Error) => log(`could not save the self-check: ${e.message}`));
      const dropped = await outbox.enqueue(report);
      log(`report ${report.reportId} queued${cpuSeconds === null ? '' : ` (collection: ${cpuSeconds.toFixed(2)} CPU-s)`}`);
      if (dropped.length) log(`outbox full: dropped the oldest queued report(s) ${dropped.map((d) => d.reportId).join(', ')}`);
      kick();
    },
    { intervalMs: () => o.intervalMs ?? settings().collectIntervalMinutes * 60_000, firstDelayMs: jitterStart(o.intervalMs, random), random, timers: o.timers },
  );

  const handleCommand = (cmd: AgentCommand) => {
    if (cmd.type === 'collect') {
      log(`server asks for a collection now (${cmd.id})`);
      void collection.runNow();
    } else if (cmd.type === 'settings') applySettings(cmd.settings);
    else if (cmd.type === 'upgrade') void upgrade(cmd);
  };

  let upgrading = false;
  let unreported: UpgradeOutcome | undefined;
  const upgrade = async (cmd: UpgradeCommand) => {
    if (!o.upgrade || upgrading) return log(`upgrade ${cmd.id} ignored: ${upgrading ? 'another upgrade is under way' : 'upgrades are off'}`);
    upgrading = true;
    try {
      log(`server asks for an upgrade (${cmd.id})`);
      const r = await o.upgrade(cmd);
      if (r.restart) {
        log('upgrade installed: stopping so that the new version starts');
        return shutdown(null, true);
      }
      log(`upgrade ${r.outcome.toVersion} failed: ${r.outcome.reason}`);
      // Held in memory for the next heartbeat, and in the state file should the agent stop first.
      unreported = r.outcome;
      const state = await loadState(o.paths.state);
      await saveState(o.paths.state, { ...state, upgrade: r.outcome });
      void heartbeat.runNow();
    } catch (e) {
      log(`upgrade failed: ${(e as Error).message}`);
    } finally {
      upgrading = false;
    }
  };

  /** Agents enrolled before the server had a signing key pin the one its first heartbeat answer names (trust on first use). */
  const pinServerKey = (key: string | undefined) => {
    if (!key || o.config.serverKey) return;
    o.config.serverKey = key;
    log('pinned the server key that signs upgrades (from a heartbeat answer: trust on first use)');
    persistConfig('the server key');
  };

  const heartbeat = repeat(
    async () => {
      try {
        const depth = await outbox.depth();
        const outcome = unreported ?? (await loadState(o.paths.state)).upgrade;
        const install = await o.install?.().catch(() => undefined);
        const r = await o.client.heartbeat({
          sentAt: now().toISOString(),
          agentVersion: AGENT_VERSION,
          outboxDepth: depth.reports,
          ...(outcome ? { upgrade: outcome } : {}),
          ...(install ? { install } : {}),
        });
        if (outcome) {
          unreported = undefined;
          const { upgrade: _, ...state } = await loadState(o.paths.state);
          await saveState(o.paths.state, state);
          await o.upgradeReported?.(outcome);
        }
        pinServerKey(r.serverKey);
        applySettings(r.settings);
        for (const cmd of r.commands ?? []) handleCommand(cmd);
        for (const s of r.skipped ?? []) log(`a command this version cannot read was skipped: ${s}`);
        if (depth.reports) kick();
      } catch (e) {
        const d = describeSendError(e);
        if (d.kind === 'revoked') {
          const state = await loadState(o.paths.state);
          await saveState(o.paths.state, { ...state, revoked: { at: now().toISOString(), message: d.message }, lastError: { at: now().toISOString(), message: d.message } });
          return revoked(d.message);
        }
        log(`heartbeat failed: ${d.message}`);
      }
    },
    { intervalMs: () => o.heartbeatMs ?? settings().heartbeatSeconds * 1000, firstDelayMs: o.heartbeatMs ?? settings().heartbeatSeconds * 1000, jitter: 0.1, random, timers: o.timers },
  );

  let closeCommands: (() => void) | null = null;
  if (o.commands !== false) {
    closeCommands = o.client.commands(
      {
        onCommand: handleCommand,
        onConnection: (up) => {
          log(up ? 'command channel open' : 'command channel closed; reconnecting, and working by HTTP meanwhile');
          if (up) kick();
        },
        onError: (e) => log(`command channel: ${describeSendError(e).message}`),
      },
      (attempt) => backoffMs(attempt, random, 1_000, 60_000),
    );
  }

  kick(); // whatever an earlier run left queued
  log(`running: collecting every ${o.intervalMs ? `${o.intervalMs} ms` : `${settings().collectIntervalMinutes} min`}, outbox ${o.paths.outbox}`);

  function shutdown(revokedMessage: string | null, restart = false) {
    if (stopping.signal.aborted) return;
    stopping.abort();
    collection.stop();
    heartbeat.stop();
    closeCommands?.();
    void Promise.resolve(draining).then(() => finish({ revoked: revokedMessage, ...(restart ? { restart } : {}) }));
  }
  return { done, collectNow: () => collection.runNow(), stop: () => shutdown(null) };
}

/** The first collection comes soon after start, spread over up to a minute so a rebooted region does not report at once. */
function jitterStart(intervalMs: number | undefined, random: () => number): number {
  return Math.round(Math.min(60_000, (intervalMs ?? 10 * 60_000) / 10) * random());
}
