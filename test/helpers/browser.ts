import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
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

const newestMtime = (path: string): number => {
  const s = statSync(path);
  if (!s.isDirectory()) return s.mtimeMs;
  return Math.max(s.mtimeMs, ...readdirSync(path).map((f) => newestMtime(join(path, f))));
};
const mtimeOr0 = (path: string) => {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return 0;
  }
};

/**
 * Builds the dashboard unless dist/ is newer than its sources. Test files run in parallel, so a
 * lock directory keeps two builds from writing dist/ at once (vite empties it first).
 */
export async function ensureDashboardBuilt(): Promise<void> {
  const lock = join(DASHBOARD, '.build-lock');
  const deadline = Date.now() + 180_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      // A lock older than the longest build was left by a killed run.
      if (Date.now() - mtimeOr0(lock) > 120_000) rmSync(lock, { recursive: true, force: true });
      else if (Date.now() > deadline) throw new Error(`dashboard build lock ${lock} held too long`);
      else await new Promise((r) => setTimeout(r, 250));
    }
  }
  try {
    const sources = Math.max(...['src', 'index.html', 'vite.config.ts', 'package.json', 'tsconfig.json'].map((p) => newestMtime(join(DASHBOARD, p))));
    if (mtimeOr0(join(DASHBOARD, 'dist', 'index.html')) > sources) return;
    await new Promise<void>((resolve, reject) => {
      let output = '';
      const child = spawn('pnpm', ['--filter', '@weian/dashboard', 'build'], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
      child.stdout.on('data', (d: Buffer) => (output += d.toString()));
      child.stderr.on('data', (d: Buffer) => (output += d.toString()));
      child.on('error', reject);
      child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`dashboard build failed (${code}):\n${output}`))));
    });
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}
