import { execFile } from 'node:child_process';
import { mkdirSync, renameSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { mtimeOr0, newestMtime, withBuildLock } from './buildLock.js';
import { REPO } from './paths.js';

/**
 * A one-file bundle of a CLI, made by `script` when one of `sources` is newer, and shared by every test file of
 * a run. Tests start the server and the agent hundreds of times: through tsx, each start spent about
 * 2 CPU-seconds (the agent 0.7, again in each collection's child process) loading the sources; with the
 * bundle, plain `node` takes a fifth of that.
 */
function cachedBundle(file: string, sources: string[], script: (out: string) => string[]): () => Promise<string> {
  let ready: Promise<string> | undefined;
  return () =>
    (ready ??= (async () => {
      mkdirSync(dirname(file), { recursive: true });
      await withBuildLock(`${file}.lock`, 5 * 60_000, async () => {
        if (mtimeOr0(file) > Math.max(...sources.map((p) => newestMtime(join(REPO, p))))) return;
        const tmp = `${file}.${process.pid}.tmp`;
        await promisify(execFile)(process.execPath, script(tmp), { cwd: REPO });
        renameSync(tmp, file);
      });
      return file;
    })());
}

const SHARED = ['shared/src', 'pnpm-lock.yaml'];

/** `weian-server`: server/scripts/bundle.mjs, each module keeping its own location (it reads files beside the sources). */
export const serverBundle = cachedBundle(join(REPO, 'server/.cache/test-cli/weian-server.mjs'), ['server/src', 'server/scripts/bundle.mjs', 'server/package.json', ...SHARED], (out) => [
  join(REPO, 'server/scripts/bundle.mjs'),
  '--out',
  out,
  '--at-sources',
]);

/** `weian-agent` as shipped for a system Node.js (agent/scripts/build.mjs --no-sea). */
export const agentBundle = cachedBundle(join(REPO, 'agent/.cache/test-cli/weian-agent.mjs'), ['agent/src', 'agent/scripts', 'agent/package.json', ...SHARED], (out) => [
  join(REPO, 'agent/scripts/build.mjs'),
  '--no-sea',
  '--out',
  out,
]);
