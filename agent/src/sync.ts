import { randomFillSync } from 'node:crypto';
import { dirname, join } from 'node:path';
import type { Report, ReportAck } from '@weian/shared';
// Its own entry point: a value import of the package index would load all of it (schemas, rules,
// calendars) into the daemon, ~6 MB the agent's memory budget does not have.
import { newReportId } from '@weian/shared/reportId';
import { backoffMs } from './backoff.js';
import { AgentClient, describeSendError, readCa } from './client.js';
import { toDelta } from './delta.js';
import type { AgentConfig } from './config.js';
import { Outbox } from './outbox.js';
import { loadState, saveState, type SyncState } from './state.js';

export interface AgentPaths {
  config: string;
  dataDir: string;
  state: string;
  outbox: string;
  /** Expensive collector reads remembered between collection processes (collectors/helpers/memo.ts). */
  memo: string;
  /** The latest collection's own schema check (selfCheck.ts), for `status`. */
  selfCheck: string;
}

export function agentPaths(configPath: string, config?: AgentConfig): AgentPaths {
  const dataDir = config?.dataDir ?? dirname(configPath);
  return { config: configPath, dataDir, state: join(dataDir, 'state.json'), outbox: join(dataDir, 'outbox'), memo: join(dataDir, 'collect-memo.json'), selfCheck: join(dataDir, 'self-check.json') };
}

export function clientFor(config: AgentConfig): AgentClient {
  return new AgentClient({ server: config.server, credentials: { agentId: config.agentId, secret: config.secret }, ca: readCa(config.caFile) });
}

export const outboxFor = (paths: AgentPaths, config: AgentConfig) => new Outbox(paths.outbox, () => config.outbox);

/** Folds an acknowledgement into the delta-sync base: what the server now holds, and what it wants again. */
export function applyAck(state: SyncState, sent: Report, ack: ReportAck, at: string): SyncState {
  const acknowledged = { ...state.acknowledged };
  for (const [name, s] of Object.entries(sent.sections) as Array<[keyof Report['sections'], Report['sections'][keyof Report['sections']]]>) {
    if (s.status === 'ok' || s.status === 'unchanged') acknowledged[name] = s.hash;
    else delete acknowledged[name];
  }
  for (const name of ack.resend) delete acknowledged[name];
  return { ...state, acknowledged, resend: ack.resend, lastSyncAt: at, lastError: null };
}

/** The server refused the agent's credentials (revoked or unknown): sending again cannot help. */
export class AgentRevokedError extends Error {}

export interface SyncDeps {
  client: Pick<AgentClient, 'report'>;
  outbox: Outbox;
  statePath: string;
  now: () => Date;
  random: () => number;
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Test seam: runs after the server answered and before the agent records the answer. */
  afterSend?: (sent: Report) => Promise<void>;
  onAck?: (ack: ReportAck) => void;
}

export interface DrainResult {
  acks: ReportAck[];
  /** Reports still queued (0 when everything was acknowledged). */
  remaining: number;
  /** Why the drain stopped early, when it did. */
  error: string | null;
}

export const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (signal?.aborted) return resolve();
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true });
  });

/**
 * Sends the queue oldest first, each as a delta against what the server last acknowledged, and
 * removes an entry only after its acknowledgement is recorded. A transient failure is retried with
 * exponential backoff and jitter, up to `maxAttempts` in a row; a report the server refuses for good
 * is set aside; refused credentials throw AgentRevokedError.
 */
export async function drainOutbox(deps: SyncDeps, opts: { maxAttempts?: number; signal?: AbortSignal } = {}): Promise<DrainResult> {
  const maxAttempts = opts.maxAttempts ?? Infinity;
  const acks: ReportAck[] = [];
  let state = await loadState(deps.statePath);
  let failures = 0;
  const at = () => deps.now().toISOString();
  while (!opts.signal?.aborted) {
    const entry = (await deps.outbox.list())[0];
    if (!entry) return { acks, remaining: 0, error: null };
    let full: Report;
    try {
      full = await deps.outbox.read(entry);
    } catch {
      await deps.outbox.reject(entry); // unreadable: cannot be sent, must not block the rest
      continue;
    }
    const sent = toDelta(full, state.acknowledged, state.resend);
    let ack: ReportAck;
    try {
      ack = await deps.client.report(sent);
    } catch (e) {
      const d = describeSendError(e);
      state = { ...state, lastError: { at: at(), message: d.message } };
      if (d.kind === 'revoked') {
        await saveState(deps.statePath, { ...state, revoked: { at: at(), message: d.message } });
        throw new AgentRevokedError(d.message);
      }
      if (d.kind === 'rejected') {
        await deps.outbox.reject(entry);
        state = { ...state, lastError: { at: at(), message: `report ${entry.reportId} refused by the server and set aside: ${d.message}` } };
      } else {
        failures++;
      }
      await saveState(deps.statePath, state);
      if (failures >= maxAttempts) return { acks, remaining: (await deps.outbox.list()).length, error: d.message };
      if (d.kind !== 'rejected') await deps.sleep(backoffMs(failures - 1, deps.random), opts.signal);
      continue;
    }
    await deps.afterSend?.(sent);
    failures = 0;
    state = { ...applyAck(state, sent, ack, at()), revoked: null };
    await saveState(deps.statePath, state);
    await deps.outbox.remove(entry);
    acks.push(ack);
    deps.onAck?.(ack);
    // The server lacks a section this report called unchanged: queue the same data again in full
    // (later queued reports, if any, will carry it in full anyway).
    if (ack.resend.length && (await deps.outbox.list()).length === 0) await deps.outbox.enqueue({ ...full, reportId: newReportId(Date.now(), randomFillSync) });
  }
  return { acks, remaining: (await deps.outbox.list()).length, error: 'stopped' };
}
