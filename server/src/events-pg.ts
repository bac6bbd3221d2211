import { randomUUID } from 'node:crypto';
import type { EventBus, EventMap, EventName } from './events.js';
import type { PubSub } from './storage/pubsub.js';

export const EVENTS_CHANNEL = 'weian_events';
/** NOTIFY payloads must stay under 8000 bytes; events are batched up to this size. */
const MAX_PAYLOAD = 7_000;

interface Envelope {
  /** The sending process: a process skips its own messages, its subscribers already had them. */
  o: string;
  e: Array<[EventName, EventMap[EventName]]>;
}

export interface EventBridge {
  /** Resolves when this process is listening (events NOTIFYed before that are not seen). */
  ready: Promise<void>;
  close(): Promise<void>;
}

export interface EventBridgeOptions {
  channel?: string;
  origin?: string;
  log: { info(m: string): void; error(m: string): void };
  retryDelayMs?: (attempt: number) => number;
  /** NOTIFY_WINDOW_MS unless told (a test waits longer than it runs). */
  windowMs?: number;
}

/**
 * How long events wait to go out together. Each NOTIFY is a round trip and a transaction for the
 * sender, and a wake-up of every listening backend and server process (its own included): with two
 * processes at a province's 111 reports a second, a 20-ms window sent about one NOTIFY per report: a
 * sixth of a steady report's CPU (2.14 → 1.78 CPU-ms with one process, docs/sizing.md). Other processes'
 * live views hear of a report this much later.
 */
export const NOTIFY_WINDOW_MS = 250;

/** Events someone is waiting on (an agent's command, the end of a session or an agent): they go out at once, with what is pending before them. */
const AT_ONCE: ReadonlySet<EventName> = new Set<EventName>(['agent.command', 'agent.revoked', 'session.ended']);

/**
 * Several server processes on one PostgreSQL: events emitted on this process's bus are also
 * NOTIFYed, and events NOTIFYed by the others are re-emitted locally (never relayed again).
 * Events emitted within NOTIFY_WINDOW_MS go out as one NOTIFY (or as several when they pass
 * MAX_PAYLOAD), so a burst of reports costs one round trip, not one per report; those in AT_ONCE
 * do not wait.
 */
export function bridgeEvents(bus: EventBus, pubsub: PubSub, opts: EventBridgeOptions): EventBridge {
  const channel = opts.channel ?? EVENTS_CHANNEL;
  const origin = opts.origin ?? randomUUID();
  let batch: string[] = [];
  let size = 0;
  let timer: NodeJS.Timeout | null = null;
  let closed = false;

  // The envelope is written by hand around each event's JSON, made once: `{"o":…,"e":[…]}` is what
  // JSON.stringify would make of an Envelope, so every process reads it alike; the origin first lets a
  // process skip its own messages (LISTEN hears them too) without parsing them.
  const head = `{"o":${JSON.stringify(origin)},"e":[`;
  const send = (events: string[]) =>
    pubsub.notify(channel, `${head}${events.join(',')}]}`).catch((e: Error) => opts.log.error(`event NOTIFY failed (other processes miss ${events.length} event(s)): ${e.message}`));

  const flush = () => {
    if (timer) clearTimeout(timer);
    timer = null;
    if (!batch.length) return;
    void send(batch);
    batch = [];
    size = 0;
  };

  bus.setRelay((name, payload) => {
    if (closed) return;
    const json = JSON.stringify([name, payload]);
    const bytes = Buffer.byteLength(json);
    if (batch.length && size + bytes > MAX_PAYLOAD) flush();
    batch.push(json);
    size += bytes + 1;
    if (AT_ONCE.has(name)) flush();
    else timer ??= setTimeout(flush, opts.windowMs ?? NOTIFY_WINDOW_MS);
  });

  const listener = pubsub.listen(
    channel,
    (raw) => {
      if (raw.startsWith(head)) return;
      let env: Envelope;
      try {
        env = JSON.parse(raw) as Envelope;
      } catch {
        return opts.log.error(`ignored a malformed event NOTIFY on ${channel}`);
      }
      if (env.o === origin || !Array.isArray(env.e)) return;
      for (const [name, payload] of env.e) bus.emitLocal(name, payload);
    },
    {
      retryDelayMs: opts.retryDelayMs,
      onState: (up, error) =>
        up ? opts.log.info(`listening for events from other server processes (${channel})`) : opts.log.error(`event listener connection lost, reconnecting: ${error?.message ?? 'closed'}`),
    },
  );

  return {
    ready: listener.ready,
    async close() {
      closed = true;
      bus.setRelay(null);
      flush();
      await listener.close();
    },
  };
}
