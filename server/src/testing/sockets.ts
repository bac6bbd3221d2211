import { Socket } from 'node:net';

/** Socket writes (system calls) made while `run` runs: in a test whose only traffic goes to PostgreSQL, its writes to the database. */
export async function socketWrites(run: () => Promise<unknown>): Promise<number> {
  const proto = Socket.prototype as unknown as Record<'_write' | '_writev', (...a: unknown[]) => unknown>;
  const [write, writev] = [proto._write, proto._writev];
  let n = 0;
  proto._write = function (this: unknown, ...a: unknown[]) {
    n++;
    return write.apply(this, a);
  };
  proto._writev = function (this: unknown, ...a: unknown[]) {
    n++;
    return writev.apply(this, a);
  };
  try {
    await run();
  } finally {
    [proto._write, proto._writev] = [write, writev];
  }
  return n;
}
