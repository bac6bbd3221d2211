import { createServer as createHttp, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttps } from 'node:https';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createHTTPHandler } from '@trpc/server/adapters/standalone';
import { applyWSSHandler } from '@trpc/server/adapters/ws';
import { TRPCError } from '@trpc/server';
import { WebSocketServer } from 'ws';
import { LIMITS } from '@weian/shared';
import { appRouter } from '../routers/_app.js';
import { AGENT_CALLS, type AgentCall } from '../routers/agent.js';
import type { ServerConfig } from '../config.js';
import type { ServiceDeps } from '../services/deps.js';
import { contextFactory } from '../trpc/context.js';
import { HSTS, staticHandler } from './static.js';
import { exportsHandler } from './exports.js';
import { UPLOAD_PATH, uploadsHandler } from './uploads.js';
import { EVIDENCE_DOWNLOAD_PREFIX, evidenceDownloadsHandler } from './evidenceDownloads.js';
import { agentDownloadsHandler } from './agentDownloads.js';
import { findChromium } from '../services/exports/pdfRenderer.js';
import { agentFastPath, readBody, trpcErrorAnswer, writeAnswer } from './agentFastPath.js';
import { clientAddress, clientUsesTls } from './clientAddress.js';
import { createMetrics } from './metrics.js';
import { requestId } from '../log.js';
import { probeRead } from '../storage/readiness.js';
import { applyLimits, closeAfterRefusal, DEFAULT_LIMITS, serverOptions, subscriptionPaths, WS_MAX_PAYLOAD, type ConnectionLimits } from './limits.js';
import type { Logger } from '../log.js';
import { isSessionLive } from '../services/auth.js';
import { originPolicy } from './origin.js';
import { readinessCheck } from './readiness.js';
import { answerTooLargeMessage, capAnswer } from './answerCap.js';

export interface HttpStack {
  server: Server;
  close(): Promise<void>;
}

/** application/json, with or without parameters (charset). */
const isJson = (type: string | undefined) => /^application\/json\s*(;|$)/i.test(type ?? '');

const json = (res: ServerResponse, status: number, body: unknown) => {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
};

/** One port: tRPC over HTTP at /trpc, tRPC subscriptions over WebSocket, /healthz, and the dashboard. */
export interface HttpStackOptions {
  /** Serve the agents' report and heartbeat without tRPC's adapter (default true; off only to compare the two). */
  agentFastPath?: boolean;
  /** The Chromium that prints PDF exports (default: WEIAN_CHROMIUM, else the first of CHROMIUM_PATHS present). */
  chromiumPath?: string;
  /** Connection limits and slow-client timeouts (http/limits.ts); defaults when absent. */
  limits?: ConnectionLimits;
}

/** The agents' calls served by the fast path, by procedure path. */
const AGENT_FAST_CALLS = Object.fromEntries(Object.entries(AGENT_CALLS).map(([name, call]) => [`agent.${name}`, call as AgentCall<never, unknown>]));

