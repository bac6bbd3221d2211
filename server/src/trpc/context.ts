import type { IncomingMessage, ServerResponse } from 'node:http';
import { parseAgentAuthorization } from '../services/agentAuth.js';
import { resolveSession, SESSION, type Principal } from '../services/auth.js';
import type { ServiceDeps } from '../services/deps.js';

export interface Context {
  deps: ServiceDeps;
  /** Agent credentials from the Authorization header (HTTP) or the ws connection params; checked by agentProcedure. */
  agentCredentials: { id: string; secret: string } | null;
  /** The signed-in user from the session cookie (HTTP, and the ws upgrade request), or null. */
  principal: Principal | null;
  sessionToken: string | null;
  remoteAddress: string;
  /** Request body size in bytes (HTTP), for receipts and metrics. */
  bodyBytes: number;
  /** Sets or clears the session cookie; only HTTP requests can (not WebSocket messages). */
  setSessionCookie(token: string | null, maxAgeSeconds?: number): void;
}

export function parseCookies(header: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (header ?? '').split(';')) {
    const i = part.indexOf('=');
    if (i > 0) out[part.slice(0, i).trim()] = decodeURIComponent(part.slice(i + 1).trim());
  }
  return out;
}

/** One createContext for HTTP and WebSocket connections. */
export function contextFactory(deps: ServiceDeps, opts: { secureCookies: (req: IncomingMessage) => boolean; clientAddress: (req: IncomingMessage) => string }) {
  return async ({ req, res, info }: { req: IncomingMessage; res?: ServerResponse | object; info?: { connectionParams?: Record<string, string | undefined> | null } }): Promise<Context> => {
    const header = req.headers.authorization ?? info?.connectionParams?.authorization;
    const sessionToken = parseCookies(req.headers.cookie)[SESSION.cookie] ?? null;
    return {
      deps,
      agentCredentials: parseAgentAuthorization(header),
      principal: await resolveSession(deps, sessionToken),
      sessionToken,
      remoteAddress: opts.clientAddress(req),
      bodyBytes: Number(req.headers['content-length'] ?? 0) || 0,
      setSessionCookie(token, maxAgeSeconds = SESSION.absoluteMs / 1000) {
        if (!res || !('setHeader' in res)) throw new Error('session cookies can only be set over HTTP');
        const httpRes = res as ServerResponse;
        const attrs = ['Path=/', 'HttpOnly', 'SameSite=Strict', ...(opts.secureCookies(req) ? ['Secure'] : [])];
        httpRes.setHeader('set-cookie', token ? `${SESSION.cookie}=${token}; Max-Age=${Math.floor(maxAgeSeconds)}; ${attrs.join('; ')}` : `${SESSION.cookie}=; Max-Age=0; ${attrs.join('; ')}`);
      },
    };
  };
}
