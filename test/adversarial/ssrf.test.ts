import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, signIn, startServerProcess, type ServerProcess } from '../helpers/index.js';
import { tally } from './counts.js';
import { rawCall } from './hostile.js';

/**
 * `channels.test` as a server-side request forgery (issue 18): any region user could aim a channel
 * at loopback or internal addresses, read the first 200 characters of a non-2xx answer, and tell
 * open from closed ports. Channels now reach only their kinds' documented hosts or the operator's
 * WEIAN_CHANNEL_HOSTS, and a failed test answers one generic message.
 */
const counts = tally(import.meta.url);
const PASSWORD = 'Ssrf-County-Pass-5';
const SECRET_BODY = 'INTERNAL-ADMIN-PAGE root:x:0:0';

describe('notification channels are no request forgery', () => {
  let server: ServerProcess;
  let county: string;
  let internal: Server;
  let internalPort: number;
  let closedPort: number;
  let hits = 0;
  const create = (url: string, kind = 'webhook') =>
    rawCall(server.url, 'channels.create', 'mutation', { regionCode: '330106', channel: { name: 'probe', kind, url, secret: 'k', minSeverity: 'high', mode: 'immediate' } }, { cookie: county });
  const test = (channelId: string) => rawCall(server.url, 'channels.test', 'mutation', { channelId }, { cookie: county });

  beforeAll(async () => {
    // An "internal service" that answers every request with an error page worth stealing.
    internal = createServer((_req, res) => {
      hits++;
      res.writeHead(500, { 'content-type': 'text/plain' }).end(SECRET_BODY);
    });
    await new Promise<void>((r) => internal.listen(0, '127.0.0.1', () => r()));
    internalPort = (internal.address() as { port: number }).port;
    closedPort = await freePort();
    // The operator allows this one receiver (loopback stands in for an intranet webhook); nothing else.
    server = await startServerProcess({ env: { WEIAN_CHANNEL_HOSTS: `127.0.0.1:${internalPort},127.0.0.1:${closedPort}` } });
    const admin = await signIn(server.url);
    const created = await rawCall(server.url, 'users.create', 'mutation', { username: 'ssrf-county', role: 'county', scopeCode: '330106', password: PASSWORD }, { cookie: admin });
    expect(created.status, created.text).toBe(200);
    county = await signIn(server.url, { username: 'ssrf-county', password: PASSWORD });
  });
  afterAll(async () => {
    await server?.cleanup();
    await new Promise((r) => internal.close(r));
    counts.flush();
  });

  it('refuses channels aimed at hosts neither documented for their kind nor on the allow-list', async () => {
    const port = new URL(server.url).port;
    const targets: Array<[string, string]> = [
      [`http://127.0.0.1:${port}/trpc/users.list`, 'webhook'],
      ['http://localhost:5432/', 'webhook'],
      ['http://169.254.169.254/latest/meta-data/', 'webhook'],
      ['http://[::1]:22/', 'webhook'],
      ['http://10.0.0.1/admin', 'wecom'],
      ['http://0.0.0.0:6379/', 'dingtalk'],
      [`http://127.0.0.1:${internalPort + 1}/`, 'feishu'],
      ['https://qyapi.weixin.qq.com.evil.example/cgi-bin/webhook/send?key=k', 'wecom'],
      ['https://oapi.dingtalk.com/robot/send', 'webhook'], // documented for DingTalk robots, not for generic webhooks
    ];
    const answers: Array<{ status: number; text: string }> = [];
    for (const [url, kind] of targets) {
      answers.push(await create(url, kind));
      counts.inputs++;
      counts.faults++;
    }
    counts.attack({
      attack: 'notification channel aimed at loopback, metadata, private and look-alike hosts',
      tried: targets.length,
      held: answers.filter((r) => r.status === 400).length,
      result: '400: not a documented host nor on WEIAN_CHANNEL_HOSTS',
    });
    for (const [i, r] of answers.entries()) {
      expect(r.status, `${targets[i]![1]} ${targets[i]![0]}: ${r.text}`).toBe(400);
      expect(r.text).toContain('WEIAN_CHANNEL_HOSTS');
    }
    // A robot's documented host is accepted (never sent to here: the test does not call it).
    const ok = await create('https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k', 'wecom');
    expect(ok.status, ok.text).toBe(200);
  });

  it('answers a failed test with one generic message: no remote body, no status, no way to tell open from closed', async () => {
    const open = await create(`http://127.0.0.1:${internalPort}/hook`);
    const closed = await create(`http://127.0.0.1:${closedPort}/hook`);
    expect([open.status, closed.status]).toEqual([200, 200]);
    const id = (r: { text: string }) => (JSON.parse(r.text) as { result: { data: { id: string } } }).result.data.id;
    const a = await test(id(open));
    const b = await test(id(closed));
    counts.inputs += 2;
    expect(hits).toBe(1); // the allowed receiver was reached
    expect([a.status, b.status]).toEqual([200, 200]);
    const answer = (r: { text: string }) => (JSON.parse(r.text) as { result: { data: Record<string, unknown> } }).result.data;
    expect(a.text).not.toContain('INTERNAL-ADMIN-PAGE');
    expect(a.text).not.toContain('500');
    const strip = (d: Record<string, unknown>) => ({ ...d, id: undefined });
    const same = JSON.stringify(strip(answer(a))) === JSON.stringify(strip(answer(b))) && !a.text.includes('INTERNAL-ADMIN-PAGE');
    counts.attack({
      attack: 'channels.test against an open port answering an error page, and a closed port',
      tried: 2,
      held: same ? 2 : 0,
      result: 'one generic failure for both: no body, no status',
    });
    expect(strip(answer(a))).toEqual(strip(answer(b)));
    expect(answer(a)).toMatchObject({ ok: false });
  });
});
