import { execFile } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { REPO, tempDir } from '../helpers/index.js';

const SCRIPT = pathToFileURL(join(REPO, 'server/scripts/sqliteAddon.mjs')).href;

/** Calls the add-on script's `fn` (addonName or sqliteAddon) in a process of its own, with the per-user cache at `shared`. */
async function call(fn: 'addonName' | 'sqliteAddon', shared: string, cacheDir: string): Promise<string> {
  const o = { cacheDir, platform: 'linux-arm64', resolveFrom: join(REPO, 'server/package.json') };
  const code = `import { ${fn} } from ${JSON.stringify(SCRIPT)}; console.log(${fn}({ ...${JSON.stringify(o)}, nodeVersion: process.versions.node }));`;
  // Compiling for arm64 takes minutes: a copy from the cache answers within seconds.
  const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', code], { env: { ...process.env, WEIAN_BUILD_CACHE: shared }, timeout: 30_000 });
  return stdout.trim();
}

describe("the server packages' SQLite add-on", () => {
  it('a fresh checkout copies a compiled add-on from the per-user cache instead of compiling it again', async () => {
    const shared = tempDir('weian-build-cache-');
    const checkout = tempDir('weian-addon-');
    const name = await call('addonName', shared, checkout);
    expect(name).toMatch(/^better-sqlite3-[\d.]+-node[\d.]+-linux-arm64-[0-9a-f]{12}\.node$/);
    writeFileSync(join(shared, name), 'compiled before, by another checkout');
    const path = await call('sqliteAddon', shared, checkout);
    expect(path).toBe(join(checkout, name));
    expect(readFileSync(path, 'utf8')).toBe('compiled before, by another checkout');
    expect(existsSync(`${path}.lock`)).toBe(false);
  });
});
