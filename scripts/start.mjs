#!/usr/bin/env node
// `pnpm start`: builds what is not built, starts the server on the embedded SQLite default with a
// demo region, enrolls one real agent on this machine and keeps it reporting. Ctrl-C stops both.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { firstAdminPassword } from './adminPassword.mjs';

const root = new URL('..', import.meta.url).pathname;
const port = process.env.WEIAN_PORT ?? '8080';
const dataDir = process.env.WEIAN_DATA_DIR ?? join(root, 'data');
const env = { ...process.env, WEIAN_PORT: port, WEIAN_DATA_DIR: dataDir };
const tsx = join(root, 'node_modules', '.bin', 'tsx');
// The server CLI in this process's own runtime (tsx loaded in-process): one process per server, so signals reach it.
const weianServer = [join(root, 'server', 'bin', 'weian-server.mjs')];
const agentConfig = join(dataDir, 'agent', 'agent.json');
const url = `http://127.0.0.1:${port}`;

const newest = (dir) => {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
};
const step = (msg) => console.log(`\x1b[36m▸ ${msg}\x1b[0m`);

// PDF exports print with Chromium and a CJK font (README "Start it"); install them when we may, else say so.
const chromiumPaths = [process.env.WEIAN_CHROMIUM, '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'].filter(Boolean);
if (!chromiumPaths.some((p) => existsSync(p))) {
  if (process.getuid?.() === 0 && existsSync('/usr/bin/apt-get')) {
    step('installing Chromium and a Chinese font for PDF exports (apt-get install chromium fonts-wqy-microhei)');
    const r = spawnSync('bash', ['-c', 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-wqy-microhei >/dev/null'], { stdio: 'inherit' });
    if (r.status !== 0) console.warn('could not install Chromium: PDF exports will answer "Chromium is not installed" until it is');
  } else console.warn('Chromium not found: PDF exports need it (apt-get install chromium fonts-wqy-microhei, or set WEIAN_CHROMIUM)');
}
const must = (r, what) => {
  if (r.status !== 0) {
    console.error(`${what} failed${r.stderr ? `:\n${r.stderr}` : ''}`);
    process.exit(1);
  }
  return r;
};

const dist = join(root, 'dashboard', 'dist', 'index.html');
if (!existsSync(dist) || statSync(dist).mtimeMs < newest(join(root, 'dashboard', 'src'))) {
  step('building the dashboard');
  must(spawnSync('pnpm', ['--filter', '@weian/dashboard', 'run', 'build'], { cwd: root, stdio: 'inherit' }), 'dashboard build');
}
mkdirSync(dataDir, { recursive: true });
const { file: passwordFile, password: adminPassword } = firstAdminPassword(dataDir);
env.WEIAN_ADMIN_PASSWORD = adminPassword;
const server = spawn(process.execPath, [...weianServer, 'serve'], { cwd: root, env, stdio: 'inherit' });
const children = [server];
const stopAll = () => {
  for (const c of children) c.kill('SIGTERM');
};
process.on('SIGINT', stopAll);
process.on('SIGTERM', stopAll);
// pnpm 10 exits on SIGTERM without passing it on: when our parent is gone, stop the tree too.
const parent = process.ppid;
setInterval(() => process.ppid !== parent && stopAll(), 500).unref();
server.on('exit', (code) => {
  stopAll();
  process.exit(code ?? 0);
});

for (let i = 0; ; i++) {
  const ok = await fetch(`${url}/healthz`).then(
    (r) => r.ok,
    () => false,
  );
  if (ok) break;
  if (i > 150) {
    console.error('the server did not become healthy in 30 s');
    stopAll();
    process.exit(1);
  }
  await new Promise((r) => setTimeout(r, 200));
}

step('seeding the demo region (idempotent)');
const seed = spawnSync(process.execPath, [...weianServer, 'seed-demo'], { cwd: root, env, encoding: 'utf8' });
if (seed.status === 0) process.stdout.write(seed.stdout);

if (!existsSync(agentConfig)) {
  step('enrolling a local agent for this machine');
  const tok = must(
    spawnSync(process.execPath, [...weianServer, 'token', 'create', '--institution', 'DEMO-LOCAL', '--name', '本机演示医院', '--region', '330106'], { cwd: root, env, encoding: 'utf8' }),
    'token create',
  );
  const token = tok.stdout.trim().split('\n').at(-1);
  must(spawnSync(tsx, ['agent/src/cli.ts', 'enroll', '--server', url, '--token', token, '--config', agentConfig], { cwd: root, env, encoding: 'utf8' }), 'agent enroll');
}
step('starting the local agent');
children.push(spawn(tsx, ['agent/src/cli.ts', 'run', '--config', agentConfig], { cwd: root, env, stdio: 'inherit' }));

console.log(
  `\n  WeiAn 卫安 is running: ${url}\n  sign in as admin / ${process.env.WEIAN_ADMIN_PASSWORD ? '(your WEIAN_ADMIN_PASSWORD)' : adminPassword}  (kept in ${passwordFile})\n  data in ${dataDir}; Ctrl-C to stop\n`,
);
