import { existsSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import { DomainError } from '../../errors.js';

export const DEFAULT_CHROMIUM = '/usr/bin/chromium';
/** Where Debian, Ubuntu and Google's packages put it; WEIAN_CHROMIUM, when set, is the only one tried. */
export const CHROMIUM_PATHS = [DEFAULT_CHROMIUM, '/usr/bin/chromium-browser', '/usr/bin/google-chrome', '/usr/bin/google-chrome-stable', '/snap/bin/chromium'];

/** The Chromium to print with, or the path that was expected (the renderer then answers a clear refusal). */
export function findChromium(setting: string | undefined, exists: (p: string) => boolean = existsSync): string {
  if (setting) return setting;
  return CHROMIUM_PATHS.find(exists) ?? DEFAULT_CHROMIUM;
}

/** Said once at start when the Chromium to print with is missing: PDFs will be refused, everything else works. */
export function chromiumStartWarning(path: string, exists: (p: string) => boolean = existsSync): string | null {
  if (exists(path)) return null;
  return `PDF exports are unavailable: no Chromium at ${path}. Install it with its Chinese font (apt-get install chromium fonts-wqy-microhei), or set WEIAN_CHROMIUM to its path; XLSX and CSV exports work without it`;
}

/** A PDF asked of a server without Chromium: the administrator's to fix, said in both languages. */
export const chromiumMissing = (path: string) =>
  new DomainError(
    'PRECONDITION_FAILED',
    `服务器未安装 Chromium，无法生成 PDF（未找到 ${path}）。请管理员安装：apt-get install chromium fonts-wqy-microhei，或设置 WEIAN_CHROMIUM。XLSX 导出不受影响。 / ` +
      `PDF export needs Chromium on the server (${path} not found): apt-get install chromium fonts-wqy-microhei, or set WEIAN_CHROMIUM. XLSX exports still work.`,
  );

/** Debian's Chromium, headless, with nothing that phones home or needs a GPU (STACK.md). */
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export interface PdfRenderer {
  /** Prints a self-contained HTML page (no scripts, no network) to an A4 PDF. */
  render(html: string, opts?: { landscape?: boolean; footer?: string }): Promise<Buffer>;
  close(): Promise<void>;
  /** Browsers launched so far and pages printing now (at most the limit): for tests and metrics. */
  stats(): { launches: number; active: number; waiting: number };
}

/**
 * One browser for the process, launched on the first report (most servers never print one) and
 * relaunched if it dies; at most `concurrency` pages print at once, others wait their turn, so a
 * burst of downloads cannot start a Chromium per request.
 */
export function createPdfRenderer(opts: { executablePath: string; concurrency?: number; timeoutMs?: number }): PdfRenderer {
  const limit = Math.max(1, Math.min(opts.concurrency ?? 2, 2));
  const timeout = opts.timeoutMs ?? 120_000;
  let browser: Promise<Browser> | null = null;
  let active = 0;
  let launches = 0;
  let closed = false;
  const waiting: Array<() => void> = [];

  const getBrowser = () => {
    // Checked on every print, not once: an administrator may install it while the server runs.
    if (!browser && !existsSync(opts.executablePath)) return Promise.reject(chromiumMissing(opts.executablePath));
    if (!browser) launches++;
    // Loaded on the first PDF: playwright-core is a large module that most server processes never need.
    browser ??= import('playwright-core')
      .then(({ chromium }) => chromium.launch({ executablePath: opts.executablePath, args: CHROMIUM_ARGS }))
      .then(
        (b) => {
          b.on('disconnected', () => (browser = null));
          return b;
        },
        (e: Error) => {
          browser = null;
          throw e;
        },
      );
    return browser;
  };
  const acquire = async () => {
    if (active >= limit) await new Promise<void>((r) => waiting.push(r));
    active++;
  };
  const release = () => {
    active--;
    waiting.shift()?.();
  };

  return {
    async render(html, { landscape = false, footer = '' } = {}) {
      if (closed) throw new Error('the PDF renderer is closed');
      await acquire();
      try {
        // JavaScript off and every request refused: the page is data, it can neither run nor fetch anything.
        const context = await (await getBrowser()).newContext({ javaScriptEnabled: false, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' });
        try {
          context.setDefaultTimeout(timeout);
          await context.route('**/*', (route) => route.abort());
          const page = await context.newPage();
          await page.setContent(html, { waitUntil: 'load', timeout });
          return await page.pdf({
            format: 'A4',
            landscape,
            printBackground: true,
            margin: { top: '14mm', bottom: '16mm', left: '10mm', right: '10mm' },
            displayHeaderFooter: true,
            headerTemplate: '<span></span>',
            // Chromium fills pageNumber/totalPages itself; `footer` is escaped by the caller.
            footerTemplate: `<div style="font-size:8px;width:100%;text-align:center;color:#666">${footer} <span class="pageNumber"></span> / <span class="totalPages"></span></div>`,
          });
        } finally {
          await context.close().catch(() => {});
        }
      } finally {
        release();
      }
    },
    stats: () => ({ launches, active, waiting: waiting.length }),
    async close() {
      closed = true;
      const b = browser;
      browser = null;
      if (b) await (await b.catch(() => null))?.close();
    },
  };
}
