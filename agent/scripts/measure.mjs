#!/usr/bin/env node
// The agent's two footprint budgets, measured through the real `run` path of the bundled agent
// against a real server on loopback (Linux: reads /proc):
//   collect_cpu_s_first   CPU of the first collection (no memo yet: apt-get -s upgrade and the like)
//   collect_cpu_s_steady  median CPU of the later collections (each a child process, commands included)
//   rss_mb                peak resident memory of `weian-agent run` after its first collection
//   bare_rss_mb           peak resident memory of a bare `node -e 'setInterval(()=>{},1e6)'` alongside
//   rss_ratio             rss_mb / bare_rss_mb (budget: <= 1.5)
// Prints one JSON object on stdout; progress on stderr.
// Usage: node agent/scripts/measure.mjs [--duration S (180)] [--interval-ms MS (3000)] [--bundle FILE]
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const { values } = parseArgs({ options: { duration: { type: 'string', default: '180' }, 'interval-ms': { type: 'string', default: '3000' }, bundle: { type: 'string' } } });
const durationMs = Number(values.duration) * 1000;
const intervalMs = Number(values['interval-ms']);
const progress = (s) => process.stderr.write(`measure: ${s}\n`);

/** The bundle as installed, rebuilt when the agent's or shared's sources are newer. */
function bundle() {
  if (values.bundle) return values.bundle;
  const file = join(REPO, 'agent/dist/weian-agent.mjs');
  const newest = (dir) => readdirSync(dir, { recursive: true }).reduce((m, f) => Math.max(m, statSync(join(dir, f)).mtimeMs), 0);
  let fresh = false;
  try {
    fresh = statSync(file).mtimeMs > Math.max(newest(join(REPO, 'agent/src')), newest(join(REPO, 'shared/src')));
  } catch {}
  if (!fresh) {
    progress('building the agent bundle');
    execFileSync(process.execPath, [join(REPO, 'agent/scripts/build.mjs'), '--no-sea'], { cwd: REPO, stdio: ['ignore', 'ignore', 'inherit'] });
  }
  return file;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer().once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** A node process run directly (no wrapper), so its pid is the one measured. */
function start(args, env = {}) {
  const child = spawn(process.execPath, args, { cwd: REPO, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const keep = (d) => (out = (out + d).slice(-200_000));
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const exited = new Promise((r) => child.once('exit', (code) => r(code)));
  return { child, pid: child.pid, output: () => out, exited, stop: () => (child.exitCode === null && child.signalCode === null && child.kill('SIGTERM'), exited) };
}

async function until(what, check, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const rssMb = (pid) => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) / 1024;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const round = (x, d = 3) => (x === null || x === undefined ? null : Math.round(x * 10 ** d) / 10 ** d);

const agent = bundle();
const dir = mkdtempSync(join(tmpdir(), 'weian-measure-'));
const serverEnv = { WEIAN_DATA_DIR: join(dir, 'server'), WEIAN_HOST: '127.0.0.1', WEIAN_PORT: String(await freePort()), WEIAN_ADMIN_PASSWORD: 'measure-only-password-1' };
const serverArgs = ['--import', 'tsx', join(REPO, 'server/src/cli.ts')];
const procs = [];
try {
  const server = start([...serverArgs, 'serve'], serverEnv);
  procs.push(server);
  await until('the server', () => server.output().includes('listening on'), 60_000);
  const token = execFileSync(process.execPath, [...serverArgs, 'token', 'create', '--institution', 'MEASURE-1', '--name', '测量医院', '--region', '330106'], {
    cwd: REPO,
    env: { ...process.env, ...serverEnv },
    encoding: 'utf8',
  })
    .trim()
    .split('\n')
    .at(-1)
    .trim();
  const config = join(dir, 'agent', 'agent.json');
  execFileSync(process.execPath, [agent, 'enroll', '--server', `http://127.0.0.1:${serverEnv.WEIAN_PORT}`, '--token', token, '--config', config], { stdio: ['ignore', 'ignore', 'inherit'] });

  // Live collections (no replay): the first one finds no memo in the fresh data directory.
  const daemon = start([agent, 'run', '--config', config], { WEIAN_AGENT_INTERVAL_MS: String(intervalMs), WEIAN_AGENT_HEARTBEAT_MS: String(Math.max(1000, intervalMs / 2)), WEIAN_AGENT_REPLAY: '' });
  const bare = start(['-e', 'setInterval(()=>{},1e6)']);
  procs.push(daemon, bare);
  const cpu = () => [...daemon.output().matchAll(/queued \(collection: ([\d.]+) CPU-s\)/g)].map((m) => Number(m[1]));
  progress(`agent ${daemon.pid} collecting every ${intervalMs} ms for ${durationMs / 1000} s`);
  await until('the first collection', () => cpu().length >= 1, 120_000);
  let rss = 0;
  let bareRss = 0;
  const end = Date.now() + durationMs;
  while (Date.now() < end) {
    if (daemon.child.exitCode !== null) throw new Error(`the agent exited:\n${daemon.output().slice(-2000)}`);
    rss = Math.max(rss, rssMb(daemon.pid));
    bareRss = Math.max(bareRss, rssMb(bare.pid));
    await new Promise((r) => setTimeout(r, 500));
  }
  const collections = cpu();
  const acks = daemon.output().match(/acknowledged/g)?.length ?? 0;
  progress(`${collections.length} collections, ${acks} acknowledged; agent peak ${rss.toFixed(1)} MB, bare node peak ${bareRss.toFixed(1)} MB`);
  if (collections.length < 2 || acks < 2) throw new Error(`too few collections sent:\n${daemon.output().slice(-2000)}`);
  console.log(
    JSON.stringify({
      collect_cpu_s_first: round(collections[0]),
      collect_cpu_s_steady: round(median(collections.slice(1))),
      rss_mb: round(rss, 1),
      bare_rss_mb: round(bareRss, 1),
      rss_ratio: round(rss / bareRss),
    }),
  );
} finally {
  for (const p of procs.reverse()) await p.stop();
  rmSync(dir, { recursive: true, force: true });
}
