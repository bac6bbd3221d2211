import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AGENT_AUTH_SCHEME, LIMITS } from '@weian/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config.js';
import { createTestDb, enrollHost, sampleReport, type TestDb } from '../testing/harness.js';
import { createHttpStack, type HttpStack } from './server.js';

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One raw HTTP exchange; `chunked` sends the body without a Content-Length, as a streaming client would. */
function send(port: number, path: string, opts: { headers?: Record<string, string>; body?: string | Buffer; chunked?: boolean }): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const body = opts.body === undefined ? undefined : Buffer.from(opts.body);
    const headers: Record<string, string> = { 'content-type': 'application/json', ...opts.headers };
    if (body && !opts.chunked) headers['content-length'] = String(body.length);
    const req = request({ host: '127.0.0.1', port, path, method: 'POST', headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    // The server may answer (and close) before an oversized body is all written.
    req.on('error', (e: NodeJS.ErrnoException) => (e.code === 'EPIPE' || e.code === 'ECONNRESET' ? undefined : reject(e)));
    if (body && opts.chunked) {
      // Several writes, so the server sees the size grow past the limit while reading.
      for (let i = 0; i < body.length; i += 256 * 1024) req.write(body.subarray(i, i + 256 * 1024));
      req.end();
    } else req.end(body);
  });
}

/** What a tRPC client reads: status, the two headers the adapter sets, and the JSON bytes. */
const visible = (a: Answer) => ({ status: a.status, contentType: a.headers['content-type'], vary: a.headers.vary, body: a.body });

