import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { EventBus, type EventMap } from './events.js';
import { bridgeEvents, type EventBridge } from './events-pg.js';
import { openDb } from './storage/db.js';
import { createTestDb, PG_ADMIN_URL, type TestDb } from './testing/harness.js';

const quiet = { info: () => {}, error: () => {} };
const ev = (hostId: string): EventMap['host.changed'] => ({ hostId, institutionCode: 'I1', regionCode: '330106', at: '2026-11-02T02:00:00.000Z', reason: 'report' });

/** Collects what a bus delivers to its subscribers. */
function record(bus: EventBus) {
  const seen: string[] = [];
  const ac = new AbortController();
  void (async () => {
    for await (const e of bus.stream('host.changed', ac.signal)) seen.push(e.hostId);
  })();
  return { seen, stop: () => ac.abort() };
}

const until = async (cond: () => boolean, what: string | (() => string)) => {
  const deadline = Date.now() + 10_000;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${typeof what === 'string' ? what : what()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
};

describe('PostgreSQL event bridge', () => {
  let t: TestDb | undefined;
  const closers: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const c of closers.splice(0).reverse()) await c();
    await t?.close();
    t = undefined;
  });

  /** Two "processes": each its own pool, bus and bridge, on one database. */
  async function twoProcesses(windowMs?: number) {
    t = await createTestDb('postgres');
    const name = (await t.deps.db.selectNoFrom((eb) => eb.fn<string>('current_database', []).as('d')).executeTakeFirstOrThrow()).d;
    const dbUrl = PG_ADMIN_URL.replace(/\/[^/]*$/, `/${name}`);
    const procs = [0, 1].map(() => {
      const handle = openDb({ databaseUrl: dbUrl, dataDir: '/nonexistent' });
      const bus = new EventBus();
      const bridge: EventBridge = bridgeEvents(bus, handle.pubsub!, { log: quiet, retryDelayMs: () => 50, windowMs });
      closers.push(async () => {
        await bridge.close();
        await handle.close();
      });
      return { bus, bridge, seen: record(bus) };
    });
    await Promise.all(procs.map((p) => p.bridge.ready));
    return { procs, dbName: name };
  }

  it('delivers an event to subscribers on the other process once, and to its own process once', async () => {
    const {
      procs: [a, b],
    } = await twoProcesses();
    a!.bus.emit('host.changed', ev('h1'));
    b!.bus.emit('host.changed', ev('h2'));
    for (let i = 0; i < 50; i++) a!.bus.emit('host.changed', ev(`burst-${i}`));
    await until(
      () => b!.seen.seen.length === 52 && a!.seen.seen.length === 52,
      () => `events on both processes (${a!.seen.seen.length}, ${b!.seen.seen.length})`,
    );
    await new Promise((r) => setTimeout(r, 200)); // an echo would arrive by now
    expect(a!.seen.seen.filter((h) => h === 'h1')).toEqual(['h1']);
    expect(a!.seen.seen.filter((h) => h === 'h2')).toEqual(['h2']);
    expect(b!.seen.seen.filter((h) => h === 'h1')).toEqual(['h1']);
    expect(b!.seen.seen.filter((h) => h === 'h2')).toEqual(['h2']);
    expect(b!.seen.seen.filter((h) => h.startsWith('burst-'))).toEqual(Array.from({ length: 50 }, (_, i) => `burst-${i}`));
  });

  it('sends the events of a short window, over several turns, as one JSON envelope any process version reads: its origin, then the events', async () => {
    const {
      procs: [a],
      dbName,
    } = await twoProcesses();
    const raw = new pg.Client({ connectionString: PG_ADMIN_URL.replace(/\/[^/]*$/, `/${dbName}`) });
    await raw.connect();
    closers.push(() => raw.end());
    const payloads: string[] = [];
    raw.on('notification', (n) => payloads.push(n.payload ?? ''));
    await raw.query('LISTEN weian_events');
    a!.bus.emit('host.changed', ev('e1'));
    await new Promise(setImmediate);
    a!.bus.emit('host.changed', ev('e2'));
    await until(() => payloads.length > 0, 'the NOTIFY');
    await new Promise((r) => setTimeout(r, 100)); // a second NOTIFY would arrive by now
    expect(payloads).toHaveLength(1);
    const env = JSON.parse(payloads[0]!) as { o: string; e: unknown[] };
    expect(Object.keys(env)).toEqual(['o', 'e']);
    expect(env.e).toEqual([
      ['host.changed', ev('e1')],
      ['host.changed', ev('e2')],
    ]);
  });

  it('sends what someone waits on (an agent command, a revocation, an ended session) at once, with the events pending before it', async () => {
    // A window longer than the test: only the event that does not wait can bring the batch out.
    const {
      procs: [a, b],
    } = await twoProcesses(600_000);
    const commands: string[] = [];
    const ac = new AbortController();
    void (async () => {
      for await (const c of b!.bus.stream('agent.command', ac.signal)) commands.push(c.agentId);
    })();
    a!.bus.emit('host.changed', ev('waits'));
    await new Promise((r) => setTimeout(r, 300)); // NOTIFY_WINDOW_MS would have sent it by now
    expect(b!.seen.seen).toEqual([]);
    a!.bus.emit('agent.command', { agentId: 'agent-1', command: { type: 'collect', id: 'c1' } });
    await until(() => commands.length === 1, 'the command on the other process');
    ac.abort();
    expect(b!.seen.seen).toEqual(['waits']);
  });

  it('listens again after its connection is killed', async () => {
    const {
      procs: [a, b],
      dbName,
    } = await twoProcesses();
    const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
    await admin.connect();
    // Kill every LISTENing session on this database (the bridges' dedicated clients).
    await admin.query(`select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and query like 'LISTEN%'`, [dbName]);
    await admin.end();
    // Keep sending until the reconnected listener hears one (events sent while it is down are lost).
    let n = 0;
    await until(() => {
      a!.bus.emit('host.changed', ev(`after-${n++}`));
      return b!.seen.seen.some((h) => h.startsWith('after-'));
    }, 'an event after reconnecting');
  });
});
