import type { Browser } from 'playwright-core';
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signedInClient } from '../helpers/auth.js';
import { ensureDashboardBuilt, launchBrowser, openPage, screenshot, signInWithForm, type BrowserPage } from '../helpers/browser.js';
import { institutionWithAgent, startServerProcess, type ServerProcess } from '../helpers/index.js';

// A county bureau issues a rectification notice about what the real agent reported; the hospital
// signs, answers and submits in the real dashboard; the bureau returns an item; another county sees nothing.
describe('rectification notices: real server, real agent, real browser', () => {
  let server: ServerProcess;
  let browser: Browser;
  let tab: BrowserPage;
  const INST = 'ZJ-XH-009';
  const county = { username: 'xihu-bureau', password: 'Xihu-Bureau-Pass-1' };
  const officer = { username: 'xh-officer', password: 'Xh-Officer-Pass-1' };
  const neighbour = { username: 'gongshu-bureau', password: 'Gongshu-Bureau-Pass-1' };

  beforeAll(async () => {
    await ensureDashboardBuilt();
    server = await startServerProcess();
    await institutionWithAgent(server, { code: INST, name: '杭州市西湖区妇幼保健院', region: '330106' }, [
      { ...county, role: 'county', scopeCode: '330106' },
      { ...neighbour, role: 'county', scopeCode: '330105' },
      { ...officer, role: 'institution', scopeCode: INST },
    ]);
    browser = await launchBrowser();
    tab = await openPage(browser);
  });
  afterAll(async () => {
    await browser?.close();
    await server?.cleanup();
  });

  it('issue → sign → answer → submit → return, with evidence checked by its bytes and scope enforced', async () => {
    const bureau = await signedInClient(server.url, county);
    // The institution's failing findings as the server judged them from the agent's report and the (absent) records.
    const judged = await bureau.client.institutions.findings.query({ institutionCode: INST });
    const findings = [...judged.failingHostFindings, ...judged.institution] as Array<{ ruleId: string; status: string }>;
    const failing = findings.find((f) => f.status === 'fail');
    expect(failing, JSON.stringify(findings.map((f) => [f.ruleId, f.status]))).toBeDefined();
    // The county issues in bulk from the dashboard: every institution of its county failing that rule, plus an on-site item.
    const bureauTab = await openPage(browser);
    const bp = bureauTab.page;
    await bp.goto(`${server.url}/login`);
    await bp.locator('input[name=username]').fill(county.username);
    await bp.locator('input[name=password]').fill(county.password);
    await bp.getByTestId('login-submit').click();
    await bp.waitForURL((u) => !u.pathname.startsWith('/login'));
    await bp.goto(`${server.url}/notices`);
    await bp.getByTestId('issue-rule').fill(failing!.ruleId);
    await bp.getByTestId('issue-title').fill('关于限期整改网络安全问题的通知');
    await bp.getByTestId('issue-requirement').fill('请于期限内完成整改并反馈');
    await bp.getByTestId('issue-item-title').fill('远程运维管理制度');
    await bp.getByTestId('issue-item-requirement').fill('补充远程运维审批记录');
    await bp.getByTestId('issue-submit').click();
    await expect.poll(() => bp.getByTestId('issue-done').innerText()).toMatch(/已下发 1 份：西湖卫安整改〔\d{4}〕1号/);
    await expect.poll(() => bp.getByTestId('notices-table').innerText()).toContain('已下发');
    await screenshot(bp, 'notice-issued');
    await bureauTab.context.close();
    const notice = (await bureau.client.notices.list.query()).items[0];
    expect(notice!.institutionCode).toBe(INST);
    expect((await bureau.client.notices.get.query({ noticeId: notice!.id })).items.map((i) => i.ruleId)).toEqual([failing!.ruleId, null]);
    expect(notice!.number).toMatch(/^西湖卫安整改〔\d{4}〕1号$/);
    await expect(
      bureau.client.notices.issue.mutate({
        title: 't',
        requirement: 'r',
        severity: 'low',
        due: { date: '2020-01-02' },
        target: { kind: 'institution', institutionCode: INST },
        items: [{ kind: 'text', title: 'x', requirement: 'y' }],
      }),
    ).rejects.toThrow(/not after today/);

    // Another county: nothing visible, nothing to touch.
    const other = await signedInClient(server.url, neighbour);
    expect((await other.client.notices.list.query()).items).toEqual([]);
    await expect(other.client.notices.get.query({ noticeId: notice!.id })).rejects.toThrow(/not visible/);
    other.close();

    // The hospital in the dashboard.
    const { page } = tab;
    await page.goto(`${server.url}/login`);
    await page.locator('input[name=username]').fill(officer.username);
    await page.locator('input[name=password]').fill(officer.password);
    await page.getByTestId('login-submit').click();
    await page.waitForURL((u) => !u.pathname.startsWith('/login'));
    await page.goto(`${server.url}/notices`);
    await expect.poll(() => page.getByTestId('notices-table').innerText()).toContain(notice!.number);
    await page.getByTestId('notices-table').getByText(notice!.number).click();
    await page.waitForURL(/\/notices\/nt_/);
    await expect.poll(() => page.getByTestId('notice-status').innerText()).toBe('已下发');
    await page.getByTestId('notice-sign').click();
    await expect.poll(() => page.getByTestId('notice-status').innerText()).toBe('已签收');

    // Evidence: a path trick over the API, an .exe named .pdf and a real PDF through the page's file input.
    const hospital = await signedInClient(server.url, officer);
    await expect(hospital.client.notices.upload.mutate({ noticeId: notice!.id, name: '..\\..\\x.pdf', contentBase64: Buffer.from('%PDF-1.4\n').toString('base64') })).rejects.toThrow(/path separator/);
    hospital.close();
    const exe = join(server.dataDir, '整改报告.pdf');
    writeFileSync(exe, Buffer.from([0x4d, 0x5a, 0x90, 0x00, 0x03, 0x00]));
    await page.getByTestId('item-file').first().setInputFiles(exe);
    await expect.poll(() => page.getByTestId('notice-error').innerText()).toMatch(/not a PDF/);
    const pdfFile = join(server.dataDir, '整改说明.pdf');
    const pdfBytes = Buffer.from('%PDF-1.4\n1 0 obj << >> endobj\n%%EOF\n');
    writeFileSync(pdfFile, pdfBytes);
    await page.getByTestId('item-file').first().setInputFiles(pdfFile);
    await expect.poll(() => page.getByTestId('item-attached').first().innerText()).toBe('已附 1 份佐证材料');
    const pdf = { sha256: createHash('sha256').update(pdfBytes).digest('hex') };

    for (let i = 0; i < 2; i++) {
      await page
        .getByTestId('item-measures')
        .nth(i)
        .fill(i === 0 ? '已按要求整改' : '已补充审批记录');
      await page.getByTestId('item-answer').nth(i).click();
      await expect.poll(() => page.getByText(i === 0 ? '整改措施：已按要求整改' : '整改措施：已补充审批记录').count()).toBe(1);
    }
    await page.getByTestId('notice-submit').click();
    await expect.poll(() => page.getByTestId('notice-status').innerText()).toBe('已反馈');
    await expect.poll(() => page.getByTestId('notice').innerText()).toContain(pdf.sha256);
    // The first item was answered with the file attached; the server kept it by SHA-256.
    const answered = await bureau.client.notices.get.query({ noticeId: notice!.id });
    expect(answered.items.map((i) => i.evidence)).toEqual([[pdf.sha256], []]);
    // Downloaded as a plain GET behind the session cookie.
    const got = await fetch(`${server.url}/download/evidence/notice/${encodeURIComponent(notice!.id)}/${pdf.sha256}`, { headers: { cookie: bureau.cookie } });
    expect([got.status, got.headers.get('x-evidence-sha256')]).toEqual([200, pdf.sha256]);
    expect(Buffer.from(await got.arrayBuffer()).equals(pdfBytes)).toBe(true);
    await screenshot(page, 'notice-submitted');

    // The bureau returns the free-text item; the hospital's page shows it.
    const detail = await bureau.client.notices.get.query({ noticeId: notice!.id });
    await expect(bureau.client.notices.review.mutate({ noticeId: notice!.id, itemId: detail.items[0]!.id, decision: 'accept' })).rejects.toThrow(/override/);
    await bureau.client.notices.review.mutate({ noticeId: notice!.id, itemId: detail.items[1]!.id, decision: 'return', comment: '缺少审批表扫描件' });
    // No reload: the open page hears the change over the live subscription.
    await expect.poll(() => page.getByTestId('notice').innerText()).toContain('复核意见：缺少审批表扫描件');

    // The bureau's page: the technical item still fails in the agent's data, so only an explicit override accepts it, with the comment as its reason.
    const reviewer = await openPage(browser);
    await signInWithForm(reviewer.page, server.url, county);
    await reviewer.page.goto(`${server.url}/notices/${notice!.id}`);
    const technical = reviewer.page.getByTestId(`item-${detail.items[0]!.id}`);
    await expect.poll(() => technical.getByTestId('item-override').count()).toBe(1);
    expect(await technical.getByTestId('item-accept').count()).toBe(0);
    await technical.getByTestId('item-comment').fill('现场核查：端口已由防火墙阻断');
    await technical.getByTestId('item-override').click();
    await expect.poll(() => reviewer.page.getByTestId('notice-status').innerText()).toBe('已退回');

    // The hospital asks for more time on its page; the bureau grants it on its page and the deadline moves.
    await page.reload();
    await page.getByTestId('extension-reason').fill('需采购审批表扫描设备');
    await page.getByTestId('extension-days').locator('input').fill('5');
    await page.getByTestId('extension-days').locator('input').press('Tab');
    await page.getByTestId('extension-request').click();
    await expect.poll(() => page.getByTestId('notice-extension-pending').innerText()).toContain('延长 5 个工作日');
    await reviewer.page.reload();
    await reviewer.page.getByTestId('extension-grant').click();
    await expect.poll(() => reviewer.page.getByTestId('notice-extension-pending').count()).toBe(0);
    const extended = await bureau.client.notices.get.query({ noticeId: notice!.id });
    expect(extended.deadline > notice!.deadline).toBe(true);
    expect(extended.events.map((e) => e.action)).toEqual(expect.arrayContaining(['review', 'requestExtension', 'decideExtension']));
    await reviewer.context.close();

    // The documents over the real HTTP route: the letter and the report to the bureau, nothing to another county.
    for (const path of [`/export/notice.pdf?notice=${notice!.id}`, `/export/rectification.pdf?notice=${notice!.id}`, `/export/rectification.xlsx?notice=${notice!.id}`]) {
      const res = await fetch(`${server.url}${path}`, { headers: { cookie: bureau.cookie } });
      expect(res.status, path).toBe(200);
      expect((await res.arrayBuffer()).byteLength).toBeGreaterThan(1000);
    }
    const stranger = await signedInClient(server.url, neighbour);
    expect((await fetch(`${server.url}/export/rectification.pdf?notice=${notice!.id}`, { headers: { cookie: stranger.cookie } })).status).toBe(403);
    stranger.close();

    const audit = JSON.stringify(await (await signedInClient(server.url)).client.audit.list.query({ limit: 100 }));
    for (const a of ['notices.issue', 'notices.sign', 'notices.upload', 'notices.answer', 'notices.submit', 'notices.review', 'notices.requestExtension', 'notices.decideExtension'])
      expect(audit).toContain(a);
    expect(audit).toContain('现场核查：端口已由防火墙阻断');
    bureau.close();
  });
});