describe("agent fast path speaks the tRPC adapter's HTTP format", () => {
  let t: TestDb;
  let fast: HttpStack;
  let standard: HttpStack;
  let fastPort: number;
  let standardPort: number;
  let auth: string;
  let agentId: string;

  const listen = async (stack: HttpStack) => {
    await new Promise<void>((r) => stack.server.listen(0, '127.0.0.1', () => r()));
    return (stack.server.address() as AddressInfo).port;
  };

  beforeAll(async () => {
    t = await createTestDb('sqlite');
    const agent = await enrollHost(t.deps, { institution: 'FP-1', region: '330106' });
    agentId = agent.id;
    auth = `${AGENT_AUTH_SCHEME} ${agent.id}:${agent.secret}`;
    const config = loadConfig({}, { port: 0, host: '127.0.0.1' });
    const log = { info: () => {}, warn: () => {}, error: () => {} };
    fast = createHttpStack(config, t.deps, log);
    standard = createHttpStack(config, t.deps, log, { agentFastPath: false });
    [fastPort, standardPort] = await Promise.all([listen(fast), listen(standard)]);
  });
  afterAll(async () => {
    await fast?.close();
    await standard?.close();
    await t?.close();
  });

  /** The same request to both servers: the fast one answers first, so an idempotent replay answers the same. */
  async function both(path: string, opts: Parameters<typeof send>[2]) {
    const f = await send(fastPort, path, opts);
    const s = await send(standardPort, path, opts);
    return { f, s };
  }

  it('answers a report and a heartbeat the same, and without the adapter', async () => {
    const report = JSON.stringify(sampleReport(agentId, t.clock.now));
    const r = await both('/trpc/agent.report', { headers: { authorization: auth }, body: report });
    expect(r.f.status).toBe(200);
    expect(JSON.parse(r.f.body).result.data.hostId).toBeTruthy();
    expect(visible(r.f)).toEqual(visible(r.s));
    // The fast path knows its length; the adapter streams its answer.
    expect(r.f.headers['content-length']).toBe(String(Buffer.byteLength(r.f.body)));
    expect(r.s.headers['transfer-encoding']).toBe('chunked');

    const hb = await both('/trpc/agent.heartbeat', { headers: { authorization: auth }, body: JSON.stringify({ sentAt: t.clock.now.toISOString(), agentVersion: 'test', outboxDepth: 0 }) });
    expect(hb.f.status).toBe(200);
    expect(visible(hb.f)).toEqual(visible(hb.s));
    expect(hb.f.headers['content-length']).toBeDefined();
  });

  it('answers a validation error the same', async () => {
    const bad = { ...sampleReport(agentId, t.clock.now), schema: 99 };
    const r = await both('/trpc/agent.report', { headers: { authorization: auth }, body: JSON.stringify(bad) });
    expect(r.f.status).toBe(400);
    expect(JSON.parse(r.f.body).error.data.code).toBe('BAD_REQUEST');
    expect(visible(r.f)).toEqual(visible(r.s));
  });

  it('answers missing and wrong credentials the same, before reading the body', async () => {
    const body = JSON.stringify(sampleReport(agentId, t.clock.now));
    const none = await both('/trpc/agent.report', { body });
    expect(none.f.status).toBe(401);
    expect(visible(none.f)).toEqual(visible(none.s));
    const wrong = await both('/trpc/agent.heartbeat', { headers: { authorization: `${AGENT_AUTH_SCHEME} ${agentId}:not-the-secret` }, body: '{}' });
    expect(wrong.f.status).toBe(401);
    expect(visible(wrong.f)).toEqual(visible(wrong.s));
    // Unauthenticated garbage is refused for the credentials, not parsed.
    const garbage = await both('/trpc/agent.report', { body: '{not json' });
    expect(garbage.f.status).toBe(401);
    expect(visible(garbage.f)).toEqual(visible(garbage.s));
  });

  it('refuses an oversized body the same, streamed or declared', async () => {
    const huge = `{"pad":"${'x'.repeat(LIMITS.bodyBytes + 1024)}"}`;
    const streamed = await both('/trpc/agent.report', { headers: { authorization: auth }, body: huge, chunked: true });
    expect(streamed.f.status).toBe(413);
    expect(JSON.parse(streamed.f.body).error.data.code).toBe('PAYLOAD_TOO_LARGE');
    expect(visible(streamed.f)).toEqual(visible(streamed.s));
    const declared = await both('/trpc/agent.report', { headers: { authorization: auth }, body: huge });
    expect(declared.f.status).toBe(413);
    expect(JSON.parse(declared.f.body).error).toMatchObject({ message: `request body over ${LIMITS.bodyBytes} bytes`, data: { code: 'PAYLOAD_TOO_LARGE', httpStatus: 413 } });
    expect(typeof JSON.parse(declared.f.body).error.code).toBe('number');
    expect(visible(declared.f)).toEqual(visible(declared.s));
  });

  it('answers NUL in the input and a refusal by the service the same', async () => {
    const withNul = { ...sampleReport(agentId, t.clock.now), agentVersion: 'evil\u0000' };
    const nul = await both('/trpc/agent.report', { headers: { authorization: auth }, body: JSON.stringify(withNul) });
    expect(nul.f.status).toBe(400);
    expect(JSON.parse(nul.f.body).error.message).toMatch(/NUL/);
    expect(visible(nul.f)).toEqual(visible(nul.s));
    // A report naming another agent: the ingest service refuses it (a DomainError, mapped once for both).
    const foreign = await both('/trpc/agent.report', { headers: { authorization: auth }, body: JSON.stringify(sampleReport('ag_someone_else', t.clock.now)) });
    expect(foreign.f.status).toBe(403);
    expect(JSON.parse(foreign.f.body).error.data.code).toBe('FORBIDDEN');
    expect(visible(foreign.f)).toEqual(visible(foreign.s));
  });

  it('answers malformed JSON the same', async () => {
    const r = await both('/trpc/agent.report', { headers: { authorization: auth }, body: '{"schema":1,' });
    expect(r.f.status).toBe(400);
    expect(visible(r.f)).toEqual(visible(r.s));
  });

  it('leaves batched calls and other procedures to the adapter', async () => {
    const batched = await send(fastPort, '/trpc/agent.heartbeat?batch=1', {
      headers: { authorization: auth },
      body: JSON.stringify({ 0: { sentAt: t.clock.now.toISOString(), agentVersion: 'test', outboxDepth: 0 } }),
    });
    expect(batched.status).toBe(200);
    expect(batched.headers['transfer-encoding']).toBe('chunked');
    expect(JSON.parse(batched.body)[0].result.data.serverTime).toBe(t.clock.now.toISOString());
  });
});
