import { request as httpRequest, type Agent as HttpAgent, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import WebSocket from 'ws';

/**
 * Just enough of tRPC's wire format for the agent, so the long-lived process loads neither
 * @trpc/client nor Node's fetch (undici): together they were a third of the agent's resident memory.
 *
 * HTTP (tRPC v11, no transformer, no batching): POST <base>/<path> with the input as the JSON body;
 * the answer is `{"result":{"data":…}}` or `{"error":{"message","code","data":{"code","httpStatus"}}}`.
 *
 * WebSocket (@trpc/server's ws adapter): `?connectionParams=1` on the URL and a first message
 * `{"method":"connectionParams","data":{…}}`; then `{"id","method":"subscription","params":{"path","input"}}`,
 * answered by `{"id","result":{"type":"started"|"data"|"stopped","data"?}}` or `{"id","error":…}`;
 * `{"id":null,"error":…}` when the connection itself is refused; `{"id":null,"method":"reconnect"}`
 * when the server goes away; "PING"/"PONG" text frames both ways for keep-alive.
 */

/** A tRPC error answer (`code`: the tRPC code name, e.g. UNAUTHORIZED), or a transport failure (`transport` set). */
export class TrpcError extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly httpStatus: number | null,
    /** The transport's error code (ECONNREFUSED, ETIMEDOUT…) when the server could not be reached or answer. */
    readonly transport: string | null = null,
  ) {
    super(message);
    this.name = 'TrpcError';
  }
}

interface ErrorShape {
  message?: unknown;
  data?: { code?: unknown; httpStatus?: unknown };
}
const fromShape = (e: ErrorShape, status: number | null) =>
  new TrpcError(
    typeof e.message === 'string' ? e.message : 'server error',
    typeof e.data?.code === 'string' ? e.data.code : 'UNKNOWN',
    typeof e.data?.httpStatus === 'number' ? e.data.httpStatus : status,
  );

/** One POST: resolves with the status and body text, rejects only when no answer came. */
export type Post = (url: URL, body: string, headers: Record<string, string>, timeoutMs: number) => Promise<{ status: number; body: string }>;

const MAX_RESPONSE_BYTES = 16 * 1024 * 1024;

/** node:http or node:https (trusting `ca` when given): Node's own sockets, no fetch; `agent`'s when given. */
export function nodePost(ca?: string, agent?: HttpAgent): Post {
  return (url, body, headers, timeoutMs) =>
    new Promise((resolve, reject) => {
      const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
      const req = request(url, { method: 'POST', headers: { ...headers, 'content-length': Buffer.byteLength(body) }, ...(ca ? { ca } : {}), ...(agent ? { agent } : {}) }, (res: IncomingMessage) => {
        const chunks: Buffer[] = [];
        let bytes = 0;
        res.on('data', (c: Buffer) => {
          bytes += c.length;
          if (bytes > MAX_RESPONSE_BYTES) req.destroy(Object.assign(new Error('answer larger than 16 MiB'), { code: 'ERESPONSETOOLARGE' }));
          else chunks.push(c);
        });
        res.on('error', reject);
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      });
      req.setTimeout(timeoutMs, () => req.destroy(Object.assign(new Error(`no answer within ${timeoutMs} ms`), { code: 'ETIMEDOUT' })));
      req.on('error', reject);
      req.end(body);
    });
}

/** A transport failure's code: Node's (ECONNREFUSED), or one wrapped in `cause`. */
const transportCode = (e: unknown): string => {
  const err = e as { code?: unknown; name?: unknown; cause?: { code?: unknown; message?: unknown } };
  if (typeof err.code === 'string') return err.code;
  if (typeof err.cause?.code === 'string') return err.cause.code;
  if (err.name === 'TimeoutError' || err.name === 'AbortError') return 'ETIMEDOUT';
  return typeof err.cause?.message === 'string' ? err.cause.message : 'network error';
};

/** Calls a tRPC procedure over HTTP and returns its data, or throws TrpcError. */
export async function callProcedure(post: Post, base: string, path: string, input: unknown, headers: Record<string, string>, timeoutMs: number): Promise<unknown> {
  const url = new URL(`${base.replace(/\/$/, '')}/${path}`);
  let answer: { status: number; body: string };
  try {
    answer = await post(url, JSON.stringify(input ?? null), { 'content-type': 'application/json', ...headers }, timeoutMs);
  } catch (e) {
    const code = transportCode(e);
    throw new TrpcError(`could not reach ${url.host} (${code})`, 'NETWORK', null, code);
  }
  let parsed: { result?: { data?: unknown }; error?: ErrorShape };
  try {
    parsed = JSON.parse(answer.body) as typeof parsed;
  } catch {
    // Not tRPC speaking (a proxy's error page): nothing to act on but the status, so retry later.
    throw new TrpcError(`the server answered HTTP ${answer.status} with no tRPC body`, 'UNKNOWN', answer.status);
  }
  if (parsed?.error) throw fromShape(parsed.error, answer.status);
  if (!parsed?.result) throw new TrpcError(`the server answered HTTP ${answer.status} with neither result nor error`, 'UNKNOWN', answer.status);
  return parsed.result.data;
}

