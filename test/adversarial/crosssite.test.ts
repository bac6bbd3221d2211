import { createServer, type Server } from 'node:http';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { launchBrowser } from '../helpers/browser.js';
import { signIn, startServerProcess, waitFor, type ServerProcess } from '../helpers/index.js';
import { createPgDatabase } from '../helpers/pg.js';
import { tally } from './counts.js';
import { enrollOverHttp, rawCall } from './hostile.js';

/**
 * What a page of another site, or a client holding a session that has just ended, could still do
 * (issue 18): open the WebSocket with the victim's cookie and run mutations over it, post a plain
 * HTML form, keep a live socket after sign-out or deletion.
 */
const counts = tally(import.meta.url);
const ALLOWED = 'http://dashboard.proxy.example:8443';
const PASSWORD = 'Crosssite-Pass-7';
type Message = { id?: unknown; result?: { type?: string }; error?: { data?: { code?: string } } };

/** Opens a socket and resolves with it once open, or with the refusal status of the upgrade. */
function openWs(url: string, headers: Record<string, string>): Promise<{ ws: WebSocket; messages: Message[] } | { refused: number }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/trpc`, { headers });
    const messages: Message[] = [];
    ws.on('message', (d) => messages.push(JSON.parse(d.toString()) as Message));
    ws.once('open', () => resolve({ ws, messages }));
    ws.once('unexpected-response', (_req, res) => resolve({ refused: res.statusCode ?? 0 }));
    ws.once('error', reject);
  });
}
const opened = (r: Awaited<ReturnType<typeof openWs>>) => {
  if ('refused' in r) throw new Error(`upgrade refused with ${r.refused}`);
  return r;
};
/** The socket's close, or a timeout far under the one-minute periodic session check these servers run with. */
const closedWith = (ws: WebSocket) =>
  new Promise<{ code: number; reason: string }>((r) => {
    const timer = setTimeout(() => r({ code: 0, reason: 'still open after 10 s' }), 10_000);
    ws.once('close', (code, reason) => (clearTimeout(timer), r({ code, reason: reason.toString() })));
  });

async function makeUser(server: ServerProcess, admin: string, username: string) {
  const created = await rawCall(server.url, 'users.create', 'mutation', { username, role: 'county', scopeCode: '330106', password: PASSWORD }, { cookie: admin });
  expect(created.status, created.text).toBe(200);
  const id = (JSON.parse(created.text) as { result: { data: { id: string } } }).result.data.id;
  return { id, cookie: await signIn(server.url, { username, password: PASSWORD }) };
}

async function liveSubscription(server: ServerProcess, cookie: string) {
  const { ws, messages } = opened(await openWs(server.url, { cookie }));
  const closed = closedWith(ws);
  ws.send(JSON.stringify({ id: 1, method: 'subscription', params: { path: 'hosts.live' } }));
  await waitFor(() => messages.some((m) => m.result?.type === 'started'), { timeoutMs: 5000, what: 'hosts.live started' });
  return { ws, closed };
}

// Both blocks below record attacks: the file's totals are written once, after the last.
afterAll(() => counts.flush());

describe('cross-site requests and sockets', () => {
  let server: ServerProcess;
  let admin: string;
  let browser: Browser | null = null;
  let attacker: Server | null = null;

  beforeAll(async () => {
    // The periodic session check is slowed to a minute: an ended session must close its sockets without it.
    server = await startServerProcess({ env: { WEIAN_ALLOWED_ORIGINS: ALLOWED, WEIAN_WS_SESSION_RECHECK_MS: '60000' } });
    admin = await signIn(server.url);
  });
  afterAll(async () => {
    await browser?.close();
    await new Promise((r) => (attacker ? attacker.close(r) : r(null)));
    await server?.cleanup();
  });

  it('a page on another port of the same host cannot open the WebSocket with the signed-in cookie, so cannot create a user over it', async () => {
    // The attacker's page: same host, another port (same site: the SameSite=Strict cookie is sent).
    const target = server.url.replace(/^http/, 'ws');
    const page = `<!doctype html><script>
      window.outcome = new Promise((resolve) => {
        const ws = new WebSocket(${JSON.stringify(`${target}/trpc`)});
        const seen = [];
        ws.onopen = () => ws.send(JSON.stringify({ id: 1, method: 'mutation', params: { path: 'users.create', input: { username: 'csws-admin', role: 'admin', password: 'Hijacked-Pass-12' } } }));
        ws.onmessage = (e) => seen.push(e.data);
        ws.onerror = () => resolve({ opened: ws.readyState === 1, seen, error: true });
        ws.onclose = (e) => resolve({ opened: false, seen, code: e.code });
        setTimeout(() => resolve({ opened: ws.readyState === 1, seen }), 4000);
      });
    </script>`;
    attacker = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end(page));
    await new Promise<void>((r) => attacker!.listen(0, '127.0.0.1', () => r()));
    const attackerUrl = `http://127.0.0.1:${(attacker.address() as { port: number }).port}/`;
    browser = await launchBrowser();
    const context = await browser.newContext();
    // The victim is signed in to the dashboard in this browser.
    const [name, value] = admin.split('=') as [string, string];
    await context.addCookies([{ name, value, url: server.url, httpOnly: true, sameSite: 'Strict' }]);
    const tab = await context.newPage();
    await tab.goto(attackerUrl);
    const outcome = (await tab.evaluate('window.outcome')) as { opened: boolean; seen: string[] };
    counts.inputs++;
    counts.faults++;
    const users = await rawCall(server.url, 'users.list', 'query', undefined, { cookie: admin });
    const held = !outcome.opened && outcome.seen.length === 0 && !users.text.includes('csws-admin');
    counts.attack({
      attack: 'cross-site WebSocket hijacking: a page on another port (same site, cookie sent) opens ws and sends users.create, in Chromium',
      tried: 1,
      held: held ? 1 : 0,
      result: 'upgrade refused (Origin), no user created',
    });
    expect(outcome.opened).toBe(false);
    expect(outcome.seen).toEqual([]);
    expect(users.text).not.toContain('csws-admin');
    await context.close();
  });

  it('checks Origin on every upgrade: its own origin and the allow-list pass, other origins are refused', async () => {
    const own = new URL(server.url).host;
    const cases: Array<[string | undefined, boolean]> = [
      [`http://${own}`, true],
      [ALLOWED, true],
      [undefined, true], // not a browser: agents and tools send no Origin
      [`http://127.0.0.1:${Number(new URL(server.url).port) + 1}`, false],
      ['http://evil.example', false],
      [`https://${own}`, false],
      ['null', false],
    ];
    let refused = 0;
    for (const [origin, ok] of cases) {
      const r = await openWs(server.url, { cookie: admin, host: own, ...(origin ? { origin } : {}) });
      counts.inputs++;
      if (!ok && 'refused' in r && r.refused === 403) refused++;
      if (ok) {
        expect('ws' in r, String(origin)).toBe(true);
        if ('ws' in r) r.ws.close();
      } else expect(r, String(origin)).toEqual({ refused: 403 });
    }
    counts.attack({
      attack: 'WebSocket upgrade from a foreign Origin (other port, other host, https, null)',
      tried: cases.filter(([, ok]) => !ok).length,
      held: refused,
      result: '403 before the handshake',
    });
  });

  it('serves only subscriptions over the socket: queries and mutations are refused there, subscriptions work', async () => {
    const { ws, messages } = opened(await openWs(server.url, { cookie: admin, origin: `http://${new URL(server.url).host}` }));
    ws.send(JSON.stringify({ id: 1, method: 'mutation', params: { path: 'users.create', input: { username: 'over-ws', role: 'admin', password: 'Over-Ws-Pass-12' } } }));
    ws.send(JSON.stringify({ id: 2, method: 'query', params: { path: 'auth.me' } }));
    ws.send(
      JSON.stringify([
        { id: 3, method: 'mutation', params: { path: 'auth.logout' } },
        { id: 4, method: 'subscription', params: { path: 'alerts.live' } },
      ]),
    );
    await waitFor(() => messages.filter((m) => m.id === 1 || m.id === 2 || m.id === 3).length === 3 && messages.some((m) => m.id === 4 && m.result?.type === 'started'), {
      timeoutMs: 5000,
      what: 'three refusals and one started subscription',
    });
    counts.inputs += 4;
    const refusedOverWs = [1, 2, 3].filter((id) => messages.find((m) => m.id === id)?.error?.data?.code === 'METHOD_NOT_SUPPORTED').length;
    counts.attack({ attack: 'query or mutation (users.create, auth.logout) sent over an open WebSocket', tried: 3, held: refusedOverWs, result: 'METHOD_NOT_SUPPORTED; subscriptions still served' });
    for (const id of [1, 2, 3]) expect(messages.find((m) => m.id === id)?.error?.data?.code).toBe('METHOD_NOT_SUPPORTED');
    ws.close();
    // Nothing ran: no user, and the admin's session is still signed in.
    const users = await rawCall(server.url, 'users.list', 'query', undefined, { cookie: admin });
    expect(users.status).toBe(200);
    expect(users.text).not.toContain('over-ws');
  });

  it("keeps agents' command sockets working: they authenticate with their secret and send no Origin", async () => {
    const agent = await enrollOverHttp(server, { hostname: 'crosssite-agent' });
    const ws = new WebSocket(`${server.url.replace(/^http/, 'ws')}/trpc?connectionParams=1`);
    const messages: Message[] = [];
    ws.on('message', (d) => messages.push(JSON.parse(d.toString()) as Message));
    await new Promise((r) => ws.once('open', r));
    ws.send(JSON.stringify({ method: 'connectionParams', data: { authorization: agent.authorization } }));
    ws.send(JSON.stringify({ id: 1, method: 'subscription', params: { path: 'agent.commands' } }));
    await waitFor(() => messages.some((m) => m.id === 1 && m.result?.type === 'started'), { timeoutMs: 5000, what: 'agent.commands started' });
    ws.close();
  });

  it('accepts calls only as application/json: a plain HTML form (multipart, urlencoded, text/plain) cannot sign anyone out', async () => {
    const user = await makeUser(server, admin, 'form-victim');
    const forms: Array<[string, string]> = [
      ['multipart/form-data; boundary=x', '--x\r\nContent-Disposition: form-data; name="a"\r\n\r\nb\r\n--x--\r\n'],
      ['application/x-www-form-urlencoded', 'a=b'],
      ['text/plain', '{}'],
      ['text/plain;charset=UTF-8', ''],
    ];
    const answers: number[] = [];
    for (const [type, body] of forms) {
      const r = await rawCall(server.url, 'auth.logout', 'mutation', undefined, { cookie: user.cookie }, { rawBody: body, contentType: type });
      counts.inputs++;
      answers.push(r.status);
    }
    counts.attack({
      attack: 'mutation posted as an HTML form would (multipart, urlencoded, text/plain)',
      tried: forms.length,
      held: answers.filter((x) => x === 415).length,
      result: '415, the session untouched',
    });
    for (const [i, status] of answers.entries()) expect(status, forms[i]![0]).toBe(415);
    const me = await rawCall(server.url, 'auth.me', 'query', undefined, { cookie: user.cookie });
    expect(me.status, 'the session survived every form').toBe(200);
    const json = await rawCall(server.url, 'auth.logout', 'mutation', undefined, { cookie: user.cookie }, { contentType: 'application/json; charset=utf-8' });
    expect(json.status, json.text).toBe(200);
  });

  it('closes the open sockets of a deleted user and of one who signed out at once, not at the next periodic check', async () => {
    const gone = await makeUser(server, admin, 'ws-deleted');
    const live = await liveSubscription(server, gone.cookie);
    const del = await rawCall(server.url, 'users.delete', 'mutation', { userId: gone.id }, { cookie: admin });
    expect(del.status, del.text).toBe(200);
    expect(await live.closed).toEqual({ code: 1008, reason: 'session ended: sign in again' });

    const leaving = await makeUser(server, admin, 'ws-signout');
    const other = await liveSubscription(server, leaving.cookie);
    const out = await rawCall(server.url, 'auth.logout', 'mutation', undefined, { cookie: leaving.cookie });
    expect(out.status, out.text).toBe(200);
    const ended = [await live.closed, await other.closed].filter((c) => c.code === 1008).length;
    counts.attack({ attack: 'deleted or signed-out user keeps using an open WebSocket (periodic check slowed to 60 s)', tried: 2, held: ended, result: 'socket closed at once (1008)' });
    expect(await other.closed).toEqual({ code: 1008, reason: 'session ended: sign in again' });
    counts.faults += 2;
  });
});

