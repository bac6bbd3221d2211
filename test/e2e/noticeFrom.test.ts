import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signedInClient } from '../helpers/auth.js';
import { ensureDashboardBuilt, launchBrowser, openPage, screenshot, signInWithForm, type BrowserPage } from '../helpers/browser.js';
import { institutionWithAgent, startServerProcess, type ServerProcess } from '../helpers/index.js';

// A county bureau issues a rectification notice from where it sees the problem: a host finding the real
// agent's report made fail (the form pre-filled with that rule on that host), and a row picked in the
// rankings. Same server path as a notice typed in by hand.
describe('issuing a notice from a finding and from the rankings: real server, real agent, real browser', () => {
  let server: ServerProcess;
  let browser: Browser;
  let tab: BrowserPage;
  const INST = 'ZJ-XH-021';
  const county = { username: 'xihu-issuer', password: 'Xihu-Issuer-Pass-1' };

  beforeAll(async () => {
    await ensureDashboardBuilt();
    server = await startServerProcess();
    await institutionWithAgent(server, { code: INST, name: '杭州市西湖区留下街道社区卫生服务中心', region: '330106' }, [{ ...county, role: 'county', scopeCode: '330106' }]);
    browser = await launchBrowser();
    tab = await openPage(browser);
  });
  afterAll(async () => {
    await browser?.close();
    await server?.cleanup();
  });

  it('from a host finding: the notice links that rule on that host only; from a picked rankings row: that institution', async () => {
    const bureau = await signedInClient(server.url, county);
    const judged = await bureau.client.institutions.findings.query({ institutionCode: INST });
    const hostFinding = judged.failingHostFindings.find((f) => f.status === 'fail' && f.subjectKind === 'host');
    expect(hostFinding, JSON.stringify(judged.failingHostFindings.map((f) => [f.ruleId, f.status]))).toBeDefined();

    const { page } = tab;
    await signInWithForm(page, server.url, county);
    await page.goto(`${server.url}/institutions/${INST}?tab=findings`);
    const row = page.getByTestId('findings-table').locator('tr', { hasText: hostFinding!.ruleId });
    await row.getByTestId('finding-to-notice').click();
    await page.waitForURL((u) => u.pathname === '/notices' && u.searchParams.get('rule') === hostFinding!.ruleId);
    // Pre-filled: the institution, the rule, the host, the finding's severity, a title and requirement from the rule.
    await expect.poll(() => page.getByTestId('issue-prefilled').isVisible()).toBe(true);
    expect(await page.getByTestId('issue-institution').inputValue()).toBe(INST);
    expect(await page.getByTestId('issue-rule').inputValue()).toBe(hostFinding!.ruleId);
    expect(await page.getByTestId('issue-subject').innerText()).toContain(hostFinding!.subjectId);
    expect(await page.getByTestId('issue-title').inputValue()).toMatch(/^关于限期整改“.+”问题的通知$/);
    await page.getByTestId('issue-submit').click();
    await expect.poll(() => page.getByTestId('issue-done').innerText()).toMatch(/已下发 1 份：西湖卫安整改〔\d{4}〕1号/);
    await screenshot(page, 'notice-from-finding');
    const notice = (await bureau.client.notices.list.query()).items[0]!;
    const detail = await bureau.client.notices.get.query({ noticeId: notice.id });
    expect([detail.institutionCode, detail.severity]).toEqual([INST, hostFinding!.severity]);
    expect(detail.items.map((i) => [i.ruleId, i.links])).toEqual([[hostFinding!.ruleId, [{ subjectKind: 'host', subjectId: hostFinding!.subjectId }]]]);

    // The rankings: pick the institution's row, issue to it.
    await page.goto(`${server.url}/rankings`);
    const rankRow = page.getByTestId('ranking-table').locator('tr', { hasText: '留下街道' });
    await rankRow.locator('.el-checkbox').click();
    await expect.poll(() => page.getByTestId('ranking-issue-selected').innerText()).toBe('向所选机构下发整改通知（1）');
    await page.getByTestId('ranking-issue-selected').click();
    await page.waitForURL((u) => u.pathname === '/notices' && u.searchParams.get('to') === INST);
    expect(await page.getByTestId('issue-institution').inputValue()).toBe(INST);
    bureau.close();
  });
});
