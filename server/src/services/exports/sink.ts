import type { Writable } from 'node:stream';

/** The download went away (client closed the connection): stop reading the database. */
export class ExportAborted extends Error {
  constructor() {
    super('the export was cancelled by the client');
    this.name = 'ExportAborted';
  }
}

/** Writes that wait when the client reads slower than we produce, so memory stays bounded. */
export async function write(out: Writable, chunk: string | Buffer): Promise<void> {
  if (out.destroyed || out.writableEnded) throw new ExportAborted();
  if (out.write(chunk)) return;
  await waitDrain(out);
}

export function waitDrain(out: Writable): Promise<void> {
  if (!out.writableNeedDrain) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const done = (err?: Error) => {
      out.off('drain', onDrain);
      out.off('close', onClose);
      out.off('error', onClose);
      if (err) reject(err);
      else resolve();
    };
    const onDrain = () => done();
    const onClose = () => done(new ExportAborted());
    out.on('drain', onDrain);
    out.on('close', onClose);
    out.on('error', onClose);
  });
}

/** Ends the stream and waits until everything is handed to the OS (or the client is gone). */
export function end(out: Writable): Promise<void> {
  return new Promise((resolve, reject) => {
    if (out.destroyed) return reject(new ExportAborted());
    out.once('error', reject);
    out.end(() => resolve());
  });
}
