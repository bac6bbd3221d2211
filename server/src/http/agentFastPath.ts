import type { IncomingMessage, ServerResponse } from 'node:http';
import { getTRPCErrorFromUnknown, getTRPCErrorShape, transformTRPCResponse, TRPCError, type AnyTRPCRouter } from '@trpc/server';
import { getHTTPStatusCode } from '@trpc/server/http';
import type { AgentCall } from '../routers/agent.js';
import type { Context } from '../trpc/context.js';
import { agentGate, apiError } from '../trpc/init.js';

/**
 * The agents' hot path. tRPC's standalone adapter turns every Node request into a Fetch `Request`
 * (URL, Headers, ReadableStream body, AbortSignals) and the answer back: on a 5 KB report that
 * costs two thirds of the server's throughput (DESIGN.md, "Performance budgets"). This handler
 * serves the agents' two mutations straight from node:http, and answers exactly what the adapter
 * would (status, content-type, vary, body), so the agent's tRPC client is unchanged. It runs the
 * same parts as the procedures (`agentGate`, the input schema, the call, `apiError`, the router's
 * error formatter) without tRPC's middleware chain, whose context copies cost ~5% of ingest CPU.
 * Anything it does not recognise goes to the adapter.
 */
export interface FastPathOptions {
  router: AnyTRPCRouter;
  /** The calls served here, by procedure path (`agent.report`). */
  calls: Readonly<Record<string, AgentCall<never, unknown>>>;
  createContext(opts: { req: IncomingMessage; res: ServerResponse }): Promise<Context>;
  maxBodySize: number;
  /** Called as the adapter calls it, for logging. */
  onError?(opts: { error: TRPCError; path: string; type: 'mutation'; input: unknown; ctx: Context | undefined; req: IncomingMessage }): void;
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
 * Returns a handler that answers the request and returns true when it is one of `calls` in the
 * plain form the tRPC HTTP link sends (POST, JSON, unbatched, no streaming); false otherwise.
 */
export function agentFastPath(opts: FastPathOptions) {
  const config = opts.router._def._config;
  return (req: IncomingMessage, res: ServerResponse): boolean => {
    const url = req.url ?? '';
    if (req.method !== 'POST' || !url.startsWith(PREFIX) || url.includes('?')) return false;
    const path = url.slice(PREFIX.length);
    const call = Object.hasOwn(opts.calls, path) ? opts.calls[path] : undefined;
    if (!call || !isJson(req.headers['content-type']) || req.headers['trpc-accept'] || req.headers.accept?.includes('application/jsonl')) return false;
    void handle(path, call, req, res);
    return true;
  };

  async function handle(path: string, call: FastPathOptions['calls'][string], req: IncomingMessage, res: ServerResponse) {
    let ctx: Context | undefined;
    // Like the adapter, the body is read only when the call asks for its input (after authentication).
    let input: unknown;
    let body: Promise<unknown> | undefined;
    let nulFreeText = false;
    const getRawInput = () =>
      (body ??= readBody(req, opts.maxBodySize)
        .then((text) => {
          input = text ? config.transformer.input.deserialize(JSON.parse(text)) : undefined;
          nulFreeText = !text.includes('\\u0000');
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
      let data: unknown;
      try {
        // Every call served here confirms its agent in its own transaction (routers/agent.ts): a cached credential may stand.
        const agent = await agentGate(ctx, getRawInput, { cached: true, nulFreeText: () => nulFreeText });
        const raw = await getRawInput();
        let parsed: never;
        try {
          parsed = call.input.parse(raw) as never;
        } catch (cause) {
          // As tRPC's input validator: the schema's error is the cause of a BAD_REQUEST.
          throw new TRPCError({ code: 'BAD_REQUEST', cause: cause as Error });
        }
        data = await call.run({ ...ctx, agent }, parsed);
      } catch (cause) {
        throw apiError(getTRPCErrorFromUnknown(cause));
      }
      // What transformTRPCResponse makes of a result, without its three object spreads (2% of a steady report).
      answer = { status: 200, text: JSON.stringify({ result: { data: config.transformer.output.serialize(data) } }) };
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
export function trpcErrorAnswer(
  router: AnyTRPCRouter,
  o: { error: TRPCError; path: string | undefined; type: 'mutation' | 'query' | 'subscription' | 'unknown'; input?: unknown; ctx?: unknown },
): { status: number; text: string } {
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
