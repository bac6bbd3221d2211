import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/**
 * Moves SQLite's WAL checkpoints off the thread that serves requests. With automatic checkpoints,
 * every thousandth page written makes one commit copy the WAL into the database file and sync it,
 * inside a request (a profile of ingest showed commits at a tenth of the server's CPU). Here a
 * worker thread with its own connection runs a PASSIVE checkpoint (never blocks readers or the
 * writer) `intervalMs` after the writer says it committed (`wrote`), again while one leaves frames
 * behind, and not at all while nothing is written: a timer that wakes an idle server five times a
 * second cost it 2-3 CPU-ms per second. The connection that writes keeps a larger automatic
 * checkpoint as a backstop, so the WAL stays bounded even if the worker stalls or cannot open the file.
 */
export const CHECKPOINT_INTERVAL_MS = 200;
/** WAL pages after which the writing connection checkpoints by itself (4,000 pages = 16 MB). */
export const BACKSTOP_PAGES = 4000;

// CommonJS, evaluated in the worker: better-sqlite3 is loaded from the path the server resolved.
const WORKER = `
const { workerData, parentPort } = require('node:worker_threads');
let db = null;
try {
  db = new (require(workerData.module))(workerData.file, { fileMustExist: true });
  db.pragma('busy_timeout = 0');
} catch {}
let timer = null;
const arm = () => {
  timer ??= setTimeout(() => {
    timer = null;
    let left = false;
    try {
      // [busy, frames in the WAL, frames checkpointed]: a reader's snapshot can hold frames back.
      const [r] = db.pragma('wal_checkpoint(PASSIVE)');
      left = r.checkpointed < r.log;
    } catch {
      left = true;
    }
    if (left) arm();
  }, workerData.intervalMs);
};
parentPort.on('message', (m) => {
  if (m === 'wrote') return void (db && arm());
  if (timer) clearTimeout(timer);
  try { db && db.close(); } catch {}
  parentPort.close();
});
`;

export interface Checkpointer {
  /** The writer committed: a checkpoint follows within the interval. Cheap to call on every commit. */
  wrote(): void;
  stop(): Promise<void>;
}

export function startCheckpointer(file: string, intervalMs = CHECKPOINT_INTERVAL_MS): Checkpointer {
  const module = createRequire(import.meta.url).resolve('better-sqlite3');
  const worker = new Worker(WORKER, { eval: true, workerData: { file, module, intervalMs } });
  // It only ever helps: if it fails, the backstop checkpoints as SQLite always did.
  worker.on('error', () => {});
  worker.unref();
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  // One message per interval at most: the checkpoint it arms comes after every commit made before it runs.
  let told = -Infinity;
  return {
    wrote() {
      const now = performance.now();
      if (now - told < intervalMs) return;
      told = now;
      worker.postMessage('wrote');
    },
    async stop() {
      worker.postMessage('stop');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 2000).unref())]);
      await worker.terminate();
    },
  };
}