describe('sessions ended on one PostgreSQL process close sockets on the others', () => {
  let db: Awaited<ReturnType<typeof createPgDatabase>>;
  let a: ServerProcess;
  let b: ServerProcess;
  beforeAll(async () => {
    db = await createPgDatabase('weian_adv_xs');
    const env = { DATABASE_URL: db.url, WEIAN_WS_SESSION_RECHECK_MS: '60000' };
    a = await startServerProcess({ env });
    b = await startServerProcess({ env });
  });
  afterAll(async () => {
    await a?.cleanup();
    await b?.cleanup();
    await db?.drop();
  });

  it('a user deleted through process A loses the socket it holds on process B at once', async () => {
    const adminA = await signIn(a.url);
    const user = await makeUser(a, adminA, 'pg-deleted');
    const live = await liveSubscription(b, user.cookie);
    const del = await rawCall(a.url, 'users.delete', 'mutation', { userId: user.id }, { cookie: adminA });
    expect(del.status, del.text).toBe(200);
    const closed = await live.closed;
    counts.attack({
      attack: 'user deleted on one PostgreSQL server process keeps its socket on another',
      tried: 1,
      held: closed.code === 1008 ? 1 : 0,
      result: 'socket closed at once on the other process',
    });
    expect(closed).toEqual({ code: 1008, reason: 'session ended: sign in again' });
    counts.faults++;
  });
});
