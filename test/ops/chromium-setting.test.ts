import { afterEach, describe, expect, it } from 'vitest';
import { signIn } from '../helpers/auth.js';
import { startServerProcess, type ServerProcess } from '../helpers/server.js';

/**
 * Issue 25: the Chromium that prints PDFs is a setting (WEIAN_CHROMIUM), checked when the server starts.
 * Missing, it is a warning in the start log and a clear refusal of PDFs only; present, PDFs print.
 */
describe('WEIAN_CHROMIUM, checked at start', () => {
  let server: ServerProcess | undefined;
  afterEach(async () => {
    await server?.cleanup();
    server = undefined;
  });
  const get = async (path: string) => {
    const cookie = await signIn(server!.url);
    return fetch(`${server!.url}${path}`, { headers: { cookie } });
  };

  it('missing: the server starts with a warning, refuses PDFs in both languages and still writes XLSX', async () => {
    server = await startServerProcess({ env: { WEIAN_CHROMIUM: '/nonexistent/chromium' } });
    expect(server.log()).toMatch(/WARNING PDF exports are unavailable: no Chromium at \/nonexistent\/chromium\. Install it with its Chinese font \(apt-get install chromium fonts-wqy-microhei\)/);
    expect((await fetch(`${server.url}/readyz`)).ok).toBe(true);
    const pdf = await get('/export/rankings.pdf?region=330106');
    expect(pdf.status).toBe(412);
    const { error } = (await pdf.json()) as { error: { message: string; code: string } };
    expect(error.code).toBe('PRECONDITION_FAILED');
    expect(error.message).toMatch(/服务器未安装 Chromium.*PDF export needs Chromium on the server \(\/nonexistent\/chromium not found\)/);
    const xlsx = await get('/export/rankings.xlsx?region=330106');
    expect(xlsx.status).toBe(200);
    expect(
      Buffer.from(await xlsx.arrayBuffer())
        .subarray(0, 2)
        .toString(),
    ).toBe('PK');
  });

  it('present: no warning, and the PDF prints with the configured Chromium', async () => {
    server = await startServerProcess({ env: { WEIAN_CHROMIUM: '/usr/bin/chromium' } });
    expect(server.log()).not.toMatch(/PDF exports are unavailable/);
    const pdf = await get('/export/rankings.pdf?region=330106');
    expect(pdf.status).toBe(200);
    expect(
      Buffer.from(await pdf.arrayBuffer())
        .subarray(0, 5)
        .toString(),
    ).toBe('%PDF-');
  });
});
