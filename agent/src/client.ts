import { readFileSync } from 'node:fs';
import type { EnrollInput, EnrollResult, Report, ReportAck } from '@weian/shared';
import { AgentCommand, HeartbeatAck, type HeartbeatInput } from '@weian/shared/agentCommands';
import type { Agent as HttpAgent } from 'node:http';
import { callProcedure, keepSubscribed, nodePost, TrpcError, type Post } from './trpc-wire.js';

/**
 * The agent's tRPC client. Untyped on purpose: the agent never imports the server, even for types;
 * the contract is the shared zod schemas on both sides. It speaks tRPC's wire format itself
 * (trpc-wire.ts) so that the long-lived agent stays small.
 */
export interface AgentClientOptions {
  server: string;
  credentials?: { agentId: string; secret: string };
  /** PEM text of the CA that signed the server's certificate. */
  ca?: string;
  /** Sockets to send requests on (the load generator's keep-alive pool); by default each request has its own. */
  httpAgent?: HttpAgent;
  timeoutMs?: number;
}

export interface CommandStreamHandlers {
  onCommand(cmd: AgentCommand): void;
  /** The socket is up (true) or down (false); the agent keeps working by HTTP either way. */
  onConnection?(up: boolean): void;
  onError?(e: unknown): void;
}

/**
 * shared's AGENT_AUTH_SCHEME, spelled out: importing @weian/shared at run time loads every schema,
 * which the long-lived agent cannot afford (client.test.ts checks the two agree).
 */
export const AGENT_AUTH_SCHEME = 'Agent';

export class AgentClient {
  private readonly post: Post;
  private readonly base: string;
  private readonly timeoutMs: number;
  constructor(private readonly opts: AgentClientOptions) {
    this.timeoutMs = opts.timeoutMs ?? 30_000;
    this.post = nodePost(opts.ca, opts.httpAgent);
    this.base = new URL('/trpc', opts.server).toString();
  }
  private get authorization(): string | null {
    const c = this.opts.credentials;
    return c ? `${AGENT_AUTH_SCHEME} ${c.agentId}:${c.secret}` : null;
  }
  private mutation(path: string, input: unknown): Promise<unknown> {
    return callProcedure(this.post, this.base, path, input, this.authorization ? { authorization: this.authorization } : {}, this.timeoutMs);
  }
  enroll(input: EnrollInput): Promise<EnrollResult> {
    return this.mutation('agent.enroll', input) as Promise<EnrollResult>;
  }
  report(report: Report): Promise<ReportAck> {
    return this.mutation('agent.report', report) as Promise<ReportAck>;
  }
  /**
   * The ack is checked against the shared contract. A command this version cannot read (one a newer
   * server added) is dropped and named in `skipped`, so it costs neither the settings nor the other commands.
   */
  async heartbeat(input: HeartbeatInput): Promise<HeartbeatAck & { skipped?: string[] }> {
    const raw = (await this.mutation('agent.heartbeat', input)) as { commands?: unknown } | null;
    const listed: unknown[] = Array.isArray(raw?.commands) ? raw.commands : [];
    const ack = HeartbeatAck.parse({ ...raw, commands: undefined });
    const read = listed.map((c) => AgentCommand.safeParse(c));
    return { ...ack, commands: read.flatMap((r) => (r.success ? [r.data] : [])), skipped: read.flatMap((r, i) => (r.success ? [] : [JSON.stringify(listed[i]).slice(0, 200)])) };
  }
  /** Scanner mode (issue 24): its region's registered targets and the ports to try, by the scanner's own id and secret. */
  scannerTargets(c: { scannerId: string; secret: string }): Promise<{ targets: string[]; ports: number[] }> {
    return this.mutation('scanner.targets', c) as Promise<{ targets: string[]; ports: number[] }>;
  }
  /** Scanner mode: what it saw open; the server keeps only addresses of its targets. */
  scannerReport(input: { scannerId: string; secret: string; observations: unknown[]; complete?: string[] }): Promise<{ accepted: number; refused: number; new: string[]; rounds: string[] }> {
    return this.mutation('scanner.report', input) as Promise<{ accepted: number; refused: number; new: string[]; rounds: string[] }>;
  }
  /** A new secret, valid alongside the current one until first used (the server's two-phase rotation). */
  rotateSecret(): Promise<{ secret: string }> {
    return this.mutation('agent.rotateSecret', undefined) as Promise<{ secret: string }>;
  }

  /**
   * Keeps the `agent.commands` subscription open over WebSocket, reconnecting with exponential
   * backoff and jitter. Returns a function that closes it.
   */
  commands(handlers: CommandStreamHandlers, retryDelayMs: (attempt: number) => number): () => void {
    return keepSubscribed({
      url: new URL('/trpc', this.opts.server.replace(/^http/, 'ws')).toString(),
      path: 'agent.commands',
      connectionParams: () => ({ authorization: this.authorization ?? '' }),
      ca: this.opts.ca,
      retryDelayMs,
      keepAlive: { intervalMs: 30_000, pongTimeoutMs: 10_000 },
      onData: (data) => {
        const cmd = AgentCommand.safeParse(data);
        if (cmd.success) handlers.onCommand(cmd.data);
        else handlers.onError?.(new Error(`unreadable command from the server: ${cmd.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`));
      },
      onConnection: handlers.onConnection,
      onError: handlers.onError,
    });
  }
}

export const readCa = (file: string | undefined) => (file ? readFileSync(file, 'utf8') : undefined);

export type SendErrorKind = 'network' | 'revoked' | 'rejected' | 'server';

/**
 * What went wrong, in words an operator can act on. `rejected`: the server refuses this report for
 * good (it is set aside); `revoked`: the agent's credentials are refused and it must stop.
 */
export function describeSendError(e: unknown): { message: string; permanent: boolean; code: string; kind: SendErrorKind } {
  if (e instanceof TrpcError) {
    if (e.transport) return { message: e.message, permanent: false, code: 'NETWORK', kind: 'network' };
    const kind: SendErrorKind = e.code === 'UNAUTHORIZED' ? 'revoked' : ['BAD_REQUEST', 'FORBIDDEN', 'PAYLOAD_TOO_LARGE'].includes(e.code) ? 'rejected' : 'server';
    return { message: e.message, permanent: kind !== 'server', code: e.code, kind };
  }
  return { message: e instanceof Error ? e.message : String(e), permanent: false, code: 'UNKNOWN', kind: 'network' };
}
