import { AgentClient } from '@weian/agent';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampleReport } from '../../server/src/testing/harness.js';
import { openDb } from '../../server/src/storage/db.js';
import { revokeAgent } from '../../server/src/storage/agents.js';
import { lastLine, runCli, signedInClient, startServerProcess, type ServerProcess } from '../helpers/index.js';
import { createPgDatabase, pgQuery } from '../helpers/pg.js';

/**
 * Each server process caches the agent credentials it verified (server/src/services/agentAuth.ts).
 * Two real processes on one database: what one of them (or the database itself) changes about a
 * credential holds on the other at its very next request, whether or not it heard of the change.
 */
describe.each(['sqlite', 'postgres'] as const)('cached agent credentials across two server processes on %s', (dialect) => {
  let pg: Awaited<ReturnType<typeof createPgDatabase>> | undefined;
  let a: ServerProcess;
  let b: ServerProcess;
  beforeAll(async () => {
    pg = dialect === 'postgres' ? await createPgDatabase() : undefined;
    const env: Record<string, string> = pg ? { DATABASE_URL: pg.url } : {};
    // One after the other: the first creates the schema and the admin. On SQLite both open the same file.
    a = await startServerProcess({ env });
    b = await startServerProcess({ env, ...(pg ? {} : { dataDir: a.dataDir }) });
  });
  afterAll(async () => {
    await b?.cleanup();
    await a?.cleanup();
    await pg?.drop();
  });

  /** Straight in the database, as another tool would: no process hears of it. */
  async function inDatabase<T>(fn: (db: ReturnType<typeof openDb>['db']) => Promise<T>): Promise<T> {
    const handle = openDb({ databaseUrl: pg?.url, dataDir: a.dataDir });
    try {
      return await fn(handle.db);
    } finally {
      await handle.close();
    }
  }
  const receipts = async (agentId: string) =>
    Number(
      (
        await inDatabase((db) =>
          db
            .selectFrom('report_receipts')
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .where('agent_id', '=', agentId)
            .executeTakeFirstOrThrow(),
        )
      ).n,
    );

  let seq = 0;
  let token: string | undefined;
  /** An enrolled agent, and a client for it on each process. */
  async function enroll() {
    if (!token) {
      const made = await runCli('server', ['token', 'create', '--institution', `ZJ-CC-${dialect}`, '--name', '缓存测试医院', '--region', '330106', '--uses', '10'], { env: a.env });
      expect(made.code, made.stderr).toBe(0);
      token = lastLine(made.stdout);
    }
    const e = await new AgentClient({ server: a.url }).enroll({ token, hostname: `cc-${++seq}`, machineId: null, agentVersion: 'e2e' });
    const on = (server: ServerProcess, secret = e.secret) => new AgentClient({ server: server.url, credentials: { agentId: e.agentId, secret } });
    return { id: e.agentId, secret: e.secret, on };
  }
  const report = (c: AgentClient, agentId: string) => c.report(sampleReport(agentId, new Date()));
  const heartbeat = (c: AgentClient) => c.heartbeat({ sentAt: new Date().toISOString(), agentVersion: 'e2e' });

  it('a revoked agent is refused at its next report and heartbeat to the other process, whether revoked there or in the database', async () => {
    const [x, y] = [await enroll(), await enroll()];
    // Both processes verify and cache both agents.
    for (const agent of [x, y]) {
      for (const server of [a, b]) {
        await report(agent.on(server), agent.id);
        await heartbeat(agent.on(server));
      }
    }
    const stored = await receipts(x.id);
    expect(stored).toBe(2);

    const { client, close } = await signedInClient(a.url);
    try {
      await client.agents.revoke.mutate({ agentId: x.id, reason: '主机下线 decommissioned' });
    } finally {
      close();
    }
    await expect(report(x.on(b), x.id)).rejects.toMatchObject({ code: 'UNAUTHORIZED', message: expect.stringMatching(/^agent revoked: 主机下线 decommissioned; enroll it again/) });
    await expect(heartbeat(x.on(b))).rejects.toMatchObject({ code: 'UNAUTHORIZED', message: expect.stringMatching(/^agent revoked/) });
    await expect(report(x.on(a), x.id)).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    expect(await receipts(x.id)).toBe(stored);

    // No process emits anything for this one: only the report's own transaction can see it.
    await inDatabase((db) => revokeAgent(db, y.id, new Date().toISOString(), 'revoked by hand'));
    await expect(report(y.on(b), y.id)).rejects.toMatchObject({ code: 'UNAUTHORIZED', message: expect.stringMatching(/^agent revoked: revoked by hand/) });
    await expect(heartbeat(y.on(a))).rejects.toMatchObject({ code: 'UNAUTHORIZED', message: expect.stringMatching(/^agent revoked: revoked by hand/) });
    await expect(report(y.on(a), y.id)).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
  });

  it('a rotated secret works at once on both processes; once used on one, the old one is refused on the other', async () => {
    const z = await enroll();
    for (const server of [a, b]) await report(z.on(server), z.id);
    const wrong = { code: 'UNAUTHORIZED', message: 'agent credentials are wrong' };
    const { secret: second } = await z.on(a).rotateSecret();
    // Two-phase: the old secret stands until the new one is used.
    await report(z.on(b), z.id);
    // First used on B; A, which asked for it, still holds the old one verified.
    await report(z.on(b, second), z.id);
    await expect(heartbeat(z.on(a))).rejects.toMatchObject(wrong);
    await expect(report(z.on(a), z.id)).rejects.toMatchObject(wrong);
    await report(z.on(a, second), z.id);

    // And the other way round: asked for on B, first used on A, refused on B (which held the second secret verified).
    const { secret: third } = await z.on(b, second).rotateSecret();
    await heartbeat(z.on(a, third));
    await expect(report(z.on(b, second), z.id)).rejects.toMatchObject(wrong);
    await expect(heartbeat(z.on(b, second))).rejects.toMatchObject(wrong);
    await expect(report(z.on(b, third), z.id)).resolves.toMatchObject({ hostId: expect.any(String) });
    const [row] = pg
      ? await pgQuery(pg.url, 'select next_secret_hash from agents where id = $1', [z.id])
      : [await inDatabase((db) => db.selectFrom('agents').select('next_secret_hash').where('id', '=', z.id).executeTakeFirstOrThrow())];
    expect(row).toEqual({ next_secret_hash: null });
  });

  it("an agent's settings changed on one process are in the other's next acknowledgement", async () => {
    const w = await enroll();
    await report(w.on(b), w.id);
    const settings = { collectIntervalMinutes: 45, heartbeatSeconds: 240 };
    const { client, close } = await signedInClient(a.url);
    try {
      await client.agents.configure.mutate({ agentId: w.id, settings });
    } finally {
      close();
    }
    expect((await report(w.on(b), w.id)).settings).toMatchObject(settings);
    expect((await heartbeat(w.on(b))).settings).toMatchObject(settings);
  });
});
