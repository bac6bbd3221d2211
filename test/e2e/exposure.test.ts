import type { Browser, Locator } from 'playwright-core';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureDashboardBuilt, launchBrowser, openPage, screenshot, signInWithForm, type BrowserPage } from '../helpers/browser.js';
import { agentBundle } from '../helpers/bundles.js';
import { freePort, institutionWithAgent, REPO, runCli, signedInClient, startServerProcess, waitFor, type ServerProcess } from '../helpers/index.js';

// Issue 24 in the dashboard: a county registers its hospital's public addresses (refusals in Chinese),
// a scanner reports what it saw, the exposure appears live with the host behind the port mapping,
// the scanners are shown, and the region turns the weak-credential check on, which the agent then runs.
/** A host section's data when the agent sent it; null for an error, unsupported or missing section. */
const sectionData = (s: { status: string; data?: unknown } | { status: string } | undefined) => (s && 'data' in s ? s.data : null);

describe('internet exposure and weak credentials: real server, real agent, real browser', () => {
  let server: ServerProcess;
  let browser: Browser;
  let tab: BrowserPage;
  // A Redis of the test's own without a password, on loopback: what the agent must find open without authentication.
  let openRedis: ChildProcess | undefined;
  const INST = 'ZJ-XH-020';
  const OTHER = 'ZJ-XH-021';
  const county = { username: 'xihu-exposure', password: 'Xihu-Exposure-Pass-1' };
  const officer = { username: 'xh20-officer', password: 'Xh20-Officer-Pass-1' };
  const neighbour = { username: 'gongshu-exposure', password: 'Gongshu-Exposure-Pass-1' };

  beforeAll(async () => {
    await ensureDashboardBuilt();
    server = await startServerProcess();
    await institutionWithAgent(server, { code: INST, name: '杭州市西湖区第二人民医院', region: '330106' }, [
      { ...county, role: 'county', scopeCode: '330106' },
      { ...neighbour, role: 'county', scopeCode: '330105' },
      { ...officer, role: 'institution', scopeCode: INST },
    ]);
    // A second hospital of the county, without an agent: its token creates it.
    const tok = await runCli('server', ['token', 'create', '--institution', OTHER, '--name', '杭州市西湖区中医院', '--region', '330106'], { env: server.env });
    expect(tok.code, tok.stderr).toBe(0);
    browser = await launchBrowser();
    tab = await openPage(browser);
  }, 180_000);
  afterAll(async () => {
    openRedis?.kill();
    await browser?.close();
    await server?.cleanup();
  });

  it('registers public targets with refusals in words, shows a scanner’s findings live with the host behind the port', async () => {
    const { page } = tab;
    await signInWithForm(page, server.url, county);
    await page.goto(`${server.url}/exposure?region=330106&tab=targets`);
    const pick = async (name: string) => {
      await page.getByTestId('target-institution').click();
      await page.locator('.el-select-dropdown__item', { hasText: name }).click();
    };
    const add = async (target: string) => {
      await page.getByTestId('target-value').fill(target);
      await page.getByTestId('target-add').click();
    };
    await pick('杭州市西湖区第二人民医院');
    await add('192.168.1.10');
    await expect.poll(() => page.getByTestId('target-error').innerText()).toContain('192.168.1.10 是私有地址（RFC 1918），不是公网地址，不能登记为对外资产。');
    await add('his..example.cn');
    await expect.poll(() => page.getByTestId('target-error').innerText()).toContain('his..example.cn 不是有效的域名。');
    await page.getByTestId('target-note').fill('HIS 端口映射');
    await add('61.164.10.0/29');
    await expect.poll(() => page.getByTestId('target-table').innerText()).toContain('61.164.10.0/29');
    expect(await page.getByTestId('target-error').count()).toBe(0);
    // The same address for another hospital: one address, one institution.
    await pick('杭州市西湖区中医院');
    await add('61.164.10.4');
    await expect.poll(() => page.getByTestId('target-error').innerText()).toContain('61.164.10.4 与机构“杭州市西湖区第二人民医院”已登记的 61.164.10.0/29 重叠：同一地址只能属于一个机构。');
    await screenshot(page, 'exposure-targets');
    // The three refusals, and nothing else, as the browser saw them; cleared so that later problems show.
    expect(tab.problems.filter((p) => !/status of 401/.test(p)).map((p) => /status of (\d+)/.exec(p)?.[1])).toEqual(['400', '400', '409']);
    tab.problems.splice(0);
    const bureau = await signedInClient(server.url, county);
    // Audited by the server: the registration and the refusals.
    const audit = await bureau.client.audit.list.query({ limit: 50 });
    expect(JSON.stringify(audit)).toContain('exposure.register');

    // A scanner enrolled for the county; not yet run.
    const scanner = await bureau.client.exposure.createScanner.mutate({ regionCode: '330106', name: '西湖区互联网边界扫描器' });
    await page.getByTestId('tab-scanners').click();
    await expect.poll(() => page.getByTestId('scanner-table').innerText()).toMatch(/西湖区互联网边界扫描器[\s\S]*1 项（8 个地址，0 个域名）[\s\S]*尚未运行/);
    expect(await page.getByTestId('scanner-bounds').innerText()).toContain('不超过每秒 500 次、100 个连接');
    // The rate, concurrency and schedule its region set (the defaults here), as the server hands them to it.
    expect(await page.getByTestId('scanner-rate').innerText()).toBe('每秒 50 次，并发 20');
    expect(await page.getByTestId('scanner-schedule').innerText()).toBe('每 24 小时一轮，全天');

    // The exposures tab open; the scanner reports the HIS server's sshd behind a port mapping, and RDP.
    await page.getByTestId('tab-exposures').click();
    await expect.poll(() => page.getByTestId('exposure-table').innerText()).toContain('尚未发现对外开放的端口');
    const [host] = (await bureau.client.hosts.list.query()).items;
    const detail = await bureau.client.hosts.get.query({ hostId: host!.id });
    const sshKey = (sectionData(detail.sections.ports) as { identities?: { sshHostKeys: string[] } } | null)?.identities?.sshHostKeys[0];
    expect(sshKey, 'the agent reports this machine’s SSH host key').toMatch(/^SHA256:/);
    const seen = { banner: null, tlsSha256: null, sshHostKey: null, httpTitle: null, plainHttp: false };
    const ack = await bureau.client.scanner.report.mutate({
      scannerId: scanner.scannerId,
      secret: scanner.secret,
      observations: [
        { ...seen, address: '61.164.10.2', port: 2222, banner: 'SSH-2.0-OpenSSH_9.2p1\u001b[31m', sshHostKey: sshKey! },
        { ...seen, address: '61.164.10.3', port: 3389 },
      ],
    });
    expect(ack).toMatchObject({ accepted: 2, refused: 0 });
    // No reload: the new-exposure alerts arrive over the live subscription and the list is read again.
    await expect.poll(() => page.getByTestId('exposure-table').innerText(), { timeout: 15_000 }).toContain('61.164.10.2:2222');
    const table = await page.getByTestId('exposure-table').innerText();
    expect(table).toMatch(/杭州市西湖区第二人民医院[\s\S]*61\.164\.10\.2:2222[\s\S]*新[\s\S]*远程管理端口[\s\S]*SSH-2\.0-OpenSSH_9\.2p1[\s\S]*SSH 主机密钥/);
    expect(table).toContain('依据：SSH 主机密钥一致');
    expect(table).toMatch(/61\.164\.10\.3:3389[\s\S]*未对应到已登记主机/);
    expect(await page.getByTestId('exposure-new').count()).toBe(2);
    expect(await page.getByTestId('exposure-fresh').innerText()).toBe('其中 2 个为新发现');
    await screenshot(page, 'exposure-list');
    // In English too.
    await page.getByTestId('language-switcher').getByText('English').click();
    await expect.poll(() => page.getByTestId('exposure-table').innerText()).toMatch(/61\.164\.10\.2:2222[\s\S]*New[\s\S]*Remote admin[\s\S]*by: same SSH host key/);
    await screenshot(page, 'exposure-list-en');
    await page.getByTestId('language-switcher').getByText('中文').click();
    await page.getByTestId('exposure-host').first().click();
    await page.waitForURL(new RegExp(`/hosts/${host!.id}$`));
    await page.getByTestId('host-name').waitFor();

    // The scanner's last run and target count.
    await page.goto(`${server.url}/exposure?region=330106&tab=scanners`);
    await expect.poll(() => page.getByTestId('scanner-table').innerText()).not.toContain('尚未运行');
    // Revoked from the table, after a confirmation: tagged, and from then on it gets nothing.
    await page.getByTestId('scanner-revoke').click();
    await page
      .locator('.el-popconfirm', { hasText: '吊销扫描器“西湖区互联网边界扫描器”' })
      .getByRole('button', { name: /确定|OK|Yes/ })
      .click();
    await expect.poll(() => page.getByTestId('scanner-table').innerText()).toContain(`已吊销 ${county.username}`);
    expect(await page.getByTestId('scanner-revoke').count()).toBe(0);
    await expect(bureau.client.scanner.targets.mutate({ scannerId: scanner.scannerId, secret: scanner.secret })).rejects.toThrow(/revoked/);
    await screenshot(page, 'exposure-scanner-revoked');

    // The hospital sees its own exposure and targets, without the registration form; another county sees none.
    const hospital = await openPage(browser);
    await signInWithForm(hospital.page, server.url, officer);
    await hospital.page.goto(`${server.url}/institutions/${INST}?tab=exposure`);
    await expect.poll(() => hospital.page.getByTestId('exposure-table').innerText()).toContain('61.164.10.3:3389');
    await expect.poll(() => hospital.page.getByTestId('target-table').innerText()).toContain('HIS 端口映射');
    expect(await hospital.page.getByTestId('target-form').count()).toBe(0);
    await screenshot(hospital.page, 'exposure-institution');
    expect(hospital.problems.filter((p) => !/status of 40[13]/.test(p))).toEqual([]);
    await hospital.context.close();
    const other = await signedInClient(server.url, neighbour);
    expect(await other.client.exposure.observations.query()).toEqual([]);
    expect(await other.client.exposure.list.query()).toEqual([]);
    expect(await other.client.exposure.scanners.query()).toEqual([]);
    other.close();
    bureau.close();
    expect(tab.problems.filter((p) => !/status of 40[13]/.test(p))).toEqual([]);
  }, 120_000);

  it('turns the weak-credential check on for the county, locked on once the city does, and the agent reports verdicts only', async () => {
    const { page } = tab;
    await page.goto(`${server.url}/admin/rules?region=330106`);
    await page.getByTestId('credential-checks').waitFor();
    expect(await page.getByTestId('credential-checks').innerText()).toContain('未开启');
    await page.getByTestId('credential-checks-enabled').click();
    // A region word is typed as a new tag.
    await page.getByTestId('credential-checks-words').click();
    await page.keyboard.type('Xihu@2025');
    await page.locator('.el-select-dropdown__item', { hasText: 'Xihu@2025' }).click();
    await page.getByTestId('save-settings').click();
    const bureau = await signedInClient(server.url, county);
    await expect.poll(async () => (await bureau.client.regions.settings.query({ regionCode: '330106' })).settings.credentialChecks).toMatchObject({ enabled: true, words: ['Xihu@2025'] });
    await screenshot(page, 'exposure-credential-checks');

    // The scanners' schedule on the same page, saved the same way: the county shortens the interval and sets a night window.
    // Element Plus puts a number input's test id on its frame, a text input's on the <input> itself.
    const field = async (input: Locator, value: string) => {
      await input.fill(value);
      await input.press('Tab');
    };
    await field(page.getByTestId('scanning-interval').locator('input'), '12');
    await field(page.getByTestId('scanning-from'), '22:00');
    await field(page.getByTestId('scanning-to'), '06:00');
    await page.getByTestId('save-settings').click();
    await expect.poll(async () => (await bureau.client.regions.settings.query({ regionCode: '330106' })).settings.scanning).toEqual({ intervalHours: 12, window: { from: '22:00', to: '06:00' } });

    // The city turns it on with a word of its own: the county may not turn it off, and sees why.
    const admin = await signedInClient(server.url);
    const city = await admin.client.regions.settings.query({ regionCode: '330100' });
    await admin.client.regions.putSettings.mutate({
      regionCode: '330100',
      settings: { ...city.settings, credentialChecks: { enabled: true, words: ['Hz@12345'], initials: [], cpuBudgetMsPerDay: 60_000 } },
    });
    admin.close();
    await page.reload();
    await page.getByTestId('credential-checks-locked').waitFor();
    expect(await page.getByTestId('credential-checks').innerText()).toContain('Hz@12345');
    const own = (await bureau.client.regions.settings.query({ regionCode: '330106' })).settings;
    await expect(bureau.client.regions.putSettings.mutate({ regionCode: '330106', settings: { ...own, credentialChecks: { ...own.credentialChecks!, enabled: false } } })).rejects.toThrow(
      /cannot be turned off/,
    );

    const redisPort = await freePort();
    openRedis = spawn('redis-server', ['--port', String(redisPort), '--bind', '127.0.0.1', '--protected-mode', 'no', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
    // The running agent gets the check with an acknowledgement and runs it in its next collection.
    const [host] = (await bureau.client.hosts.list.query()).items;
    type Credentials = { accounts: Array<{ account: string }>; services: unknown[]; notChecked: string[] };
    const credentialsNow = async () => (sectionData((await bureau.client.hosts.get.query({ hostId: host!.id })).sections.security) as { credentials?: Credentials } | null)?.credentials;
    let credentials: Credentials | undefined;
    // The agent as its service runs it, collecting from this machine (not a capture), stopped once it has reported.
    const agent = spawn(process.execPath, [await agentBundle(), 'run', '--config', join(server.dataDir, 'agent', 'agent.json')], {
      cwd: REPO,
      env: { ...process.env, WEIAN_AGENT_INTERVAL_MS: '3000', WEIAN_AGENT_HEARTBEAT_MS: '2000' },
      stdio: 'ignore',
    });
    const stopped = new Promise((r) => agent.once('exit', r));
    try {
      await waitFor(async () => (credentials = await credentialsNow()), { timeoutMs: 150_000, what: 'a security section with the credentials part' });
    } finally {
      agent.kill('SIGTERM');
      await stopped;
    }
    const security = { credentials };
    // Verdicts only: no hash, no dictionary word, no region word in what the server holds.
    expect(JSON.stringify(security.credentials)).not.toMatch(/\$6\$|\$y\$|Xihu@2025|Hz@12345|123456/);
    await page.goto(`${server.url}/hosts/${host!.id}`);
    await page.getByTestId('tab-security').click();
    const text = await page.locator('main').innerText();
    for (const a of security.credentials!.accounts) expect(text).toContain(`账户口令：${a.account}`);
    expect(security.credentials!.accounts.length + security.credentials!.services.length + security.credentials!.notChecked.length).toBeGreaterThan(0);
    await page.locator('main tr').last().scrollIntoViewIfNeeded();
    await screenshot(page, 'exposure-host-credentials');
    // A service found open without authentication is a finding of the host, with the verdict as its evidence.
    const services = security.credentials!.services as Array<{ service: string; port: number; noAuth: boolean | null }>;
    expect(services).toContainEqual(expect.objectContaining({ service: 'redis', port: redisPort, noAuth: true }));
    await expect.poll(() => page.locator('main').innerText()).toContain('无需认证即可访问');
    await page.getByTestId('tab-findings').click();
    await expect.poll(() => page.locator('main').innerText()).toContain('数据库或缓存服务无需认证即可访问');
    await screenshot(page, 'exposure-host-noauth-finding');
    bureau.close();
    expect(tab.problems.filter((p) => !/status of 40[13]/.test(p))).toEqual([]);
  }, 300_000);
});
