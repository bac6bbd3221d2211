import { readFile } from 'node:fs/promises';
import type { Runner } from '../../runner.js';
import { writeFileDurable } from '../../state.js';

/**
 * Some reads are expensive (apt-get -s upgrade, dnf check-update, a Windows Update search: seconds
 * of CPU) but only change when the package state does. Their result is kept, keyed by a cheap stamp
 * of that state (file mtimes and sizes), and re-read when the stamp changes or `maxAgeMs` passes.
 *
 * Where it is kept is a MemoStore: in memory for one runner (a capture or a replay always reads
 * afresh), or a small file in the agent's data directory, so that collections running each in a
 * fresh short-lived process (see collect-process.ts) still find the last one's answer.
 */
export interface MemoEntry {
  stamp: string;
  /** When the value was read (ms since the epoch). */
  at: number;
  value: unknown;
}

export interface MemoStore {
  get(key: string): MemoEntry | undefined;
  set(key: string, entry: MemoEntry): void;
  delete(key: string): void;
}

const perRunner = new WeakMap<Runner, MemoStore>();

/** The in-memory store of one runner: lives as long as the runner does. */
export function runnerMemo(runner: Runner): MemoStore {
  let m = perRunner.get(runner);
  if (!m) perRunner.set(runner, (m = new Map<string, MemoEntry>()));
  return m;
}

export async function memoized<T>(store: MemoStore, key: string, stamp: string, maxAgeMs: number, now: number, read: () => Promise<T>, keep: (v: T) => boolean): Promise<T> {
  const hit = store.get(key);
  // A clock set back must not keep an entry forever: an entry "from the future" is stale too.
  if (hit && hit.stamp === stamp && now >= hit.at && now - hit.at < maxAgeMs) return hit.value as T;
  const value = await read();
  if (keep(value)) store.set(key, { stamp, at: now, value });
  else store.delete(key);
  return value;
}

const FILE_FORMAT = 'weian-memo/1';

export interface FileMemo extends MemoStore {
  /** Writes the file (atomically, mode 0600) when an entry changed since it was loaded; a no-op otherwise. */
  save(): Promise<void>;
}

/**
 * A store backed by one JSON file. An unreadable or foreign file is an empty memo: the worst a
 * damaged cache can cost is one expensive read.
 */
export async function fileMemo(path: string): Promise<FileMemo> {
  const entries = new Map<string, MemoEntry>();
  try {
    const parsed = JSON.parse(await readFile(path, 'utf8')) as { format?: unknown; entries?: unknown };
    if (parsed.format === FILE_FORMAT && parsed.entries && typeof parsed.entries === 'object') {
      for (const [key, e] of Object.entries(parsed.entries as Record<string, Partial<MemoEntry>>)) {
        if (e && typeof e.stamp === 'string' && typeof e.at === 'number' && 'value' in e) entries.set(key, { stamp: e.stamp, at: e.at, value: e.value });
      }
    }
  } catch {
    // missing or damaged: start empty
  }
  let dirty = false;
  return {
    get: (key) => entries.get(key),
    set(key, entry) {
      entries.set(key, entry);
      dirty = true;
    },
    delete(key) {
      dirty = entries.delete(key) || dirty;
    },
    async save() {
      if (!dirty) return;
      await writeFileDurable(path, JSON.stringify({ format: FILE_FORMAT, entries: Object.fromEntries(entries) }));
      dirty = false;
    },
  };
}
