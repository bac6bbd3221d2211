import type { Browser } from 'playwright-core';
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EVIDENCE_MAX_BYTES } from '@weian/shared';
import { signedInClient } from '../helpers/auth.js';
import { ensureDashboardBuilt, launchBrowser, openPage, screenshot, signInWithForm } from '../helpers/browser.js';
import { institutionWithAgent, startServerProcess, type ServerProcess } from '../helpers/index.js';

// The yearly self-inspection (自查自评) in the real dashboard: the hospital fills in what no agent can
// see and submits; what the real agent's data judges is locked; the county reviews with its own score;
// another county sees nothing of it.
describe('self-inspection: real server, real agent, real browser', () => {
  let server: ServerProcess;
  let browser: Browser;
  const INST = 'ZJ-XH-021';
  const NAME = '杭州市西湖区第二人民医院';
  const county = { username: 'xihu-si', password: 'Xihu-Si-Pass-1' };
  const officer = { username: 'xh2-officer', password: 'Xh2-Officer-Pass-1' };
  const neighbour = { username: 'gongshu-si', password: 'Gongshu-Si-Pass-1' };
  const year = new Date().getFullYear();

  beforeAll(async () => {
    await ensureDashboardBuilt();
    server = await startServerProcess();
    await institutionWithAgent(server, { code: INST, name: NAME, region: '330106' }, [
      { ...county, role: 'county', scopeCode: '330106' },
      { ...neighbour, role: 'county', scopeCode: '330105' },
      { ...officer, role: 'institution', scopeCode: INST },
    ]);
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.cleanup();
  });

  it('institution fills in with evidence and submits; the county reviews with an on-site score and accepts', async () => {
    const bureau = await signedInClient(server.url, county);
    // A deadline in the past is refused; a real one is published for the county.
    await expect(bureau.client.selfInspection.publishTemplate.mutate({ year, deadline: '2020-01-02', added: [], raised: {} })).rejects.toThrow(/already past/);
    await bureau.client.selfInspection.publishTemplate.mutate({ year, deadline: `${year}-12-31`, added: [], raised: { 'EMG-PLAN': 6 } });

    const hospital = await signedInClient(server.url, officer);
    const before = await hospital.client.selfInspection.get.query({ year, institutionCode: INST });
    expect(before.items.find((i) => i.id === 'EMG-PLAN')!.points).toBe(6);
    // The institution rules judge the (absent) records from the data: those items come locked.
    const locked = before.items.filter((i) => before.answers[i.id]?.locked).map((i) => i.id);
    expect(locked.length, JSON.stringify(before.answers)).toBeGreaterThan(0);
    const open = before.items.filter((i) => !before.answers[i.id]?.locked);

    const { page, context } = await openPage(browser);
    await signInWithForm(page, server.url, officer);
    await page.goto(`${server.url}/self-inspection?year=${year}`);
    await expect.poll(() => page.getByTestId('si-status').innerText()).toBe('填报中');
    expect(await page.getByTestId('si-locked').count()).toBe(locked.length);
    await expect.poll(() => page.getByTestId('self-inspection').innerText()).toContain(`${year}-12-31`);

    // Evidence judged by its bytes: an .exe named .pdf is refused, a real PDF is kept by SHA-256.
    const first = page.getByTestId(`si-item-${open[0]!.id}`);
    const exe = join(server.dataDir, '管理制度.pdf');
    writeFileSync(exe, Buffer.from([0x4d, 0x5a, 0x90, 0x00, 0x03, 0x00]));
    await first.getByTestId('si-file').setInputFiles(exe);
    await expect.poll(() => page.getByTestId('si-error').innerText()).toMatch(/not a PDF/);
    const pdfBytes = Buffer.from('%PDF-1.4\n1 0 obj << >> endobj\n%%EOF\n');
    const pdfFile = join(server.dataDir, '网络安全管理制度.pdf');
    writeFileSync(pdfFile, pdfBytes);
    await first.getByTestId('si-file').setInputFiles(pdfFile);
    await expect.poll(() => first.getByTestId('si-attached').innerText()).toBe('佐证材料：网络安全管理制度.pdf');
    // Over the tRPC limit: the page streams it to POST /upload/evidence (up to 5 MiB).
    const photo = join(server.dataDir, '机房照片.pdf');
    const photoBytes = Buffer.concat([pdfBytes, Buffer.alloc(3_000_000, 0x20)]);
    writeFileSync(photo, photoBytes);
    await first.getByTestId('si-file').setInputFiles(photo);
    await expect.poll(() => first.getByTestId('si-attached').innerText()).toBe('佐证材料：网络安全管理制度.pdf、机房照片.pdf');

    // The size limit over the real HTTP path: a file of exactly the limit travels as base64 in one request; one byte more is refused by name.
    const atLimit = Buffer.concat([pdfBytes, Buffer.alloc(EVIDENCE_MAX_BYTES - pdfBytes.length, 0x20)]);
    await expect(hospital.client.selfInspection.upload.mutate({ year, name: '机房巡检记录.pdf', contentBase64: atLimit.toString('base64') })).resolves.toMatchObject({ size: EVIDENCE_MAX_BYTES });
    await expect(hospital.client.selfInspection.upload.mutate({ year, name: '机房巡检记录2.pdf', contentBase64: Buffer.concat([atLimit, Buffer.from(' ')]).toString('base64') })).rejects.toThrow(
      /over the limit of 1400000/,
    );

    for (const [n, item] of open.entries()) {
      const card = page.getByTestId(`si-item-${item.id}`);
      await card.getByTestId('si-answer').fill(`已落实：${item.indicator}`);
      await card.getByTestId('si-score').locator('input').fill(String(item.points));
      await card.getByTestId('si-score').locator('input').press('Tab');
      await card.getByTestId('si-responsible').fill('信息科 王五');
      await card.getByTestId('si-save').click();
      await expect.poll(async () => Object.values((await hospital.client.selfInspection.get.query({ year, institutionCode: INST })).answers).filter((a) => !a.locked).length).toBe(n + 1);
    }
    // The county's list is open meanwhile: the submission shows there live, without a reload (selfInspection.live, scoped).
    const b = await openPage(browser);
    await signInWithForm(b.page, server.url, county);
    await b.page.goto(`${server.url}/self-inspection?year=${year}`);
    await expect.poll(() => b.page.getByTestId('si-table').innerText()).toContain(NAME);
    expect(await b.page.getByTestId('si-table').innerText()).not.toContain('已提交');
    await page.getByTestId('si-submit').click();
    await expect.poll(() => page.getByTestId('si-status').innerText()).toBe('已提交');
    await expect.poll(() => b.page.getByTestId('si-table').innerText()).toMatch(new RegExp(`${NAME}[\\s\\S]*已提交`));
    const sha = createHash('sha256').update(pdfBytes).digest('hex');
    await expect.poll(() => page.getByTestId('si-evidence').innerText()).toContain(sha);
    await screenshot(page, 'self-inspection-submitted');
    // Submitted: a second submission is refused, nothing changes.
    await expect(hospital.client.selfInspection.submit.mutate({ year })).rejects.toThrow(/already submitted/);
    const submitted = await hospital.client.selfInspection.get.query({ year, institutionCode: INST });
    expect(submitted.answers[open[0]!.id]!.evidence).toEqual([sha, createHash('sha256').update(photoBytes).digest('hex')]);
    expect(submitted.scores.self).toBe(open.reduce((s, i) => s + i.points, 0) + locked.reduce((s, id) => s + submitted.answers[id]!.selfScore, 0));
    await context.close();

    // Another county: nothing listed, nothing readable.
    const other = await signedInClient(server.url, neighbour);
    expect((await other.client.selfInspection.list.query({ year })).map((r) => r.institutionCode)).toEqual([]);
    await expect(other.client.selfInspection.get.query({ year, institutionCode: INST })).rejects.toThrow(/not visible/);
    other.close();

    // The county in the dashboard: the list, the institution, an on-site score, accept.
    await b.page.goto(`${server.url}/self-inspection?year=${year}`);
    await expect.poll(() => b.page.getByTestId('si-table').innerText()).toMatch(new RegExp(`${NAME}[\\s\\S]*已提交`));
    await b.page.getByTestId('si-table').getByText(NAME).click();
    await b.page.waitForURL(/\/self-inspection\/institutions\//);
    await expect.poll(() => b.page.getByTestId('si-status').innerText()).toBe('已提交');
    const onSite = b.page.getByTestId(`si-item-${open[0]!.id}`);
    await onSite
      .getByTestId('si-review-score-input')
      .locator('input')
      .fill(String(open[0]!.points - 1));
    await onSite.getByTestId('si-review-score-input').locator('input').press('Tab');
    await onSite.getByTestId('si-review-item-comment').fill('现场检查：制度未经审批');
    await b.page.getByTestId('si-accept').click();
    await expect.poll(() => b.page.getByTestId('si-status').innerText()).toBe('已审核');
    await expect.poll(() => b.page.getByTestId('si-final-score').innerText()).toBe(String(submitted.scores.self - 1));
    await screenshot(b.page, 'self-inspection-accepted');
    await b.context.close();

    const row = (await bureau.client.selfInspection.list.query({ year })).find((r) => r.institutionCode === INST)!;
    expect([row.status, row.late, row.finalScore]).toEqual(['accepted', false, submitted.scores.self - 1]);
    const audit = JSON.stringify(await (await signedInClient(server.url)).client.audit.list.query({ limit: 200 }));
    for (const a of ['selfInspection.publishTemplate', 'selfInspection.upload', 'selfInspection.save', 'selfInspection.submit', 'selfInspection.review']) expect(audit).toContain(a);
    bureau.close();
    hospital.close();
  }, 240_000);
});
