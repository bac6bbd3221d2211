import type { IncomingMessage, ServerResponse } from 'node:http';
import { callTRPCProcedure, getTRPCErrorFromUnknown, getTRPCErrorShape, transformTRPCResponse, TRPCError, type AnyTRPCRouter } from '@trpc/server';
import { getHTTPStatusCode } from '@trpc/server/http';

/**
 * The agents' hot path. tRPC's standalone adapter turns every Node request into a Fetch `Request`
 * (URL, Headers, ReadableStream body, AbortSignals) and the answer back: on a 5 KB report that
 * costs two thirds of the server's throughput (DESIGN.md, "Performance budgets"). This handler
 * serves the agents' two mutations straight from node:http with the router's own procedure and
 * error formatter, and answers exactly what the adapter would (status, content-type, vary, body),
 * so the agent's tRPC client is unchanged. Anything it does not recognise goes to the adapter.
 */
export const FAST_PATHS: ReadonlySet<string> = new Set(['agent.report', 'agent.heartbeat']);

export interface FastPathOptions<TCtx> {
  router: AnyTRPCRouter;
  createContext(opts: { req: IncomingMessage; res: ServerResponse }): Promise<TCtx>;
  maxBodySize: number;
  /** Called as the adapter calls it, for logging. */
  onError?(opts: { error: TRPCError; path: string; type: 'mutation'; input: unknown; ctx: TCtx | undefined; req: IncomingMessage }): void;
}

const PREFIX = '/trpc/';

/** The media type without parameters, lower-cased, as tRPC compares it. */
const isJson = (contentType: string | undefined) => contentType?.toLowerCase().split(';', 1)[0]?.trim() === 'application/json';

/** Reads the body up to `max` bytes; beyond that it stops listening and fails with PAYLOAD_TOO_LARGE, as the adapter does. */
export function readBody(req: IncomingMessage, max: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const cleanup = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onFail);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > max) {
        cleanup();
        // Keep the socket usable: the rest of the body is read and dropped, never buffered.
        req.resume();
        return reject(new TRPCError({ code: 'PAYLOAD_TOO_LARGE' }));
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve(chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks).toString('utf8'));
    };
    const onFail = (e: Error) => {
      cleanup();
      reject(e);
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onFail);
  });
}

/**
 * Returns a handler that answers the request and returns true when it is one of FAST_PATHS in the
 * plain form the tRPC HTTP link sends (POST, JSON, unbatched, no streaming); false otherwise.
 */
export function agentFastPath<TCtx>(opts: FastPathOptions<TCtx>) {
  const config = opts.router._def._config;
  return (req: IncomingMessage, res: ServerResponse): boolean => {
    const url = req.url ?? '';
    if (req.method !== 'POST' || !url.startsWith(PREFIX) || url.includes('?')) return false;
    const path = url.slice(PREFIX.length);
    if (!FAST_PATHS.has(path) || !isJson(req.headers['content-type']) || req.headers['trpc-accept'] || req.headers.accept?.includes('application/jsonl')) return false;
    void handle(path, req, res);
    return true;
  };

  async function handle(path: string, req: IncomingMessage, res: ServerResponse) {
    let ctx: TCtx | undefined;
    // Like the adapter, the body is read only when the procedure asks for its input (after authentication).
    let input: unknown;
    let body: Promise<unknown> | undefined;
    const getRawInput = () =>
      (body ??= readBody(req, opts.maxBodySize)
        .then((text) => {
          input = text ? config.transformer.input.deserialize(JSON.parse(text)) : undefined;
          return input;
        })
        // As the adapter words it: a body that cannot be read or parsed is the caller's error.
        .catch((cause: unknown) => {
          if (cause instanceof TRPCError) throw cause;
          throw new TRPCError({ code: 'BAD_REQUEST', message: cause instanceof Error ? cause.message : 'Invalid input', cause });
        }));
    let answer: { status: number; text: string };
    try {
      try {
        ctx = await opts.createContext({ req, res });
      } catch (cause) {
        throw getTRPCErrorFromUnknown(cause);
      }
      const data = await callTRPCProcedure({ router: opts.router, path, getRawInput, ctx, type: 'mutation', signal: undefined, batchIndex: 0 });
      answer = { status: 200, text: JSON.stringify(transformTRPCResponse(config, { result: { data } })) };
    } catch (cause) {
      const error = getTRPCErrorFromUnknown(cause);
      opts.onError?.({ error, path, type: 'mutation', input, ctx, req });
      answer = trpcErrorAnswer(opts.router, { error, path, type: 'mutation', input, ctx });
    }
    if (res.headersSent || res.destroyed) return;
    // The adapter's headers, in its order; the length is known, so no chunked encoding.
    writeAnswer(res, answer);
  }
}

/** A tRPC error as the HTTP adapter answers it: the router's error formatter, its status, its JSON envelope. */
export function trpcErrorAnswer(router: AnyTRPCRouter, o: { error: TRPCError; path: string | undefined; type: 'mutation' | 'query' | 'subscription' | 'unknown'; input?: unknown; ctx?: unknown }): { status: number; text: string } {
  const config = router._def._config;
  const shape = { error: getTRPCErrorShape({ config, error: o.error, type: o.type, path: o.path, input: o.input, ctx: o.ctx }) };
  return { status: getHTTPStatusCode([shape] as never, [o.error]), text: JSON.stringify(transformTRPCResponse(config, shape as never)) };
}

/** The adapter's headers, in its order; the length is known, so no chunked encoding. */
export function writeAnswer(res: ServerResponse, answer: { status: number; text: string }): void {
  res.statusCode = answer.status;
  res.setHeader('content-type', 'application/json');
  res.setHeader('vary', 'trpc-accept, accept');
  res.setHeader('content-length', Buffer.byteLength(answer.text));
  res.end(answer.text);
}