export interface SubscriptionOptions {
  /** ws:// or wss:// URL of the tRPC endpoint. */
  url: string;
  path: string;
  input?: unknown;
  connectionParams: () => Record<string, string>;
  ca?: string;
  retryDelayMs: (attempt: number) => number;
  keepAlive?: { intervalMs: number; pongTimeoutMs: number };
  onData(data: unknown): void;
  onConnection?(up: boolean): void;
  onError?(e: TrpcError): void;
  /** Test seam: the WebSocket constructor. */
  WebSocketImpl?: typeof WebSocket;
}

/**
 * Keeps one tRPC subscription open: reconnects with `retryDelayMs(attempt)` after any close, error
 * or end of the stream (attempts count up until the server starts the subscription again), and
 * closes a socket that stays silent past the keep-alive. Returns a function that ends it for good.
 */
export function keepSubscribed(o: SubscriptionOptions): () => void {
  const WS = o.WebSocketImpl ?? WebSocket;
  const keepAlive = o.keepAlive ?? { intervalMs: 30_000, pongTimeoutMs: 10_000 };
  const url = `${o.url}${o.url.includes('?') ? '&' : '?'}connectionParams=1`;
  let stopped = false;
  let attempt = 0;
  let nextId = 0;
  let ws: WebSocket | null = null;
  let retryTimer: NodeJS.Timeout | undefined;
  let pingTimer: NodeJS.Timeout | undefined;
  let pongTimer: NodeJS.Timeout | undefined;

  const clearKeepAlive = () => (clearTimeout(pingTimer), clearTimeout(pongTimer));
  const armKeepAlive = (socket: WebSocket) => {
    clearKeepAlive();
    pingTimer = setTimeout(() => {
      socket.send('PING');
      pongTimer = setTimeout(() => socket.terminate(), keepAlive.pongTimeoutMs);
    }, keepAlive.intervalMs);
  };

  const connect = () => {
    if (stopped) return;
    const socket = new WS(url, o.ca ? { ca: o.ca } : {});
    ws = socket;
    const id = ++nextId;
    let open = false;
    socket.on('open', () => {
      open = true;
      socket.send(JSON.stringify({ method: 'connectionParams', data: o.connectionParams() }));
      socket.send(JSON.stringify({ id, method: 'subscription', params: { path: o.path, input: o.input } }));
      armKeepAlive(socket);
      o.onConnection?.(true);
    });
    socket.on('message', (raw: Buffer, isBinary: boolean) => {
      armKeepAlive(socket);
      const text = raw.toString('utf8');
      if (!isBinary && text === 'PING') return socket.send('PONG');
      if (!isBinary && text === 'PONG') return;
      let msg: { id?: unknown; method?: unknown; result?: { type?: unknown; data?: unknown }; error?: ErrorShape };
      try {
        msg = JSON.parse(text) as typeof msg;
      } catch {
        return;
      }
      if (msg.method === 'reconnect') {
        // The server is going away: come back at once rather than after a backoff.
        attempt = 0;
        return socket.close();
      }
      if (msg.error && (msg.id === null || msg.id === id)) {
        o.onError?.(fromShape(msg.error, null));
        return socket.close();
      }
      if (msg.id !== id || !msg.result) return;
      if (msg.result.type === 'started') attempt = 0;
      else if (msg.result.type === 'data') o.onData(msg.result.data);
      else if (msg.result.type === 'stopped') socket.close(); // the server ended the stream; the agent always wants it
    });
    socket.on('error', () => {
      // 'close' follows and schedules the retry; the agent keeps working by HTTP meanwhile.
    });
    socket.on('close', () => {
      clearKeepAlive();
      if (ws === socket) ws = null;
      if (open) o.onConnection?.(false);
      if (stopped) return;
      retryTimer = setTimeout(connect, o.retryDelayMs(attempt++));
    });
  };

  connect();
  return () => {
    stopped = true;
    clearTimeout(retryTimer);
    clearKeepAlive();
    const socket = ws;
    if (!socket) return;
    if (socket.readyState === WebSocket.OPEN) {
      socket.send(JSON.stringify({ id: nextId, method: 'subscription.stop' }));
      socket.close();
    } else socket.terminate();
  };
}
