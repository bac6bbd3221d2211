import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestDb, DIALECTS, enrollHost, sampleReport, type TestDb } from '../testing/harness.js';
import { listAgentsInScope } from './directory.js';
import { recordHeartbeat } from './heartbeat.js';
import { listHostSummaries } from './hosts.js';
import { ingestReport } from './ingest.js';

const ALL = { kind: 'all' } as const;

// The hosts view and the agents view answer "when was it last seen" from one definition.
describe.each(DIALECTS)('last seen (%s)', (dialect) => {
  let t: TestDb;
  beforeEach(async () => {
    t = await createTestDb(dialect);
  });
  afterEach(() => t.close());

  const both = async () => {
    const host = (await listHostSummaries(t.deps, ALL, { limit: 10, offset: 0 })).items[0]!;
    const agent = (await listAgentsInScope(t.deps, ALL))[0]!;
    return { host: host.lastSeenAt, agent: agent.lastSeenAt, enrolled: agent.enrolledAt };
  };

  it('is the last report or heartbeat, the same in the hosts and agents lists', async () => {
    const a = await enrollHost(t.deps, { institution: 'A', region: '330106', hostname: 'his-01' });
    const enrolled = t.clock.now.toISOString();
    expect(await both()).toEqual({ host: enrolled, agent: enrolled, enrolled });

    // Ninety days later the agent reports (reports alone, no heartbeat).
    t.clock.advance(90 * 86_400_000);
    await ingestReport(t.deps, a, sampleReport(a.id, t.clock.now, {}, 'his-01'), 1000);
    const reported = t.clock.now.toISOString();
    expect(await both()).toEqual({ host: reported, agent: reported, enrolled });

    t.clock.advance(60_000);
    await recordHeartbeat(t.deps, a, { sentAt: t.clock.now.toISOString(), agentVersion: 'test' });
    const beat = t.clock.now.toISOString();
    expect(await both()).toEqual({ host: beat, agent: beat, enrolled });
  });
});
