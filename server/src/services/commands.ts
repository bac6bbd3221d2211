import { EventEmitter, on } from 'node:events';
import { randomUUID } from 'node:crypto';
import type { AgentCommand, AgentSettings } from '@weian/shared';
import { perDeps, type ServiceDeps } from './deps.js';

/** Sent on an agent's channel to end its streams. */
const END = Symbol('end');

/** Commands kept for an agent whose socket is down, handed over with its next heartbeat. */
const MAX_PENDING = 16;

/**
 * Per-process command fan-out: live to an agent's open `agent.commands` subscription, otherwise
 * queued for its next heartbeat (the HTTP fallback). In memory: a command is a nudge, not a record.
 */
export class CommandHub {
  private readonly emitter = new EventEmitter();
  private readonly pending = new Map<string, AgentCommand[]>();
  constructor() {
    this.emitter.setMaxListeners(0);
  }
  send(agentId: string, command: AgentCommand): 'delivered' | 'queued' {
    if (this.emitter.listenerCount(agentId) > 0) {
      this.emitter.emit(agentId, command);
      return 'delivered';
    }
    const queue = this.pending.get(agentId) ?? [];
    // A newer settings or upgrade command replaces an older one of its type; everything else keeps the latest few.
    const kept = command.type === 'settings' || command.type === 'upgrade' ? queue.filter((c) => c.type !== command.type) : queue;
    this.pending.set(agentId, [...kept, command].slice(-MAX_PENDING));
    return 'queued';
  }
  takePending(agentId: string): AgentCommand[] {
    const queue = this.pending.get(agentId) ?? [];
    this.pending.delete(agentId);
    return queue;
  }
  /** Ends the agent's open streams and drops what was queued for it (it was revoked). */
  end(agentId: string): void {
    this.pending.delete(agentId);
    this.emitter.emit(agentId, END);
  }
  /** The agent's live command stream: first whatever queued while it was away, then live ones, until `end`. */
  async *stream(agentId: string, signal: AbortSignal | undefined): AsyncGenerator<AgentCommand> {
    const live = on(this.emitter, agentId, { signal });
    for (const c of this.takePending(agentId)) yield c;
    try {
      for await (const [c] of live) {
        if (c === END) return;
        yield c as AgentCommand;
      }
    } catch (e) {
      if ((e as Error).name !== 'AbortError') throw e;
    }
  }
}

/** This process's hub; it takes commands from the bus, so a command issued on any process reaches the agent's socket. */
export const commandHub = perDeps((deps) => {
  const hub = new CommandHub();
  void (async () => {
    for await (const e of deps.bus.stream('agent.command', undefined)) hub.send(e.agentId, e.command);
  })();
  // A revoked agent's socket may be held by any process: each ends its own stream.
  void (async () => {
    for await (const e of deps.bus.stream('agent.revoked', undefined)) hub.end(e.agentId);
  })();
  return hub;
});

const issue = (deps: ServiceDeps, agentId: string, command: AgentCommand) => {
  commandHub(deps);
  deps.bus.emit('agent.command', { agentId, command });
};
/** Ends a revoked agent's command streams on every process (it cannot open another: it no longer authenticates). */
export const endAgentCommands = (deps: ServiceDeps, agentId: string) => {
  commandHub(deps);
  deps.bus.emit('agent.revoked', { agentId });
};
export const requestCollection = (deps: ServiceDeps, agentId: string) => issue(deps, agentId, { type: 'collect', id: randomUUID() });
export const pushSettings = (deps: ServiceDeps, agentId: string, settings: AgentSettings) => issue(deps, agentId, { type: 'settings', id: randomUUID(), settings });
export const requestUpgrade = (deps: ServiceDeps, agentId: string, signed: { id: string; manifest: string; signature: string }) => issue(deps, agentId, { type: 'upgrade', ...signed });
