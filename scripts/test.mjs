#!/usr/bin/env node
// `pnpm test`: makes sure the machine has what the suite needs (Chromium, PostgreSQL running),
// runs the compiler and `pnpm lint`, then every Vitest project once, and prints the closing line CI reads: "N passed, N failed".
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
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

// Vitest strips types without checking them: the compiler runs first, over every package.
console.log('typechecking every package…');
const typecheck = spawnSync('pnpm', ['-s', 'typecheck'], { stdio: 'inherit', cwd: root });
if (typecheck.status !== 0) console.error('\ntypecheck failed (see above)');

// The architecture rules, unused code and dependencies (`pnpm lint`): a failure counts as a failed test.
console.log('linting (eslint, knip, prettier)…');
const lint = spawnSync('pnpm', ['-s', 'lint'], { stdio: 'inherit', cwd: root });
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
console.log(`\n${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(run.status === 0 && typecheck.status === 0 && failed === 0 && passed > 0 ? 0 : 1);
