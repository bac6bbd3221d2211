import { AGENT_AUTH_SCHEME as SHARED_SCHEME } from '@weian/shared';
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
    const fetch = (async () => new Response(JSON.stringify({ result: { data: answer } }), { status: 200 })) as typeof globalThis.fetch;
    const client = new AgentClient({ server: 'http://127.0.0.1:1', credentials: { agentId: 'a', secret: 's' }, fetch });
    const ack = await client.heartbeat({ sentAt: '2026-12-06T10:00:00.000Z', agentVersion: '0.1.0' });
    expect(ack.settings).toEqual(answer.settings);
    expect(ack.commands).toEqual([{ type: 'collect', id: 'c1' }]);
    expect(ack.skipped!.map((s) => JSON.parse(s).id)).toEqual(['c2', 'c3']);
    // Settings out of bounds in the ack itself are not taken.
    const bad = (async () =>
      new Response(JSON.stringify({ result: { data: { ...answer, settings: { collectIntervalMinutes: 0, heartbeatSeconds: 30 } } } }), { status: 200 })) as typeof globalThis.fetch;
    await expect(new AgentClient({ server: 'http://127.0.0.1:1', fetch: bad }).heartbeat({ sentAt: '2026-12-06T10:00:00.000Z', agentVersion: '0.1.0' })).rejects.toThrow(/collectIntervalMinutes/);
  });
});
