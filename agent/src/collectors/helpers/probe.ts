import { opendir, readFile, stat } from 'node:fs/promises';
import type { Runner } from '../../runner.js';
import { lines, parseKeyEquals } from './parse.js';

/**
 * Reads that are neither a command nor a whole text file (a stat, a directory listing, the process
 * list, the host's UTC offset) go through `runner.call` under these keys, so a capture holds them
 * and a replay answers them with no live access.
 */

export interface PathStat {
  mtimeMs: number;
  size: number;
  dir: boolean;
}

/** stat(2) of a path, or null when it does not exist or cannot be read. */
export function statPath(runner: Runner, path: string): Promise<PathStat | null> {
  return runner
    .call(`stat:${path}`, async () => {
      try {
        const s = await stat(path);
        return { mtimeMs: Math.round(s.mtimeMs), size: s.size, dir: s.isDirectory() };
      } catch {
        return null;
      }
    })
    .catch(() => null);
}

/** Entry names of a directory (at most `max`, sorted), or null when it cannot be listed. */
export function listDir(runner: Runner, path: string, max = 1000): Promise<string[] | null> {
  return runner
    .call(`readdir:${path}`, async () => {
      try {
        const names: string[] = [];
        const dir = await opendir(path);
        for await (const e of dir) {
          names.push(e.name);
          if (names.length >= max) break;
        }
        return names.sort();
      } catch {
        return null;
      }
    })
    .catch(() => null);
}

/**
 * Names of running processes from /proc/<pid>/comm: works without systemd (containers, SysV init)
 * and costs no process spawn. Null when /proc cannot be read (not Linux).
 */
export function processNames(runner: Runner): Promise<string[] | null> {
  return runner
    .call('linux.processes', async () => {
      try {
        const names = new Set<string>();
        const dir = await opendir('/proc');
        const reads: Promise<void>[] = [];
        for await (const e of dir) {
          if (!/^\d+$/.test(e.name)) continue;
          reads.push(
            readFile(`/proc/${e.name}/comm`, 'utf8').then(
              (c) => void names.add(c.trim()),
              () => undefined,
            ),
          );
          if (reads.length >= 20_000) break;
        }
        await Promise.all(reads);
        return [...names].sort();
      } catch {
        return null;
      }
    })
    .catch(() => null);
}

/** The host's UTC offset in minutes, to read the local wall-clock times logs carry (apt history, borg). */
export function utcOffsetMinutes(runner: Runner): Promise<number> {
  return runner.call('time.utcOffsetMinutes', async () => -new Date().getTimezoneOffset()).catch(() => 0);
}

export interface OsRelease {
  id: string;
  idLike: string[];
  versionId: string;
  name: string;
}

/** /etc/os-release (or /usr/lib/os-release): what the distribution says it is. */
export async function osRelease(runner: Runner): Promise<OsRelease | null> {
  const text = (await runner.readFile('/etc/os-release')) ?? (await runner.readFile('/usr/lib/os-release'));
  if (!text) return null;
  const kv = parseKeyEquals(text);
  return {
    id: (kv.ID ?? '').toLowerCase(),
    idLike: (kv.ID_LIKE ?? '').toLowerCase().split(/\s+/).filter(Boolean),
    versionId: kv.VERSION_ID ?? '',
    name: kv.NAME ?? kv.PRETTY_NAME ?? '',
  };
}

/** Lines of a file without comments and blanks. */
export const configLines = (s: string): string[] =>
  lines(s)
    .map((l) => l.replace(/#.*$/, '').trim())
    .filter(Boolean);
