// better-sqlite3's native add-on for the packages, compiled here from the package's own sources (the
// lockfile's version) with Debian's compilers (a cross compiler for arm64) and the headers of npm's
// node-<platform> package: nothing is downloaded from outside npm and Debian. Unlike the add-on `pnpm
// install` builds for this machine, it runs on glibc 2.28 (server/packaging/glibc-2.28.h).
// Cached per (add-on version, Node version, platform).
import { execFileSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { nodeHeaders } from '../../scripts/nodeBinary.mjs';

/** Debian's toolchains by Node.js platform (the build machine is x86-64; apt-get install g++-aarch64-linux-gnu). */
const CROSS = {
  'linux-x64': { arch: 'x64', prefix: '', apt: 'g++' },
  'linux-arm64': { arch: 'arm64', prefix: 'aarch64-linux-gnu-', apt: 'g++-aarch64-linux-gnu' },
};
const GLIBC_FLOOR = fileURLToPath(new URL('../packaging/glibc-2.28.h', import.meta.url));

/**
 * The path of better_sqlite3.node built for `platform` and Node.js `nodeVersion`.
 * @param {{ cacheDir: string, platform: string, nodeVersion: string, resolveFrom: string }} o
 */
export function sqliteAddon(o) {
  if (process.arch !== 'x64') throw new Error('the server packages are built on x86-64');
  const cross = CROSS[o.platform];
  if (!cross) throw new Error(`no cross toolchain known for ${o.platform}`);
  const manifest = createRequire(o.resolveFrom).resolve('better-sqlite3/package.json');
  const version = JSON.parse(readFileSync(manifest, 'utf8')).version;
  const out = join(o.cacheDir, `better-sqlite3-${version}-node${o.nodeVersion}-${o.platform}.node`);
  if (existsSync(out)) return out;
  try {
    execFileSync(`${cross.prefix}g++`, ['--version'], { stdio: 'ignore' });
  } catch {
    throw new Error(`the ${o.platform} server packages need a cross compiler for the SQLite add-on: apt-get install ${cross.apt} (or build only amd64: --arch amd64)`);
  }
  const work = join(o.cacheDir, `.better-sqlite3-${o.platform}-${process.pid}`);
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  try {
    const src = dirname(manifest);
    for (const f of ['binding.gyp', 'package.json', 'deps', 'src']) cpSync(join(src, f), join(work, f), { recursive: true, dereference: true });
    // npm's own node-gyp (it ships with Node.js), as `pnpm install` uses for the host's add-on.
    const npmRoot = execFileSync('npm', ['root', '-g'], { encoding: 'utf8' }).trim();
    const gyp = join(npmRoot, 'npm/node_modules/node-gyp/bin/node-gyp.js');
    const tool = (t) => `${cross.prefix}${t}`;
    execFileSync(process.execPath, [gyp, 'rebuild', '--release', `--arch=${cross.arch}`, `--nodedir=${nodeHeaders(o.cacheDir, o.platform, o.nodeVersion)}`, '--jobs=2'], {
      cwd: work,
      env: {
        ...process.env,
        CC: tool('gcc'),
        CXX: tool('g++'),
        LINK: tool('g++'),
        AR: tool('ar'),
        CFLAGS: `-include ${GLIBC_FLOOR}`,
        CXXFLAGS: `-include ${GLIBC_FLOOR}`,
        LDFLAGS: '-Wl,--wrap=stat64,--wrap=fstat64,--wrap=lstat64',
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    const built = join(work, 'build/Release/better_sqlite3.node');
    execFileSync(tool('strip'), ['--strip-unneeded', built]);
    copyFileSync(built, `${out}.tmp${process.pid}`);
    renameSync(`${out}.tmp${process.pid}`, out);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return out;
}