export function createHttpStack(config: ServerConfig, deps: ServiceDeps, log: Logger, opts: HttpStackOptions = {}): HttpStack {
  // Behind a reverse proxy (WEIAN_TRUSTED_PROXIES) the client and its scheme come from the proxy's headers.
  const proxies = config.trustedProxies;
  const clientOf = (req: IncomingMessage) => clientAddress(req, proxies);
  const tlsFor = (req: IncomingMessage) => Boolean(config.tls) || clientUsesTls(req, proxies);
  const createContext = contextFactory(deps, { secureCookies: tlsFor, clientAddress: clientOf });
  const onError = ({ error, path }: { error: TRPCError; path?: string | undefined }) => {
    if (error.code === 'INTERNAL_SERVER_ERROR' || error.code === 'SERVICE_UNAVAILABLE') log.error(`tRPC ${path ?? '?'}: ${error.cause?.stack ?? error.stack ?? error.message}`);
  };
  const limits = opts.limits ?? DEFAULT_LIMITS;
  const adapter = createHTTPHandler({ router: appRouter, createContext, basePath: '/trpc/', maxBodySize: LIMITS.bodyBytes, maxBatchSize: limits.callsPerBatch, onError });
  // Every answer of the adapter is bounded in size (answerCap.ts); the agents' fast path answers a few bytes.
  const trpc = (req: IncomingMessage, res: ServerResponse) => {
    capAnswer(res, limits.answerBytes, (r, size) => {
      const path = (req.url ?? '/').split('?')[0]!.slice('/trpc/'.length);
      log.info(`tRPC answer refused: ${size} bytes over ${limits.answerBytes} (${path.slice(0, 200)})`);
      const error = new TRPCError({ code: 'PAYLOAD_TOO_LARGE', message: answerTooLargeMessage(limits.answerBytes) });
      writeAnswer(r, trpcErrorAnswer(appRouter, { error, path: undefined, type: 'unknown' }));
    });
    return adapter(req, res);
  };
  const fastPath = opts.agentFastPath === false ? () => false : agentFastPath({ router: appRouter, calls: AGENT_FAST_CALLS, createContext, maxBodySize: LIMITS.bodyBytes, onError });
  const serveStatic = staticHandler(config.dashboardDir, { tls: tlsFor });
  const agentDownloads = agentDownloadsHandler(config.agentDist, log, { tls: tlsFor, caFile: config.tls?.ca });
  const isSubscription = subscriptionPaths(appRouter);
  const exportsHttp = exportsHandler(deps, { chromiumPath: opts.chromiumPath ?? findChromium(config.chromiumPath), log, clientAddress: clientOf });
  // Uploads pass through a private directory beside the database (or under the data directory with PostgreSQL).
  const uploads = uploadsHandler(deps, { dir: join(config.dataDir, 'uploads'), log, clientAddress: clientOf });
  const evidenceDownloads = evidenceDownloadsHandler(deps, { log });

  // Its socket counts are read at scrape time, after listen(): the socket server below exists by then.
  const metrics = createMetrics(deps, { sockets: () => ({ total: wss.clients.size, ...guard.stats() }) }, { token: config.metricsToken, clientAddress: clientOf });
  const readiness = readinessCheck(deps, { dataDir: deps.dialect === 'sqlite' ? config.dataDir : null });

  const handler = (req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '/').split('?')[0]!;
    // Every answer carries its request id; with WEIAN_LOG=debug each request is logged with it (never its query or body).
    const id = requestId();
    res.setHeader('x-request-id', id);
    if (log.debug) {
      const started = performance.now();
      res.once('finish', () => log.debug?.('request', { id, method: req.method, path, status: res.statusCode, ms: Math.round(performance.now() - started), client: clientOf(req) }));
    }
    // Under TLS every answer tells the browser to stay on HTTPS (pages get it with their other headers too).
    if (tlsFor(req)) res.setHeader('strict-transport-security', HSTS);
    if (path.startsWith('/trpc/')) {
      // A body refused as too large ends the connection: otherwise Node drains the rest of the upload to
      // keep the connection alive, and the sender pushes all of it. (Only then: a GET's unread empty body
      // also leaves `complete` false, and closing those would break every keep-alive client.)
      res.once('finish', () => {
        if (res.statusCode === 413 && !req.complete) closeAfterRefusal(req);
      });
      // Refuse declared oversized bodies before reading them, in tRPC's envelope so clients read the code.
      if (Number(req.headers['content-length'] ?? 0) > LIMITS.bodyBytes) {
        const error = new TRPCError({ code: 'PAYLOAD_TOO_LARGE', message: `request body over ${LIMITS.bodyBytes} bytes` });
        return writeAnswer(res, trpcErrorAnswer(appRouter, { error, path: path.slice('/trpc/'.length), type: 'unknown' }));
      }
      const procedurePath = path.slice('/trpc/'.length);
      if (procedurePath === 'agent.report') metrics.observeReport(res);
      // One request, a bounded number of calls: 1,300 calls in one GET used to take the server's memory and /healthz with it.
      if (procedurePath.split(',').length > limits.callsPerBatch) {
        const error = new TRPCError({ code: 'BAD_REQUEST', message: `at most ${limits.callsPerBatch} calls in one batch` });
        // No path in the answer: echoing 1,300 of them would make the refusal as large as the request.
        return writeAnswer(res, trpcErrorAnswer(appRouter, { error, path: undefined, type: 'unknown' }));
      }
      // Mutations come as JSON only: a plain HTML form (multipart, urlencoded, text/plain) can post cross-site without a preflight.
      if (req.method === 'POST' && !isJson(req.headers['content-type'])) {
        const error = new TRPCError({ code: 'UNSUPPORTED_MEDIA_TYPE', message: 'send calls as application/json' });
        return writeAnswer(res, trpcErrorAnswer(appRouter, { error, path: procedurePath, type: 'mutation' }));
      }
      if (isSubscription(procedurePath)) {
        const error = new TRPCError({ code: 'METHOD_NOT_SUPPORTED', message: 'subscriptions are served over WebSocket only' });
        return writeAnswer(res, trpcErrorAnswer(appRouter, { error, path: procedurePath, type: 'subscription' }));
      }
      if (fastPath(req, res)) return;
      if (req.method !== 'POST') return void trpc(req, res);
      // The adapter reads a body into a stream it destroys, socket and all, when the body is too large,
      // so the sender may get a reset instead of the 413. Read it here, with the same bound as the fast path.
      return void readBody(req, LIMITS.bodyBytes).then(
        (text) => trpc(Object.assign(req, { body: text }), res),
        (error: unknown) => {
          if (error instanceof TRPCError && !res.headersSent) writeAnswer(res, trpcErrorAnswer(appRouter, { error, path: procedurePath, type: 'mutation' }));
        },
      );
    }
    if (path === '/healthz') {
      return void probeRead(deps.db).then(
        () => json(res, 200, { status: 'ok', database: deps.dialect }),
        (e: Error) => json(res, 503, { status: 'unavailable', error: e.message }),
      );
    }
    if (path === '/metrics')
      return void metrics.handle(req, res).catch((e: Error) => {
        log.error(`metrics: ${e.message}`);
        if (!res.headersSent) json(res, 500, { error: { message: 'metrics unavailable' } });
      });
    if (path === '/readyz') return void readiness().then((r) => json(res, r.ready ? 200 : 503, r));
    if (path.startsWith('/export/')) return exportsHttp.handle(req, res);
    if (path === UPLOAD_PATH) return uploads(req, res);
    if (path.startsWith(EVIDENCE_DOWNLOAD_PREFIX)) return evidenceDownloads(req, res);
    if (path.startsWith('/agent/')) return agentDownloads(req, res, path);
    if (req.method !== 'GET' && req.method !== 'HEAD') return json(res, 405, { error: { message: 'method not allowed' } });
    serveStatic(req, res).catch((e: Error) => {
      log.error(`static ${path}: ${e.message}`);
      if (!res.headersSent) json(res, 500, { error: { message: 'internal server error' } });
    });
  };

  const server = config.tls ? createHttps({ cert: readFileSync(config.tls.cert), key: readFileSync(config.tls.key), ...serverOptions(limits) }, handler) : createHttp(serverOptions(limits), handler);
  server.keepAliveTimeout = 65_000;
  // Sign-outs and deletions on any process (the bus relays them) reach this process's open sockets at once.
  const sessionWatchers = new Set<() => void>();
  const stopWatching = new AbortController();
  void (async () => {
    for await (const _ of deps.bus.stream('session.ended', stopWatching.signal)) for (const recheck of sessionWatchers) recheck();
  })();
  const guard = applyLimits(server, limits, log, {
    sessionAlive: (token) => isSessionLive(deps, token),
    originAllowed: originPolicy({ tls: tlsFor, allowed: config.allowedOrigins }),
    clientAddress: clientOf,
    isTrustedProxy: (socket) => proxies.has(socket.remoteAddress ?? ''),
    onSessionsEnded: (recheck) => {
      sessionWatchers.add(recheck);
      return () => sessionWatchers.delete(recheck);
    },
  });

  const wss = new WebSocketServer({ server, path: '/trpc', maxPayload: WS_MAX_PAYLOAD, verifyClient: guard.verifyClient });
  // Registered before tRPC's own listener, so that the limits screen what it reads.
  wss.on('connection', guard.onConnection);
  const wsHandler = applyWSSHandler({ wss, router: appRouter, createContext, maxBatchSize: limits.callsPerBatch, keepAlive: { enabled: true, pingMs: 30_000, pongWaitMs: 10_000 } });

  return {
    server,
    async close() {
      stopWatching.abort();
      metrics.close();
      wsHandler.broadcastReconnectNotification();
      for (const client of wss.clients) client.terminate();
      await new Promise<void>((r) => wss.close(() => r()));
      server.closeIdleConnections?.();
      await new Promise<void>((r) => server.close(() => r()));
      await exportsHttp.close();
    },
  };
}
