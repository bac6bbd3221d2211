import { sql, type Kysely } from 'kysely';
import pg from 'pg';
import type { Database } from './schema.js';

/** Cross-process messages over PostgreSQL LISTEN/NOTIFY (PostgreSQL only: db.ts offers it on that dialect). */
export interface PubSub {
  /** Sends one message on `channel` to every listening session (including this process's own listener). */
  notify(channel: string, payload: string): Promise<void>;
  /** Listens on `channel` on a dedicated connection, reconnecting with backoff until closed. */
  listen(channel: string, onMessage: (payload: string) => void, opts?: ListenOptions): Listener;
}

export interface ListenOptions {
  /** Connection up (true) or lost (false): messages sent while down are lost, NOTIFY is not durable. */
  onState?: (up: boolean, error?: Error) => void;
  /** Delay before reconnect attempt n (1, 2, …). */
  retryDelayMs?: (attempt: number) => number;
}

export interface Listener {
  /** Resolves once the first LISTEN is in place. */
  ready: Promise<void>;
  close(): Promise<void>;
}

const defaultRetry = (attempt: number) => Math.min(10_000, 250 * 2 ** (attempt - 1)) * (0.5 + Math.random() / 2);

export function pgPubSub(db: Kysely<Database>, connectionString: string): PubSub {
  return {
    async notify(channel, payload) {
      await sql`select pg_notify(${channel}, ${payload})`.execute(db);
    },
    listen(channel, onMessage, opts = {}) {
      const retry = opts.retryDelayMs ?? defaultRetry;
      let client: pg.Client | null = null;
      let closed = false;
      let attempt = 0;
      let timer: NodeJS.Timeout | undefined;
      let markReady!: () => void;
      const ready = new Promise<void>((r) => (markReady = r));

      const connect = async () => {
        if (closed) return;
        const c = new pg.Client({ connectionString });
        client = c;
        let failed = false;
        const fail = (e?: Error) => {
          if (failed) return;
          failed = true;
          c.removeAllListeners('notification');
          c.end().catch(() => {});
          if (closed) return;
          opts.onState?.(false, e);
          attempt += 1;
          timer = setTimeout(() => void connect(), retry(attempt));
        };
        c.on('error', fail);
        c.on('end', () => fail());
        c.on('notification', (n) => {
          if (n.channel === channel && n.payload !== undefined) onMessage(n.payload);
        });
        try {
          await c.connect();
          await c.query(`LISTEN ${c.escapeIdentifier(channel)}`);
          if (closed) return void c.end().catch(() => {});
          attempt = 0;
          opts.onState?.(true);
          markReady();
        } catch (e) {
          fail(e as Error);
        }
      };
      void connect();
      return {
        ready,
        async close() {
          closed = true;
          clearTimeout(timer);
          await client?.end().catch(() => {});
        },
      };
    },
  };
}
