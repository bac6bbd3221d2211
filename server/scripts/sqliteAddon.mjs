// better-sqlite3's native add-on for the packages, compiled here from the package's own sources (the
// lockfile's version) with Debian's compilers (a cross compiler for arm64) and the headers of npm's
// node-<platform> package: nothing is downloaded from outside npm and Debian. Unlike the add-on `pnpm
// install` builds for this machine, it runs on glibc 2.28 (server/packaging/glibc-2.28.h).
// Cached per (add-on version, Node version, platform, this recipe), in the checkout and per user (SHARED). `pnpm test` compiles both at its start
// (`node server/scripts/sqliteAddon.mjs`), beside the compiler and lint; a build that needs one meanwhile waits for it.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, cpSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { nodeHeaders } from '../../scripts/nodeBinary.mjs';

/** Debian's toolchains by Node.js platform (the build machine is x86-64; apt-get install g++-aarch64-linux-gnu). */
const CROSS = {
  'linux-x64': { arch: 'x64', prefix: '', apt: 'g++' },
  'linux-arm64': { arch: 'arm64', prefix: 'aarch64-linux-gnu-', apt: 'g++-aarch64-linux-gnu' },
};
const GLIBC_FLOOR = fileURLToPath(new URL('../packaging/glibc-2.28.h', import.meta.url));
/** What makes the add-on's bytes besides the package and Node versions: this script (flags, toolchains) and the glibc floor. */
const RECIPE = createHash('sha256')
  .update(readFileSync(fileURLToPath(import.meta.url)))
  .update(readFileSync(GLIBC_FLOOR))
  .digest('hex')
  .slice(0, 12);

/**
 * Add-ons compiled here are also kept per user, outside any checkout: a fresh clone (CI's) copies one instead of
 * compiling it again (two minutes of CPU for both). The file's name says everything that makes its bytes.
 */
const SHARED = process.env.WEIAN_BUILD_CACHE ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'weian-build');

/**
 * The path of better_sqlite3.node built for `platform` and Node.js `nodeVersion`.
 * @param {{ cacheDir: string, platform: string, nodeVersion: string, resolveFrom: string }} o
 */
export function sqliteAddon(o) {
  if (process.arch !== 'x64') throw new Error('the server packages are built on x86-64');
  const cross = CROSS[o.platform];
  if (!cross) throw new Error(`no cross toolchain known for ${o.platform}`);
  const manifest = createRequire(o.resolveFrom).resolve('better-sqlite3/package.json');
  const out = join(o.cacheDir, addonName(o));
  if (existsSync(out)) return out;
  mkdirSync(o.cacheDir, { recursive: true });
  return whileLocked(`${out}.lock`, () => (existsSync(out) ? out : (fromShared(out) ?? share(compile(o, cross, manifest, out)))));
}

/**
 * The add-on's file name: the package's version, Node's, the platform and RECIPE, all that makes its bytes.
 * @param {{ platform: string, nodeVersion: string, resolveFrom: string }} o
 */
export function addonName(o) {
  const version = JSON.parse(readFileSync(createRequire(o.resolveFrom).resolve('better-sqlite3/package.json'), 'utf8')).version;
  return `better-sqlite3-${version}-node${o.nodeVersion}-${o.platform}-${RECIPE}.node`;
}

/** `out` copied from the per-user cache, if it holds it; else null. */
function fromShared(out) {
  const kept = join(SHARED, basename(out));
  if (!existsSync(kept)) return null;
  copyFileSync(kept, `${out}.tmp${process.pid}`);
  renameSync(`${out}.tmp${process.pid}`, out);
  return out;
}

/** Keeps a copy of `out` in the per-user cache (best effort: a read-only home only means compiling again next time). */
function share(out) {
  try {
    mkdirSync(SHARED, { recursive: true });
    const tmp = join(SHARED, `${basename(out)}.tmp${process.pid}`);
    copyFileSync(out, tmp);
    renameSync(tmp, join(SHARED, basename(out)));
  } catch {
    // not kept
  }
  return out;
}

/** The compile itself (minutes for arm64 on 2 cores), into `out`. */
function compile(o, cross, manifest, out) {
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

const pause = new Int32Array(new SharedArrayBuffer(4));
const alive = (pid) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return e.code === 'EPERM';
  }
};

/**
 * Runs `fn` holding `lock` (a directory naming its holder's pid): two builds that need the same add-on
 * (the early one `pnpm test` starts, a test's server build) compile it once; the second waits for the first.
 * A lock whose holder is gone was left by a killed build.
 */
function whileLocked(lock, fn) {
  for (;;) {
    try {
      mkdirSync(lock);
      writeFileSync(join(lock, 'pid'), String(process.pid));
      break;
    } catch (e) {
      if (e.code !== 'EEXIST') throw e;
      let holder = 0;
      try {
        holder = Number(readFileSync(join(lock, 'pid'), 'utf8'));
      } catch {
        // between the holder's mkdir and its pid file
      }
      if (holder && !alive(holder)) rmSync(lock, { recursive: true, force: true });
      else Atomics.wait(pause, 0, 0, 500);
    }
  }
  try {
    return fn();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

// `node server/scripts/sqliteAddon.mjs [PLATFORM…]`: compiles the add-ons into server/.cache ahead of the server's build.
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const server = fileURLToPath(new URL('..', import.meta.url));
  for (const platform of process.argv.length > 2 ? process.argv.slice(2) : Object.keys(CROSS)) {
    sqliteAddon({ cacheDir: join(server, '.cache'), platform, nodeVersion: process.versions.node, resolveFrom: join(server, 'package.json') });
  }
}
