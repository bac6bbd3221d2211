import { join } from 'node:path';
import { AgentClient, collectReport, localConfig, replayRunner } from '@weian/agent';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lastLine, REPO, runCli, signedInClient, startServerProcess, waitFor, type ServerProcess } from '../helpers/index.js';
import { createPgDatabase } from '../helpers/pg.js';

interface HostChanged {
  hostId: string;
  reason: string;
}

// Province scale: two real server processes share one PostgreSQL; live events cross between them.
describe('two server processes on one PostgreSQL', () => {
  let db: Awaited<ReturnType<typeof createPgDatabase>>;
  let a: ServerProcess;
  let b: ServerProcess;
  beforeAll(async () => {
    db = await createPgDatabase();
    // One after the other: the first creates the schema and the admin, the second finds them.
    a = await startServerProcess({ env: { DATABASE_URL: db.url } });
    b = await startServerProcess({ env: { DATABASE_URL: db.url } });
  });
  afterAll(async () => {
    await a?.cleanup();
    await b?.cleanup();
    await db?.drop();
  });

  /** A signed-in dashboard's `hosts.live` subscription on one server, recording what it is pushed. */
  async function subscribe(server: ServerProcess) {
    const { client, close } = await signedInClient(server.url);
    const seen: HostChanged[] = [];
    let started!: () => void;
    const ready = new Promise<void>((r) => (started = r));
    const sub = client.hosts.live.subscribe(undefined, { onStarted: () => started(), onData: (e) => void seen.push(e as HostChanged), onError: (e) => console.error(e) });
    await ready;
    return { seen, stop: () => (sub.unsubscribe(), close()) };
  }

  it('a report ingested on one process reaches hosts.live subscribers on both, once each', async () => {
    const onA = await subscribe(a);
    const onB = await subscribe(b);
    try {
      const token = await runCli('server', ['token', 'create', '--institution', 'ZJ-MP-001', '--name', '多进程医院', '--region', '330106'], { env: a.env });
      expect(token.code, token.stderr).toBe(0);
      // The real agent client and collectors (on a recorded capture), enrolled and reporting through server A only.
      const enrolled = await new AgentClient({ server: a.url }).enroll({ token: lastLine(token.stdout), hostname: 'his-db-01', machineId: null, agentVersion: 'e2e' });
      const agent = new AgentClient({ server: a.url, credentials: { agentId: enrolled.agentId, secret: enrolled.secret } });
      const report = await collectReport({ runner: await replayRunner(join(REPO, 'agent/fixtures/centos7')), config: localConfig({ agentId: enrolled.agentId }) });
      const ack = await agent.report(report);
      expect(ack.hostId).toBe(enrolled.hostId);

      const reported = (s: { seen: HostChanged[] }) => s.seen.filter((e) => e.hostId === enrolled.hostId && e.reason === 'report');
      await waitFor(() => reported(onB).length > 0, { what: 'the report event on server B' });
      await waitFor(() => reported(onA).length > 0, { what: 'the report event on server A' });
      // Server A must not hear its own event back from PostgreSQL.
      await new Promise((r) => setTimeout(r, 500));
      expect(reported(onA)).toHaveLength(1);
      expect(reported(onB)).toHaveLength(1);

      // And the other way: B's host list shows what A stored.
      const { client, close } = await signedInClient(b.url);
      try {
        const host = await client.hosts.get.query({ hostId: enrolled.hostId });
        // The hostname follows the reported device section (the capture's host).
        expect(host).toMatchObject({ id: enrolled.hostId, hostname: 'his-db01', lastReportAt: report.collectedAt });
      } finally {
        close();
      }
    } finally {
      onA.stop();
      onB.stop();
    }
  });
});
