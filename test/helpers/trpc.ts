import { createTRPCClient, createWSClient, httpLink, splitLink, wsLink } from '@trpc/client';
import WebSocket from 'ws';
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
