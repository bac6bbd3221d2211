import type { Browser } from 'playwright-core';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signedInClient } from '../helpers/auth.js';
import { ensureDashboardBuilt, launchBrowser, openPage, screenshot, signInWithForm } from '../helpers/browser.js';
import { institutionWithAgent, startServerProcess, type ServerProcess } from '../helpers/index.js';

// A county tightens the year's self-inspection checklist in the real dashboard under the city's
// layer: a loosening is refused with the reason, a raise, a required evidence file and a new item
// are published, and the hospital sees them. Its evidence file comes back through the plain GET,
// byte-exact, and another county's user gets 404 for the same link.
describe('self-inspection template editing and evidence downloads: real server, real agent, real browser', () => {
  let server: ServerProcess;
  let browser: Browser;
  const INST = 'ZJ-XH-036';
  const NAME = '杭州市西湖区第三人民医院';
  const city = { username: 'hangzhou-tpl', password: 'Hangzhou-Tpl-Pass-1' };
  const county = { username: 'xihu-tpl', password: 'Xihu-Tpl-Pass-1' };
  const officer = { username: 'xh3-officer', password: 'Xh3-Officer-Pass-1' };
  const neighbour = { username: 'gongshu-tpl', password: 'Gongshu-Tpl-Pass-1' };
  const year = new Date().getFullYear();

  beforeAll(async () => {
    await ensureDashboardBuilt();
    server = await startServerProcess();
    await institutionWithAgent(server, { code: INST, name: NAME, region: '330106' }, [
      { ...county, role: 'county', scopeCode: '330106' },
      { ...neighbour, role: 'county', scopeCode: '330105' },
      { ...officer, role: 'institution', scopeCode: INST },
    ]);
    const admin = await signedInClient(server.url);
    await admin.client.users.create.mutate({ ...city, role: 'city', scopeCode: '330100' });
    admin.close();
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.cleanup();
  });

  it('the county edits under the city, a loosening is refused with the reason, the hospital sees the new item; evidence downloads stay in scope', async () => {
    // The level above: the city raises GOV-POLICY to 8 points.
    const hz = await signedInClient(server.url, city);
    await hz.client.selfInspection.publishTemplate.mutate({ year, deadline: `${year}-12-31`, added: [], raised: { 'GOV-POLICY': 8 } });
    hz.close();

    const b = await openPage(browser);
    await signInWithForm(b.page, server.url, county);
    await b.page.goto(`${server.url}/self-inspection?year=${year}`);
    const tpl = b.page.getByTestId('si-template');
    await expect.poll(() => tpl.getByTestId('si-layers').innerText()).toContain('杭州市：截止日期 ' + `${year}-12-31` + '，新增 0 项，提高 1 项分值');
    const policyRow = tpl.locator('tr', { has: b.page.getByTestId('si-template-row-GOV-POLICY') });
    expect(await policyRow.innerText()).toContain('杭州市提高至 8 分');

    // Lower than the city's 8: named before publishing, refused by the server with the reason, nothing stored.
    const points = (id: string) => tpl.getByTestId(`si-points-${id}`).locator('input');
    await points('GOV-POLICY').fill('6');
    await points('GOV-POLICY').press('Tab');
    await expect.poll(() => tpl.getByTestId('si-template-problems').innerText()).toContain('GOV-POLICY：6 分不高于上级规定的 8 分');
    await tpl.getByTestId('si-publish').click();
    await expect.poll(() => tpl.getByTestId('si-error').innerText()).toContain('自查表只能在上级基础上收紧');
    expect(await tpl.getByTestId('si-error').innerText()).toContain('6 分不高于上级规定的 8 分');
    const bureau = await signedInClient(server.url, county);
    expect((await bureau.client.selfInspection.template.query({ year })).own).toBeNull();
    await screenshot(b.page, 'self-inspection-template-refused');

    // Tightening: 10 points, evidence required for the emergency plan, a new item of the county's own.
    await points('GOV-POLICY').fill('10');
    await points('GOV-POLICY').press('Tab');
    await expect.poll(() => tpl.getByTestId('si-template-problems').count()).toBe(0);
    await tpl.getByTestId('si-require-EMG-PLAN').click();
    await tpl.getByTestId('si-add-id').fill('XH-CLOUD');
    await tpl.getByTestId('si-add-indicator').fill('云服务安全评估');
    await tpl.getByTestId('si-add-criteria').fill('使用云服务的，云服务商通过安全评估并签订安全协议');
    // The articles it cites, typed as one line the way a bureau writes them.
    await tpl.getByTestId('si-add-articles').fill('M4、M16');
    await tpl.getByTestId('si-add-points').locator('input').fill('3');
    await tpl.getByTestId('si-add-points').locator('input').press('Tab');
    await tpl.getByTestId('si-add-evidence').click();
    await tpl.getByTestId('si-add-button').click();
    await expect.poll(() => tpl.getByTestId('si-template-row-XH-CLOUD').count()).toBe(1);
    expect(
      await tpl
        .locator('tr', { has: b.page.getByTestId('si-template-row-XH-CLOUD') })
        .getByTestId('si-item-articles')
        .textContent(),
    ).toContain('《管理办法》第四条；《管理办法》第十六条');
    await tpl.getByTestId('si-publish').click();
    await expect.poll(() => tpl.getByTestId('si-layers').innerText()).toContain('西湖区：截止日期 沿用上级，新增 1 项，提高 1 项分值，要求 1 项附佐证材料');
    expect(await tpl.getByTestId('si-error').count()).toBe(0);
    expect(await policyRow.innerText()).toContain('西湖区提高至 10 分');
    const own = (await bureau.client.selfInspection.template.query({ year })).own!;
    expect([own.raised, own.requireEvidence, own.added.map((i) => [i.id, i.points, i.evidenceRequired, i.articles])]).toEqual([
      { 'GOV-POLICY': 10 },
      ['EMG-PLAN'],
      [['XH-CLOUD', 3, true, ['M4', 'M16']]],
    ]);
    await screenshot(b.page, 'self-inspection-template-published');

    // The hospital: the new item, the raised points, evidence marked as required; it attaches a file over the old tRPC limit.
    const h = await openPage(browser);
    await signInWithForm(h.page, server.url, officer);
    await h.page.goto(`${server.url}/self-inspection?year=${year}`);
    const item = h.page.getByTestId('si-item-XH-CLOUD');
    await expect.poll(() => item.innerText()).toContain('云服务安全评估');
    expect(await item.getByTestId('si-evidence-required').innerText()).toBe('须附佐证材料');
    expect(await h.page.getByTestId('si-item-EMG-PLAN').getByTestId('si-evidence-required').count()).toBe(1);
    expect(await h.page.getByTestId('si-item-GOV-POLICY').innerText()).toContain('10 分');
    const bytes = Buffer.concat([Buffer.from('%PDF-1.7\n'), createHash('sha512').update('x').digest(), Buffer.alloc(1_600_000, 0x0a)]);
    const file = join(server.dataDir, '云服务安全评估报告.pdf');
    writeFileSync(file, bytes);
    await item.getByTestId('si-file').setInputFiles(file);
    await expect.poll(() => item.getByTestId('si-attached').innerText()).toBe('佐证材料：云服务安全评估报告.pdf');

    // Downloaded from the link as a person does: the same bytes, under its own name.
    const link = h.page.getByTestId('si-evidence').getByTestId('evidence-link').filter({ hasText: '云服务安全评估报告.pdf' });
    const [download] = await Promise.all([h.page.waitForEvent('download'), link.click()]);
    expect(download.suggestedFilename()).toBe('云服务安全评估报告.pdf');
    expect(readFileSync((await download.path())!).equals(bytes)).toBe(true);
    const href = (await link.getAttribute('href'))!;
    const sha = createHash('sha256').update(bytes).digest('hex');
    expect(href).toBe(`/download/evidence/self-inspection/${year}/${INST}/${sha}`);
    // The county above sees it; the neighbouring county gets 404 for the very same link.
    const mine = await b.page.request.get(`${server.url}${href}`);
    expect([mine.status(), mine.headers()['x-evidence-sha256']]).toEqual([200, sha]);
    expect(Buffer.from(await mine.body()).equals(bytes)).toBe(true);
    const n = await openPage(browser);
    await signInWithForm(n.page, server.url, neighbour);
    expect((await n.page.request.get(`${server.url}${href}`)).status()).toBe(404);
    await Promise.all([n.context.close(), h.context.close(), b.context.close()]);
    // What the browsers saw go wrong: the signed-out session checks before signing in (401), and the one refusal.
    expect([...b.problems, ...h.problems, ...n.problems].filter((p) => !/status of 401/.test(p)).map((p) => /status of (\d+)/.exec(p)?.[1] ?? p)).toEqual(['400']);

    // Audited: the refused publication and the published one.
    const admin = await signedInClient(server.url);
    const entries = await admin.client.audit.list.query({ limit: 200, action: 'selfInspection.publishTemplate' });
    expect(entries.filter((e) => e.actor.name === county.username).map((e) => e.outcome)).toEqual(['ok', 'failed']);
    admin.close();
    bureau.close();
  }, 240_000);
});
