import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ensureDashboardBuilt } from './browser.js';
import { mtimeOr0, newestMtime, withBuildLock } from './buildLock.js';
import { REPO } from './paths.js';

const SERVER = join(REPO, 'server');
export const SERVER_DIST = join(SERVER, 'dist');

/** The server's packages (server/scripts/packages.mjs), by architecture. */
export const serverPackages = (version: string) => ({
  deb: join(SERVER_DIST, `weian-server_${version}_amd64.deb`),
  debArm64: join(SERVER_DIST, `weian-server_${version}_arm64.deb`),
  rpm: join(SERVER_DIST, `weian-server-${version}-1.x86_64.rpm`),
  rpmAarch64: join(SERVER_DIST, `weian-server-${version}-1.aarch64.rpm`),
});

/**
 * The server's production build and packages (server/scripts/build.mjs), unless newer than their sources:
 * one build for every test file that needs it (the arm64 SQLite add-on alone takes minutes, cached in server/.cache).
 */
export async function ensureServerBuilt(version: string): Promise<{ app: string } & ReturnType<typeof serverPackages>> {
  await ensureDashboardBuilt();
  const packages = serverPackages(version);
  await withBuildLock(join(SERVER, '.build-lock'), 20 * 60_000, async () => {
    const sources = Math.max(
      ...['src', 'scripts', 'packaging', 'package.json', '../shared/src', '../dashboard/dist', '../docs/operations.md', '../scripts', '../pnpm-lock.yaml'].map((p) => newestMtime(join(SERVER, p))),
    );
    if (Math.min(...Object.values(packages).map((p) => mtimeOr0(`${p}.sha256`))) > sources) return;
    await promisify(execFile)(process.execPath, [join(SERVER, 'scripts/build.mjs')], { cwd: REPO, maxBuffer: 64 * 1024 * 1024 });
  });
  return { app: join(SERVER_DIST, 'weian-server'), ...packages };
}
