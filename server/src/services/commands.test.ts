import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appRouter } from '../routers/_app.js';
import { createTestDb, DIALECTS, enrollHost, sampleReport, type TestDb } from '../testing/harness.js';
import type { Context } from '../trpc/context.js';
import { createCallerFactory } from '../trpc/init.js';
import { login } from './auth.js';
import { createUser } from './users.js';

const factory = createCallerFactory(appRouter);
const base = (t: TestDb): Omit<Context, 'principal' | 'agentCredentials'> => ({ deps: t.deps, sessionToken: null, remoteAddress: '127.0.0.1', bodyBytes: 0, setSessionCookie: () => {} });

describe.each(DIALECTS)('agent settings and commands (%s)', (dialect) => {
  let t: TestDb;
  beforeAll(async () => {
    t = await createTestDb(dialect);
  });
  afterAll(() => t.close());

  it('stores settings per agent, pushes them over the command stream, and every later ack carries them', async () => {
    const agent = await enrollHost(t.deps, { institution: 'A', region: '330106' });
    await createUser(t.deps, 'cli', { username: 'it-a', role: 'institution', scopeCode: 'A', password: 'Inst-A-Pass-123' });
    const principal = (await login(t.deps, { username: 'it-a', password: 'Inst-A-Pass-123' }, '127.0.0.1')).principal;
    const user = factory({ ...base(t), principal, agentCredentials: null });
    const ac = new AbortController();
    const agentCaller = factory({ ...base(t), principal: null, agentCredentials: { id: agent.id, secret: agent.secret } }, { signal: ac.signal });

    const received: unknown[] = [];
    const stream = await agentCaller.agent.commands();
    const reading = (async () => {
      for await (const c of stream as AsyncIterable<unknown>) received.push(c);
    })();
    await new Promise((r) => setTimeout(r, 20));

    const settings = { collectIntervalMinutes: 5, heartbeatSeconds: 30 };
    await user.agents.configure({ agentId: agent.id, settings });
    await user.agents.collectNow({ agentId: agent.id });
    await new Promise((r) => setTimeout(r, 20));
    expect(received).toMatchObject([{ type: 'settings', settings }, { type: 'collect' }]);

    const ack = await agentCaller.agent.report(sampleReport(agent.id, t.clock.now));
    expect(ack.settings).toEqual(settings);
    const hb = await agentCaller.agent.heartbeat({ sentAt: t.clock.now.toISOString(), agentVersion: 'test' });
    expect(hb.settings).toEqual(settings);
    ac.abort();
    await reading.catch(() => {});
  });

  it("ends a revoked agent's open command stream, and it cannot open another", async () => {
    const agent = await enrollHost(t.deps, { institution: 'A', region: '330106', hostname: 'to-revoke' });
    const adminPrincipal = { userId: 'x', username: 'x', displayName: 'x', role: 'admin' as const, scopeCode: null, scope: { kind: 'all' as const }, regionCode: null, institutionCode: null };
    const admin = factory({ ...base(t), principal: adminPrincipal, agentCredentials: null });
    const agentCaller = factory({ ...base(t), principal: null, agentCredentials: { id: agent.id, secret: agent.secret } });
    const received: unknown[] = [];
    const stream = await agentCaller.agent.commands();
    const reading = (async () => {
      for await (const c of stream as AsyncIterable<unknown>) received.push(c);
      return 'ended';
    })();
    await new Promise((r) => setTimeout(r, 20));
    await admin.agents.collectNow({ agentId: agent.id });
    await admin.agents.revoke({ agentId: agent.id, reason: 'decommissioned' });
    // The stream ends by itself (no abort from the agent), after what was sent before the revocation.
    expect(await Promise.race([reading, new Promise((r) => setTimeout(() => r('still open'), 2000))])).toBe('ended');
    expect(received).toMatchObject([{ type: 'collect' }]);
    // Commands for it go nowhere now, and it can no longer subscribe.
    await admin.agents.collectNow({ agentId: agent.id }).catch(() => {});
    await expect(agentCaller.agent.commands()).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
  });

  it('queues commands for an agent without a socket and hands them over with its next heartbeat', async () => {
    const agent = await enrollHost(t.deps, { institution: 'A', region: '330106', hostname: 'offline' });
    const adminPrincipal = { userId: 'x', username: 'x', displayName: 'x', role: 'admin' as const, scopeCode: null, scope: { kind: 'all' as const }, regionCode: null, institutionCode: null };
    const admin = factory({ ...base(t), principal: adminPrincipal, agentCredentials: null });
    await admin.agents.collectNow({ agentId: agent.id });
    await new Promise((r) => setTimeout(r, 10));
    const agentCaller = factory({ ...base(t), principal: null, agentCredentials: { id: agent.id, secret: agent.secret } });
    const hb = await agentCaller.agent.heartbeat({ sentAt: t.clock.now.toISOString(), agentVersion: 'test' });
    expect(hb.commands).toMatchObject([{ type: 'collect' }]);
    expect((await agentCaller.agent.heartbeat({ sentAt: t.clock.now.toISOString(), agentVersion: 'test' })).commands).toEqual([]);
  });
});

describe.each(DIALECTS)('agent secret rotation (%s)', (dialect) => {
  let t: TestDb;
  beforeAll(async () => {
    t = await createTestDb(dialect);
  });
  afterAll(() => t.close());

  it('keeps the old secret valid until the new one is used, then only the new one works', async () => {
    const agent = await enrollHost(t.deps, { institution: 'A', region: '330106' });
    const as = (secret: string) => factory({ ...base(t), principal: null, agentCredentials: { id: agent.id, secret } });
    const hb = (secret: string) => as(secret).agent.heartbeat({ sentAt: t.clock.now.toISOString(), agentVersion: 'test' });
    const { secret: next } = await as(agent.secret).agent.rotateSecret();
    expect(next).not.toBe(agent.secret);
    // The agent may die before saving the new secret: the old one still works…
    await expect(hb(agent.secret)).resolves.toBeDefined();
    // …until the new one is used once.
    await expect(hb(next)).resolves.toBeDefined();
    await expect(hb(agent.secret)).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    await expect(hb(next)).resolves.toBeDefined();
  });
});
