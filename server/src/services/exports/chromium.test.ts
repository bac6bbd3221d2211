import { describe, expect, it } from 'vitest';
import { DomainError } from '../../errors.js';
import { CHROMIUM_PATHS, chromiumStartWarning, createPdfRenderer, findChromium } from './pdfRenderer.js';

describe('finding Chromium for PDF exports', () => {
  it('takes WEIAN_CHROMIUM as given, else the first usual path present', () => {
    expect(findChromium('/opt/chrome/chrome', () => false)).toBe('/opt/chrome/chrome');
    expect(findChromium(undefined, (p) => p === '/usr/bin/google-chrome')).toBe('/usr/bin/google-chrome');
    expect(findChromium(undefined, () => false)).toBe(CHROMIUM_PATHS[0]);
  });

  it('refuses a PDF with a clear precondition error, in Chinese and English, when the binary is missing', async () => {
    const renderer = createPdfRenderer({ executablePath: '/nonexistent/chromium' });
    const err = await renderer.render('<p>x</p>').then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(DomainError);
    expect((err as DomainError).code).toBe('PRECONDITION_FAILED');
    expect((err as DomainError).message).toMatch(/服务器未安装 Chromium.*apt-get install chromium fonts-wqy-microhei/);
    expect((err as DomainError).message).toMatch(/PDF export needs Chromium on the server \(\/nonexistent\/chromium not found\)/);
    expect(renderer.stats().launches).toBe(0);
    await renderer.close();
  });
});

describe('the Chromium check at start', () => {
  it('warns, naming the path, the packages and the setting, only when the binary is missing', () => {
    expect(chromiumStartWarning('/usr/bin/chromium', () => true)).toBeNull();
    expect(chromiumStartWarning('/opt/none/chromium', () => false)).toMatch(/no Chromium at \/opt\/none\/chromium.*apt-get install chromium fonts-wqy-microhei.*WEIAN_CHROMIUM/);
  });
});
