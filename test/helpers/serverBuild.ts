import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ensureDashboardBuilt } from './browser.js';
import { mtimeOr0, newestMtime, withBuildLock } from './buildLock.js';
import { REPO } from './paths.js';

const SERVER = join(REPO, 'server');
export const SERVER_DIST = join(SERVER, 'dist');

/** The server's production build and deb (server/scripts/build.mjs), unless newer than its sources. */
export async function ensureServerBuilt(version: string): Promise<{ app: string; deb: string }> {
  await ensureDashboardBuilt();
  const deb = join(SERVER_DIST, `weian-server_${version}_amd64.deb`);
  await withBuildLock(join(SERVER, '.build-lock'), 10 * 60_000, async () => {
    const sources = Math.max(...['src', 'scripts', 'packaging', 'package.json', '../shared/src', '../dashboard/dist', '../docs/operations.md'].map((p) => newestMtime(join(SERVER, p))));
    if (mtimeOr0(`${deb}.sha256`) > sources) return;
    await promisify(execFile)(process.execPath, [join(SERVER, 'scripts/build.mjs')], { cwd: REPO, maxBuffer: 64 * 1024 * 1024 });
  });
  return { app: join(SERVER_DIST, 'weian-server'), deb };
}
