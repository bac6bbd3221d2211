import { createTRPCClient, createWSClient, httpBatchLink, splitLink, wsLink, type inferRouterProxyClient } from '@trpc/client';
import type { AppRouter } from '@weian/server';

export type ApiClient = inferRouterProxyClient<AppRouter>;
export type ConnectionState = 'connecting' | 'open' | 'closed';

const connectionListeners = new Set<(s: ConnectionState) => void>();
const announce = (s: ConnectionState) => connectionListeners.forEach((l) => l(s));

/** Called with the WebSocket's state; returns the unsubscribe function. */
export function onConnectionChange(listener: (s: ConnectionState) => void): () => void {
  connectionListeners.add(listener);
  return () => connectionListeners.delete(listener);
}

/** Calls per HTTP batch: a view's first load makes a handful, so larger batches only split in two. */
export const BATCH_ITEMS = 8;

let client: ApiClient | null = null;
let socket: ReturnType<typeof createWSClient> | null = null;

/**
 * The one tRPC client: queries and mutations over HTTP (batched), subscriptions over one
 * WebSocket on the same origin. Created on first use, so importing a store opens nothing.
 */
export function api(): ApiClient {
  if (client) return client;
  const { protocol, host, origin } = window.location;
  const ws = (socket = createWSClient({
    url: `${protocol === 'https:' ? 'wss' : 'ws'}://${host}/trpc`,
    // Open only while a subscription needs it; tRPC reconnects with backoff on its own.
    lazy: { enabled: true, closeMs: 5_000 },
    onOpen: () => announce('open'),
    onClose: () => announce('closed'),
  }));
  client = createTRPCClient<AppRouter>({
    links: [
      splitLink({
        condition: (op) => op.type === 'subscription',
        true: wsLink({ client: ws }),
        // Same origin: the session cookie (auth, later) goes along by default.
        // The server refuses batches over WEIAN_MAX_CALLS_PER_BATCH (16 by default): stay well under it.
        false: httpBatchLink({ url: `${origin}/trpc`, maxItems: BATCH_ITEMS }),
      }),
    ],
  });
  return client;
}

/**
 * Drops the client and its WebSocket. The server authenticates a socket once, when it opens, so
 * after signing in or out the next subscription must come over a new one.
 */
export function resetApi(): void {
  void socket?.close();
  socket = null;
  client = null;
}
