import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signedInClient } from '../helpers/auth.js';
import { runCli } from '../helpers/cli.js';
import { REPO } from '../helpers/paths.js';
import { startServerProcess, type ServerProcess } from '../helpers/server.js';

/**
 * The deadline time-bomb: chinese-days has no 2027, so a filing deadline that runs past 2026 is
 * unknown until an administrator loads the year's official arrangement. Real server, real database,
 * the dashboard's API; the arrangement is the documented example file with its "example" flag removed.
 */
const INSTITUTION = 'ZJ-CAL-001';
const example = JSON.parse(readFileSync(join(REPO, 'docs', 'calendar-2027.example.json'), 'utf8')) as Record<string, unknown>;
const {
  example: _flag,
  note: _note,
  ...arrangement
} = example as { example: boolean; note: string; year: number; holidays: Array<{ name: string; from: string; to: string }>; workdays: string[]; source: string };

describe('loading a year of holidays into the server', () => {
  let server: ServerProcess;
  let admin: Awaited<ReturnType<typeof signedInClient>>;
  beforeAll(async () => {
    server = await startServerProcess();
    await runCli('server', ['token', 'create', '--institution', INSTITUTION, '--name', '日历测试医院', '--region', '330106'], { env: server.env });
    admin = await signedInClient(server.url);
    // Graded Friday 2026-12-18: ten working days run past New Year (21–25, 28–31 are 9; then 2027).
    await admin.client.institutions.saveSystem.mutate({
      institutionCode: INSTITUTION,
      system: {
        name: '医院信息系统',
        level: 3,
        criticalInfrastructure: false,
        personalInfoOver100k: true,
        gradedOn: '2026-12-18',
        filedOn: null,
        lastEvaluatedOn: null,
        wentLiveOn: null,
        prelaunchTestedOn: null,
        retiredOn: null,
        hostIds: [],
      },
    });
  });
  afterAll(async () => {
    admin?.close();
    await server?.cleanup();
  });

  const filing = async () => {
    const records = await admin.client.institutions.records.query({ institutionCode: INSTITUTION });
    const finding = (await admin.client.institutions.findings.query({ institutionCode: INSTITUTION })).institution.find((f) => f.ruleId === 'INST-MLPS-FILING');
    return { deadline: records.systems[0]!.deadlines.filing, finding };
  };

  it('leaves a deadline past 2026 unknown without the 2027 arrangement', async () => {
    const f = await filing();
    expect(f.deadline).toMatchObject({ status: 'unknown', dueOn: null });
    expect(f.finding?.status).toBe('unknown');
    const status = await admin.client.calendar.status.query();
    expect(status.years).not.toContain(2027);
    expect(status.loaded).toEqual([]);
  });

  it('refuses an arrangement that is not a whole, consistent year, and stores nothing', async () => {
    const bad = [
      { ...arrangement, holidays: arrangement.holidays.filter((h) => !h.name.includes('春节')) },
      { ...arrangement, workdays: ['2027-03-03'] },
      { ...arrangement, holidays: [...arrangement.holidays, { name: '加班', from: '2027-10-07', to: '2027-10-08' }] },
      example,
    ];
    for (const input of bad) {
      const err = await admin.client.calendar.load.mutate(input as never).then(
        () => null,
        (e: { data?: { code?: string }; message: string }) => e,
      );
      expect(err?.data?.code).toBe('BAD_REQUEST');
    }
    expect((await admin.client.calendar.status.query()).loaded).toEqual([]);
  });

  it('dates the deadline once 2027 is loaded, audits the load, and keeps it across a restart', async () => {
    const r = await admin.client.calendar.load.mutate(arrangement);
    expect(r).toEqual({ year: 2027, reevaluated: 1 });
    // 12-21…12-25 (5), 12-28…12-31 (9), 元旦 1–3 off, Mon 2027-01-04 (10).
    const after = await filing();
    expect(after.deadline).toMatchObject({ dueOn: '2027-01-04' });
    expect(after.finding?.status).toBe('pass');
    const audit = await admin.client.audit.list.query({ limit: 20 });
    expect(JSON.stringify(audit)).toMatch(/calendar\.load/);

    await server.stop();
    await server.restart();
    admin.close();
    admin = await signedInClient(server.url);
    expect((await filing()).deadline).toMatchObject({ dueOn: '2027-01-04' });
    const status = await admin.client.calendar.status.query();
    expect(status.loaded.map((l) => [l.year, l.loadedBy, l.holidays])).toEqual([[2027, 'admin', 7]]);
    expect(status.years).toContain(2027);
  });

  it('is for administrators only', async () => {
    await runCli('server', ['user', 'add', '--username', 'cal-county', '--role', 'county', '--scope', '330106', '--password-stdin'], { env: server.env, input: 'County-Pass-2026\n' });
    const county = await signedInClient(server.url, { username: 'cal-county', password: 'County-Pass-2026' });
    try {
      const err = await county.client.calendar.status.query().then(
        () => null,
        (e: { data?: { code?: string } }) => e,
      );
      expect(err?.data?.code).toBe('FORBIDDEN');
    } finally {
      county.close();
    }
  });
});
