import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signedInClient } from '../helpers/auth.js';
import { ensureDashboardBuilt, launchBrowser, openPage, screenshot, signInWithForm, type BrowserPage } from '../helpers/browser.js';
import { REPO } from '../helpers/paths.js';
import { runCli, startServerProcess, TEST_ADMIN, type ServerProcess } from '../helpers/index.js';

// An administrator sees that next year's holidays are missing and loads them from a file in the dashboard.
describe('dashboard: the holiday calendar banner and form', () => {
  let server: ServerProcess;
  let browser: Browser;
  let tab: BrowserPage;
  const exampleFile = join(REPO, 'docs', 'calendar-2027.example.json');
  const example = JSON.parse(readFileSync(exampleFile, 'utf8')) as Record<string, unknown> & { workdays: string[] };
  let wrongFile = '';
  let goodFile = '';

  beforeAll(async () => {
    await ensureDashboardBuilt();
    server = await startServerProcess();
    const { example: _flag, ...typed } = example;
    goodFile = join(server.dataDir, 'calendar-2027.json');
    writeFileSync(goodFile, JSON.stringify(typed));
    wrongFile = join(server.dataDir, 'calendar-2027-wrong.json');
    writeFileSync(wrongFile, JSON.stringify({ ...typed, workdays: [...example.workdays.slice(1), '2027-03-01'] }));
    browser = await launchBrowser();
    tab = await openPage(browser);
  });
  afterAll(async () => {
    await browser?.close();
    await server?.cleanup();
  });

  it('shows the banner, refuses the example and a wrong file with the reason, loads the right one', async () => {
    // What the server says is missing (in December 2026: 2027) is what the banner names.
    const admin = await signedInClient(server.url);
    const missing = (await admin.client.calendar.status.query()).missingYear;
    admin.close();
    expect(missing).not.toBeNull();

    const { page } = tab;
    await signInWithForm(page, server.url, TEST_ADMIN);
    await page.waitForURL(/\/overview/);
    const banner = page.getByTestId('calendar-banner');
    await expect.poll(() => banner.innerText()).toContain(`尚未导入 ${missing} 年节假日安排`);
    await page.getByTestId('calendar-banner-link').click();
    await page.waitForURL(/\/admin\/calendar/);
    await expect.poll(() => page.getByTestId('page-title').innerText()).toBe('节假日安排');

    await page.getByTestId('calendar-file').setInputFiles(exampleFile);
    await page.getByTestId('calendar-save').click();
    await expect.poll(() => page.getByTestId('calendar-error').innerText()).toMatch(/这是示例文件/);

    await page.getByTestId('calendar-file').setInputFiles(wrongFile);
    await expect.poll(() => page.getByTestId('calendar-holiday').count()).toBe(7);
    await page.getByTestId('calendar-save').click();
    await expect.poll(() => page.getByTestId('calendar-error').innerText()).toMatch(/2027-03-01 不是周六或周日/);
    await screenshot(page, 'calendar-refused');

    await page.getByTestId('calendar-file').setInputFiles(goodFile);
    await page.getByTestId('calendar-save').click();
    await expect.poll(() => page.getByTestId('calendar-done').innerText()).toMatch(/2027 年节假日安排已保存/);
    await expect.poll(() => page.getByTestId('calendar-loaded').innerText()).toMatch(/2027[\s\S]*admin/);
    await screenshot(page, 'calendar-loaded');

    // Stored on the server, audited, and the banner is gone once the admin moves on.
    await page.getByTestId('nav-overview').click();
    await page.waitForURL(/\/overview/);
    await expect.poll(() => banner.count()).toBe(missing === 2027 ? 0 : 1);
    const again = await signedInClient(server.url);
    expect((await again.client.calendar.status.query()).loaded.map((l) => l.year)).toEqual([2027]);
    expect(JSON.stringify(await again.client.audit.list.query({ limit: 20 }))).toMatch(/calendar\.load/);
    again.close();
  });

  it("tells the admin when WeiAn's own backup failed, and stops once one succeeds", async () => {
    const { page } = tab;
    // A backup that cannot be written (its directory's parent is a file) is recorded as failed.
    const failed = await runCli('server', ['backup', '--to', join(server.dataDir, 'weian.sqlite', 'nightly.sqlite')], { env: server.env });
    expect(failed.code).toBe(2);
    await page.goto(`${server.url}/overview`);
    const banner = page.getByTestId('backup-banner');
    await expect.poll(() => banner.innerText()).toMatch(/卫安服务器数据库最近一次备份失败[\s\S]*原因：.*nightly\.sqlite/);
    await screenshot(page, 'backup-failed-banner');
    const ok = await runCli('server', ['backup', '--to', join(server.dataDir, 'nightly.sqlite')], { env: server.env });
    expect(ok.code, ok.stderr).toBe(0);
    await page.reload();
    await page.getByTestId('page-title').waitFor();
    await expect.poll(() => banner.count()).toBe(0);
  });
});
