import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TEST_ADMIN } from './auth.js';
import { REPO } from './paths.js';
import { serverBundle } from './bundles.js';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export const tempDir = (prefix = 'weian-test-') => mkdtempSync(join(tmpdir(), prefix));

export interface ServerProcess {
  url: string;
  port: number;
  dataDir: string;
  env: Record<string, string>;
  /** Output so far, for assertion messages. */
  log(): string;
  /** SIGTERM and wait. */
  stop(): Promise<void>;
  /** SIGKILL: no chance to flush or close anything. */
  kill9(): Promise<void>;
  /** Start again on the same port and data. */
  restart(): Promise<void>;
  cleanup(): Promise<void>;
}

/** Starts the real `weian-server serve` process on a free loopback port with its own data dir. */
export async function startServerProcess(opts: { dataDir?: string; env?: Record<string, string>; port?: number; args?: string[] } = {}): Promise<ServerProcess> {
  const dataDir = opts.dataDir ?? tempDir();
  const port = opts.port ?? (await freePort());
  const env: Record<string, string> = { WEIAN_DATA_DIR: dataDir, WEIAN_PORT: String(port), WEIAN_HOST: '127.0.0.1', WEIAN_ADMIN_PASSWORD: TEST_ADMIN.password, ...opts.env };
  let child: ChildProcess | null = null;
  let output = '';
  const scheme = opts.args?.includes('--tls-cert') ? 'https' : 'http';
  const url = `${scheme}://127.0.0.1:${port}`;

  const start = async () => {
    // Its own process group: kill9() reaches whatever the server started as well.
    const c = spawn(process.execPath, [await serverBundle(), 'serve', ...(opts.args ?? [])], { cwd: REPO, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    child = c;
    c.stdout!.on('data', (d: Buffer) => (output += d.toString()));
    c.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    await new Promise<void>((resolve, reject) => {
      // 60 s: with several test runs sharing two cores, a start has taken over 30 s.
      const timer = setTimeout(() => reject(new Error(`server did not start within 60 s:\n${output}`)), 60_000);
      // A restart's output follows the first start's: look only at what this start printed.
      const from = output.length;
      const onData = () => {
        if (output.indexOf('listening on', from) >= 0) {
          clearTimeout(timer);
          resolve();
        }
      };
      c.stdout!.on('data', onData);
      c.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`server exited with ${code} before listening:\n${output}`));
      });
    });
  };
  const waitExit = (signal: NodeJS.Signals) =>
    new Promise<void>((resolve) => {
      const c = child;
      if (!c || c.exitCode !== null || c.signalCode !== null) return resolve();
      c.once('exit', () => resolve());
      try {
        process.kill(-c.pid!, signal);
      } catch {
        c.kill(signal);
      }
    });

  await start();
  return {
    url,
    port,
    dataDir,
    env,
    log: () => output,
    stop: () => waitExit('SIGTERM'),
    kill9: () => waitExit('SIGKILL'),
    restart: start,
    async cleanup() {
      await waitExit('SIGKILL');
      if (!opts.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
