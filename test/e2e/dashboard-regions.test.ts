import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentClient } from '@weian/agent/client';
import { collectReport } from '@weian/agent/collect';
import { localConfig } from '@weian/agent/config';
import { replayRunner } from '@weian/agent/runner';
import { sectionHash } from '@weian/agent/collect';
import { compareNames, RULE_DATA_BY_ID, type Report } from '@weian/shared';
import { ensureDashboardBuilt, launchBrowser, openPage, screenshot, type BrowserPage } from '../helpers/browser.js';
import { lastLine, postFrom, REPO, runCli, signedInClient, startServerProcess, tempDir, TEST_ADMIN, type ServerProcess } from '../helpers/index.js';

const COUNTY_USER = { username: 'xihu-bureau', password: 'Xihu-County-Pass-1' };
const HOSPITAL_USER = { username: 'live-hospital', password: 'Live-Hospital-Pass-1' };
const RDP_TITLE = RULE_DATA_BY_ID['HOST-PORT-REMOTE-PUBLIC'].title.zh;

/** How many pixels of a chart's canvas are drawn on (not transparent). */
const drawnPixels = (page: Page, testid: string) =>
  page
    .getByTestId(testid)
    .locator('canvas')
    .first()
    .evaluate((c: HTMLCanvasElement) => {
      const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
      let n = 0;
      for (let i = 3; i < d.length; i += 4) if (d[i]! > 0) n++;
      return n;
    });

