import { connect, type Socket } from 'node:net';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signIn, startServerProcess, waitFor, type ServerProcess } from '../helpers/index.js';
import { tally } from './counts.js';
import { enrollOverHttp } from './hostile.js';

/**
 * Bounds on what one client can make the server hold: bodies and ws messages over their size are
 * refused before they are read in full; connections and subscriptions per address, session and
 * agent are capped (server/src/http/limits.ts); slow clients are cut off. The limits are lowered
 * by environment for the test, as an operator may.
 */
const counts = tally(import.meta.url);
const LIMITS_ENV = {
  WEIAN_MAX_CONNECTIONS_PER_IP: '60',
  WEIAN_MAX_WS_PER_IP: '12',
  WEIAN_MAX_WS_PER_SESSION: '3',
  WEIAN_MAX_WS_PER_AGENT: '1',
  WEIAN_MAX_SUBSCRIPTIONS_PER_WS: '4',
  WEIAN_WS_HANDSHAKE_TIMEOUT_MS: '1500',
  WEIAN_HEADERS_TIMEOUT_MS: '1500',
  WEIAN_REQUEST_TIMEOUT_MS: '3000',
};

/**
 * Streams `total` bytes as a chunked body (no Content-Length) over a raw socket until the server
 * answers; returns the answer and how much was sent. A raw socket, because Node's HTTP client may
 * report "socket hang up" for an answer that did arrive while its request was still being written;
 * this reads exactly what the server put on the wire, and fails on a reset (a lost answer).
 */
function chunkedUpload(url: string, path: string, headers: Record<string, string>, total: number): Promise<{ status: number; text: string; sent: number }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    let sent = 0;
    let received = '';
    const socket = connect(Number(port), hostname);
    const answer = () => {
      const head = received.indexOf('\r\n\r\n');
      if (head < 0) return null;
      const length = Number(/\r\ncontent-length: *(\d+)/i.exec(received.slice(0, head))?.[1] ?? NaN);
      const body = received.slice(head + 4);
      if (!(Buffer.byteLength(body) >= length)) return null;
      return { status: Number(received.slice(9, 12)), text: body, sent };
    };
    socket.on('data', (d: Buffer) => {
      received += d.toString();
      const a = answer();
      if (a) {
        socket.destroy();
        resolve(a);
      }
    });
    socket.on('error', reject);
    socket.on('close', () => reject(new Error(`closed without a whole answer after ${sent} bytes: ${JSON.stringify(received.slice(0, 200))}`)));
    const head = Object.entries({ host: `${hostname}:${port}`, 'content-type': 'application/json', 'transfer-encoding': 'chunked', ...headers }).map(([k, v]) => `${k}: ${v}\r\n`);
    socket.write(`POST ${path} HTTP/1.1\r\n${head.join('')}\r\n`);
    const data = '[' + '1,'.repeat(32 * 1024 - 1);
    const chunk = Buffer.from(`${Buffer.byteLength(data).toString(16)}\r\n${data}\r\n`);
    const pump = () => {
      while (!received && sent < total) {
        sent += chunk.length;
        if (!socket.write(chunk)) return void socket.once('drain', pump);
      }
      if (!received) socket.write('0\r\n\r\n');
    };
    pump();
  });
}

const wsUrl = (s: ServerProcess, q = '') => `${s.url.replace(/^http/, 'ws')}/trpc${q}`;

/** Opens a ws; resolves 'open', or the HTTP status it was refused with, or the close code. */
function openWs(url: string, headers: Record<string, string> = {}): Promise<{ ws: WebSocket; outcome: 'open' | number }> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, { headers });
    ws.once('open', () => resolve({ ws, outcome: 'open' }));
    ws.once('unexpected-response', (_req, res) => resolve({ ws, outcome: res.statusCode ?? 0 }));
    ws.once('error', () => resolve({ ws, outcome: -1 }));
  });
}
const closed = (ws: WebSocket) =>
  new Promise<{ code: number; reason: string }>((r) => (ws.readyState === ws.CLOSED ? r({ code: 0, reason: 'already' }) : ws.once('close', (code, reason) => r({ code, reason: reason.toString() }))));

