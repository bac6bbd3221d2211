import fc from 'fast-check';
import WebSocket from 'ws';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { appRouter } from '../../server/src/routers/_app.js';
import { sampleReport } from '../../server/src/testing/harness.js';
import { signIn, startServerProcess, type ServerProcess } from '../helpers/index.js';
import { createPgDatabase } from '../helpers/pg.js';
import { tally } from './counts.js';
import { deepJson, enrollOverHttp, leakIn, nastyString, nastyValue, pool, rawCall, shaped } from './hostile.js';

/**
 * Property-based fuzzing of every procedure the router has, against a real server process: as an
 * anonymous caller, as the admin, and as an enrolled agent. Procedures are read from the router,
 * so one added tomorrow is fuzzed without anyone touching this file.
 *
 * Inputs are drawn with fast-check (a fixed seed per run, printed on failure) and sent over raw
 * HTTP, a bounded number in flight. Each answer must be a 2xx (then the data is stored as data)
 * or a 4xx; never a 5xx, never a stack frame or a database message; and the server must be
 * healthy afterwards.
 */
const counts = tally(import.meta.url);
const SEED = Number(process.env.WEIAN_FUZZ_SEED ?? Date.now() % 2 ** 31);
const TIME_BUDGET_MS = 25_000;

type ProcType = 'query' | 'mutation' | 'subscription';
const PROCEDURES = Object.entries(appRouter._def.procedures as unknown as Record<string, { _def: { type: ProcType; inputs: unknown[] } }>).map(([path, p]) => ({
  path,
  type: p._def.type,
  schema: p._def.inputs[0],
}));

interface Failure {
  who: string;
  path: string;
  input: string;
  status: number;
  text: string;
  why: string;
}

function judge(failures: Failure[], who: string, path: string, input: string, r: { status: number; text: string }): void {
  const fail = (why: string): void => void failures.push({ who, path, input: input.slice(0, 300), status: r.status, text: r.text.slice(0, 500), why });
  if (r.status >= 500) return fail('5xx');
  if (r.status >= 300 && r.status < 400) return fail('redirect');
  if (r.status >= 400) {
    const leak = leakIn(r.text);
    if (leak) return fail(`leak: ${leak}`);
    // A tRPC envelope when it is JSON; Node's own 4xx (431 headers too large, 413) may be bare.
    if (r.text.startsWith('{')) {
      const body = JSON.parse(r.text) as { error?: { data?: { httpStatus?: number } } };
      if (!body.error) return fail('4xx without a tRPC error');
      if ((body.error.data?.httpStatus ?? r.status) >= 500) return fail('error says 5xx');
    }
  }
}

