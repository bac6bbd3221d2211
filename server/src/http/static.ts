import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';
import { ownOrigin } from './origin.js';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.ttf': 'font/ttf',
};

/**
 * Security headers for every page: no inline scripts, no framing, no sniffing. Element Plus needs
 * inline styles. Scripts may connect only to the server itself: its own origin, and its own host
 * over WebSocket (`ws:`/`wss:` alone allowed sockets to any host). HSTS when the server speaks TLS.
 */
export const HSTS = 'max-age=31536000';

export function securityHeaders(req: IncomingMessage, tls: boolean): Record<string, string> {
  const own = ownOrigin(req, tls);
  const socket = own ? ` ${own.replace(/^http/, 'ws')}` : '';
  return {
    'Content-Security-Policy': `default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; connect-src 'self'${socket}; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'`,
    'X-Content-Type-Options': 'nosniff',
    'X-Frame-Options': 'DENY',
    'Referrer-Policy': 'no-referrer',
    ...(tls ? { 'Strict-Transport-Security': HSTS } : {}),
  };
}

/** Serves the built dashboard; unknown paths get index.html (client-side routes). */
/** `tls` tells, per request, whether the browser reached us over TLS (ours, or a trusted proxy's). */
export function staticHandler(root: string, opts: { tls: (req: IncomingMessage) => boolean } = { tls: () => false }) {
  const base = normalize(root + sep);
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://x');
    let path = normalize(join(base, decodeURIComponent(url.pathname)));
    if (!path.startsWith(base)) path = join(base, 'index.html');
    let info = await stat(path).catch(() => null);
    if (!info || info.isDirectory()) {
      path = join(base, 'index.html');
      info = await stat(path).catch(() => null);
    }
    if (!info) {
      res.writeHead(503, { 'content-type': 'text/plain; charset=utf-8', ...securityHeaders(req, opts.tls(req)) });
      res.end('The dashboard is not built yet: run `pnpm build`.\n');
      return;
    }
    const immutable = path.includes(`${sep}assets${sep}`);
    res.writeHead(200, {
      'content-type': TYPES[extname(path)] ?? 'application/octet-stream',
      'content-length': info.size,
      'cache-control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
      ...securityHeaders(req, opts.tls(req)),
    });
    if (req.method === 'HEAD') return void res.end();
    createReadStream(path).pipe(res);
  };
}
