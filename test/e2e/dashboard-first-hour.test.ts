import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureDashboardBuilt, launchBrowser, openPage, screenshot, type BrowserPage } from '../helpers/browser.js';
import { runCli, signedInClient, startServerProcess, tempDir, TEST_ADMIN, type ServerProcess } from '../helpers/index.js';

const REGION = '330106';
const RANK: Record<string, number> = { 严重: 0, 高危: 1, 中危: 2, 低危: 3 };

async function signInAs(page: Page, url: string, creds: { username: string; password: string }) {
  await page.goto(`${url}/login`);
  await page.locator('input[name=username]').fill(creds.username);
  await page.locator('input[name=password]').fill(creds.password);
  await page.getByTestId('login-submit').click();
  await page.waitForURL((u) => !u.pathname.startsWith('/login'));
}

// What a newcomer meets in the first hour on the seeded demo, as the administrator, in a real Chromium:
// pages opened by their address, the rules page keeping what was saved, the overview and alert list.
describe('dashboard in a browser: the first hour', () => {
  let server: ServerProcess;
  let browser: Browser;
  let tab: BrowserPage;
  let admin: Awaited<ReturnType<typeof signedInClient>>;

  beforeAll(async () => {
    const built = ensureDashboardBuilt();
    const dataDir = tempDir();
    const seeded = await runCli('server', ['seed-demo', '--init', '--days', '3', '--scale', '0.2'], { env: { WEIAN_DATA_DIR: dataDir }, timeoutMs: 120_000 });
    expect(seeded.code, seeded.stderr).toBe(0);
    server = await startServerProcess({ dataDir });
    admin = await signedInClient(server.url);
    await built;
    browser = await launchBrowser();
    tab = await openPage(browser);
    await signInAs(tab.page, server.url, TEST_ADMIN);
  }, 150_000);
  afterAll(async () => {
    admin?.close();
    await browser?.close();
    await server?.cleanup();
  });

  it('is live on any page opened directly by its address or reloaded, not only after the overview', async () => {
    const { page } = tab;
    for (const path of [`/rankings?region=${REGION}`, '/admin/users', `/admin/rules?region=${REGION}`]) {
      await page.goto(`${server.url}${path}`);
      await expect.poll(() => page.getByTestId('live-indicator').getAttribute('class'), { message: path }).toContain('open');
      expect(await page.getByTestId('live-indicator').innerText()).toBe('实时更新已连接');
    }
    await page.reload();
    await expect.poll(() => page.getByTestId('live-indicator').getAttribute('class')).toContain('open');
  });

  it('keeps saved region thresholds: they load after a reload, and the next save adds to them', async () => {
    const { page } = tab;
    const table = page.getByTestId('rules-table');
    const input = (ruleId: string, label: string) => table.locator('tbody tr', { hasText: ruleId }).locator('.threshold', { hasText: label }).locator('input');
    const silent = () => input('HOST-AGENT-SILENT', '最长静默小时');
    const filing = () => input('INST-MLPS-FILING', '备案期限（工作日）');
    const save = async () => {
      await page.getByTestId('save-settings').click();
      await expect.poll(() => page.getByText('区域设置已保存').count()).toBe(1);
    };
    await page.goto(`${server.url}/admin/rules?region=${REGION}`);
    await expect.poll(() => silent().inputValue()).toBe('24');

    await silent().fill('12');
    await silent().press('Tab');
    await save();
    await page.reload();
    await expect.poll(() => silent().inputValue()).toBe('12');

    await filing().fill('7');
    await filing().press('Tab');
    await save();
    await page.reload();
    await expect.poll(() => filing().inputValue()).toBe('7');
    expect(await silent().inputValue()).toBe('12');
    // The server holds both: nothing was erased by the second save.
    const stored = (await admin.client.regions.settings.query({ regionCode: REGION })).settings.rules;
    expect(Object.fromEntries(stored.map((r) => [r.ruleId, r.thresholds]))).toMatchObject({ 'HOST-AGENT-SILENT': { silentHours: 12 }, 'INST-MLPS-FILING': { workingDays: 7 } });
    await screenshot(page, 'first-hour-1-rules-zh');
  });

  it("starts the overview's alert feed with the open critical and high alerts, and says what each card counts", async () => {
    const { page } = tab;
    const open = await admin.client.alerts.list.query({ regionCode: REGION, status: ['open'], severity: ['critical', 'high'], limit: 1, offset: 0 });
    expect(open.total).toBeGreaterThan(0);
    await page.goto(`${server.url}/overview?region=${REGION}`);
    const feed = page.getByTestId('alert-feed');
    await expect.poll(() => feed.locator('li').count()).toBe(Math.min(12, open.total));
    expect(await page.getByTestId('feed-empty').count()).toBe(0);
    expect(await feed.locator('li').first().innerText()).toMatch(/^严重\s+未处理/);

    // Two cards, two different things counted: each says which.
    const alertsCard = page.getByTestId('kpi-high-alerts').locator('.label');
    const failingCard = page.getByTestId('kpi-failing').locator('.label');
    expect(await alertsCard.innerText()).toContain('告警');
    expect(await failingCard.innerText()).toContain('不合规项');
    expect(await alertsCard.getAttribute('title')).toMatch(/告警.*含已确认/);
    expect(await failingCard.getAttribute('title')).toMatch(/检查项.*每条规则/);
    await screenshot(page, 'first-hour-2-overview-zh');
  });

  it('lists alerts worst first, and an acknowledgement says so and names its handler', async () => {
    const { page } = tab;
    await page.goto(`${server.url}/alerts?region=${REGION}`);
    const table = page.getByTestId('alert-table');
    await expect.poll(() => table.locator('tbody tr').count()).toBeGreaterThan(1);
    const severities = (await table.locator('tbody tr td:nth-child(1)').allInnerTexts()).map((s) => RANK[s.trim()]!);
    expect(severities.every((r, i) => i === 0 || r >= severities[i - 1]!)).toBe(true);
    expect(severities[0]).toBe(0);

    const ack = table.locator('[data-testid^=ack-]').first();
    const id = (await ack.getAttribute('data-testid'))!.slice('ack-'.length);
    expect(await page.getByTestId(`alert-assignee-${id}`).innerText()).toBe('—');
    await ack.click();
    await expect.poll(() => page.locator('.alert-ack-done').innerText()).toMatch(/^已确认「.+」，处理人：.+/);
    const handler = (await admin.client.alerts.get.query({ alertId: id })).assignee?.name;
    expect(handler).toBeTruthy();
    await expect.poll(() => page.getByTestId(`alert-assignee-${id}`).innerText()).toBe(handler);
    expect(await page.getByTestId(`alert-status-${id}`).innerText()).toBe('已确认');
    await screenshot(page, 'first-hour-3-alerts-zh');
  });

  it('pages, searches, filters and orders the host list on the server, with a score column', async () => {
    const { page } = tab;
    const asked: string[] = [];
    const onRequest = (r: { url(): string }) => {
      if (r.url().includes('/trpc/') && r.url().includes('hosts.list')) asked.push(decodeURIComponent(r.url()));
    };
    page.on('request', onRequest);
    const query = (name: string) => new URL(page.url()).searchParams.get(name);
    const table = page.getByTestId('host-table');
    const rows = table.locator('tbody tr');
    const column = (n: number) => table.locator(`tbody tr td:nth-child(${n})`).allInnerTexts();
    const { total } = await admin.client.hosts.list.query({ regionCode: REGION, limit: 1, offset: 0 });
    expect(total).toBeGreaterThan(20);

    await page.goto(`${server.url}/hosts?region=${REGION}&size=20`);
    await expect.poll(() => rows.count()).toBe(20);
    expect(await page.getByTestId('host-count').innerText()).toBe(`显示第 1–20 台，共 ${total} 台主机`);
    expect(await table.locator('th').allInnerTexts()).toEqual(expect.arrayContaining(['主机名', '所属机构', '得分', '风险', '最近在线']));
    // One page asked for, of the region on screen: not every host to filter in the browser.
    expect(asked.length).toBeGreaterThan(0);
    expect(asked.every((u) => u.includes('"limit":20') && u.includes(`"regionCode":"${REGION}"`))).toBe(true);

    await page.getByTestId('host-pager').locator('.el-pager li', { hasText: /^2$/ }).click();
    await expect.poll(() => query('page')).toBe('2');
    await expect.poll(() => page.getByTestId('host-count').innerText()).toBe(`显示第 21–${Math.min(40, total)} 台，共 ${total} 台主机`);

    // Ordered by score (either way the header asks), from page 1 of that order.
    await table.locator('thead th', { has: page.getByText('得分', { exact: true }) }).click();
    await expect.poll(() => query('sort')).toBe('score');
    expect(query('page')).toBeNull();
    // The rows on screen stay until the server answers: wait for the ordered ones.
    const scores = async () => (await column(4)).map((s) => (s.trim() === '—' ? -1 : Number(s)));
    const sign = query('order') === 'desc' ? -1 : 1;
    await expect.poll(async () => (await scores()).every((x, i, all) => i === 0 || sign * (x - all[i - 1]!) >= 0)).toBe(true);
    expect(await page.getByTestId('host-count').innerText()).toMatch(/^显示第 1–20 台/);

    // Only hosts with a failing critical check.
    await page.getByTestId('filter-risk').click();
    await page.locator('.el-select-dropdown__item', { hasText: '有严重不合规' }).click();
    await page.keyboard.press('Escape');
    await expect.poll(() => query('risk')).toBe('critical');
    await expect.poll(async () => new Set(await table.locator('tbody tr td:nth-child(5) .risk').allInnerTexts())).toEqual(new Set(['有严重不合规']));
    const critical = Number(/共 (\d+) 台主机/.exec(await page.getByTestId('host-count').innerText())?.[1]);
    expect(critical).toBeLessThan(total);

    // A name search on top: every row carries it.
    const name = (await column(1))[0]!.trim();
    await page.getByTestId('filter-search').fill(name.slice(0, -1));
    await expect.poll(() => query('q')).toBe(name.slice(0, -1));
    await expect.poll(async () => (await column(1)).every((n) => n.includes(name.slice(0, -1)))).toBe(true);
    expect(await column(1)).toContain(name);
    await screenshot(page, 'first-hour-4-hosts-zh');
    page.off('request', onRequest);
  });

  it('tells a county bureau in Chinese that another county is not theirs: no server English, no retry, no export', async () => {
    const county = { username: 'xihu-first-hour', password: 'Xihu-First-Hour-1' };
    await admin.client.users.create.mutate({ username: county.username, displayName: '西湖区卫健局', role: 'county', scopeCode: REGION, password: county.password });
    const tree = await admin.client.regions.tree.query();
    const outside = tree.institutions.find((i) => !i.regionCode.startsWith(REGION))?.code ?? 'ZJ-NO-SUCH-1';
    const own = await openPage(browser);
    try {
      const { page } = own;
      await signInAs(page, server.url, county);
      for (const path of ['/rankings?region=330108', `/institutions/${outside}`, '/overview?region=330108']) {
        await page.goto(`${server.url}${path}`);
        const refused = page.getByTestId('state-refused');
        await expect.poll(() => refused.count(), { message: path }).toBe(1);
        const text = await refused.innerText();
        expect(text).toContain('不在您账号的管辖范围内');
        expect(text, path).not.toMatch(/[A-Za-z]{3,}/);
        expect(await page.getByRole('button', { name: '重试' }).count()).toBe(0);
        expect(await page.locator('[data-testid^=export-]').count()).toBe(0);
      }
      await screenshot(page, 'first-hour-5-refused-zh');
      expect(own.problems.filter((p) => !/status of 40[134]/.test(p))).toEqual([]);
    } finally {
      await own.context.close();
    }
  });

  it('saw no console errors, uncaught exceptions or CSP violations', () => {
    expect(tab.problems.filter((p) => !/status of 40[13]/.test(p))).toEqual([]);
  });
});
