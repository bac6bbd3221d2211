// The glibc 2.17 build runs on Node 16, whose fs/promises has no statfs (Node 18.15). build.mjs
// points that build's `node:fs/promises` imports here: everything else is Node's own, and statfs
// gives the same numbers from coreutils' `stat -f` (present on every EL7 host).
import { execFile } from 'node:child_process';

export * from 'fs/promises';

export function statfs(path) {
  return new Promise((resolve, reject) =>
    execFile('stat', ['-f', '-c', '%S %b %f %a %c %d', '--', path], { timeout: 10_000, env: { ...process.env, LC_ALL: 'C' } }, (e, out) => {
      if (e) return reject(e);
      const [bsize, blocks, bfree, bavail, files, ffree] = out.trim().split(/\s+/).map(Number);
      resolve({ type: 0, bsize, blocks, bfree, bavail, files, ffree });
    }),
  );
}
