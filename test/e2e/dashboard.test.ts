import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureDashboardBuilt, launchBrowser, openPage, screenshot, type BrowserPage } from '../helpers/browser.js';
import { lastLine, runCli, startServerProcess, TEST_ADMIN, type ServerProcess } from '../helpers/index.js';

// The built dashboard in a real Chromium, against the real server fed by the real agent.
describe('dashboard in a browser: sign-in, host list, host detail, language, live update', () => {
  let server: ServerProcess;
  let browser: Browser;
  let tab: BrowserPage;
  let configPath: string;
  let hostId: string;
  const host = hostname();

  const agentOnce = async () => {
    const once = await runCli('agent', ['once', '--config', configPath]);
    expect(once.code, once.stderr).toBe(0);
  };

  beforeAll(async () => {
    await ensureDashboardBuilt();
    server = await startServerProcess();
    configPath = join(server.dataDir, 'agent', 'agent.json');
    const tok = await runCli('server', ['token', 'create', '--institution', 'ZJ-XH-002', '--name', '杭州市西湖区中医院', '--region', '330106'], { env: server.env });
    expect(tok.code, tok.stderr).toBe(0);
    const enroll = await runCli('agent', ['enroll', '--server', server.url, '--token', lastLine(tok.stdout), '--config', configPath]);
    expect(enroll.code, enroll.stderr).toBe(0);
    hostId = (JSON.parse(readFileSync(configPath, 'utf8')) as { hostId: string }).hostId;
    await agentOnce();
    browser = await launchBrowser();
    tab = await openPage(browser);
  });
  afterAll(async () => {
    await browser?.close();
    await server?.cleanup();
  });

  it('asks for a sign-in, refuses a wrong password, then lists the enrolled host, in Chinese by default', async () => {
    const { page } = tab;
    await page.goto(server.url);
    await page.waitForURL(/\/login\?redirect=/);
    await page.locator('input[name=username]').fill(TEST_ADMIN.username);
    await page.locator('input[name=password]').fill('not-the-password');
    await page.getByTestId('login-submit').click();
    await expect.poll(() => page.getByTestId('login-error').innerText()).toBe('用户名或密码错误');
    await screenshot(page, 'dashboard-0-login-zh');
    await page.locator('input[name=password]').fill(TEST_ADMIN.password);
    await page.getByTestId('login-submit').click();
    // A bureau (here the administrator) starts on its region's overview; hosts are one click away.
    await page.waitForURL(/\/overview/);
    await page.getByTestId('nav-hosts').click();
    await page.waitForURL(/\/hosts/);
    const table = page.getByTestId('host-table');
    await expect.poll(() => table.getByRole('link', { name: host }).count()).toBe(1);
    await expect.poll(() => table.locator('th').allInnerTexts()).toEqual(expect.arrayContaining(['主机名', '所属机构', '状态', '最近上报']));
    expect(await table.innerText()).toContain('杭州市西湖区中医院');
    expect(await page.getByTestId('host-count').innerText()).toBe('显示第 1–1 台，共 1 台主机');
    expect(await page.locator('html').getAttribute('lang')).toBe('zh-CN');
    await screenshot(page, 'dashboard-1-host-list-zh');
  });

  it('opens the host detail and shows its ports table', async () => {
    const { page } = tab;
    await page.getByTestId('host-table').getByRole('link', { name: host }).click();
    await page.waitForURL(new RegExp(`/hosts/${hostId}`));
    await expect.poll(() => page.getByTestId('host-name').innerText()).toBe(host);
    expect(await page.getByTestId('last-report').innerText()).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
    await page.getByTestId('tab-ports').click();
    await page.waitForURL(/tab=ports/);
    const ports = page.getByTestId('ports-table');
    await ports.waitFor();
    expect(await ports.locator('th').allInnerTexts()).toEqual(expect.arrayContaining(['协议', '端口', '绑定地址', '公网暴露', '进程']));
    // The server under test listens on its port, so this host has at least that listener.
    await expect.poll(() => ports.locator('tbody tr').count()).toBeGreaterThan(0);
    expect(await ports.innerText()).toContain(String(server.port));
    expect(await page.getByTestId('ports-summary').innerText()).toMatch(/^\d+ 个监听端口，其中 \d+ 个暴露在公网$/);
    await screenshot(page, 'dashboard-2-host-ports-zh');
  });

  it('switches to English and keeps it across a reload', async () => {
    const { page } = tab;
    await page.getByTestId('language-switcher').getByText('English').click();
    const ports = page.getByTestId('ports-table');
    await expect.poll(() => ports.locator('th').allInnerTexts()).toEqual(expect.arrayContaining(['Protocol', 'Port', 'Address', 'Exposure', 'Process']));
    expect(await page.getByTestId('tab-device').innerText()).toBe('Device');
    expect(await page.getByTestId('ports-summary').innerText()).toMatch(/^\d+ listening ports, \d+ exposed to the internet$/);
    expect(await page.locator('html').getAttribute('lang')).toBe('en');
    await page.reload();
    await expect.poll(() => page.getByTestId('tab-ports').innerText()).toBe('Ports');
    await page.getByTestId('tab-device').click();
    await page.getByTestId('disk-usage-chart').locator('canvas').waitFor();
    await screenshot(page, 'dashboard-3-host-device-en');
  });

  it('shows every section of the report, or why it has none', async () => {
    const { page } = tab;
    for (const name of ['device', 'patches', 'ports', 'backups', 'security']) {
      await page.getByTestId(`tab-${name}`).click();
      const section = page.getByTestId(`section-${name}`);
      await section.waitFor();
      const status = await section.getAttribute('data-status');
      expect(['ok', 'error', 'unsupported', 'missing']).toContain(status);
      // A section without data says which state it is in, in words.
      if (status !== 'ok') expect(await section.innerText()).toMatch(/Collection failed|Not supported|Not reported yet/);
      if (name === 'patches' || name === 'security') await screenshot(page, `dashboard-3-host-${name}-en`);
    }
    await page.getByTestId('tab-raw').click();
    expect(JSON.parse(await page.getByTestId('raw-report').innerText())).toHaveProperty('device.status', 'ok');
  });

  it('shows an error state, not a blank page, for a host it may not see', async () => {
    const { page } = tab;
    await page.goto(`${server.url}/hosts/no-such-host`);
    // A refusal: said in the page's language, not in the server's words, and with no retry.
    await expect.poll(() => page.getByTestId('state-refused').innerText()).toContain('Access denied, or it does not exist');
    expect(await page.getByTestId('state-refused').innerText()).not.toContain('no-such-host');
    expect(await page.getByRole('button', { name: 'Retry' }).count()).toBe(0);
    await screenshot(page, 'dashboard-3-host-error-en');
    await page.goto(`${server.url}/hosts/${hostId}`);
    await page.getByTestId('host-name').waitFor();
  });

  it('updates the page live when the agent reports again, without a reload', async () => {
    const { page } = tab;
    await expect.poll(() => page.getByTestId('live-indicator').getAttribute('class')).toContain('open');
    const before = await page.getByTestId('last-report').innerText();
    // A marker on window survives only if the page is not reloaded.
    await page.evaluate(() => ((window as unknown as { weianMarker: number }).weianMarker = 1));
    // Times are shown to the second: make sure the next report falls in a later one.
    await new Promise((r) => setTimeout(r, 1100));
    await agentOnce();
    await expect.poll(() => page.getByTestId('last-report').innerText(), { timeout: 10_000 }).not.toBe(before);
    expect(await page.evaluate(() => (window as unknown as { weianMarker?: number }).weianMarker)).toBe(1);
    await page.getByTestId('tab-receipts').click();
    await expect.poll(() => page.getByTestId('receipts-table').locator('tbody tr').count()).toBe(2);
    await screenshot(page, 'dashboard-4-live-receipts-en');
  });

  it('signs out and is sent back to the sign-in page', async () => {
    const { page } = tab;
    await page.getByTestId('logout').click();
    await page.waitForURL(/\/login/);
    await page.goto(`${server.url}/hosts/${hostId}`);
    await page.waitForURL(/\/login\?redirect=/);
  });

  it('saw no console errors, uncaught exceptions or CSP violations', () => {
    // The wrong password, the signed-out checks and the unknown host are refused on purpose
    // (401, 403); the browser logs those responses as errors.
    expect(tab.problems.filter((p) => !/status of 40[13]/.test(p))).toEqual([]);
  });
});
