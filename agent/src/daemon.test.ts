import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Report } from '@weian/shared';
import type { AgentClient } from './client.js';
import { localConfig } from './config.js';
import { startDaemon } from './daemon.js';
import { loadState, saveState } from './state.js';
import { agentPaths, outboxFor } from './sync.js';
import { TrpcError } from './trpc-wire.js';

const report = (): Report => ({ schema: 1, reportId: randomUUID(), agentId: 'ag', agentVersion: '0', collectedAt: new Date().toISOString(), sections: {} }) as unknown as Report;

describe('daemon', () => {
  afterEach(() => vi.useRealTimers());

  it('stops at once when told to during a send that then fails, instead of waiting out the retry backoff', async () => {
    // No timer ever fires: anything that waits on one (a backoff, the schedule) would never end.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval'] });
    const config = localConfig();
    const paths = agentPaths(join(mkdtempSync(join(tmpdir(), 'weian-daemon-')), 'agent.json'), config);
    await outboxFor(paths, config).enqueue(report());
    let failSend!: (e: Error) => void;
    let sending!: () => void;
    const sent = new Promise<void>((r) => (sending = r));
    const client = {
      report: () => new Promise((_, reject) => ((failSend = reject), sending())),
      heartbeat: async () => ({ serverTime: new Date().toISOString(), settings: config.settings }),
      commands: () => () => undefined,
    } as unknown as AgentClient;
    const lines: string[] = [];
    const daemon = startDaemon({ config, paths, client, collect: async () => ({ report: report(), cpuSeconds: null }), log: (l) => lines.push(l), commands: false, random: () => 0.5 });
    await sent; // the queued report is on its way
    daemon.stop();
    failSend(new TrpcError('could not reach 127.0.0.1:1 (ECONNREFUSED)', 'NETWORK', null, 'ECONNREFUSED'));
    expect(await daemon.done).toEqual({ revoked: null });
    expect((await outboxFor(paths, config).list()).length).toBe(1); // still queued for the next run
  });

  it('reports how it was installed with every heartbeat and a kept upgrade outcome with the next, forgets the outcome once sent, and pins the server key on first use only', async () => {
    const config = localConfig();
    const paths = agentPaths(join(mkdtempSync(join(tmpdir(), 'weian-daemon-')), 'agent.json'), config);
    const outcome = { id: 'cmd-1', status: 'failed' as const, fromVersion: '0.1.0', toVersion: '0.2.0', reason: '校验和不符', at: '2026-12-06T10:00:00.000Z' };
    await saveState(paths.state, { ...(await loadState(paths.state)), upgrade: outcome });
    const first = 'A'.repeat(59) + '=';
    const keys = [first, 'B'.repeat(59) + '='];
    const sent: unknown[] = [];
    let beats!: () => void;
    const twice = new Promise<void>((r) => (beats = r));
    const client = {
      report: async () => new Promise(() => {}),
      heartbeat: async (input: unknown) => {
        sent.push(input);
        if (sent.length === 2) beats();
        return { serverTime: new Date().toISOString(), settings: config.settings, serverKey: keys[sent.length - 1] };
      },
      commands: () => () => undefined,
    } as unknown as AgentClient;
    const reported: unknown[] = [];
    // How it was installed goes with every heartbeat: the server upgrades by it.
    const install = { kind: 'deb' as const, arch: 'arm64', flavour: null };
    const daemon = startDaemon({
      config,
      paths,
      client,
      collect: () => new Promise(() => {}),
      log: () => {},
      commands: false,
      heartbeatMs: 5,
      intervalMs: 3_600_000,
      upgradeReported: async (o) => void reported.push(o),
      install: async () => install,
    });
    await twice;
    daemon.stop();
    await daemon.done;
    expect(sent[0]).toMatchObject({ upgrade: outcome, install });
    expect(sent[1]).not.toHaveProperty('upgrade');
    expect(sent[1]).toMatchObject({ install });
    expect(reported).toEqual([outcome]);
    expect((await loadState(paths.state)).upgrade).toBeUndefined();
    // The first key heard is kept; a different one later does not replace it.
    await new Promise((r) => setTimeout(r, 50));
    expect(JSON.parse(readFileSync(paths.config, 'utf8')).serverKey).toBe(first);
    expect(config.serverKey).toBe(first);
  });
});
