import type { IncomingMessage, Server } from 'node:http';
import type { Socket } from 'node:net';
import type { WebSocket } from 'ws';
import { z } from 'zod';
import { ConfigError } from '../config.js';
import { parseAgentAuthorization } from '../services/agentAuth.js';
import { SESSION } from '../services/auth.js';
import { parseCookies } from '../trpc/context.js';
import { ANSWER_TOO_LARGE, answerTooLargeMessage, wsMessageId, wsMessageOver } from './answerCap.js';

/**
 * Connection-level limits: what one client may hold open. Bodies and WebSocket messages have
 * their own byte bounds (LIMITS.bodyBytes, WS_MAX_PAYLOAD); these keep a single address, session
 * or agent from holding the server's sockets, and slow clients from holding them at all.
 *
 * Every value can be lowered (or raised) by an environment variable, read once at start.
 */
export const LimitsEnv = z.object({
  WEIAN_MAX_CONNECTIONS_PER_IP: z.coerce.number().int().min(1).default(1024).describe('Open TCP connections (HTTP and ws) from one remote address; more are closed at once.'),
  WEIAN_MAX_WS_PER_IP: z.coerce.number().int().min(1).default(256).describe('Open WebSocket connections from one remote address.'),
  WEIAN_MAX_WS_PER_SESSION: z.coerce.number().int().min(1).default(16).describe("Open WebSocket connections carrying one session cookie (one signed-in user's tabs)."),
  WEIAN_MAX_WS_PER_AGENT: z.coerce.number().int().min(1).default(2).describe('Open WebSocket connections authenticated as one agent (it needs one).'),
  WEIAN_MAX_SUBSCRIPTIONS_PER_WS: z.coerce.number().int().min(1).default(16).describe('Live subscriptions on one WebSocket connection.'),
  WEIAN_WS_HANDSHAKE_TIMEOUT_MS: z.coerce.number().int().min(100).default(10_000).describe('A ws client that announced connection params must send them within this time.'),
  WEIAN_WS_SESSION_RECHECK_MS: z.coerce.number().int().min(100).default(15_000).describe("How often an open WebSocket's session is checked again; a socket whose session ended is closed."),
  WEIAN_HEADERS_TIMEOUT_MS: z.coerce.number().int().min(100).default(20_000).describe('The whole request head must arrive within this time (slowloris).'),
  WEIAN_REQUEST_TIMEOUT_MS: z.coerce.number().int().min(100).default(60_000).describe('The whole request, body included, must arrive within this time (slow body).'),
  WEIAN_MAX_CALLS_PER_BATCH: z.coerce
    .number()
    .int()
    .min(1)
    .max(1000)
    .default(16)
    .describe('tRPC calls in one HTTP batch or one WebSocket message (the dashboard batches at most DASHBOARD_BATCH_ITEMS).'),
  WEIAN_MAX_ANSWER_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(8 * 1024 * 1024)
    .describe("Bytes in one tRPC answer over HTTP or one WebSocket message sent; larger answers are refused with 413 (the dashboard's largest page is well under 1 MiB)."),
});

export interface ConnectionLimits {
  connectionsPerIp: number;
  wsPerIp: number;
  wsPerSession: number;
  wsPerAgent: number;
  subscriptionsPerWs: number;
  wsHandshakeTimeoutMs: number;
  wsSessionRecheckMs: number;
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  callsPerBatch: number;
  answerBytes: number;
}

/** Largest WebSocket message accepted; `ws` closes the connection (1009) on a bigger frame before buffering it. */
export const WS_MAX_PAYLOAD = 64 * 1024;

export function loadLimits(env: NodeJS.ProcessEnv = process.env): ConnectionLimits {
  const parsed = LimitsEnv.safeParse(env);
  if (!parsed.success) throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
  const e = parsed.data;
  return {
    connectionsPerIp: e.WEIAN_MAX_CONNECTIONS_PER_IP,
    wsPerIp: e.WEIAN_MAX_WS_PER_IP,
    wsPerSession: e.WEIAN_MAX_WS_PER_SESSION,
    wsPerAgent: e.WEIAN_MAX_WS_PER_AGENT,
    subscriptionsPerWs: e.WEIAN_MAX_SUBSCRIPTIONS_PER_WS,
    wsHandshakeTimeoutMs: e.WEIAN_WS_HANDSHAKE_TIMEOUT_MS,
    wsSessionRecheckMs: e.WEIAN_WS_SESSION_RECHECK_MS,
    headersTimeoutMs: e.WEIAN_HEADERS_TIMEOUT_MS,
    requestTimeoutMs: e.WEIAN_REQUEST_TIMEOUT_MS,
    callsPerBatch: e.WEIAN_MAX_CALLS_PER_BATCH,
    answerBytes: e.WEIAN_MAX_ANSWER_BYTES,
  };
}

