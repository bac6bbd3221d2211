import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventBus } from '../../server/src/events.js';
import type { Principal } from '../../server/src/services/auth.js';
import { seedDemo } from '../../server/src/services/demo.js';
import { registerPublicTarget } from '../../server/src/services/publicTargets.js';
import { saveMlpsSystem } from '../../server/src/services/records.js';
import { createScanner, ingestScan } from '../../server/src/services/scanners.js';
import { migrate, openDb } from '../../server/src/storage/db.js';
import { ARTIFACTS, ensureDashboardBuilt, launchBrowser, openPage, screenshot } from '../helpers/browser.js';
import { REPO, signedInClient, startServerProcess, tempDir, TEST_ADMIN, type ServerProcess } from '../helpers/index.js';
import { untranslatedWords } from '../helpers/words.js';

const SEEDER: Principal = { userId: 'cli', username: 'weian-server', displayName: 'CLI', role: 'admin', scopeCode: null, scope: { kind: 'all' }, regionCode: null, institutionCode: null };
const COUNTY = '330106';
const INSTITUTION = '330106001';

/** A bureau reads Chinese: every zh-CN view and export of the demo county, checked for English. */
describe('no untranslated English in the Chinese dashboard and exports', () => {
  let server: ServerProcess;
  let browser: Browser;
  let page: Page;
  let cookie: string;
  /** Words found, by where they were found (each test starts afresh). */
  let found: Record<string, string[]> = {};
  const check = (where: string, text: string) => {
    const words = untranslatedWords(text, { fromPdf: where.endsWith('.pdf') });
    if (words.length) found[where] = words;
  };
  const visited = new Set<string>();

  beforeAll(async () => {
    const dataDir = tempDir();
    const handle = openDb({ dataDir });
    try {
      await migrate(handle.db);
      const deps = { db: handle.db, dialect: handle.dialect, bus: new EventBus(), now: () => new Date() };
      await seedDemo(deps, SEEDER, { days: 3, scale: 0.25 });
      // A system graded without a date: its deadlines cannot be computed, and must say why in Chinese.
      await saveMlpsSystem(deps, SEEDER, INSTITUTION, {
        name: '预约挂号系统',
        level: 2,
        criticalInfrastructure: false,
        personalInfoOver100k: false,
        gradedOn: null,
        filedOn: null,
        lastEvaluatedOn: null,
        wentLiveOn: null,
        prelaunchTestedOn: null,
        retiredOn: null,
        hostIds: [],
      });
      // Issue 24: a public range of the demo hospital, and what a scanner saw open there.
      await registerPublicTarget(deps, SEEDER, { institutionCode: INSTITUTION, target: '61.164.10.0/29', note: '互联网出口' });
      const scanner = await createScanner(deps, SEEDER, { regionCode: COUNTY, name: '西湖区边界扫描器' });
      const seen = { banner: null, tlsSha256: null, sshHostKey: null, httpTitle: null, plainHttp: false };
      await ingestScan(deps, {
        ...scanner,
        observations: [
          { ...seen, address: '61.164.10.2', port: 3306, banner: '5.7.44-log' },
          { ...seen, address: '61.164.10.3', port: 80, httpTitle: '系统登录', plainHttp: true },
        ],
      });
    } finally {
      await handle.close();
    }
    await ensureDashboardBuilt();
    server = await startServerProcess({ dataDir });
    cookie = (await signedInClient(server.url)).cookie;
    // A refused sign-in, so that the audit log holds a denial with its reason.
    const refused = await fetch(`${server.url}/trpc/auth.login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: 'not-the-password' }),
    });
    expect(refused.status).toBe(401);
    browser = await launchBrowser();
    page = (await openPage(browser)).page;
    await page.goto(`${server.url}/login`);
    await page.locator('input[name=username]').fill(TEST_ADMIN.username);
    await page.locator('input[name=password]').fill(TEST_ADMIN.password);
    await page.getByTestId('login-submit').click();
    await page.waitForURL(/\/overview/);
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await server?.cleanup();
  });

  /** The page's visible text once its requests have settled. */
  const settledText = async (selector = 'body') => {
    await page.waitForLoadState('networkidle');
    await page.waitForTimeout(200);
    return page.locator(selector).innerText();
  };
  const visit = async (route: string, url: string) => {
    visited.add(route);
    await page.goto(`${server.url}${url}`);
    check(url, await settledText());
  };

  it('renders every route of the dashboard in Chinese, a host’s every tab and an alert’s drawer', async () => {
    found = {};
    await visit('/overview', `/overview?region=${COUNTY}`);
    await visit('/rankings', `/rankings?region=${COUNTY}`);
    await visit('/institutions/:code', `/institutions/${INSTITUTION}`);
    // The data register tab (数据目录), which the demo fills: categories, levels and bands in words.
    await page.goto(`${server.url}/institutions/${INSTITUTION}?tab=data`);
    await page.getByTestId('register-entries').waitFor();
    check('institution data register', await settledText('main'));
    await visit('/alerts', `/alerts?region=${COUNTY}`);
    await page.getByTestId('alert-table').locator('tbody tr').first().click();
    await page.getByTestId('alert-drawer').waitFor();
    check('alert drawer', await settledText('[data-testid=alert-drawer]'));
    await visit('/incidents', `/incidents?region=${COUNTY}`);
    await visit('/notices', '/notices');
    // The demo issues no notice: a notice that does not exist shows the refusal, in words.
    await visit('/notices/:noticeId', '/notices/no-such-notice');
    await visit('/self-inspection', '/self-inspection');
    await visit('/self-inspection/institutions/:code', `/self-inspection/institutions/${INSTITUTION}`);
    await visit('/exposure', `/exposure?region=${COUNTY}`);
    for (const tab of ['targets', 'scanners']) {
      await page.getByTestId(`tab-${tab}`).click();
      check(`exposure tab ${tab}`, await settledText('main'));
    }
    await page.goto(`${server.url}/institutions/${INSTITUTION}?tab=exposure`);
    await page.getByTestId('exposure-table').waitFor();
    check('institution exposure', await settledText('main'));
    await visit('/hosts', `/hosts?region=${COUNTY}`);
    // The demo's first HIS server runs Kylin, whose support end is not in the packaged table.
    visited.add('/hosts/:hostId');
    await page.getByTestId('host-table').getByRole('link', { name: 'his-01.001', exact: true }).click();
    await page.getByTestId('host-name').waitFor();
    check('host detail', await settledText());
    for (const tab of ['findings', 'device', 'patches', 'ports', 'backups', 'security', 'receipts']) {
      await page.getByTestId(`tab-${tab}`).click();
      check(`host tab ${tab}`, await settledText('main'));
      if (tab === 'findings') await screenshot(page, 'words-host-findings-zh');
    }
    await visit('/admin/agents', '/admin/agents');
    await visit('/admin/rules', `/admin/rules?region=${COUNTY}`);
    await screenshot(page, 'words-rules-zh');
    await visit('/admin/channels', `/admin/channels?region=${COUNTY}`);
    await visit('/admin/users', '/admin/users');
    await visit('/admin/calendar', '/admin/calendar');
    await visit('/admin/agent-install', '/admin/agent-install');
    await visit('/admin/audit', '/admin/audit');
    // Actions and details in words: a sign-in and the demo's enrollments.
    const audit = await page.getByTestId('audit-table').innerText();
    expect(audit).toContain('登录');
    expect(audit).toMatch(/探针注册[\s\S]*主机编号：h_/);
    expect(audit).toContain('原因：用户名或密码错误');
    await screenshot(page, 'words-audit-zh');
    // Refusals and dead ends too.
    await visit('/:pathMatch(.*)*', '/no-such-page');
    for (const [where, url] of [
      ['refused host', '/hosts/no-such-host'],
      ['refused institution', '/institutions/999999999'],
    ]) {
      await page.goto(`${server.url}${url}`);
      await expect.poll(() => page.getByTestId('state-refused').innerText()).toContain('管辖范围');
      check(where!, await settledText());
    }
    // Signed out last: the sign-in page, and a wrong password's message.
    await page.context().clearCookies();
    await visit('/login', '/login');
    await page.locator('input[name=username]').fill(TEST_ADMIN.username);
    await page.locator('input[name=password]').fill('not-the-password');
    await page.getByTestId('login-submit').click();
    await page.getByTestId('login-error').waitFor();
    check('failed sign-in', await settledText());
    // '/' and '/my-institution' only redirect.
    visited.add('/').add('/my-institution');

    // A route added to the router without a visit here fails this test.
    const routes = [...readFileSync(join(REPO, 'dashboard/src/router.ts'), 'utf8').matchAll(/\{ path: '([^']+)'/g)].map((m) => m[1]);
    expect(routes.filter((r) => !visited.has(r!))).toEqual([]);
    expect(found).toEqual({});
  }, 180_000);

  const download = async (path: string) => {
    const res = await fetch(`${server.url}${path}`, { headers: { cookie } });
    expect(res.status, path).toBe(200);
    return Buffer.from(await res.arrayBuffer());
  };
  const xlsxText = async (bytes: Buffer) => {
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(bytes as never);
    const parts: string[] = [];
    for (const sheet of wb.worksheets) {
      parts.push(sheet.name);
      sheet.eachRow((row) => row.eachCell((cell) => parts.push(cell.text)));
    }
    return parts.join('\n');
  };
  /** Kept in test/.artifacts for a look (pdftoppm -png renders its pages). */
  const pdfText = (bytes: Buffer, name: string) => {
    mkdirSync(ARTIFACTS, { recursive: true });
    const file = join(ARTIFACTS, `words-${name}`);
    writeFileSync(file, bytes);
    return execFileSync('/usr/bin/pdftotext', ['-enc', 'UTF-8', file, '-'], { encoding: 'utf8' });
  };

  it('exports every file in Chinese: rankings XLSX, CSV and PDF, institution XLSX and PDF', async () => {
    found = {};
    const exported: Record<string, string> = {
      'rankings.xlsx': await xlsxText(await download(`/export/rankings.xlsx?region=${COUNTY}`)),
      'rankings.csv': (await download(`/export/rankings.csv?region=${COUNTY}`)).toString('utf8'),
      'rankings.pdf': pdfText(await download(`/export/rankings.pdf?region=${COUNTY}`), 'rankings.pdf'),
      'institution.xlsx': await xlsxText(await download(`/export/institution.xlsx?institution=${INSTITUTION}`)),
      'institution.pdf': pdfText(await download(`/export/institution.pdf?institution=${INSTITUTION}`), 'institution.pdf'),
    };
    // The files hold what the views hold: a read-back that lost the text would pass for nothing.
    expect(exported['institution.xlsx']).toContain('无法判断（未记录定级日期）');
    for (const [name, text] of Object.entries(exported)) {
      expect(text, name).toContain('西湖区');
      check(name, text);
    }
    expect(found).toEqual({});
  }, 120_000);
});
