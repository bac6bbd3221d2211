// `pnpm dev` (README; started as `pnpm run dev`, the same): the dashboard from Vite's dev server, with its hot-reload client, and the API through
// Vite's proxy to the server it started; Ctrl-C (SIGINT to the whole process group) stops both.
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { TEST_ADMIN } from './helpers/auth.js';
import { REPO } from './helpers/paths.js';
import { runService } from './helpers/processTree.js';
import { freePort, tempDir } from './helpers/server.js';
import { waitFor } from './helpers/wait.js';

const dataDir = tempDir('weian-dev-');
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

const answers = (url: string) =>
  fetch(url).then(
    () => true,
    () => false,
  );

describe('pnpm dev', () => {
  it('serves the dashboard with hot reload and the API through the proxy, and Ctrl-C stops both', async () => {
    const [apiPort, devPort] = [await freePort(), await freePort()];
    const env = { ...process.env, WEIAN_PORT: String(apiPort), WEIAN_DEV_PORT: String(devPort), WEIAN_DATA_DIR: dataDir, WEIAN_ADMIN_PASSWORD: TEST_ADMIN.password };
    // Its own process group, as a terminal gives it: SIGINT to the group is the Ctrl-C.
    const dev = spawn('pnpm', ['run', 'dev'], { cwd: REPO, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    dev.stdout.on('data', (d: Buffer) => (output += d.toString()));
    dev.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const exited = new Promise<number | null>((resolve) => dev.once('exit', (code) => resolve(code)));
    const dashboard = `http://127.0.0.1:${devPort}`;
    try {
      const page = await waitFor(() => fetch(`${dashboard}/`).then((r) => (r.ok ? r.text() : null)), { timeoutMs: 90_000, what: `the dev dashboard (${output})` });
      // Vite's dev page, not the built one: its hot-reload client and the sources themselves.
      expect(page).toContain('/@vite/client');
      expect(page).toContain('/src/main.ts');

      const login = await waitFor(
        () =>
          fetch(`${dashboard}/trpc/auth.login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(TEST_ADMIN) }).then((r) =>
            r.ok ? (r.json() as Promise<{ result: { data: { user: { username: string; role: string } } } }>) : null,
          ),
        { timeoutMs: 90_000, what: `the API through the proxy (${output})` },
      );
      expect(login.result.data.user).toMatchObject({ username: 'admin', role: 'admin' });
    } finally {
      process.kill(-dev.pid!, 'SIGINT');
    }
    expect(await exited).toBe(0);
    expect(await answers(`${dashboard}/`)).toBe(false);
    expect(await answers(`http://127.0.0.1:${apiPort}/healthz`)).toBe(false);
  });

  it('stops as a whole tree when pnpm itself gets SIGTERM (pnpm does not pass it on)', async () => {
    const [apiPort, devPort] = [await freePort(), await freePort()];
    const env = { WEIAN_PORT: String(apiPort), WEIAN_DEV_PORT: String(devPort), WEIAN_DATA_DIR: dataDir, WEIAN_ADMIN_PASSWORD: TEST_ADMIN.password };
    await runService('pnpm dev', {
      cwd: REPO,
      env,
      ready: (output) =>
        waitFor(async () => (await answers(`http://127.0.0.1:${devPort}/`)) && (await answers(`http://127.0.0.1:${apiPort}/healthz`)), {
          timeoutMs: 90_000,
          intervalMs: 500,
          what: `pnpm dev to be up:\n${output()}`,
        }),
    });
    expect(await answers(`http://127.0.0.1:${apiPort}/healthz`)).toBe(false);
  });
});
