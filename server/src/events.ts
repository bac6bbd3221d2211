import { EventEmitter, on } from 'node:events';
import type { AlertChange, FindingChange, IncidentChange, NoticeChange, SelfInspectionChange } from './eventPayloads.js';
import type { AgentCommand } from '@weian/shared';

/** Everything the server pushes live. Each event names the institution so subscribers can be scoped. */
export interface EventMap {
  'host.changed': { hostId: string; institutionCode: string; regionCode: string; at: string; reason: 'report' | 'enrolled' | 'status' };
  /** A finding changed status (host rules on ingest, institution rules on record edits and the daily job). */
  'finding.changed': FindingChange;
  /** A command for an agent: every process hears it, the one holding the agent's socket delivers it. */
  'agent.command': { agentId: string; command: AgentCommand };
  /** An agent was revoked: every process ends its open command stream. */
  'agent.revoked': { agentId: string };
  /** A host's identity is in doubt: a clone reporting another host's identity. */
  'host.identity-conflict': { hostId: string; institutionCode: string; regionCode: string; at: string; detail: Record<string, unknown> };
  /** An alert opened, changed (repeat, acknowledged, assigned, commented) or resolved. */
  'alert.changed': AlertChange;
  /** Sessions ended (sign-out, user deleted, password changed): every process re-checks its open sockets at once. */
  'session.ended': { userId: string };
  /** Sustained failed sign-ins on one account (services/loginThrottle.ts): an alert for admins (services/signInAlerts.ts), and the server log. */
  'auth.sustained-failures': { username: string; failures: number; at: string; lastAddress: string };
  /** An incident was reported, or changed (follow-up, close, summary, comment, request for more, 已接报). */
  'incident.changed': IncidentChange;
  /** A rectification notice was issued or moved (signed, answered, submitted, reviewed, verified by data, reopened). */
  'notice.changed': NoticeChange;
  /** An institution's yearly self-inspection was saved, given evidence, submitted or reviewed. */
  'selfInspection.changed': SelfInspectionChange;
}
export type EventName = keyof EventMap;

/**
 * In-process typed bus. With PostgreSQL and several processes a bridge republishes events from
 * LISTEN/NOTIFY onto it, so subscribers never care where an event came from.
 */
export type EventRelay = <K extends EventName>(name: K, payload: EventMap[K]) => void;

export class EventBus {
  private readonly emitter = new EventEmitter();
  /** Only events emitted on this process: for work that must happen once, not once per process. */
  private readonly originEmitter = new EventEmitter();
  private relay: EventRelay | null = null;
  constructor() {
    this.emitter.setMaxListeners(0);
    this.originEmitter.setMaxListeners(0);
  }
  /** Delivers to this process's subscribers and hands the event to the relay (other processes), if any. */
  emit<K extends EventName>(name: K, payload: EventMap[K]): void {
    this.emitter.emit(name, payload);
    this.originEmitter.emit(name, payload);
    this.relay?.(name, payload);
  }
  /** Delivers to this process's subscribers only: for events that came from another process. */
  emitLocal<K extends EventName>(name: K, payload: EventMap[K]): void {
    this.emitter.emit(name, payload);
  }
  /** One relay at a time (the PostgreSQL bridge); null detaches it. */
  setRelay(relay: EventRelay | null): void {
    this.relay = relay;
  }
  /** An async iterable of one event type that ends when `signal` aborts. */
  async *stream<K extends EventName>(name: K, signal: AbortSignal | undefined): AsyncGenerator<EventMap[K]> {
    try {
      for await (const [payload] of on(this.emitter, name, { signal })) yield payload as EventMap[K];
    } catch (e) {
      if ((e as Error).name !== 'AbortError') throw e;
    }
  }
  /**
   * Calls `fn` for events emitted on this process only, never for those relayed from another: the
   * process where a change happened reacts to it (opens the alert), the others only show it.
   */
  onOrigin<K extends EventName>(name: K, fn: (payload: EventMap[K]) => void): () => void {
    const listener = (payload: EventMap[K]) => fn(payload);
    this.originEmitter.on(name, listener);
    return () => void this.originEmitter.off(name, listener);
  }
  listenerCount(name: EventName): number {
    return this.emitter.listenerCount(name);
  }
}