// The region views on the seeded demo county (西湖区), as a county bureau sees them, in a real Chromium.
describe('dashboard in a browser: region overview, rankings, drill-down, alerts live', () => {
  let server: ServerProcess;
  let browser: Browser;
  let tab: BrowserPage;
  let agent: { agentId: string; secret: string; hostId: string };

  beforeAll(async () => {
    const built = ensureDashboardBuilt();
    // Seeded before the server starts: two writers on one SQLite file would wait on each other's locks.
    const dataDir = tempDir();
    const seeded = await runCli('server', ['seed-demo', '--init', '--days', '10', '--scale', '0.3'], { env: { WEIAN_DATA_DIR: dataDir }, timeoutMs: 120_000 });
    expect(seeded.code, seeded.stderr).toBe(0);
    server = await startServerProcess({ dataDir });
    const admin = await signedInClient(server.url);
    await admin.client.users.create.mutate({ username: COUNTY_USER.username, displayName: '西湖区卫健局', role: 'county', scopeCode: '330106', password: COUNTY_USER.password });
    // An agent of a new hospital in the county, to report a public RDP port later.
    const tok = await runCli('server', ['token', 'create', '--institution', 'ZJ-XH-LIVE', '--name', '西湖区实时测试医院', '--region', '330106'], { env: server.env });
    expect(tok.code, tok.stderr).toBe(0);
    const configPath = join(server.dataDir, 'live-agent', 'agent.json');
    const enroll = await runCli('agent', ['enroll', '--server', server.url, '--token', lastLine(tok.stdout), '--config', configPath]);
    expect(enroll.code, enroll.stderr).toBe(0);
    agent = JSON.parse(readFileSync(configPath, 'utf8')) as typeof agent;
    await admin.client.users.create.mutate({ username: HOSPITAL_USER.username, displayName: '实时测试医院信息科', role: 'institution', scopeCode: 'ZJ-XH-LIVE', password: HOSPITAL_USER.password });
    admin.close();
    await built;
    browser = await launchBrowser();
    tab = await openPage(browser);
  }, 150_000);
  afterAll(async () => {
    await browser?.close();
    await server?.cleanup();
  });

  it('signs a county bureau in to its overview: KPIs, four drawn charts, no agent administration', async () => {
    const { page } = tab;
    await page.goto(`${server.url}/login`);
    await page.locator('input[name=username]').fill(COUNTY_USER.username);
    await page.locator('input[name=password]').fill(COUNTY_USER.password);
    await page.getByTestId('login-submit').click();
    await page.waitForURL(/\/overview/);
    await expect.poll(() => page.getByTestId('overview-region').innerText()).toBe('西湖区');
    expect(Number(await page.getByTestId('kpi-institutions').locator('.value').innerText())).toBeGreaterThanOrEqual(30);
    expect(await page.getByTestId('kpi-hosts').innerText()).toMatch(/上报主机 \/ 登记主机\s+\d+\s*\/ \d+/);
    expect(await page.getByTestId('kpi-score').innerText()).toMatch(/平均得分\s+\d+(\.\d)?/);
    expect(await page.getByTestId('kpi-critical-alerts').locator('.value').innerText()).toMatch(/^\d+$/);
    for (const chart of ['chart-distribution', 'chart-trend', 'chart-top-rules', 'chart-sub-regions'])
      await expect.poll(() => drawnPixels(page, chart), { message: chart, timeout: 10_000 }).toBeGreaterThan(2000);
    // A county bureau manages users of its county but not agents (institutions and admins do).
    expect(await page.getByTestId('nav-agents').count()).toBe(0);
    expect(await page.getByTestId('nav-users').count()).toBe(1);
    await screenshot(page, 'dashboard-regions-1-overview-zh');
  });

  it('drills down region → rankings → institution → host, filtering and exporting on the way', async () => {
    const { page } = tab;
    await page.getByTestId('tree-r:330106').click();
    await page.waitForURL(/region=330106/);
    await page.getByTestId('nav-rankings').click();
    await page.waitForURL(/\/rankings\?region=330106/);
    const table = page.getByTestId('ranking-table');
    const count = page.getByTestId('ranking-count');
    const rows = table.locator('tbody tr');
    const query = (name: string) => new URL(page.url()).searchParams.get(name);
    await expect.poll(() => rows.count()).toBeGreaterThanOrEqual(30);
    const all = Number(/^显示第 1–(\d+) 家，共 \1 家机构（全部 \1 家）/.exec(await count.innerText())?.[1]);
    expect(all).toBe(await rows.count());

    // The server pages: 20 a page, then page 2 holds the rest with their true ranks, and the URL keeps it.
    const pager = page.getByTestId('ranking-pager');
    await pager.locator('.el-pagination__sizes').click();
    await page.locator('.el-select-dropdown__item', { hasText: '20条/页' }).click();
    await expect.poll(() => query('size')).toBe('20');
    await expect.poll(() => rows.count()).toBe(20);
    await pager.locator('.el-pager li', { hasText: /^2$/ }).click();
    await expect.poll(() => query('page')).toBe('2');
    await expect.poll(() => rows.count()).toBe(all - 20);
    expect(await count.innerText()).toMatch(new RegExp(`^显示第 21–${all} 家，共 ${all} 家机构`));
    // Column 1 picks rows for a rectification notice (a county user issues them): the rank is column 2.
    const ranks = (await table.locator('tbody tr td:nth-child(2)').allInnerTexts()).map(Number);
    expect(ranks.every((r, i) => r >= 1 && r <= 21 + i && (i === 0 || r >= ranks[i - 1]!))).toBe(true);
    expect(Math.max(...ranks)).toBeGreaterThan(20);

    // Sorting by name is the server's too: back to page 1, the page in Chinese (pinyin) name order.
    await table.locator('thead th', { has: page.getByText('机构', { exact: true }) }).click();
    await expect.poll(() => query('sort')).toBe('name');
    expect(query('page')).toBeNull();
    await expect.poll(() => count.innerText()).toMatch(/^显示第 1–20 家/);
    const names = await table.locator('tbody tr td:nth-child(3)').allInnerTexts();
    expect(names).toEqual([...names].sort(compareNames));

    // The name filter waits for the typing to pause, then asks the server (ElInput puts the test id on its <input>).
    const wanted = names[3]!;
    await page.getByTestId('filter-search').fill(wanted);
    await expect.poll(() => query('q')).toBe(wanted);
    // The rows on screen stay until the server answers: wait for the filtered ones.
    await expect.poll(async () => (await table.locator('tbody tr td:nth-child(3)').allInnerTexts()).every((n) => n.includes(wanted))).toBe(true);
    expect(await table.locator('tbody tr td:nth-child(3)').allInnerTexts()).toContain(wanted);
    await page.getByTestId('filter-search').fill('');
    await expect.poll(() => query('q')).toBeNull();

    await page.getByTestId('filter-types').click();
    await page.locator('.el-select-dropdown__item', { hasText: '基层医疗卫生机构' }).click();
    await page.keyboard.press('Escape');
    await expect.poll(() => query('types')).toBe('primary-care');
    await expect.poll(async () => new Set(await table.locator('tbody tr td:nth-child(4)').allInnerTexts())).toEqual(new Set(['基层医疗卫生机构']));
    const filtered = /^显示第 1–\d+ 家，共 (\d+) 家机构（全部 (\d+) 家）/.exec(await count.innerText());
    expect(Number(filtered?.[1])).toBeLessThan(Number(filtered?.[2]));
    expect(Number(filtered?.[2])).toBe(all);
    await page.getByTestId('export-xlsx').click();
    await expect.poll(() => page.getByTestId('export-done').innerText(), { timeout: 15_000 }).toMatch(/^已下载 .+\.xlsx$/);
    await screenshot(page, 'dashboard-regions-2-rankings-zh');

    const first = table.locator('tbody tr').first().getByRole('link');
    const name = await first.innerText();
    await first.click();
    await page.waitForURL(/\/institutions\//);
    await expect.poll(() => page.getByTestId('institution-name').innerText()).toBe(name);
    expect(await page.getByTestId('score-breakdown').innerText()).toMatch(/技术防护[\s\S]*管理制度[\s\S]*探针覆盖/);
    await page.getByTestId('findings-table').waitFor();
    await screenshot(page, 'dashboard-regions-3-institution-zh');
    await page.getByTestId('tab-governance').click();
    await page.getByTestId('governance-deadlines').waitFor();
    // A bureau reads the records; only the institution's own users edit them.
    expect(await page.getByTestId('governance-form').count()).toBe(0);
    await page.getByTestId('tab-hosts').click();
    const host = page.getByTestId('institution-hosts').locator('tbody tr').first().getByRole('link');
    const hostname = await host.innerText();
    await host.click();
    await page.waitForURL(/\/hosts\/[^/?]+/);
    await expect.poll(() => page.getByTestId('host-name').innerText()).toBe(hostname);
    await page.getByTestId('host-findings').waitFor();
    await expect.poll(() => page.getByTestId('host-findings').locator('tbody tr').count()).toBeGreaterThan(0);
    await screenshot(page, 'dashboard-regions-4-host-findings-zh');
  });

  it('shows a new alert live after an agent reports a public RDP port, and acknowledges it', async () => {
    const { page } = tab;
    await page.getByTestId('nav-alerts').click();
    await page.waitForURL(/\/alerts/);
    const table = page.getByTestId('alert-table');
    // The demo's history has open alerts; the list may still start empty under other filters.
    await page.locator('[data-testid=alert-table], [data-testid=state-empty]').first().waitFor();
    await expect.poll(() => page.getByTestId('live-indicator').getAttribute('class')).toContain('open');
    const report: Report = await collectReport({ runner: await replayRunner(join(REPO, 'agent', 'fixtures', 'windows2022')), config: localConfig({ agentId: agent.agentId }) });
    const ports = report.sections.ports;
    if (ports.status !== 'ok') throw new Error('the fixture has no ports section');
    ports.data.listeners.push({
      protocol: 'tcp',
      address: '0.0.0.0',
      port: 3389,
      pid: 1200,
      process: 'svchost.exe',
      bind: 'wildcard',
      publicExposure: true,
      service: 'rdp',
      category: 'remote-management',
    });
    ports.hash = sectionHash(ports.data);
    await new AgentClient({ server: server.url, credentials: { agentId: agent.agentId, secret: agent.secret } }).report(report);

    // The table names the host as the report did (alerts carry the hostname, not the id).
    const hostname = report.sections.device.status === 'ok' ? report.sections.device.data.hostname : agent.hostId;
    const row = table.locator('tbody tr', { hasText: hostname }).filter({ hasText: RDP_TITLE });
    await expect.poll(() => row.count(), { timeout: 10_000 }).toBe(1);
    expect(await row.innerText()).toContain('未处理');
    await screenshot(page, 'dashboard-regions-5-alert-live-zh');
    await row.getByRole('button', { name: '确认' }).click();
    // Under the default filter (open and acknowledged) the row stays, with its new status.
    await expect.poll(() => row.innerText()).toContain('已确认');
    await row.click();
    await expect.poll(() => page.getByTestId('drawer-status').innerText()).toBe('已确认');
    await expect.poll(() => page.getByTestId('alert-drawer').innerText()).toContain(`${COUNTY_USER.username}`);
    await screenshot(page, 'dashboard-regions-6-alert-acknowledged-zh');
    await page.keyboard.press('Escape');
  });

  it('shows sustained failed sign-ins on an account in the live feed, naming the account', async () => {
    const { page } = tab;
    await page.goto(`${server.url}/overview`);
    await page.getByTestId('alert-feed').waitFor();
    // The feed's live subscription opens with the page.
    await page.waitForTimeout(1500);
    // Five addresses, five guesses each: the account's failures reach the alert level (services/loginThrottle.ts).
    for (let a = 1; a <= 5; a++)
      for (let i = 0; i < 5; i++) expect((await postFrom(server.url, '/trpc/auth.login', { username: COUNTY_USER.username, password: `guess-${a}-${i}` }, `127.0.3.${a}`)).status).toBe(401);
    const item = page.getByTestId('feed-AUTH-SUSTAINED-FAILURES');
    await expect.poll(() => item.count(), { timeout: 10_000 }).toBe(1);
    // A county account's alert belongs to the county, not to an institution: the account is named instead.
    expect(await item.innerText()).toContain(`账号 ${COUNTY_USER.username}`);
    await screenshot(page, 'dashboard-regions-6b-alert-sign-in-feed-zh');
  });

  it('switches the overview to English', async () => {
    const { page } = tab;
    await page.getByTestId('language-switcher').getByText('English').click();
    await page.getByTestId('nav-overview').click();
    await page.waitForURL(/\/overview/);
    await expect.poll(() => page.getByTestId('kpi-institutions').locator('.label').innerText()).toBe('Institutions');
    expect(await page.getByTestId('page-title').innerText()).toBe('Region overview');
    expect(await page.getByTestId('chart-trend').innerText()).toContain('Average score, last 90 days');
    await expect.poll(() => drawnPixels(page, 'chart-distribution'), { timeout: 10_000 }).toBeGreaterThan(2000);
    // The live feed already carries the alert opened above, in English now.
    await expect.poll(() => page.getByTestId('alert-feed').innerText()).toContain(RULE_DATA_BY_ID['HOST-PORT-REMOTE-PUBLIC'].title.en);
    await screenshot(page, 'dashboard-regions-7-overview-en');
  });

  it('gives the administrator enrollment tokens with a copyable install command', async () => {
    const admin = await openPage(browser);
    try {
      const { page } = admin;
      await page.goto(`${server.url}/login?redirect=/admin/agents`);
      await page.locator('input[name=username]').fill(TEST_ADMIN.username);
      await page.locator('input[name=password]').fill(TEST_ADMIN.password);
      await page.getByTestId('login-submit').click();
      await page.waitForURL(/\/admin\/agents/);
      await expect.poll(() => page.getByTestId('agents-table').locator('tbody tr').count()).toBeGreaterThan(0);
      await page.getByTestId('token-institution').click();
      await page.locator('.el-select-dropdown__item', { hasText: '西湖区实时测试医院' }).click();
      await page.getByTestId('token-create').click();
      await expect.poll(() => page.getByTestId('install-linux').innerText()).toMatch(new RegExp(`weian-agent enroll --server ${server.url} --token wa_\\S+`));
      await screenshot(page, 'dashboard-regions-8-agents-token-zh');
      expect(admin.problems.filter((p) => !/status of 40[13]/.test(p))).toEqual([]);
    } finally {
      await admin.context.close();
    }
  });

  it("lets a hospital's own staff record an emergency drill, and shows them no region views", async () => {
    const own = await openPage(browser);
    try {
      const { page } = own;
      await page.goto(`${server.url}/login`);
      await page.locator('input[name=username]').fill(HOSPITAL_USER.username);
      await page.locator('input[name=password]').fill(HOSPITAL_USER.password);
      await page.getByTestId('login-submit').click();
      await page.waitForURL(/\/institutions\/ZJ-XH-LIVE/);
      await expect.poll(() => page.getByTestId('institution-name').innerText()).toBe('西湖区实时测试医院');
      expect(await page.getByTestId('nav-overview').count()).toBe(0);
      expect(await page.getByTestId('region-tree').count()).toBe(0);
      await page.getByTestId('tab-governance').click();
      const drills = page.getByTestId('governance-deadlines').locator('tr', { hasText: '应急演练' });
      await expect.poll(() => drills.innerText()).toContain('已逾期');
      await page.getByTestId('governance-date').locator('input').fill('2026-11-01');
      await page.getByTestId('governance-date').locator('input').press('Enter');
      await page.getByTestId('governance-add').click();
      await expect.poll(() => page.getByTestId('governance-table').innerText()).toContain('2026-11-01');
      await expect.poll(() => drills.innerText()).toContain('正常');
      await screenshot(page, 'dashboard-regions-9-institution-governance-zh');
      expect(own.problems.filter((p) => !/status of 40[13]/.test(p))).toEqual([]);
    } finally {
      await own.context.close();
    }
  });

  it('saw no console errors, uncaught exceptions or CSP violations', () => {
    expect(tab.problems.filter((p) => !/status of 40[13]/.test(p))).toEqual([]);
  });
});
