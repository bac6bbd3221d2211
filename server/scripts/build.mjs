#!/usr/bin/env node
// The server as an installable program, from npm registry packages and Debian's tools only:
//   dist/weian-server/                  server.mjs (one bundle, run by plain `node`, no dev dependencies),
//                                       node_modules/ (the native SQLite driver and the PDF printer's driver),
//                                       dashboard/ (the built dashboard), agent-install.sh
//   dist/weian-server_VERSION_{amd64,arm64}.deb, dist/weian-server-VERSION-1.{x86_64,aarch64}.rpm
//                                       the same under /usr/lib/weian-server, with Node.js (npm's node-linux-*),
//                                       a hardened systemd unit, /etc/weian/server.env, user `weian` (packages.mjs)
//   dist/FILE.sha256                    each package's SHA-256
// Usage: node server/scripts/build.mjs [--no-deb] [--arch amd64,arm64] [--dist DIR]   (the dashboard must be built first: `pnpm build` does both)
import { chmodSync, copyFileSync, cpSync, existsSync, mkdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { nodeBinary } from '../../scripts/nodeBinary.mjs';
import { bundleServer, EXTERNAL } from './bundle.mjs';
import { ARCHES, buildServerPackages } from './packages.mjs';
import { sqliteAddon } from './sqliteAddon.mjs';

const SERVER = fileURLToPath(new URL('..', import.meta.url));
const REPO = join(SERVER, '..');
const option = (name) => (process.argv.indexOf(name) > 0 ? process.argv[process.argv.indexOf(name) + 1] : undefined);
const DIST = resolve(option('--dist') ?? join(SERVER, 'dist'));
const VERSION = /WEIAN_VERSION = '([^']+)'/.exec(readFileSync(join(REPO, 'shared/src/version.ts'), 'utf8'))[1];
const NODE_VERSION = process.versions.node;
const require = createRequire(join(SERVER, 'package.json'));
/** Packages to make, by Debian architecture name (arm64 needs Debian's g++-aarch64-linux-gnu). */
const PLATFORMS = (option('--arch') ?? 'amd64,arm64').split(',').map((a) => Object.keys(ARCHES).find((p) => ARCHES[p].deb === a) ?? a);

const APP = join(DIST, 'weian-server');
rmSync(APP, { recursive: true, force: true });
mkdirSync(APP, { recursive: true });

// 1. One bundle (bundle.mjs); the packages it leaves outside are copied beside it as plain node_modules.
await bundleServer({ outfile: join(APP, 'server.mjs') });
chmodSync(join(APP, 'server.mjs'), 0o755);
// Read beside the bundle at start (http/agentDownloads.ts): the install scripts agents' one-line installs fetch.
for (const f of ['agent-install.sh', 'agent-install.ps1']) copyFileSync(join(SERVER, 'src/http', f), join(APP, f));

/** A package and what it requires at run time, copied (not linked) into the app's node_modules. */
function copyPackage(name, from = require) {
  const manifest = from.resolve(`${name}/package.json`);
  const dir = realpathSync(dirname(manifest));
  const to = join(APP, 'node_modules', name);
  if (existsSync(to)) return;
  cpSync(dir, to, { recursive: true, dereference: true, filter: (p) => !/[/\\](src|deps|test|docs)$/.test(p) || !p.includes('better-sqlite3') });
  const pkg = JSON.parse(readFileSync(manifest, 'utf8'));
  const own = createRequire(manifest);
  for (const dep of Object.keys(pkg.dependencies ?? {})) copyPackage(dep, own);
}
for (const name of EXTERNAL) copyPackage(name);
// better-sqlite3's sources and build intermediates are not needed beside its compiled add-on.
for (const sub of ['deps', 'src', 'build/Release/obj', 'build/Release/obj.target', 'build/deps']) rmSync(join(APP, 'node_modules/better-sqlite3', sub), { recursive: true, force: true });

// 2. The dashboard, as `pnpm build` made it.
const dashboard = join(REPO, 'dashboard/dist');
if (!existsSync(join(dashboard, 'index.html'))) throw new Error('the dashboard is not built: run `pnpm build` (it builds the dashboard first)');
cpSync(dashboard, join(APP, 'dashboard'), { recursive: true });
writeFileSync(join(APP, 'VERSION'), `${VERSION}\n`);
console.log(`wrote ${APP} (run: node ${join(APP, 'server.mjs')} serve)`);

// 3. The packages, deb and rpm for each architecture (server/scripts/packages.mjs), each with a SQLite
// add-on compiled for it and for glibc 2.28 (server/scripts/sqliteAddon.mjs).
if (!process.argv.includes('--no-deb')) {
  const cache = join(SERVER, '.cache');
  for (const platform of PLATFORMS) {
    if (!ARCHES[platform]) throw new Error(`--arch: ${platform} is not one of ${Object.keys(ARCHES).join(', ')}`);
    const addon = sqliteAddon({ cacheDir: cache, platform, nodeVersion: NODE_VERSION, resolveFrom: join(SERVER, 'package.json') });
    const built = buildServerPackages({
      app: APP,
      node: nodeBinary(cache, platform, NODE_VERSION),
      addon,
      platform,
      version: VERSION,
      dist: DIST,
      work: join(cache, 'packages'),
      unit: join(SERVER, 'packaging/weian-server.service'),
      envFile: join(SERVER, 'packaging/server.env'),
      doc: join(REPO, 'docs/operations.md'),
    });
    for (const f of built) console.log(`wrote ${f}`);
  }
}
