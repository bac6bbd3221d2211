import { opendir, stat } from 'node:fs/promises';
import { hasGlob, segmentRegExp } from './parse.js';

export interface NewestMatch {
  newest: { path: string; mtimeMs: number; size: number } | null;
  matched: number;
  /** Directory entries read. */
  visited: number;
  /** The walk stopped at the entry cap or the deadline: `newest` is the newest of what was seen. */
  capped: boolean;
}

/**
 * The newest file matching a glob (`*`, `?`, `[…]` within a segment, `**` across directories),
 * walked with streaming directory reads and a cap on entries and time, so a backup folder holding a
 * million files costs bounded memory and CPU.
 */
export async function findNewest(pattern: string, opts: { maxEntries?: number; deadlineMs?: number; windows?: boolean } = {}): Promise<NewestMatch> {
  const maxEntries = opts.maxEntries ?? 20_000;
  const deadline = Date.now() + (opts.deadlineMs ?? 5000);
  const windows = opts.windows ?? process.platform === 'win32';
  const norm = pattern.replace(/\\/g, '/');
  const parts = norm.split('/');
  // Static leading segments form the directory the walk starts in.
  let i = 0;
  while (i < parts.length - 1 && !hasGlob(parts[i]!)) i++;
  const base = parts.slice(0, i).join('/') || (norm.startsWith('/') ? '/' : '.');
  const segs = parts.slice(i).map((s) => (s === '**' ? ('**' as const) : segmentRegExp(s, windows)));
  const out: NewestMatch = { newest: null, matched: 0, visited: 0, capped: false };

  const consider = async (path: string) => {
    try {
      const s = await stat(path);
      if (!s.isFile()) return;
      out.matched++;
      if (!out.newest || s.mtimeMs > out.newest.mtimeMs) out.newest = { path, mtimeMs: Math.round(s.mtimeMs), size: s.size };
    } catch {
      /* vanished or unreadable: not a match */
    }
  };

  const walk = async (dir: string, k: number): Promise<void> => {
    const seg = segs[k];
    if (seg === undefined || out.capped) return;
    if (seg === '**') await walk(dir, k + 1); // ** matches zero directories too
    let handle;
    try {
      handle = await opendir(dir, { bufferSize: 256 });
    } catch {
      return;
    }
    try {
      for await (const e of handle) {
        if (++out.visited > maxEntries || Date.now() > deadline) {
          out.capped = true;
          break;
        }
        const path = dir === '/' ? `/${e.name}` : `${dir}/${e.name}`;
        if (seg === '**') {
          if (e.isDirectory()) await walk(path, k);
        } else if (seg.test(e.name)) {
          if (k === segs.length - 1) await consider(path);
          else if (e.isDirectory()) await walk(path, k + 1);
        }
        if (out.capped) break;
      }
    } finally {
      // for-await closes the handle when it completes; a break leaves it to us.
      await handle.close().catch(() => undefined);
    }
  };

  if (!segs.length) await consider(base);
  else await walk(base, 0);
  return out;
}
