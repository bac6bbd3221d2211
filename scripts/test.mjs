#!/usr/bin/env node
// `pnpm test`: makes sure the machine has what the suite needs (Chromium, PostgreSQL running),
// runs the compiler and `pnpm lint`, then every Vitest project once, and prints the closing line CI reads: "N passed, N failed".
// The compiler's and lint's commands are single-threaded: they run side by side, and the server's SQLite add-ons
// (minutes of C++ for arm64, which the packaging tests' server build needs) compile at low priority meanwhile.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const sh = (cmd, opts = {}) => spawnSync('bash', ['-c', cmd], { stdio: 'inherit', cwd: root, ...opts });
const quiet = (cmd) => spawnSync('bash', ['-c', cmd], { cwd: root, encoding: 'utf8' });

/**
 * Debian packages the suite uses: Chromium (browser tests, PDF export), poppler (reading PDFs back), a CJK font (screenshots);
 * for the agent's and server's builds (test/packaging): rpm (and cpio to read one back), dpkg-dev, wixl + msitools, lintian, qemu-user-static with the arm64 C/C++ runtimes,
 * and the arm64 cross compiler (the server's SQLite add-on);
 * nginx in front of the server (docs/operations.md); an OpenSSH server whose host key the scanner tests read.
 */
const PACKAGES =
  'chromium poppler-utils fonts-wqy-microhei rpm dpkg-dev wixl msitools lintian qemu-user-static libc6-arm64-cross libstdc++6-arm64-cross g++-aarch64-linux-gnu cpio nginx openssh-server';
function ensurePackages() {
  const hasFont = quiet('fc-list').stdout?.toLowerCase().includes('wenquanyi');
  const tools = [
    '/usr/bin/chromium',
    '/usr/bin/pdftotext',
    '/usr/bin/rpmbuild',
    '/usr/bin/wixl',
    '/usr/bin/msiinfo',
    '/usr/bin/lintian',
    '/usr/bin/qemu-aarch64-static',
    '/usr/aarch64-linux-gnu/lib/libstdc++.so.6',
    '/usr/bin/aarch64-linux-gnu-g++',
    '/usr/bin/cpio',
    '/usr/sbin/nginx',
    '/usr/sbin/sshd',
  ];
  if (tools.every((t) => existsSync(t)) && hasFont) return;
  if (process.getuid?.() !== 0) throw new Error(`missing Debian packages: apt-get install ${PACKAGES}`);
  console.log('installing the Debian packages the suite needs…');
  const r = sh(`apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ${PACKAGES} >/dev/null`);
  if (r.status !== 0) throw new Error('could not install the Debian packages the suite needs');
}

function ensurePostgres() {
  if (quiet('pg_isready -h 127.0.0.1 -p 5432').status === 0) return;
  if (existsSync('/etc/postgresql')) {
    console.log('starting PostgreSQL…');
    sh('pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql | head -1) main start');
  }
  if (quiet('pg_isready -h 127.0.0.1 -p 5432').status !== 0) console.warn('PostgreSQL is not reachable on 127.0.0.1:5432: the PostgreSQL tests will fail');
}

ensurePackages();
ensurePostgres();

/**
 * Runs `cmd` with the workspace's binaries on PATH (as `pnpm run` does), its output kept for later
 * (commands run side by side would interleave it). Resolves to its exit status, output and seconds.
 */
function runQuiet(cmd, { nice = 0 } = {}) {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn('nice', ['-n', String(nice), 'bash', '-c', cmd], {
      cwd: root,
      env: { ...process.env, PATH: `${join(root, 'node_modules/.bin')}:${process.env.PATH}` },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('close', (code) => resolve({ cmd, code: code ?? 1, output, seconds: Math.round((Date.now() - started) / 1000) }));
  });
}

/** The commands of a package.json script (`a && b && c`): each is independent of the others. */
const scriptSteps = (name) => JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).scripts[name].split(' && ');

/** Runs commands `at` a time, in the order given (put the longest first); resolves to their results in that order. */
async function pool(cmds, at) {
  const results = new Array(cmds.length);
  let next = 0;
  const worker = async () => {
    while (next < cmds.length) {
      const i = next++;
      results[i] = await runQuiet(cmds[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(at, cmds.length) }, worker));
  return results;
}

// The whole suite: the SQLite add-ons, at once and at low priority. Nothing waits for them but the server's
// build in the packaging tests, which takes the same lock and finds them made (server/scripts/sqliteAddon.mjs).
const whole = process.argv.length <= 2;
const addons = whole ? runQuiet('node server/scripts/sqliteAddon.mjs', { nice: 10 }) : null;

// Vitest strips types without checking them: the compiler runs first, over every package; then the
// architecture rules, unused code and dependencies (`pnpm lint`), where a failure counts as a failed test.
console.log('typechecking every package and linting (eslint, import cycles, knip, prettier), side by side…');
const typecheckSteps = scriptSteps('typecheck');
const lintSteps = scriptSteps('lint');
// Each script's first command is its longest (the compiler over the packages, ESLint): those two start first.
const order = [...typecheckSteps.map((cmd, i) => ({ cmd, i, typecheck: true })), ...lintSteps.map((cmd, i) => ({ cmd, i, typecheck: false }))].sort((a, b) => a.i - b.i);
const checks = (
  await pool(
    order.map((s) => s.cmd),
    availableParallelism(),
  )
).map((r, k) => ({ ...r, typecheck: order[k].typecheck }));
for (const r of checks) {
  console.log(`${r.code === 0 ? 'ok' : 'FAILED'}  ${r.cmd}  (${r.seconds} s)`);
  if (r.code !== 0 || r.output.trim()) console.log(r.output.trimEnd());
}
const typecheck = { status: checks.filter((r) => r.typecheck).every((r) => r.code === 0) ? 0 : 1 };
if (typecheck.status !== 0) console.error('\ntypecheck failed (see above)');
const lint = { status: checks.filter((r) => !r.typecheck).every((r) => r.code === 0) ? 0 : 1 };
if (lint.status !== 0) console.error('\nlint failed (see above)');

const out = join(root, 'test', '.artifacts');
mkdirSync(out, { recursive: true });
const jsonFile = join(out, 'vitest-results.json');
const args = ['vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${jsonFile}`, ...process.argv.slice(2)];
const run = spawnSync('npx', args, { stdio: 'inherit', cwd: root });

let passed = 0;
let failed = 0;
let skipped = 0;
if (existsSync(jsonFile)) {
  const res = JSON.parse(readFileSync(jsonFile, 'utf8'));
  passed = res.numPassedTests ?? 0;
  failed = res.numFailedTests ?? 0;
  skipped = (res.numPendingTests ?? 0) + (res.numTodoTests ?? 0);
  // A file that failed outside its tests (it did not load, or a beforeAll threw and its tests were skipped)
  // counts as a failure even though none of its tests failed.
  const brokenFiles = (res.testResults ?? []).filter((f) => f.status === 'failed' && !(f.assertionResults ?? []).some((a) => a.status === 'failed')).length;
  failed += brokenFiles;
}
if (lint.status !== 0) failed += 1;
const addon = await addons;
// Not a failure of its own: the server's build compiles again what is missing, and fails there if it must.
if (addon && addon.code !== 0) console.warn(`\nthe early SQLite add-on compile failed:\n${addon.output}`);
console.log(`\n${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(run.status === 0 && typecheck.status === 0 && failed === 0 && passed > 0 ? 0 : 1);
