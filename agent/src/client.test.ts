import { AGENT_AUTH_SCHEME as SHARED_SCHEME } from '@weian/shared';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { AGENT_AUTH_SCHEME, AgentClient } from './client.js';

describe('client', () => {
  it('spells the auth scheme as the wire contract does', () => {
    expect(AGENT_AUTH_SCHEME).toBe(SHARED_SCHEME);
  });

  it('reads a heartbeat answer by the shared contract, skipping a command it cannot read and keeping the rest', async () => {
    const answer = {
      serverTime: '2026-12-06T10:00:00.000Z',
      settings: { collectIntervalMinutes: 5, heartbeatSeconds: 30 },
      commands: [
        { type: 'collect', id: 'c1' },
        { type: 'reboot-the-world', id: 'c2' },
        { type: 'settings', id: 'c3', settings: { collectIntervalMinutes: 0, heartbeatSeconds: 30 } },
      ],
    };
    // A server on loopback that answers every call with the next of these.
    const answers = [answer, { ...answer, settings: { collectIntervalMinutes: 0, heartbeatSeconds: 30 } }];
    const server = createServer((req, res) => {
      req.resume();
      req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ result: { data: answers.shift() } })));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const client = new AgentClient({ server: url, credentials: { agentId: 'a', secret: 's' } });
    const ack = await client.heartbeat({ sentAt: '2026-12-06T10:00:00.000Z', agentVersion: '0.1.0' });
    expect(ack.settings).toEqual(answer.settings);
    expect(ack.commands).toEqual([{ type: 'collect', id: 'c1' }]);
    expect(ack.skipped!.map((s) => JSON.parse(s).id)).toEqual(['c2', 'c3']);
    // Settings out of bounds in the ack itself are not taken.
    await expect(client.heartbeat({ sentAt: '2026-12-06T10:00:00.000Z', agentVersion: '0.1.0' })).rejects.toThrow(/collectIntervalMinutes/);
    server.close();
  });
});
