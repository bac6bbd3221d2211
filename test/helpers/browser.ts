import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { mtimeOr0, newestMtime, withBuildLock } from './buildLock.js';
import { REPO } from './paths.js';

export const ARTIFACTS = join(REPO, 'test', '.artifacts');
const DASHBOARD = join(REPO, 'dashboard');

/** Debian's Chromium, headless, with nothing that phones home or needs a GPU. */
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
}

export interface BrowserPage {
  context: BrowserContext;
  page: Page;
  /** Console errors, uncaught exceptions and CSP violations seen so far: a test expects none. */
  problems: string[];
}

/**
 * A fresh context at the size a bureau's laptop has (1366×768), in China time, with reduced
 * motion so that charts draw without animation and screenshots are stable.
 */
export async function openPage(browser: Browser, opts: { locale?: string } = {}): Promise<BrowserPage> {
  const context = await browser.newContext({ viewport: { width: 1366, height: 768 }, locale: opts.locale ?? 'zh-CN', timezoneId: 'Asia/Shanghai', reducedMotion: 'reduce' });
  // Fail in seconds, not playwright's 30 s default: every wait here is on loopback.
  context.setDefaultTimeout(10_000);
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  return { context, page, problems };
}

/** Signs in through the login form, as a person does, and waits to leave the login page. */
export async function signInWithForm(page: Page, url: string, creds: { username: string; password: string }): Promise<void> {
  await page.goto(`${url}/login`);
  await page.locator('input[name=username]').fill(creds.username);
  await page.locator('input[name=password]').fill(creds.password);
  await page.getByTestId('login-submit').click();
  await page.waitForURL((u) => !u.pathname.startsWith('/login'));
}

/** Saves a full-page screenshot as test/.artifacts/<name>.png and returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const path = join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/**
 * Builds the dashboard unless dist/ is newer than its sources. Test files run in parallel, so a
 * lock directory keeps two builds from writing dist/ at once (vite empties it first).
 */
export async function ensureDashboardBuilt(): Promise<void> {
  await withBuildLock(join(DASHBOARD, '.build-lock'), 120_000, async () => {
    // shared/src: the dashboard bundles shared's code (regions, articles, install lines); the lockfile: its dependencies.
    const sources = Math.max(...['src', 'index.html', 'vite.config.ts', 'package.json', 'tsconfig.json', '../shared/src', '../pnpm-lock.yaml'].map((p) => newestMtime(join(DASHBOARD, p))));
    if (mtimeOr0(join(DASHBOARD, 'dist', 'index.html')) > sources) return;
    await new Promise<void>((resolve, reject) => {
      let output = '';
      const child = spawn('pnpm', ['--filter', '@weian/dashboard', 'build'], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
      child.stdout.on('data', (d: Buffer) => (output += d.toString()));
      child.stderr.on('data', (d: Buffer) => (output += d.toString()));
      child.on('error', reject);
      child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`dashboard build failed (${code}):\n${output}`))));
    });
  });
}
