import { mkdir, open, readdir, readFile, rename, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { Report } from '@weian/shared';

export interface OutboxLimits {
  maxReports: number;
  maxBytes: number;
}

export interface OutboxEntry {
  /** File name: `<seq>-<reportId>.json`; the zero-padded seq orders the queue by collection. */
  name: string;
  seq: number;
  reportId: string;
  bytes: number;
}

const ENTRY = /^(\d{12})-([0-9a-f-]{36})\.json$/;
/** Rejected reports kept for an operator to look at; older ones are deleted. */
const KEEP_REJECTED = 20;

/**
 * The durable queue of collected reports. Each entry holds the FULL report as collected: the delta
 * is computed only when it is sent, against what the server has acknowledged, so dropping an entry
 * (bound reached) never leaves the server missing a section a later report calls unchanged.
 * One writer per directory (the long-lived agent, or one `once`).
 */
export class Outbox {
  constructor(
    readonly dir: string,
    private readonly limits: () => OutboxLimits,
  ) {}

  /** Queued entries, oldest first. */
  async list(): Promise<OutboxEntry[]> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw e;
    }
    const entries: OutboxEntry[] = [];
    for (const name of names.sort()) {
      const m = ENTRY.exec(name);
      if (!m) continue;
      const s = await stat(join(this.dir, name)).catch(() => null);
      if (s) entries.push({ name, seq: Number(m[1]), reportId: m[2]!, bytes: s.size });
    }
    return entries;
  }

  async depth(): Promise<{ reports: number; bytes: number }> {
    const entries = await this.list();
    return { reports: entries.length, bytes: entries.reduce((n, e) => n + e.bytes, 0) };
  }

  /**
   * Makes room first (dropping the oldest entries, never the new report), then writes the report
   * durably: temp file, fsync, rename, fsync of the directory. So the queue on disk never exceeds
   * its bound, even for a moment. Returns what was dropped.
   */
  async enqueue(report: Report): Promise<OutboxEntry[]> {
    await mkdir(this.dir, { recursive: true });
    const queue = await this.list();
    const body = JSON.stringify(report);
    const size = Buffer.byteLength(body);
    const { maxReports, maxBytes } = this.limits();
    let bytes = queue.reduce((n, e) => n + e.bytes, 0);
    const dropped: OutboxEntry[] = [];
    while (queue.length > 0 && (queue.length + 1 > maxReports || bytes + size > maxBytes)) {
      const oldest = queue.shift()!;
      await this.remove(oldest);
      bytes -= oldest.bytes;
      dropped.push(oldest);
    }
    const seq = (queue.at(-1)?.seq ?? dropped.at(-1)?.seq ?? 0) + 1;
    const name = `${String(seq).padStart(12, '0')}-${report.reportId}.json`;
    const tmp = join(this.dir, `.${name}.tmp`);
    const fh = await open(tmp, 'w', 0o600);
    try {
      await fh.writeFile(body);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, join(this.dir, name));
    await syncDir(this.dir);
    return dropped;
  }

  async read(entry: OutboxEntry): Promise<Report> {
    return JSON.parse(await readFile(join(this.dir, entry.name), 'utf8')) as Report;
  }

  /** Removes an entry once the server has acknowledged it (or it was dropped); gone already is fine. */
  async remove(entry: OutboxEntry): Promise<void> {
    await unlink(join(this.dir, entry.name)).catch((e: NodeJS.ErrnoException) => {
      if (e.code !== 'ENOENT') throw e;
    });
  }

  /** Moves a report the server refuses for good aside, so it does not block the queue forever. */
  async reject(entry: OutboxEntry): Promise<void> {
    const dir = join(this.dir, 'rejected');
    await mkdir(dir, { recursive: true });
    await rename(join(this.dir, entry.name), join(dir, entry.name)).catch((e: NodeJS.ErrnoException) => {
      if (e.code !== 'ENOENT') throw e;
    });
    const old = (await readdir(dir)).sort().slice(0, -KEEP_REJECTED);
    await Promise.all(old.map((n) => unlink(join(dir, n)).catch(() => {})));
  }
}

/** Makes a rename durable: the directory entry itself must reach the disk. Not possible on Windows. */
async function syncDir(dir: string): Promise<void> {
  if (process.platform === 'win32') return;
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}
