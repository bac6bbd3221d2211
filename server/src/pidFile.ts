import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The running server's pid in its data dir (SQLite installs), so that `weian-server restore` can
 * refuse to swap the database under a live server. A pid file left by a killed server is recognised
 * as stale: the process is gone, or it is no longer a WeiAn server.
 */
const fileIn = (dataDir: string) => join(dataDir, 'weian-server.pid');

export function writePidFile(dataDir: string): () => void {
  const file = fileIn(dataDir);
  writeFileSync(file, `${process.pid}\n`);
  return () => {
    // Only our own: a second server started on the same directory may have written its pid since.
    if (runningServerPid(dataDir) === process.pid) rmSync(file, { force: true });
  };
}

/** The pid of a live server using `dataDir`, or null. */
export function runningServerPid(dataDir: string): number | null {
  const file = fileIn(dataDir);
  if (!existsSync(file)) return null;
  const pid = Number(readFileSync(file, 'utf8').trim());
  if (!Number.isInteger(pid) || pid <= 0) return null;
  try {
    process.kill(pid, 0);
  } catch (e) {
    // EPERM: alive but another user's; treat as running rather than guess.
    if ((e as NodeJS.ErrnoException).code !== 'EPERM') return null;
  }
  // Pid reuse after a crash: on Linux, check it is still a node process.
  try {
    const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    if (!/node|weian/.test(cmd)) return null;
  } catch {
    /* no /proc: trust kill(0) */
  }
  return pid;
}