export const DEFAULT_LIMITS: ConnectionLimits = loadLimits({});

/** Options for http(s).createServer: Node checks the two timeouts only every connectionsCheckingInterval (30 s by default). */
export function serverOptions(limits: ConnectionLimits): { connectionsCheckingInterval: number; headersTimeout: number; requestTimeout: number } {
  return {
    connectionsCheckingInterval: Math.max(50, Math.min(1000, Math.floor(limits.headersTimeoutMs / 4))),
    headersTimeout: limits.headersTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
  };
}

/** How long the rest of a refused upload is read and dropped before its connection is closed. */
export const LINGER_MS = 2000;

/**
 * Ends a connection whose request body was refused before it had all arrived. Destroying the socket
 * with the upload's bytes still unread makes the kernel answer with a reset, which can reach the
 * client before the refusal it was just sent and discard it (the client sees ECONNRESET, not 413).
 * So, as web servers do ("lingering close"): send FIN after the answer, read and drop whatever is
 * still in flight, and close once the client hangs up or LINGER_MS has passed.
 */
export function closeAfterRefusal(req: IncomingMessage): void {
  const socket = req.socket;
  if (socket.destroyed) return;
  socket.end();
  const timer = setTimeout(() => socket.destroy(), LINGER_MS);
  timer.unref();
  socket.once('close', () => clearTimeout(timer));
  req.resume();
}

/** Counts keys; `take` fails when the key is at its bound; the returned release is idempotent. */
class Counter {
  private readonly counts = new Map<string, number>();
  take(key: string, max: number): (() => void) | null {
    const n = this.counts.get(key) ?? 0;
    if (n >= max) return null;
    this.counts.set(key, n + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.counts.get(key) ?? 1) - 1;
      if (left <= 0) this.counts.delete(key);
      else this.counts.set(key, left);
    };
  }
}

const addressOf = (socket: Socket) => socket.remoteAddress ?? 'unknown';

/** A tRPC error message as the ws adapter sends one, for an id the adapter never sees. */
const refusal = (id: unknown, message: string, code: { rpc: number; name: string; status: number } = { rpc: -32029, name: 'TOO_MANY_REQUESTS', status: 429 }) =>
  JSON.stringify({ id, error: { message, code: code.rpc, data: { code: code.name, httpStatus: code.status } } });
/** A query or mutation sent over the socket: only subscriptions are served there. */
const NOT_OVER_WS = { rpc: -32005, name: 'METHOD_NOT_SUPPORTED', status: 405 };

/** WebSocket close codes: 1008 policy violation (over a limit), 1013 try again later. */
export const WS_CLOSE_OVER_LIMIT = 1008;

/**
 * Applies the limits to a server and its WebSocketServer. Returns the `verifyClient` for the
 * WebSocketServer and `onConnection`, which must run on each ws connection before tRPC's handler
 * (it screens the messages tRPC's handler will read).
 */
