import { createHash, createHmac } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { mlpsSystemRecord } from '../../server/src/testing/incidents.js';
import { startReceiver } from '../../server/src/testing/receiver.js';
import { ensureDashboardBuilt, launchBrowser, openPage, screenshot } from '../helpers/browser.js';
import { lastLine, runCli, signedInClient, startServerProcess, waitFor, type ServerProcess } from '../helpers/index.js';

type Client = Awaited<ReturnType<typeof signedInClient>>;
const PASSWORD = 'Incident-E2e-Pass-1';
const none = { cii: false, systemsDownHours: 0, recordsLeaked: 0, patientsAffected: 0 };
const ago = (ms: number) => new Date(Date.now() - ms).toISOString();
const HOUR = 3600_000;

// A real server process, real SQLite file, real users and sessions, a loopback DingTalk-style receiver.
describe('incident reports (事件上报), end to end', () => {
  let server: ServerProcess;
  let rx: Awaited<ReturnType<typeof startReceiver>>;
  let admin: Client;
  let hospital: Client;
  let xihu: Client;
  let gongshu: Client;
  const SECRET = 'SEC-incident-e2e-000000';

  /** A page signed in through the form, on the incidents list (the login page's own "who am I" answers 401 before signing in: only what follows counts). */
  async function incidentsPage(browser: Browser, username: string) {
    const p = await openPage(browser);
    await p.page.goto(`${server.url}/login`);
    await p.page.locator('input[name=username]').fill(username);
    await p.page.locator('input[name=password]').fill(PASSWORD);
    await p.page.getByTestId('login-submit').click();
    await p.page.waitForURL((u) => !u.pathname.startsWith('/login'));
    p.problems.length = 0;
    await p.page.goto(`${server.url}/incidents`);
    await p.page.getByTestId('incidents-table').waitFor();
    return p;
  }

  beforeAll(async () => {
    rx = await startReceiver();
    server = await startServerProcess({ env: { WEIAN_CHANNEL_HOSTS: '127.0.0.1' } });
    admin = await signedInClient(server.url);
    const tokens: string[] = [];
    for (const [code, name, region] of [
      ['ZJ-XH-001', '西湖区人民医院', '330106'],
      ['ZJ-GS-001', '拱墅区人民医院', '330105'],
    ]) {
      const tok = await runCli('server', ['token', 'create', '--institution', code!, '--name', name!, '--region', region!], { env: server.env });
      expect(tok.code, tok.stderr).toBe(0);
      tokens.push(lastLine(tok.stdout));
    }
    // The hospital's host, enrolled by the real agent: its report picks it as affected.
    const enroll = await runCli('agent', ['enroll', '--server', server.url, '--token', tokens[0]!, '--config', join(server.dataDir, 'agent', 'agent.json')]);
    expect(enroll.code, enroll.stderr).toBe(0);
    await admin.client.users.create.mutate({ username: 'xh-hospital', role: 'institution', scopeCode: 'ZJ-XH-001', password: PASSWORD });
    await admin.client.users.create.mutate({ username: 'xh-county', role: 'county', scopeCode: '330106', password: PASSWORD });
    await admin.client.users.create.mutate({ username: 'gs-county', role: 'county', scopeCode: '330105', password: PASSWORD });
    await admin.client.channels.create.mutate({
      regionCode: '330106',
      channel: { name: '西湖区卫健委值班群', kind: 'dingtalk', url: `${rx.base}/robot/send?access_token=t`, secret: SECRET, minSeverity: 'critical', mode: 'daily' },
    });
    hospital = await signedInClient(server.url, { username: 'xh-hospital', password: PASSWORD });
    xihu = await signedInClient(server.url, { username: 'xh-county', password: PASSWORD });
    gongshu = await signedInClient(server.url, { username: 'gs-county', password: PASSWORD });
  }, 120_000);
  afterAll(async () => {
    for (const c of [admin, hospital, xihu, gongshu]) c?.close();
    await server?.cleanup();
    await rx?.close();
  });

  it('a 较大 incident reaches the county live and its channel as one signed message; the other county sees nothing', async () => {
    const xihuSaw: string[] = [];
    const gongshuSaw: string[] = [];
    const s1 = xihu.client.incidents.live.subscribe(undefined, { onData: (e) => xihuSaw.push(e.incident.id) });
    const s2 = gongshu.client.incidents.live.subscribe(undefined, { onData: (e) => gongshuSaw.push(e.incident.id) });
    try {
      await new Promise((r) => setTimeout(r, 500));
      const inc = await hospital.client.incidents.report.mutate({
        institutionCode: 'ZJ-XH-001',
        incident: {
          title: '勒索病毒加密 HIS 数据库',
          type: 'ransomware',
          discoveredAt: ago(HOUR),
          level: 'large',
          criteria: { ...none, recordsLeaked: 1_200_000, patientsAffected: 800 },
          impact: '患者李四等病历无法调阅',
          measures: '断网隔离',
        },
      });
      expect([inc.level, inc.late, inc.status]).toEqual(['large', false, 'reported']);
      await waitFor(() => xihuSaw.includes(inc.id), { timeoutMs: 5_000, what: 'the county to see the incident live' });
      await waitFor(() => rx.received.length >= 1, { timeoutMs: 5_000, what: 'the channel message' });
      await new Promise((r) => setTimeout(r, 500));
      expect(rx.received).toHaveLength(1);
      const url = new URL(rx.received[0]!.url, rx.base);
      const ts = url.searchParams.get('timestamp')!;
      expect(url.searchParams.get('sign')).toBe(createHmac('sha256', SECRET).update(`${ts}\n${SECRET}`).digest('base64'));
      expect(rx.received[0]!.body).toContain('较大');
      expect(rx.received[0]!.body).not.toContain('李四');
      expect(gongshuSaw).toEqual([]);
      expect(await gongshu.client.incidents.list.query()).toEqual([]);
      await expect(gongshu.client.incidents.get.query({ incidentId: inc.id })).rejects.toMatchObject({ data: { code: 'FORBIDDEN' } });

      await xihu.client.incidents.receive.mutate({ incidentId: inc.id });
      const detail = await hospital.client.incidents.get.query({ incidentId: inc.id });
      expect(detail.receivedBy).toBe('xh-county');
      expect(detail.timeline.map((e) => e.action)).toEqual(['report', 'notified', 'receive']);
    } finally {
      s1.unsubscribe();
      s2.unsubscribe();
    }
  });

  it('a report filed more than 4 h after discovery is flagged late by the server clock', async () => {
    const inc = await hospital.client.incidents.report.mutate({
      institutionCode: 'ZJ-XH-001',
      incident: {
        title: '数据泄露',
        type: 'data-leak',
        discoveredAt: ago(4 * HOUR + 5 * 60_000),
        level: 'large',
        criteria: { ...none, recordsLeaked: 1_000_000 },
        impact: '个人信息泄露',
        measures: '下线接口',
      },
    });
    expect(inc.late).toBe(true);
    expect((await xihu.client.incidents.list.query()).find((i) => i.id === inc.id)?.late).toBe(true);
    // The ranking's incident column counts it, and the region's statistics export says so.
    const row = (await xihu.client.institutions.ranking.query({ regionCode: '330106' })).rows.find((r) => r.code === 'ZJ-XH-001');
    expect(row?.incidents.late).toBe(1);
    const res = await fetch(`${server.url}/export/incidents.xlsx?region=330106`, { headers: { cookie: xihu.cookie } });
    expect([res.status, res.headers.get('content-type')]).toEqual([200, 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet']);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load((await res.arrayBuffer()) as never);
    const overall: unknown[][] = [];
    wb.getWorksheet('总体情况')!.eachRow((r) => overall.push((r.values as unknown[]).slice(1)));
    expect(overall).toContainEqual(['迟报', 1]);
    const other = await fetch(`${server.url}/export/incidents.pdf?region=330106`, { headers: { cookie: gongshu.cookie } });
    expect(other.status).toBe(403);
    const one = await fetch(`${server.url}/export/incident.pdf?id=${inc.id}`, { headers: { cookie: hospital.cookie } });
    expect([one.status, (await one.arrayBuffer()).byteLength > 1000]).toEqual([200, true]);
  });

  it('refuses bad input clearly', async () => {
    const base = { title: '事件', type: 'other' as const, discoveredAt: ago(60_000), level: 'general' as const, criteria: none, impact: '影响', measures: '措施' };
    const refuse = (incident: Record<string, unknown>, message: RegExp, institutionCode = 'ZJ-XH-001') =>
      expect(hospital.client.incidents.report.mutate({ institutionCode, incident: incident as typeof base })).rejects.toThrow(message);
    await refuse({ ...base, discoveredAt: new Date(Date.now() + HOUR).toISOString() }, /future/);
    await refuse({ ...base, criteria: { ...none, recordsLeaked: 5_000_000 } }, /at least 较大/);
    await refuse({ ...base, criteria: undefined }, /criteria/);
    await refuse({ ...base, systemIds: ['sys-unknown'] }, /unknown MLPS systems/);
    await refuse({ ...base, impact: '长'.repeat(5000) }, /impact/);
    await refuse(base, /not yours/, 'ZJ-GS-001');
    await expect(xihu.client.incidents.report.mutate({ institutionCode: 'ZJ-XH-001', incident: base })).rejects.toMatchObject({ data: { code: 'FORBIDDEN' } });
  });

  it('in the dashboard: the hospital reports through the form, the county opens it and marks 已接报', async () => {
    await ensureDashboardBuilt();
    const browser = await launchBrowser();
    try {
      const h = await incidentsPage(browser, 'xh-hospital');
      // The browser runs in China time: datetime-local takes local wall time.
      const local = new Date(Date.now() - 30 * 60_000 + 8 * HOUR).toISOString().slice(0, 16);
      await h.page.getByTestId('incident-title').fill('门户网站被篡改');
      await h.page.getByTestId('incident-discovered').fill(local);
      // The guided level choice shows the lines in force: 特别重大 from the guide, 重大 and 较大 as unconfirmed defaults.
      const grading = h.page.getByTestId('incident-grading');
      await grading.getByText('较大：关键信息基础设施全面中断 ≥ 0.5 小时，或 ≥ 1,000,000 人个人信息泄露（默认值，未能从官方原文核实，地区可设置）').waitFor();
      await grading.getByText('（分级指南原文）').waitFor();
      await grading.getByText('处置完毕后 30 天内提交总结报告', { exact: false }).waitFor();
      await h.page.getByTestId('incident-impact').fill('首页被篡改');
      await h.page.getByTestId('incident-measures').fill('已下线网站');
      await h.page.getByTestId('incident-submit').click();
      await h.page.getByTestId('incidents-table').getByText('门户网站被篡改').waitFor();
      // Closed, it asks for the summary report in the drawer, and takes it.
      await h.page.getByTestId('incidents-table').getByText('门户网站被篡改').click();
      await h.page.getByTestId('incident-drawer').locator('textarea').first().fill('已恢复网站');
      await h.page.getByTestId('incident-drawer').getByRole('button', { name: '处置完毕' }).click();
      const summaryForm = h.page.getByTestId('incident-summary-form');
      for (const [i, text] of ['弱口令', '重置口令', '部署防篡改', '加强巡检'].entries()) await summaryForm.locator('textarea').nth(i).fill(text);
      await h.page.getByTestId('incident-summary-submit').click();
      await h.page.getByTestId('incident-drawer').getByText('总结报告 · xh-hospital').waitFor();
      await h.page.getByTestId('incident-drawer').locator('.el-drawer__close-btn').click();
      await screenshot(h.page, 'incidents-1-hospital');
      expect(h.problems).toEqual([]);

      // An alert turned into an incident: the alert's drawer leads to a prefilled form that keeps the link.
      const late = (await hospital.client.alerts.list.query({ limit: 50, offset: 0 })).items.find((x) => x.ruleId === 'INST-INCIDENT-LATE');
      expect(late, 'the late report earlier in this file opened an alert').toBeDefined();
      await h.page.goto(`${server.url}/alerts`);
      await h.page.getByTestId('alert-table').locator('tbody tr').first().click();
      await h.page.getByTestId('alert-to-incident').click();
      await h.page.getByTestId('incident-from-alert').waitFor();
      expect(await h.page.getByTestId('incident-title').inputValue()).not.toBe('');
      await h.page.getByTestId('incident-measures').fill('复核上报流程');
      await h.page.getByTestId('incident-submit').click();
      await expect.poll(async () => (await hospital.client.incidents.forAlert.query({ alertId: late!.id })).length, { timeout: 10_000 }).toBe(1);
      await h.page.goto(`${server.url}/alerts`);
      await h.page.getByTestId('alert-table').locator('tbody tr').first().click();
      await h.page.getByTestId('alert-incidents').getByText('关联事件').waitFor();
      expect(h.problems).toEqual([]);

      const c = await incidentsPage(browser, 'xh-county');
      await c.page.getByTestId('incidents-table').getByText('门户网站被篡改').click();
      const drawer = c.page.getByTestId('incident-drawer');
      await drawer.getByText('首报').waitFor();
      await c.page.getByTestId('incident-receive').click();
      await drawer.getByText('已接报 · xh-county').waitFor();
      await screenshot(c.page, 'incidents-2-county');
      expect(c.problems).toEqual([]);
      const mine = (await xihu.client.incidents.list.query()).find((i) => i.title === '门户网站被篡改');
      expect([mine?.level, mine?.receivedBy, mine?.late, mine?.status]).toEqual(['general', 'xh-county', false, 'summarized']);
    } finally {
      await browser.close();
    }
  }, 240_000);

  it('in the dashboard: the hospital picks the system and host and attaches a file; the county sees it arrive live, counting down', async () => {
    await ensureDashboardBuilt();
    const { id: systemId } = (await hospital.client.institutions.saveSystem.mutate({
      institutionCode: 'ZJ-XH-001',
      system: mlpsSystemRecord({ name: 'HIS 医院信息系统', criticalInfrastructure: false }),
    })) as { id: string };
    const host = (await hospital.client.hosts.list.query({ institutionCode: 'ZJ-XH-001' })).items[0]!;
    const browser = await launchBrowser();
    try {
      // The county's list is open before the report: it must arrive there without a reload.
      const c = await incidentsPage(browser, 'xh-county');
      const h = await incidentsPage(browser, 'xh-hospital');
      const form = h.page.getByTestId('incident-form');
      await h.page.getByTestId('incident-title').fill('HIS 服务器遭勒索病毒加密');
      await h.page.getByTestId('incident-discovered').fill(new Date(Date.now() - 20 * 60_000 + 8 * HOUR).toISOString().slice(0, 16));
      // The deadline it faces counts down as the form is filled: 一般 by the region's 24 h.
      await expect.poll(() => form.getByTestId('incident-form-deadline').innerText()).toMatch(/应于 .* 前上报\s*剩余 23 小时 \d+ 分 \d+ 秒/);
      // Systems and hosts are picked (with search) from the institution's own records.
      const pickOption = async (testId: string, search: string, option: string) => {
        await h.page.getByTestId(testId).click();
        await h.page.keyboard.type(search);
        await h.page.locator('.el-select-dropdown__item:visible', { hasText: option }).click();
        await h.page.keyboard.press('Escape');
      };
      await pickOption('incident-systems', 'HIS', 'HIS 医院信息系统');
      await pickOption('incident-hosts', host.hostname.slice(0, 3), host.hostname);
      await h.page.getByTestId('incident-impact').fill('门诊挂号中断');
      await h.page.getByTestId('incident-measures').fill('断网隔离');
      // An .exe named .pdf is refused before anything is sent; a PNG screenshot waits for the report.
      const exe = join(server.dataDir, '勒索信.pdf');
      writeFileSync(exe, Buffer.concat([Buffer.from([0x4d, 0x5a, 0x90, 0x00]), Buffer.alloc(256)]));
      await h.page.getByTestId('incident-file').setInputFiles(exe);
      await expect.poll(() => h.page.getByTestId('incident-file-refused').innerText()).toMatch(/勒索信\.pdf.*not a PDF, PNG, JPEG or Office document/);
      const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(512, 7)]);
      const shot = join(server.dataDir, '勒索信截图.png');
      writeFileSync(shot, png);
      await h.page.getByTestId('incident-file').setInputFiles(shot);
      await expect.poll(() => h.page.getByTestId('incident-pending').innerText()).toContain('勒索信截图.png');
      await h.page.getByTestId('incident-submit').click();

      const mine = async () => (await hospital.client.incidents.list.query()).find((i) => i.title === 'HIS 服务器遭勒索病毒加密');
      await expect.poll(async () => (await mine())?.id, { timeout: 10_000 }).toBeDefined();
      const id = (await mine())!.id;
      await expect.poll(async () => (await hospital.client.incidents.get.query({ incidentId: id })).evidence.length, { timeout: 10_000 }).toBe(1);
      const detail = await hospital.client.incidents.get.query({ incidentId: id });
      expect([detail.systemIds, detail.hostIds, detail.evidence[0]!.sha256, detail.evidence[0]!.stage]).toEqual([[systemId], [host.id], createHash('sha256').update(png).digest('hex'), 'report']);

      // The county: the row arrived live, its report deadline counting down second by second.
      const row = c.page.getByTestId('incidents-table').locator('tr', { hasText: 'HIS 服务器遭勒索病毒加密' });
      await row.waitFor({ timeout: 10_000 });
      const countdown = row.locator('.countdown');
      await expect.poll(() => countdown.innerText()).toMatch(/^剩余 23 小时 \d+ 分 \d+ 秒$/);
      const first = await countdown.innerText();
      await expect.poll(() => countdown.innerText(), { timeout: 5_000 }).not.toBe(first);
      await row.click();
      const drawer = c.page.getByTestId('incident-drawer');
      await expect.poll(() => drawer.getByTestId('incident-subjects').innerText()).toBe(`受影响的等保系统：HIS 医院信息系统；受影响的主机：${host.hostname}`);
      await expect.poll(() => drawer.getByTestId('incident-evidence').innerText()).toContain(createHash('sha256').update(png).digest('hex'));
      expect(await drawer.getByTestId('incident-evidence').innerText()).toContain('勒索信截图.png');
      await expect.poll(() => drawer.getByTestId('incident-deadline').innerText()).toMatch(/按时上报.*剩余 23 小时/s);
      await screenshot(c.page, 'incidents-3-county-live');
      expect(c.problems).toEqual([]);
      // The hospital's page shows the refusal it met and nothing else went wrong.
      expect(h.problems).toEqual([]);
    } finally {
      await browser.close();
    }
  }, 240_000);
});
