#!/usr/bin/env node
// `pnpm dev`: the server under `tsx watch` (it restarts when the server's code changes) and the dashboard under
// Vite's dev server (hot module replacement), which proxies /trpc and /export to the server. Same data directory
// and first admin as `pnpm start`. Ctrl-C stops both.
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { firstAdminPassword } from './adminPassword.mjs';

const root = new URL('..', import.meta.url).pathname;
const port = process.env.WEIAN_PORT ?? '8080';
const devPort = process.env.WEIAN_DEV_PORT ?? '5173';
const dataDir = process.env.WEIAN_DATA_DIR ?? join(root, 'data');
mkdirSync(dataDir, { recursive: true });
const admin = firstAdminPassword(dataDir);
// dashboard/vite.config.ts reads WEIAN_PORT for the proxy's target.
const env = { ...process.env, WEIAN_PORT: port, WEIAN_DATA_DIR: dataDir, WEIAN_ADMIN_PASSWORD: admin.password };
const bin = (pkg, name) => join(root, pkg, 'node_modules', '.bin', name);

const children = [
  spawn(bin('.', 'tsx'), ['watch', '--clear-screen=false', 'server/src/cli.ts', 'serve'], { cwd: root, env, stdio: 'inherit' }),
  spawn(bin('dashboard', 'vite'), ['--host', '127.0.0.1', '--port', devPort, '--strictPort'], { cwd: join(root, 'dashboard'), env, stdio: 'inherit' }),
];
let stopping = false;
const stopAll = (code = 0) => {
  if (stopping) return;
  stopping = true;
  for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
  Promise.all(children.map((c) => (c.exitCode === null && c.signalCode === null ? new Promise((r) => c.once('exit', r)) : null))).then(() => process.exit(code));
};
process.on('SIGINT', () => stopAll());
process.on('SIGTERM', () => stopAll());
// One of them gone (a port taken, a crash) takes the other down: half a dev setup only confuses.
for (const c of children) c.once('exit', (code) => stopAll(code ?? 1));
// pnpm 10 exits on SIGTERM without passing it on: when our parent is gone, stop too.
const parent = process.ppid;
setInterval(() => process.ppid !== parent && stopAll(), 500).unref();

console.log(
  `\n  WeiAn 卫安 dev: dashboard http://127.0.0.1:${devPort} (hot reload), API http://127.0.0.1:${port}\n  sign in as admin / ${process.env.WEIAN_ADMIN_PASSWORD ? '(your WEIAN_ADMIN_PASSWORD)' : admin.password}  (kept in ${admin.file})\n`,
);
