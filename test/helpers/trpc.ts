import { createTRPCClient, createWSClient, httpLink, splitLink, wsLink } from '@trpc/client';
import WebSocket from 'ws';
import { request } from 'node:http';
import type { AppRouter } from '@weian/server';

/** A real tRPC client as the dashboard would use it: HTTP for queries and mutations, ws for subscriptions. */
export function trpcClient(url: string, opts: { cookie?: () => string | undefined } = {}) {
  const headers = () => {
    const c = opts.cookie?.();
    return c ? { cookie: c } : {};
  };
  const ws = createWSClient({
    url: `${url.replace(/^http/, 'ws')}/trpc`,
    WebSocket: class extends WebSocket {
      constructor(address: string, protocols?: string | string[]) {
        super(address, protocols, { headers: headers() });
      }
    } as unknown as typeof globalThis.WebSocket,
    lazy: { enabled: true, closeMs: 1000 },
  });
  const client = createTRPCClient<AppRouter>({
    links: [splitLink({ condition: (op) => op.type === 'subscription', true: wsLink({ client: ws }), false: httpLink({ url: `${url}/trpc`, headers }) })],
  });
  return { client, close: () => ws.close() };
}

/** One JSON POST from a chosen source address (127.0.0.0/8 all reach the server on 127.0.0.1). */
export function postFrom(url: string, path: string, body: unknown, localAddress: string, headers: Record<string, string> = {}): Promise<{ status: number; text: string; cookie: string | null }> {
  return new Promise((resolve, reject) => {
    const data = JSON.stringify(body);
    const req = request(`${url}${path}`, { method: 'POST', localAddress, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data), ...headers } }, (res) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text, cookie: res.headers['set-cookie']?.[0]?.split(';')[0] ?? null }));
    });
    req.on('error', reject);
    req.end(data);
  });
}
