import type { IncomingMessage } from 'node:http';

/** A Host header as browsers send it: a name or address and an optional port, nothing else. */
const HOST = /^(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/;

/** The server's own origin as the browser that loaded the dashboard sees it, or null for a malformed Host. */
export function ownOrigin(req: IncomingMessage, tls: boolean): string | null {
  const host = req.headers.host;
  return host && HOST.test(host) ? `${tls ? 'https' : 'http'}://${host.toLowerCase()}` : null;
}

/**
 * Which browser origins may open a WebSocket: the server's own, plus an operator's allow-list
 * (WEIAN_ALLOWED_ORIGINS, for a dashboard served under another name by a proxy). A page on another
 * port of the same host is same-site, so its requests carry the SameSite=Strict cookie: Origin is
 * the only thing that tells it apart. Clients that are not browsers (agents, tools) send no Origin
 * and authenticate otherwise; every browser sends one on a WebSocket upgrade.
 */
export function originPolicy(opts: { tls: (req: IncomingMessage) => boolean; allowed: readonly string[] }): (req: IncomingMessage) => boolean {
  const allowed = new Set(opts.allowed.map((o) => o.trim().toLowerCase().replace(/\/+$/, '')));
  return (req) => {
    const origin = req.headers.origin;
    if (origin === undefined) return true;
    const o = origin.toLowerCase();
    return o === ownOrigin(req, opts.tls(req)) || allowed.has(o);
  };
}
