import { createServer, type Server } from 'node:http';
import { randomUUID } from 'node:crypto';
import { parse } from 'csv-parse/sync';
import ExcelJS from 'exceljs';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentClient } from '../../agent/src/client.js';
import { sampleReport } from '../../server/src/testing/harness.js';
import { ensureDashboardBuilt, launchBrowser, openPage, screenshot, type BrowserPage } from '../helpers/browser.js';
import { lastLine, runCli, signIn, startServerProcess, TEST_ADMIN, type ServerProcess } from '../helpers/index.js';
import { tally } from './counts.js';

/**
 * Stored XSS through what agents and institutions name themselves. A host name, a process name
 * and an institution name carry markup whose only effect, if it were ever interpreted, is a
 * request to a beacon on loopback or a dialog: the dashboard (real Chromium) and every export
 * (CSV, XLSX, PDF rendered by the server's own Chromium) must show them as text, and the beacon
 * must stay silent.
 */
const counts = tally(import.meta.url);

describe('hostile names are shown as text in the dashboard and the exports', () => {
  let server: ServerProcess;
  let beacon: Server;
  const hits: string[] = [];
  let browser: Browser;
  let tab: BrowserPage;
  let hostId: string;
  const dialogs: string[] = [];
  const names = { host: '', process: '', institution: '', formula: '' };
  const INSTITUTION = `XSS-${randomUUID().slice(0, 6)}`;

  beforeAll(async () => {
    beacon = createServer((req, res) => {
      hits.push(req.url ?? '');
      res.end('');
    });
    await new Promise<void>((r) => beacon.listen(0, '127.0.0.1', () => r()));
    const b = `http://127.0.0.1:${(beacon.address() as { port: number }).port}`;
    names.host = `<img src=${b}/host onerror=alert(1)>`;
    names.process = `<script src="${b}/proc"></script><svg onload=alert(2)>`;
    names.institution = `<iframe src="${b}/inst"></iframe><b onmouseover=alert(3)>医院</b>`;
    names.formula = `=HYPERLINK("${b}/formula","点击")`;

    await ensureDashboardBuilt();
    server = await startServerProcess();
    const tok = await runCli('server', ['token', 'create', '--institution', INSTITUTION, '--name', names.institution, '--region', '330106'], { env: server.env });
    expect(tok.code, tok.stderr).toBe(0);
    // A second institution whose name is a spreadsheet formula.
    const tok2 = await runCli('server', ['token', 'create', '--institution', `${INSTITUTION}-F`, '--name', names.formula, '--region', '330106'], { env: server.env });
    expect(tok2.code, tok2.stderr).toBe(0);

    // The agent's own client, with a crafted report instead of a collected one.
    for (const [token, hostname] of [
      [lastLine(tok.stdout), names.host],
      [lastLine(tok2.stdout), 'formula-host'],
    ] as const) {
      const enrolled = await new AgentClient({ server: server.url }).enroll({ token, hostname, machineId: randomUUID(), agentVersion: 'xss' });
      const client = new AgentClient({ server: server.url, credentials: { agentId: enrolled.agentId, secret: enrolled.secret } });
      const listener = {
        protocol: 'tcp' as const,
        address: '0.0.0.0',
        port: 8443,
        pid: 4242,
        process: names.process,
        bind: 'wildcard' as const,
        publicExposure: false,
        service: names.process,
        category: null,
      };
      const report = sampleReport(enrolled.agentId, new Date(), { ports: { status: 'ok', hash: 'e'.repeat(64), data: { listeners: [listener] } } }, hostname);
      await client.report(report);
      counts.inputs++;
      if (hostname === names.host) hostId = enrolled.hostId;
    }
    browser = await launchBrowser();
    tab = await openPage(browser);
    tab.page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
  });
  afterAll(async () => {
    await browser?.close();
    await server?.cleanup();
    await new Promise<void>((r) => (beacon ? beacon.close(() => r()) : r()));
    counts.flush();
  });

  it('host list, host detail and institution page show the names literally; no dialog, no request to the beacon', async () => {
    counts.attackOfTest({
      attack: 'hostile host, process, institution and formula names in the host list, host detail and institution page, in Chromium',
      tried: 3,
      result: 'shown as text: no dialog, no request to the beacon',
    });
    const { page } = tab;
    await page.goto(server.url);
    await page.waitForURL(/\/login/);
    await page.locator('input[name=username]').fill(TEST_ADMIN.username);
    await page.locator('input[name=password]').fill(TEST_ADMIN.password);
    await page.getByTestId('login-submit').click();
    await page.waitForURL((u) => !u.pathname.startsWith('/login'));
    await page.goto(`${server.url}/hosts`);
    const table = page.getByTestId('host-table');
    await expect.poll(() => table.innerText()).toContain(names.host);
    expect(await table.innerText()).toContain('<iframe');
    // Not an element: the markup is in a text node.
    expect(await table.locator('img[src*="/host"], iframe, svg[onload]').count()).toBe(0);
    await screenshot(page, 'adversarial-xss-host-list');

    await page.goto(`${server.url}/hosts/${hostId}`);
    await expect.poll(() => page.getByTestId('host-name').innerText()).toBe(names.host);
    await page.getByTestId('tab-ports').click();
    const ports = page.getByTestId('ports-table');
    await ports.waitFor();
    await expect.poll(() => ports.innerText()).toContain(names.process);
    expect(await page.locator('script[src*="/proc"], svg[onload]').count()).toBe(0);
    await screenshot(page, 'adversarial-xss-host-ports');

    await page.goto(`${server.url}/institutions/${INSTITUTION}`);
    await expect.poll(() => page.getByTestId('institution-name').innerText()).toBe(names.institution);
    expect(await page.locator('iframe, b[onmouseover]').count()).toBe(0);
    await new Promise((r) => setTimeout(r, 300));
    expect(dialogs).toEqual([]);
    expect(hits).toEqual([]);
    expect(tab.problems.filter((p) => /Content Security Policy|Refused to/.test(p))).toEqual([]);
  });

  it('exports (whatever exists of /export/rankings.csv|xlsx|pdf) carry the names as text, and rendering them fetches nothing', async () => {
    counts.attackOfTest({ attack: 'hostile names in the csv, xlsx and pdf exports', tried: 3, result: 'carried as text; rendering them fetches nothing' });
    const cookie = await signIn(server.url);
    const get = (format: string) => fetch(`${server.url}/export/rankings.${format}?region=330106`, { headers: { cookie } });
    const tried: Record<string, number> = {};

    const csv = await get('csv');
    tried.csv = csv.status;
    expect(csv.status).toBeLessThan(500);
    if (csv.status === 200) {
      const rows = parse(await csv.text(), { relax_column_count: true, bom: true }) as string[][];
      const cells = rows.flat();
      expect(cells).toContain(names.institution);
      // A cell a spreadsheet would run as a formula is neutralised (a leading ' or a space).
      expect(cells.filter((c) => /^[=+\-@]/.test(c) && c.includes('HYPERLINK'))).toEqual([]);
    }
    const xlsx = await get('xlsx');
    tried.xlsx = xlsx.status;
    expect(xlsx.status).toBeLessThan(500);
    if (xlsx.status === 200) {
      const wb = new ExcelJS.Workbook();
      await wb.xlsx.load(Buffer.from(await xlsx.arrayBuffer()) as never);
      const values: unknown[] = [];
      wb.eachSheet((ws) => ws.eachRow((row) => row.eachCell((c) => values.push(c.value))));
      expect(values).toContain(names.institution);
      // No cell is a formula: the formula-named institution is a plain string.
      expect(values.filter((v) => v !== null && typeof v === 'object' && ('formula' in (v as object) || 'sharedFormula' in (v as object)))).toEqual([]);
    }
    const pdf = await get('pdf');
    tried.pdf = pdf.status;
    expect(pdf.status).toBeLessThan(500);
    if (pdf.status === 200) {
      const bytes = Buffer.from(await pdf.arrayBuffer());
      expect(bytes.subarray(0, 5).toString()).toBe('%PDF-');
    }
    counts.inputs += 3;
    // The server's Chromium printed the PDF: had it read the names as HTML, the beacon would have heard it.
    await new Promise((r) => setTimeout(r, 300));
    expect(hits).toEqual([]);
    console.log(`adversarial xss: export statuses ${JSON.stringify(tried)}`);
    // At least one format exists by now; a missing one answers 4xx, never 5xx.
    expect(Object.values(tried).some((s) => s === 200)).toBe(true);
  });
});