export function applyLimits(
  server: Server,
  limits: ConnectionLimits,
  log: { info(m: string): void },
  opts: {
    sessionAlive?: (token: string) => Promise<boolean>;
    /** Whether a WebSocket upgrade's Origin may open a socket (cross-site WebSocket hijacking). */
    originAllowed?: (req: IncomingMessage) => boolean;
    /** The client behind a trusted reverse proxy (default: the socket's peer). */
    clientAddress?: (req: IncomingMessage) => string;
    /** A trusted reverse proxy carries many clients: its connections are not capped as one address's. */
    isTrustedProxy?: (socket: Socket) => boolean;
    /** Calls `recheck` whenever some session ended on any process; returns the unsubscribe. */
    onSessionsEnded?: (recheck: () => void) => () => void;
  } = {},
) {
  const sockets = new Counter();
  const wsByIp = new Counter();
  const wsBySession = new Counter();
  const wsByAgent = new Counter();

  server.headersTimeout = limits.headersTimeoutMs;
  server.requestTimeout = limits.requestTimeoutMs;
  // One address cannot take every socket (slowloris from one host, a runaway client).
  const onSocket = (socket: Socket) => {
    if (opts.isTrustedProxy?.(socket)) return;
    const release = sockets.take(addressOf(socket), limits.connectionsPerIp);
    if (!release) return void socket.destroy();
    socket.once('close', release);
  };
  server.on('connection', onSocket);
  // TLS: 'connection' fires for the raw socket too, so the count covers handshakes that never finish.

  let warned = 0;
  const refuse = (what: string) => {
    // Logged, but not once per attempt: a flood would otherwise flood the log.
    if (warned++ % 100 === 0) log.info(`websocket refused: ${what} (limit reached; ${warned} refusal(s) so far)`);
  };

  /** ws's verifyClient: refuses the upgrade with 429 when the address or the session holds too many sockets. */
  const verifyClient = (info: { req: IncomingMessage }, done: (ok: boolean, code?: number, message?: string) => void) => {
    const req = info.req;
    if (opts.originAllowed && !opts.originAllowed(req)) {
      refuse(`origin ${String(req.headers.origin).slice(0, 100)}`);
      return done(false, 403, 'WebSocket from another origin');
    }
    const releases: Array<() => void> = [];
    const releaseAll = () => releases.forEach((r) => r());
    const client = opts.clientAddress?.(req) ?? addressOf(req.socket);
    const byIp = wsByIp.take(client, limits.wsPerIp);
    if (!byIp) {
      refuse(`address ${client}`);
      return done(false, 429, 'Too many WebSocket connections from this address');
    }
    releases.push(byIp);
    const session = parseCookies(req.headers.cookie)[SESSION.cookie];
    if (session) {
      const bySession = wsBySession.take(session, limits.wsPerSession);
      if (!bySession) {
        releaseAll();
        refuse('one session');
        return done(false, 429, 'Too many WebSocket connections for this session');
      }
      releases.push(bySession);
    }
    // Released when the socket closes, whether or not the handshake completes.
    req.socket.once('close', releaseAll);
    done(true);
  };

  /** Screens a new connection's messages: agent connections per agent id, subscriptions per connection. */
  // What /metrics shows: sockets that authenticated as agents, and live subscriptions (dashboards' and agents').
  const live = { agentSockets: 0, subscriptions: 0 };
  const onConnection = (ws: WebSocket, req: IncomingMessage) => {
    const active = new Set<unknown>();
    let releaseAgent: (() => void) | null = null;
    ws.once('close', () => {
      if (releaseAgent) live.agentSockets -= 1;
      live.subscriptions -= active.size;
      releaseAgent?.();
    });
    const expectsParams = new URL(req.url ?? '/', 'http://x').searchParams.get('connectionParams') === '1';
    let paramsSeen = !expectsParams;
    const handshake = expectsParams
      ? setTimeout(() => {
          if (!paramsSeen) ws.close(WS_CLOSE_OVER_LIMIT, 'connection params not sent in time');
        }, limits.wsHandshakeTimeoutMs)
      : null;
    ws.once('close', () => handshake && clearTimeout(handshake));

    // The context (and its principal) is made once per connection: a session ended afterwards
    // (sign-out, password change, user deleted) must not keep a live subscription streaming.
    const session = parseCookies(req.headers.cookie)[SESSION.cookie];
    if (session && opts.sessionAlive) {
      const alive = opts.sessionAlive;
      const check = () =>
        alive(session).then(
          (ok) => {
            if (!ok && ws.readyState === ws.OPEN) ws.close(WS_CLOSE_OVER_LIMIT, 'session ended: sign in again');
          },
          () => {}, // database unreachable: keep the socket; the next check decides
        );
      const recheck = setInterval(check, limits.wsSessionRecheckMs);
      recheck.unref();
      // A sign-out or deletion anywhere is checked at once; the interval catches expiry.
      const unsubscribe = opts.onSessionsEnded?.(() => void check());
      ws.once('close', () => {
        clearInterval(recheck);
        unsubscribe?.();
      });
    }

    // Subscriptions end by the client's stop, or by the server's "stopped" or error for that id.
    const send = ws.send.bind(ws) as (data: unknown, ...rest: unknown[]) => void;
    ws.send = ((data: unknown, ...rest: unknown[]) => {
      // One message, a bounded size: an oversized answer becomes a small error for its id (which ends a subscription).
      if (wsMessageOver(data, limits.answerBytes)) {
        refuse('answer size on a WebSocket');
        const id = wsMessageId(data);
        active.delete(id);
        return send(refusal(id, answerTooLargeMessage(limits.answerBytes), ANSWER_TOO_LARGE), ...rest);
      }
      if (active.size && typeof data === 'string' && (data.includes('"stopped"') || data.includes('"error"'))) {
        try {
          const m = JSON.parse(data) as { id?: unknown; result?: { type?: string }; error?: unknown };
          if ((m.error || m.result?.type === 'stopped') && active.delete(m.id)) live.subscriptions -= 1;
        } catch {
          // not JSON: not ours to read
        }
      }
      return send(data, ...rest);
    }) as typeof ws.send;

    /** What tRPC's handler should see of a message: the same, a filtered copy, or nothing. */
    const verdicts = new WeakMap<object, { pass: false } | { pass: true; data: unknown }>();
    const screen = (raw: unknown): { pass: false } | { pass: true; data: unknown } => {
      const text = Buffer.isBuffer(raw)
        ? raw.toString('utf8')
        : Array.isArray(raw)
          ? Buffer.concat(raw as Buffer[]).toString('utf8')
          : raw instanceof ArrayBuffer
            ? Buffer.from(raw).toString('utf8')
            : String(raw);
      if (text === 'PING' || text === 'PONG') return { pass: true, data: raw };
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        return { pass: true, data: raw }; // tRPC answers the parse error itself
      }
      const batch = Array.isArray(parsed);
      const msgs = (batch ? parsed : [parsed]) as Array<{ id?: unknown; method?: unknown; data?: { authorization?: unknown } }>;
      if (msgs.length > limits.callsPerBatch) {
        refuse('calls in one WebSocket message');
        ws.close(WS_CLOSE_OVER_LIMIT, `at most ${limits.callsPerBatch} calls in one message`);
        return { pass: false };
      }
      const kept: unknown[] = [];
      for (const m of msgs) {
        // The socket carries subscriptions only: a page of another site that gets one opened
        // (the cookie rides along) must not run queries or mutations on it.
        if (m && typeof m === 'object' && (m.method === 'query' || m.method === 'mutation')) {
          if (ws.readyState === ws.OPEN) send(refusal(m.id ?? null, 'only subscriptions are served over WebSocket; send queries and mutations over HTTP', NOT_OVER_WS));
          continue;
        }
        if (m && typeof m === 'object' && m.method === 'connectionParams') {
          paramsSeen = true;
          const auth = typeof m.data?.authorization === 'string' ? parseAgentAuthorization(m.data.authorization) : null;
          if (auth && !releaseAgent) {
            releaseAgent = wsByAgent.take(auth.id, limits.wsPerAgent);
            if (!releaseAgent) {
              refuse(`agent ${auth.id}`);
              ws.close(WS_CLOSE_OVER_LIMIT, 'too many connections for this agent');
              return { pass: false };
            }
            live.agentSockets += 1;
          }
        } else if (m && typeof m === 'object' && m.method === 'subscription') {
          if (active.size >= limits.subscriptionsPerWs && !active.has(m.id)) {
            refuse('subscriptions on one connection');
            if (ws.readyState === ws.OPEN) send(refusal(m.id ?? null, `too many subscriptions on this connection (at most ${limits.subscriptionsPerWs})`));
            continue;
          }
          if (!active.has(m.id)) live.subscriptions += 1;
          active.add(m.id);
        } else if (m && typeof m === 'object' && m.method === 'subscription.stop') {
          if (active.delete(m.id)) live.subscriptions -= 1;
        }
        kept.push(m);
      }
      if (kept.length === msgs.length) return { pass: true, data: raw };
      if (!kept.length) return { pass: false };
      return { pass: true, data: Buffer.from(JSON.stringify(batch ? kept : kept[0])) };
    };

    // tRPC's handler and its keep-alive listen for 'message': they get the screened message.
    const on = ws.on.bind(ws) as (event: string, listener: (...args: unknown[]) => void) => WebSocket;
    ws.on = ((event: string, listener: (...args: unknown[]) => void) => {
      if (event !== 'message') return on(event, listener);
      return on(event, (data: unknown, isBinary: unknown) => {
        const key = typeof data === 'object' && data !== null ? data : null;
        let verdict = key ? verdicts.get(key) : undefined;
        if (!verdict) {
          verdict = screen(data);
          if (key) verdicts.set(key, verdict);
        }
        if (verdict.pass) listener(verdict.data, isBinary);
      });
    }) as typeof ws.on;
  };

  return { verifyClient, onConnection, stats: () => ({ ...live }), detach: () => server.off('connection', onSocket) };
}

/**
 * tRPC v11 also serves subscriptions over HTTP (server-sent events) to any GET of a subscription
 * path. Neither the dashboard nor the agent uses that, and such a stream escapes every WebSocket
 * limit above and the request timeout (which covers the request, not the answer): one
 * authenticated client could hold any number of them. Returns a test for request paths (batches
 * included) that name a subscription, so they can be refused before the adapter opens a stream.
 */
export function subscriptionPaths(router: { _def: { procedures: object } }): (paths: string) => boolean {
  const subs = new Set(
    Object.entries(router._def.procedures as Record<string, { _def?: { type?: string } }>)
      .filter(([, p]) => p._def?.type === 'subscription')
      .map(([k]) => k),
  );
  const decoded = (p: string) => {
    try {
      return decodeURIComponent(p);
    } catch {
      return p;
    }
  };
  return (paths) => paths.split(',').some((p) => subs.has(decoded(p)));
}