describe.each([
  { dialect: 'sqlite', scale: 1 },
  { dialect: 'postgres', scale: 0.35 },
])('fuzzing every procedure and the report schema ($dialect)', ({ dialect, scale }) => {
  let server: ServerProcess;
  let dropPg: (() => Promise<void>) | undefined;
  let admin: string;
  let logoutCookie: string;
  let agent: Awaited<ReturnType<typeof enrollOverHttp>>;
  let other: Awaited<ReturnType<typeof enrollOverHttp>>;
  let failures: Failure[] = [];
  beforeEach(() => {
    failures = [];
  });
  const deadline = () => Date.now() + TIME_BUDGET_MS * scale;

  beforeAll(async () => {
    const env: Record<string, string> = {};
    if (dialect === 'postgres') {
      const pg = await createPgDatabase('weian_adv_fuzz');
      env.DATABASE_URL = pg.url;
      dropPg = pg.drop;
    }
    server = await startServerProcess({ env });
    admin = await signIn(server.url);
    logoutCookie = await signIn(server.url);
    agent = await enrollOverHttp(server);
    other = await enrollOverHttp(server);
  });
  afterAll(async () => {
    await server?.cleanup();
    await dropPg?.();
    counts.flush();
  });

  it('enumerates the router: every procedure has a type, and all of them are fuzzed below', () => {
    expect(PROCEDURES.length).toBeGreaterThan(20);
    for (const p of PROCEDURES) expect(['query', 'mutation', 'subscription']).toContain(p.type);
  });

  it('answers every procedure 2xx or 4xx for hostile input, anonymous, as admin and as an agent', async () => {
    counts.attackOfTest({
      attack: `generated hostile input to every procedure, anonymous, as admin and as an agent (${dialect})`,
      tried: () => sent,
      result: '2xx or 4xx for every call; no 5xx, no leak',
    });
    const callers = [
      { who: 'anonymous', headers: {} as Record<string, string> },
      { who: 'admin', headers: { cookie: admin } },
      { who: 'agent', headers: { authorization: agent.authorization } },
    ];
    const runs = Math.max(4, Math.round(22 * scale));
    const jobs: Array<{ who: string; headers: Record<string, string>; path: string; type: ProcType; input: unknown }> = [];
    for (const p of PROCEDURES) {
      const arb = fc.oneof({ weight: 3, arbitrary: shaped(p.schema) }, { weight: 2, arbitrary: nastyValue }, { weight: 1, arbitrary: fc.constant(undefined) });
      for (const c of callers) {
        // The admin's logout would end the session the rest of the run uses: it gets its own.
        const headers = c.who === 'admin' && p.path === 'auth.logout' ? { cookie: logoutCookie } : c.headers;
        for (const input of fc.sample(arb, { numRuns: runs, seed: SEED + jobs.length })) jobs.push({ ...c, headers, path: p.path, type: p.type, input });
      }
    }
    const stop = deadline();
    let sent = 0;
    await pool(jobs, 8, async (j) => {
      if (Date.now() > stop) return;
      // Subscriptions over HTTP are refused by the adapter; over ws they are fuzzed below.
      const type = j.type === 'subscription' ? 'query' : j.type;
      const r = await rawCall(server.url, j.path, type, j.input, j.headers);
      sent++;
      judge(failures, j.who, j.path, JSON.stringify(j.input) ?? 'undefined', r);
    });
    counts.inputs += sent;
    expect(failures, `seed ${SEED}: ${JSON.stringify(failures.slice(0, 5), null, 1)}`).toEqual([]);
    expect(sent).toBeGreaterThan(jobs.length / 4);
  });

  it('answers malformed bodies, deep nesting and wrong content types with 4xx', async () => {
    counts.attackOfTest({ attack: `malformed bodies, deep nesting, wrong content types (${dialect})`, tried: () => sent, result: '4xx for every one' });
    const mutations = PROCEDURES.filter((p) => p.type === 'mutation').map((p) => p.path);
    const bodies = [
      '{',
      '{"a":',
      'null',
      '[]',
      '"x"',
      '\u0000\u0001\u0002',
      '{"__proto__":{"polluted":true}}',
      '{"constructor":{"prototype":{"polluted":true}}}',
      deepJson(5000),
      deepJson(100_000),
      '{"json":' + '1'.repeat(5000) + '}',
      Buffer.from(Array.from({ length: 2048 }, (_, i) => (i * 7919) % 256)).toString('latin1'),
      `{"0":${JSON.stringify({ x: 1 })},"1":null}`,
    ];
    let sent = 0;
    const jobs = mutations.flatMap((path) =>
      bodies.flatMap((rawBody) => [
        { path, rawBody, contentType: 'application/json' },
        { path, rawBody, contentType: 'text/plain' },
      ]),
    );
    await pool(jobs, 8, async (j) => {
      // As in the first test, the admin's logout goes to its own session.
      for (const headers of [{}, { cookie: j.path === 'auth.logout' ? logoutCookie : admin }, { authorization: agent.authorization }] as Array<Record<string, string>>) {
        const r = await rawCall(server.url, j.path, 'mutation', undefined, headers, j);
        sent++;
        judge(failures, JSON.stringify(headers).slice(0, 12), j.path, j.rawBody.slice(0, 80), r);
      }
    });
    // Batches and query strings that are not JSON.
    for (const q of ['input=%7B', 'input=' + encodeURIComponent(deepJson(3000)), 'batch=1&input=' + encodeURIComponent('{"0":1,"99999":2}'), 'input=%ZZ']) {
      const res = await fetch(`${server.url}/trpc/hosts.list,hosts.get,auth.me?${q}`, { headers: { cookie: admin } });
      sent++;
      judge(failures, 'admin', 'batch', q.slice(0, 80), { status: res.status, text: await res.text() });
    }
    counts.inputs += sent;
    expect(failures, JSON.stringify(failures.slice(0, 5), null, 1)).toEqual([]);
    // Nothing polluted: the admin is still the admin, an anonymous caller still nobody.
    expect((await rawCall(server.url, 'auth.me', 'query', undefined, {})).status).toBe(401);
    expect((await rawCall(server.url, 'auth.me', 'query', undefined, { cookie: admin })).status).toBe(200);
  });

  it('stores hostile text in a valid report as plain data, and refuses every malformed report', async () => {
    counts.attackOfTest({ attack: `hostile text in valid reports, and malformed reports (${dialect})`, tried: () => sent, result: 'text stored as plain data; every malformed report refused' });
    const stop = deadline();
    const runs = Math.max(40, Math.round(400 * scale));
    // A valid report whose free-text fields carry hostile strings: stored, read back byte for byte.
    const valid = fc.sample(fc.record({ hostname: nastyString, distro: nastyString, kernel: nastyString }), { numRuns: Math.round(runs / 4), seed: SEED });
    let sent = 0;
    for (const v of valid) {
      if (Date.now() > stop) break;
      const report = sampleReport(agent.agentId, new Date());
      Object.assign(report.sections.device.status === 'ok' ? report.sections.device.data : {}, { hostname: v.hostname });
      if (report.sections.device.status === 'ok') Object.assign(report.sections.device.data.os, { distro: v.distro, kernel: v.kernel });
      const r = await rawCall(server.url, 'agent.report', 'mutation', report, { authorization: agent.authorization });
      sent++;
      judge(failures, 'agent', 'agent.report(valid)', JSON.stringify(v), r);
      if (r.status === 200) {
        const got = await rawCall(server.url, 'hosts.get', 'query', { hostId: agent.hostId }, { cookie: admin });
        const text = got.text;
        expect(got.status, text).toBe(200);
        // What the agent sent, as JSON would carry it (lone surrogates may be replaced, never interpreted).
        const detail = JSON.parse(text) as { result: { data: { hostname: string } } };
        const sentName = v.hostname.length > 256 ? null : v.hostname;
        if (sentName !== null && !/[\uD800-\uDFFF]/.test(sentName)) expect(detail.result.data.hostname).toBe(sentName);
      }
    }
    // Malformed: one field of a valid report replaced by a hostile value, at a random depth.
    const paths: string[][] = [
      ['schema'],
      ['reportId'],
      ['agentId'],
      ['collectedAt'],
      ['sections'],
      ['sections', 'device'],
      ['sections', 'device', 'status'],
      ['sections', 'device', 'hash'],
      ['sections', 'device', 'data'],
      ['sections', 'device', 'data', 'interfaces'],
      ['sections', 'device', 'data', 'disks'],
      ['sections', 'ports', 'status'],
      ['sections', 'patches', 'reason'],
      ['sections', 'device', 'data', 'memory', 'totalBytes'],
    ];
    const broken = fc.sample(fc.tuple(fc.constantFrom(...paths), nastyValue), { numRuns: runs, seed: SEED + 1 });
    await pool(broken, 6, async ([path, value]) => {
      if (Date.now() > stop) return;
      const report = sampleReport(agent.agentId, new Date()) as unknown as Record<string, unknown>;
      let at = report;
      for (const k of path.slice(0, -1)) at = at[k] as Record<string, unknown>;
      at[path.at(-1)!] = value;
      const r = await rawCall(server.url, 'agent.report', 'mutation', report, { authorization: agent.authorization });
      sent++;
      judge(failures, 'agent', `agent.report(${path.join('.')})`, JSON.stringify(value)?.slice(0, 200) ?? 'undefined', r);
      // A hostile value where a valid one belongs is refused, unless it happens to be valid there.
      if (r.status === 200) {
        const check = JSON.parse(JSON.stringify(report)) as Record<string, unknown>;
        expect(typeof check.reportId, JSON.stringify(value)).toBe('string');
      }
    });
    // Oversized lists, each just over its bound: refused, not truncated.
    for (const [field, n] of [
      ['interfaces', 129],
      ['disks', 257],
      ['filesystems', 257],
    ] as const) {
      const report = sampleReport(agent.agentId, new Date());
      if (report.sections.device.status !== 'ok') throw new Error('sample device');
      const item =
        field === 'interfaces'
          ? { name: 'eth', mac: null, addresses: [] }
          : field === 'disks'
            ? { name: 'sda', type: null, sizeBytes: 1 }
            : { mount: '/', fs: '/dev/sda', type: 'ext4', sizeBytes: 1, usedBytes: 0 };
      (report.sections.device.data as unknown as Record<string, unknown>)[field] = Array.from({ length: n }, () => item);
      const r = await rawCall(server.url, 'agent.report', 'mutation', report, { authorization: agent.authorization });
      sent++;
      expect(r.status, r.text).toBe(400);
    }
    // Another agent's credentials cannot write this agent's reports, whatever the body.
    const r = await rawCall(server.url, 'agent.report', 'mutation', sampleReport(agent.agentId, new Date()), { authorization: other.authorization });
    sent++;
    expect(r.status).toBe(403);
    counts.inputs += sent;
    expect(failures, `seed ${SEED}: ${JSON.stringify(failures.slice(0, 5), null, 1)}`).toEqual([]);
  });

  it('answers hostile subscription messages over WebSocket without crashing', async () => {
    counts.attackOfTest({ attack: `hostile subscription messages over WebSocket, anonymous and as admin (${dialect})`, tried: () => frames.length * 2, result: 'no 5xx, no leak, no crash' });
    const subs = PROCEDURES.filter((p) => p.type === 'subscription');
    expect(subs.length).toBeGreaterThan(0);
    const frames: string[] = [];
    for (const p of subs)
      for (const input of fc.sample(fc.oneof(shaped(p.schema), nastyValue), { numRuns: Math.round(20 * scale) + 2, seed: SEED + 2 }))
        frames.push(JSON.stringify({ id: frames.length + 1, method: 'subscription', params: { path: p.path, input } }));
    frames.push(
      '{',
      'null',
      '[]',
      '{"id":null,"method":"query"}',
      '{"id":1,"method":"nope"}',
      JSON.stringify({ id: 'x', method: 'query', params: { path: '__proto__.constructor', input: {} } }),
      JSON.stringify({ id: 'y', method: 'mutation', params: { path: 'users.delete', input: { userId: "' OR 1=1 --" } } }),
    );
    for (const headers of [{}, { cookie: admin }]) {
      const ws = new WebSocket(`${server.url.replace(/^http/, 'ws')}/trpc`, { headers });
      const answers: string[] = [];
      ws.on('message', (d) => answers.push(d.toString()));
      await new Promise<void>((resolve, reject) => {
        ws.once('open', () => resolve());
        ws.once('error', reject);
      });
      for (const f of frames) if (f.length < 60_000) ws.send(f);
      const closed = new Promise<void>((r) => ws.once('close', () => r()));
      await new Promise((r) => setTimeout(r, 500));
      ws.close();
      await closed;
      counts.inputs += frames.length;
      for (const a of answers) {
        const leak = leakIn(a);
        expect(leak, a).toBeNull();
        const m = JSON.parse(a) as { error?: { data?: { httpStatus?: number } } };
        if (m.error) expect(m.error.data?.httpStatus ?? 400, a).toBeLessThan(500);
      }
    }
  });

  it('is still healthy, logged no internal errors, and its admin is still only the admin', async () => {
    counts.attackOfTest({ attack: `after the fuzzing: the server's health, its log, its admin (${dialect})`, tried: 1, result: 'healthy, no internal error logged, no user made admin' });
    const h = await fetch(`${server.url}/healthz`);
    expect(h.status).toBe(200);
    expect(
      server
        .log()
        .split('\n')
        .filter((l) => l.includes('ERROR'))
        .map((l) => l.slice(0, 400))
        .join('\n'),
    ).toBe('');
    const users = await rawCall(server.url, 'users.list', 'query', undefined, { cookie: admin });
    expect(users.status).toBe(200);
    expect(JSON.stringify(JSON.parse(users.text))).not.toContain('"isAdmin"');
  });
});
