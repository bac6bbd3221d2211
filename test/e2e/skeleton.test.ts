import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentClient } from '@weian/agent/client';
import { collectReport } from '@weian/agent/collect';
import { liveRunner } from '@weian/agent/runner';
import { LIMITS, Report } from '@weian/shared';
import { lastLine, runCli, signedInClient, startServerProcess, waitFor, type ServerProcess } from '../helpers/index.js';

// The walking skeleton, with every part real: server process, SQLite file, CLI, agent process, tRPC client.
describe('agent → server → storage → query, end to end', () => {
  let server: ServerProcess;
  let configPath: string;
  let api: Awaited<ReturnType<typeof signedInClient>>;
  let hostId: string;

  beforeAll(async () => {
    server = await startServerProcess();
    api = await signedInClient(server.url);
    configPath = join(server.dataDir, 'agent', 'agent.json');
  });
  afterAll(async () => {
    api?.close();
    await server?.cleanup();
  });

  it('creates a token with the real CLI, enrolls the real agent and sends a report', async () => {
    const tok = await runCli('server', ['token', 'create', '--institution', 'ZJ-XH-001', '--name', '杭州市西湖区人民医院', '--region', '330106'], { env: server.env });
    expect(tok.code, tok.stderr).toBe(0);
    const token = lastLine(tok.stdout);
    expect(token).toMatch(/^wa_[A-Za-z0-9_-]{20,}$/);

    const enroll = await runCli('agent', ['enroll', '--server', server.url, '--token', token, '--config', configPath]);
    expect(enroll.code, enroll.stderr).toBe(0);
    const config = JSON.parse(readFileSync(configPath, 'utf8')) as { agentId: string; secret: string; hostId: string };
    expect(config.agentId).toMatch(/^ag_/);
    hostId = config.hostId;

    const reused = await runCli('agent', ['enroll', '--server', server.url, '--token', token, '--config', join(server.dataDir, 'other.json')]);
    expect(reused.code).toBe(1);
    expect(reused.stderr).toMatch(/token is unknown, used up or expired/);

    const once = await runCli('agent', ['once', '--config', configPath]);
    expect(once.code, once.stderr).toBe(0);

    const hosts = await api.client.hosts.list.query();
    expect(hosts.items.map((h) => h.id)).toContain(hostId);
    const detail = await api.client.hosts.get.query({ hostId });
    expect(detail.hostname).toBe(hostname());
    expect(detail.institutionName).toBe('杭州市西湖区人民医院');
    expect(detail.sections.device.status).toBe('ok');
    expect(detail.sections.ports.status).toBe('ok');
    const reports = await api.client.hosts.reports.query({ hostId });
    expect(reports).toHaveLength(1);
  });

  it('pushes a live event when the host reports again', async () => {
    const events: Array<{ hostId: string; reason: string }> = [];
    const sub = api.client.hosts.live.subscribe(undefined, { onData: (e) => events.push(e) });
    try {
      // Give the ws subscription time to be established before causing the event.
      await new Promise((r) => setTimeout(r, 500));
      const once = await runCli('agent', ['once', '--config', configPath]);
      expect(once.code, once.stderr).toBe(0);
      await waitFor(() => events.find((e) => e.hostId === hostId && e.reason === 'report'), { what: 'hosts.live event' });
    } finally {
      sub.unsubscribe();
    }
  });

  it('keeps everything across a server restart', async () => {
    await server.stop();
    await server.restart();
    const detail = await api.client.hosts.get.query({ hostId });
    expect(detail.sections.device.status).toBe('ok');
    expect(await api.client.hosts.reports.query({ hostId })).toHaveLength(2);
  });

  it('stores the same report once and answers it the same', async () => {
    const config = JSON.parse(readFileSync(configPath, 'utf8'));
    const agent = new AgentClient({ server: server.url, credentials: { agentId: config.agentId, secret: config.secret } });
    const report = await collectReport({ runner: liveRunner(), config });
    const first = await agent.report(report);
    const second = await agent.report(report);
    expect(second).toEqual(first);
    expect(await api.client.hosts.reports.query({ hostId })).toHaveLength(3);
  });

  it('rotates the agent secret with the real CLI: the new one works, the old one is refused', async () => {
    const before = JSON.parse(readFileSync(configPath, 'utf8')) as { agentId: string; secret: string };
    const rotate = await runCli('agent', ['rotate-secret', '--config', configPath]);
    expect(rotate.code, rotate.stderr).toBe(0);
    const after = JSON.parse(readFileSync(configPath, 'utf8')) as { agentId: string; secret: string };
    expect(after.secret).not.toBe(before.secret);
    const once = await runCli('agent', ['once', '--config', configPath]);
    expect(once.code, once.stderr).toBe(0);
    const old = await fetch(`${server.url}/trpc/agent.heartbeat`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Agent ${before.agentId}:${before.secret}` },
      body: JSON.stringify({ sentAt: new Date().toISOString(), agentVersion: 'test' }),
    });
    expect(old.status).toBe(401);
  });

  describe('bad input is refused with a clear error and stores nothing', () => {
    const send = (body: string, headers: Record<string, string>) =>
      fetch(`${server.url}/trpc/agent.report`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body }).then(async (r) => ({
        status: r.status,
        body: (await r.json()) as { error: { message: string; data: { code: string } } },
      }));
    let auth: Record<string, string>;
    let valid: Report;
    beforeAll(async () => {
      const config = JSON.parse(readFileSync(configPath, 'utf8'));
      auth = { authorization: `Agent ${config.agentId}:${config.secret}` };
      valid = await collectReport({ runner: liveRunner(), config });
    });
    const stored = () => api.client.hosts.reports.query({ hostId }).then((r) => r.length);

    it('an unknown schema version', async () => {
      const before = await stored();
      const r = await send(JSON.stringify({ ...valid, schema: 2 }), auth);
      expect(r.status).toBe(400);
      expect(r.body.error.data.code).toBe('BAD_REQUEST');
      expect(r.body.error.message).toMatch(/unsupported report schema version 2/);
      expect(await stored()).toBe(before);
    });
    it('a wrong secret, and no credentials', async () => {
      const before = await stored();
      const wrong = await send(JSON.stringify(valid), { authorization: `Agent ${valid.agentId}:not-the-secret` });
      expect(wrong.status).toBe(401);
      expect(wrong.body.error.data.code).toBe('UNAUTHORIZED');
      const none = await send(JSON.stringify(valid), {});
      expect(none.status).toBe(401);
      expect(await stored()).toBe(before);
    });
    it('a malformed body', async () => {
      const r = await send('{"schema":1, "reportId": ', auth);
      expect(r.status).toBe(400);
      const wrongType = await send(JSON.stringify({ ...valid, sections: { ...valid.sections, ports: { status: 'ok', hash: 'x', data: { listeners: 'many' } } } }), auth);
      expect(wrongType.status).toBe(400);
      expect(wrongType.body.error.message).toMatch(/sections\.ports/);
    });
    it('a body over the size bound', async () => {
      const before = await stored();
      const huge = JSON.stringify({ ...valid, padding: 'x'.repeat(LIMITS.bodyBytes + 10) });
      const r = await send(huge, auth);
      expect(r.status).toBe(413);
      expect(r.body.error.data.code).toBe('PAYLOAD_TOO_LARGE');
      expect(await stored()).toBe(before);
    });
    it('a list over its bound is rejected, not truncated', async () => {
      const listener = { protocol: 'tcp', address: '0.0.0.0', port: 1, pid: null, process: null, bind: 'wildcard', publicExposure: false, service: null, category: null };
      const many = { status: 'ok', hash: 'a'.repeat(64), data: { listeners: Array.from({ length: LIMITS.ports + 1 }, () => listener) } };
      const r = await send(JSON.stringify({ ...valid, reportId: crypto.randomUUID(), sections: { ...valid.sections, ports: many } }), auth);
      expect(r.status).toBe(400);
    });
  });
});
