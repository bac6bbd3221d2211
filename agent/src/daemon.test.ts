import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Report } from '@weian/shared';
import type { AgentClient } from './client.js';
import { localConfig } from './config.js';
import { startDaemon } from './daemon.js';
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
});