describe('bounds on bodies, messages, connections, subscriptions and slow clients', () => {
  let server: ServerProcess;
  let admin: string;
  let agent: Awaited<ReturnType<typeof enrollOverHttp>>;
  beforeAll(async () => {
    server = await startServerProcess({ env: LIMITS_ENV });
    admin = await signIn(server.url);
    agent = await enrollOverHttp(server);
  });
  afterAll(async () => {
    await server?.cleanup();
    counts.flush();
  });

  it('refuses a chunked multi-megabyte body without Content-Length before it has all arrived, on the agent path and the adapter', async () => {
    counts.attackOfTest({
      attack: '12 MiB chunked bodies without Content-Length (agent.report, users.create, auth.login), and a declared 2 MiB body',
      tried: 4,
      result: '413 PAYLOAD_TOO_LARGE before the body all arrived; /healthz still answers',
    });
    const total = 12 * 1024 * 1024;
    for (const [path, headers] of [
      ['/trpc/agent.report', { authorization: agent.authorization }],
      ['/trpc/users.create', { cookie: admin }],
      ['/trpc/auth.login', {}],
    ] as const) {
      const r = await chunkedUpload(server.url, path, headers, total);
      counts.inputs++;
      counts.faults++;
      expect(r.status, `${path}: ${r.text}`).toBe(413);
      expect(JSON.parse(r.text)).toMatchObject({ error: { data: { code: 'PAYLOAD_TOO_LARGE' } } });
      expect(r.sent, path).toBeLessThan(total);
    }
    // A declared oversize body is refused from its header alone.
    const res = await fetch(`${server.url}/trpc/agent.report`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: agent.authorization },
      body: 'x'.repeat(2 * 1024 * 1024 + 1),
    });
    counts.inputs++;
    expect(res.status).toBe(413);
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  });

  it('closes a WebSocket whose message is over 64 KiB (1009), and the server keeps serving', async () => {
    counts.attackOfTest({ attack: 'one WebSocket message over 64 KiB', tried: 1, result: 'socket closed (1009); the server keeps serving' });
    const { ws, outcome } = await openWs(wsUrl(server), { cookie: admin });
    expect(outcome).toBe('open');
    const done = closed(ws);
    ws.send(JSON.stringify({ id: 1, method: 'query', params: { path: 'auth.me', input: 'x'.repeat(70 * 1024) } }));
    counts.inputs++;
    counts.faults++;
    expect((await done).code).toBe(1009);
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  });

  it('refuses a session more WebSocket connections than its limit, and gives the slot back on close', async () => {
    counts.attackOfTest({ attack: 'one session opening more WebSocket connections than its limit', tried: 1, result: '429; the slot is given back on close' });
    const open: WebSocket[] = [];
    for (let i = 0; i < 3; i++) {
      const c = await openWs(wsUrl(server), { cookie: admin });
      expect(c.outcome).toBe('open');
      open.push(c.ws);
    }
    const over = await openWs(wsUrl(server), { cookie: admin });
    counts.faults++;
    expect(over.outcome).toBe(429);
    open[0]!.close();
    await closed(open[0]!);
    const again = await waitFor(
      async () => {
        const c = await openWs(wsUrl(server), { cookie: admin });
        if (c.outcome === 'open') return c;
        return null;
      },
      { timeoutMs: 5000, what: 'a freed slot' },
    );
    open[0] = again.ws;
    for (const ws of open) ws.close();
    await Promise.all(open.map(closed));
  });

  it('refuses an agent a second WebSocket connection', async () => {
    counts.attackOfTest({ attack: 'an agent opening a second WebSocket; a socket that never sends its connection params', tried: 2, result: 'both closed (1008)' });
    const params = JSON.stringify({ method: 'connectionParams', data: { authorization: agent.authorization } });
    const first = await openWs(wsUrl(server, '?connectionParams=1'));
    expect(first.outcome).toBe('open');
    first.ws.send(params);
    const firstMessages: string[] = [];
    first.ws.on('message', (d) => firstMessages.push(d.toString()));
    first.ws.send(JSON.stringify({ id: 1, method: 'subscription', params: { path: 'agent.commands' } }));
    await waitFor(() => firstMessages.some((m) => m.includes('"started"')), { timeoutMs: 5000, what: 'the agent subscription' });
    const second = await openWs(wsUrl(server, '?connectionParams=1'));
    expect(second.outcome).toBe('open');
    const secondClosed = closed(second.ws);
    second.ws.send(params);
    counts.faults++;
    const c = await secondClosed;
    expect(c.code).toBe(1008);
    expect(c.reason).toMatch(/too many connections for this agent/);
    // A client that announces connection params and never sends them is cut off too.
    const silent = await openWs(wsUrl(server, '?connectionParams=1'));
    counts.faults++;
    expect((await closed(silent.ws)).code).toBe(1008);
    first.ws.close();
    await closed(first.ws);
  });

  it('refuses more subscriptions on one connection than its limit, and accepts one again after a stop', async () => {
    counts.attackOfTest({ attack: 'subscriptions on one connection over its limit', tried: 3, result: 'each over the limit refused (TOO_MANY_REQUESTS); one accepted again after a stop' });
    const { ws } = await openWs(wsUrl(server), { cookie: admin });
    const messages: Array<{ id: number; result?: { type: string }; error?: { data: { code: string } } }> = [];
    ws.on('message', (d) => messages.push(JSON.parse(d.toString())));
    const sub = (id: number) => ws.send(JSON.stringify({ id, method: 'subscription', params: { path: 'hosts.live' } }));
    for (let id = 1; id <= 6; id++) sub(id);
    counts.inputs += 6;
    await waitFor(() => messages.filter((m) => m.result?.type === 'started').length === 4 && messages.filter((m) => m.error).length === 2, { timeoutMs: 5000, what: '4 started, 2 refused' });
    expect(messages.filter((m) => m.error).map((m) => [m.id, m.error!.data.code])).toEqual([
      [5, 'TOO_MANY_REQUESTS'],
      [6, 'TOO_MANY_REQUESTS'],
    ]);
    ws.send(JSON.stringify({ id: 2, method: 'subscription.stop' }));
    sub(7);
    await waitFor(() => messages.some((m) => m.id === 7 && m.result?.type === 'started'), { timeoutMs: 5000, what: 'subscription 7 after a stop' });
    // The same in a batch: only what fits is started.
    sub(8);
    await waitFor(() => messages.some((m) => m.id === 8 && m.error), { timeoutMs: 5000, what: 'subscription 8 refused' });
    counts.faults++;
    ws.close();
    await closed(ws);
  });

  it('refuses one address more WebSocket connections than its limit', async () => {
    counts.attackOfTest({ attack: 'one address opening 14 WebSocket connections (limit 12)', tried: 2, result: 'the 2 over the limit refused with 429' });
    const open: WebSocket[] = [];
    let refused = 0;
    for (let i = 0; i < 14; i++) {
      const c = await openWs(wsUrl(server));
      if (c.outcome === 'open') open.push(c.ws);
      else if (c.outcome === 429) refused++;
    }
    counts.faults++;
    expect(open.length).toBe(12);
    expect(refused).toBe(2);
    for (const ws of open) ws.close();
    await Promise.all(open.map(closed));
  });

  it('closes slowloris headers and a slow body, and caps idle sockets from one address', async () => {
    counts.attackOfTest({
      attack: 'slowloris headers, a slow body, 64 idle sockets from one address',
      tried: 3,
      result: 'slow requests closed by the timeouts; sockets over 60 closed at once; the server still answers',
    });
    const raw = () =>
      new Promise<Socket>((resolve, reject) => {
        const s = connect(server.port, '127.0.0.1', () => resolve(s));
        s.once('error', reject);
      });
    const outcome = (s: Socket) =>
      new Promise<string>((resolve) => {
        let data = '';
        s.on('data', (d: Buffer) => (data += d.toString()));
        s.once('close', () => resolve(data));
      });
    // Headers one line at a time, never finished.
    const slowHead = await raw();
    const headEnd = outcome(slowHead);
    slowHead.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n');
    let i = 0;
    const dribble = setInterval(() => {
      if (!slowHead.destroyed && i < 60) slowHead.write(`X-Slow-${i++}: a\r\n`);
    }, 300);
    // A body promised at 1000 bytes, sent a byte at a time.
    const slowBody = await raw();
    const bodyEnd = outcome(slowBody);
    slowBody.write(`POST /trpc/auth.login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{`);
    const drip = setInterval(() => !slowBody.destroyed && slowBody.write(' '), 300);
    counts.faults += 2;
    try {
      const [head, body] = await Promise.all([headEnd, bodyEnd]);
      // Node answers 408 (or just closes) and never runs a handler for them.
      expect(head === '' || head.startsWith('HTTP/1.1 408')).toBe(true);
      expect(body === '' || body.startsWith('HTTP/1.1 408')).toBe(true);
      expect(i).toBeLessThan(60);
    } finally {
      clearInterval(dribble);
      clearInterval(drip);
    }
    // Idle sockets: the address gets its 60, the rest are closed at once; the server still answers after.
    const sockets: Socket[] = [];
    const ends: Array<Promise<string>> = [];
    for (let n = 0; n < 64; n++) {
      const s = await raw();
      sockets.push(s);
      ends.push(outcome(s));
    }
    counts.faults++;
    // The four over the cap are closed by the server (the others later, by the headers timeout).
    await waitFor(() => sockets.slice(60).every((s) => s.destroyed), { timeoutMs: 5000, what: 'sockets over the cap closed' });
    expect(sockets.slice(0, 56).some((s) => !s.destroyed)).toBe(true);
    for (const s of sockets) s.destroy();
    await Promise.all(ends);
    expect(await waitFor(async () => (await fetch(`${server.url}/healthz`)).status === 200, { timeoutMs: 5000, what: 'healthz after' })).toBe(true);
  });
});
