import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampleReport } from '../../server/src/testing/harness.js';
import { lastLine, runCli, signIn, startServerProcess, type ServerProcess } from '../helpers/index.js';
import { tally } from './counts.js';
import { enrollOverHttp, rawCall } from './hostile.js';

/**
 * The low items of issue 18: a report from 1970, a late replay moving "last report" back, an RLO in
 * an export's file name, ids that told unknown from foreign, and a re-enrollment leaving the old
 * agent valid beside the new one.
 */
const counts = tally(import.meta.url);
const PASSWORD = 'Edges-County-Pass-4';
type Data<T> = { result: { data: T } };
const data = <T>(r: { text: string }) => (JSON.parse(r.text) as Data<T>).result.data;

describe('late reports, file names, ids and re-enrollment', () => {
  let server: ServerProcess;
  let admin: string;
  let county: string;
  const report = (who: { authorization: string }, body: unknown) => rawCall(server.url, 'agent.report', 'mutation', body, { authorization: who.authorization });
  const host = async (hostId: string) => data<{ lastReportAt: string | null }>(await rawCall(server.url, 'hosts.get', 'query', { hostId }, { cookie: admin }));

  beforeAll(async () => {
    server = await startServerProcess();
    admin = await signIn(server.url);
    const created = await rawCall(server.url, 'users.create', 'mutation', { username: 'edges-county', role: 'county', scopeCode: '330106', password: PASSWORD }, { cookie: admin });
    expect(created.status, created.text).toBe(200);
    county = await signIn(server.url, { username: 'edges-county', password: PASSWORD });
  });
  afterAll(async () => {
    await server?.cleanup();
    counts.flush();
  });

  it('refuses a report collected in 1970 (older than the documented 30 days), and a late replay never moves "last report" back', async () => {
    const a = await enrollOverHttp(server, { hostname: 'late-host' });
    const now = new Date();
    expect((await report(a, sampleReport(a.agentId, now, {}, 'late-host'))).status).toBe(200);
    const ancient = await report(a, sampleReport(a.agentId, new Date(0), {}, 'late-host'));
    expect(ancient.status, ancient.text).toBe(400);
    expect(ancient.text).toMatch(/older than 30 days/);
    // An outbox draining after an outage: a report from yesterday arrives after today's.
    const late = await report(a, sampleReport(a.agentId, new Date(now.getTime() - 86_400_000), {}, 'late-host'));
    expect(late.status, late.text).toBe(200);
    const last = Date.parse((await host(a.hostId)).lastReportAt!);
    counts.attack({
      attack: 'report collected in 1970, and a late replay after a newer report',
      tried: 2,
      held: (ancient.status === 400 ? 1 : 0) + (last === now.getTime() ? 1 : 0),
      result: '1970 refused (400); last report not moved back',
    });
    expect(last).toBe(now.getTime());
    counts.inputs += 3;
    counts.faults += 2;
  });

  it('strips bidi controls from export file names', async () => {
    const inst = `RLO-${randomUUID().slice(0, 6)}`;
    const tok = await runCli('server', ['token', 'create', '--institution', inst, '--name', '西湖\u202Egnp.exe医院\u2066x\u2069', '--region', '330106'], { env: server.env });
    expect(tok.code, tok.stderr).toBe(0);
    for (const format of ['xlsx', 'pdf']) {
      const r = await fetch(`${server.url}/export/institution.${format}?institution=${inst}`, { headers: { cookie: admin } });
      counts.inputs++;
      const disposition = r.headers.get('content-disposition') ?? '';
      await r.arrayBuffer();
      if (format === 'xlsx') expect(r.status).toBe(200);
      if (r.status !== 200) continue; // a PDF needs Chromium; its name is made the same way
      const name = decodeURIComponent(disposition.split("UTF-8''")[1] ?? '');
      counts.attack({
        attack: `RLO and isolates in an institution name, ${format} export file name`,
        tried: 1,
        held: /[\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/.test(name) ? 0 : 1,
        result: 'bidi controls stripped',
      });
      expect(name).toContain('西湖gnp.exe医院x');
      expect(name).not.toMatch(/[\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/);
    }
    expect(lastLine(tok.stdout)).toMatch(/^wa_/);
  });

  it('answers users.create and alerts.assign alike for unknown and foreign ids, naming no one', async () => {
    // An institution in another county exists; "NOPE-1" does not.
    const foreign = await runCli('server', ['token', 'create', '--institution', 'FOREIGN-EDGE', '--name', '拱墅区医院', '--region', '330105'], { env: server.env });
    expect(foreign.code, foreign.stderr).toBe(0);
    const mk = (scopeCode: string, role = 'institution') =>
      rawCall(server.url, 'users.create', 'mutation', { username: `u-${randomUUID().slice(0, 6)}`, role, scopeCode, password: PASSWORD }, { cookie: county });
    const foreignInst = await mk('FOREIGN-EDGE');
    const unknownInst = await mk('NOPE-1');
    const foreignCounty = await mk('330105', 'county');
    const unknownCounty = await mk('999999', 'county');
    counts.inputs += 4;
    const shape = (r: { status: number; text: string }) => ({ status: r.status, message: (JSON.parse(r.text) as { error: { message: string } }).error.message });
    expect(shape(unknownInst)).toEqual({ status: 403, message: 'you may not create a institution user there' });
    expect(shape(foreignInst)).toEqual(shape(unknownInst));
    expect(shape(foreignCounty)).toEqual(shape(unknownCounty));

    // alerts.assign: an unknown user id and another county's user get the same answer, with no username in it.
    const agent = await enrollOverHttp(server, { hostname: 'assign-host' });
    const now = new Date();
    const { hostSections } = await import('../../server/src/testing/harness.js');
    expect((await report(agent, sampleReport(agent.agentId, now, hostSections(now, 'assign-host', 'exposed')))).status).toBe(200);
    let alertId: string | undefined;
    for (let i = 0; i < 50 && !alertId; i++) {
      alertId = data<{ items: Array<{ id: string }> }>(await rawCall(server.url, 'alerts.list', 'query', {}, { cookie: admin })).items[0]?.id;
      if (!alertId) await new Promise((r) => setTimeout(r, 100));
    }
    const other = await rawCall(server.url, 'users.create', 'mutation', { username: 'gongshu-secret-name', role: 'county', scopeCode: '330105', password: PASSWORD }, { cookie: admin });
    const otherId = data<{ id: string }>(other).id;
    const assign = (userId: string) => rawCall(server.url, 'alerts.assign', 'mutation', { alertId, userId }, { cookie: admin });
    const foreignUser = await assign(otherId);
    const unknownUser = await assign('u_does_not_exist');
    counts.inputs += 2;
    const alike = [
      [foreignInst, unknownInst],
      [foreignCounty, unknownCounty],
      [foreignUser, unknownUser],
    ].filter(([x, y]) => JSON.stringify(shape(x!)) === JSON.stringify(shape(y!))).length;
    counts.attack({ attack: 'tell unknown from foreign ids (users.create institution/region, alerts.assign user)', tried: 3, held: alike, result: 'same status and message; no username' });
    expect(shape(foreignUser)).toEqual(shape(unknownUser));
    expect(foreignUser.text).not.toContain('gongshu-secret-name');
  });

  it('re-enrolling a host with another token supersedes (revokes) the old agent, audits it, and the agents list says so', async () => {
    // The same machine (same machine id and hostname) enrolled with two tokens of its institution.
    const machineId = randomUUID();
    const enroll = async () => {
      const tok = await runCli('server', ['token', 'create', '--institution', 'REENROLL-1', '--name', '重注册医院', '--region', '330106'], { env: server.env });
      expect(tok.code, tok.stderr).toBe(0);
      const r = await fetch(`${server.url}/trpc/agent.enroll`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ token: lastLine(tok.stdout), hostname: 'twice', machineId, agentVersion: 'x' }),
      });
      const d = ((await r.json()) as Data<{ agentId: string; hostId: string; secret: string }>).result.data;
      return { ...d, authorization: `Agent ${d.agentId}:${d.secret}` };
    };
    const first = await enroll();
    const second = await enroll();
    expect(second.hostId).toBe(first.hostId);
    counts.faults++;
    // The old secret no longer works; the new one does.
    const old = await report(first, sampleReport(first.agentId, new Date(), {}, 'twice'));
    counts.attack({
      attack: 'old agent keeps reporting after its host re-enrolled with another token',
      tried: 1,
      held: old.status === 401 ? 1 : 0,
      result: 'old agent revoked (superseded), audited, shown in agents view',
    });
    expect(old.status).toBe(401);
    expect(old.text).toMatch(/revoked: superseded/);
    const agents = data<Array<{ id: string; revokedAt: string | null; revokedReason: string | null }>>(
      await rawCall(server.url, 'agents.list', 'query', { institutionCode: 'REENROLL-1' }, { cookie: admin }),
    );
    expect(agents.find((x) => x.id === first.agentId)).toMatchObject({ revokedReason: `superseded: re-enrolled as agent ${second.agentId}` });
    expect(agents.find((x) => x.id === second.agentId)?.revokedAt).toBeNull();
    const audit = data<Array<{ action: string; detail: { superseded?: string[] } }>>(await rawCall(server.url, 'audit.list', 'query', { limit: 50, action: 'agent.superseded' }, { cookie: admin }));
    expect(audit.some((e) => e.detail.superseded?.includes(first.agentId))).toBe(true);
  });
});
