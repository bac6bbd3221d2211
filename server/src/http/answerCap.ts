import type { ServerResponse } from 'node:http';

/**
 * One answer, a bounded size (issue 18). Batches are bounded in calls, but one call can still ask
 * for a lot (a province's hosts, a long history), and tRPC's adapters send whatever the procedures
 * return. Answers over the bound are replaced by a small refusal, so one client cannot make the
 * server send, and hold in its buffers, tens of MiB. Exports and downloads stream outside tRPC and
 * are not bounded here.
 */

/** tRPC's own error envelope for the refusal, so clients read a code, not a broken stream. */
export const ANSWER_TOO_LARGE = { rpc: -32022, name: 'PAYLOAD_TOO_LARGE', status: 413 } as const;
export const answerTooLargeMessage = (max: number) => `answer over ${max} bytes: ask for less (a smaller page or a narrower filter)`;

const bytesOf = (chunk: unknown, encoding?: BufferEncoding): Buffer =>
  Buffer.isBuffer(chunk) ? chunk : chunk instanceof Uint8Array ? Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength) : Buffer.from(String(chunk), encoding);

/**
 * Holds what tRPC's HTTP adapter writes to `res` (its answers are whole JSON documents, written in
 * one piece or a few) until it ends; then sends it, or, when it is over `max` bytes, drops it and
 * calls `refuse` instead (with `res` unsent, headers and all). Nothing over the bound is buffered:
 * the count goes on, the bytes are let go.
 */
export function capAnswer(res: ServerResponse, max: number, refuse: (res: ServerResponse, size: number) => void): void {
  const write = res.write.bind(res);
  const end = res.end.bind(res);
  let chunks: Buffer[] = [];
  let size = 0;
  const take = (chunk: unknown, encoding?: unknown) => {
    if (chunk === undefined || chunk === null || typeof chunk === 'function') return;
    const b = bytesOf(chunk, typeof encoding === 'string' ? (encoding as BufferEncoding) : undefined);
    size += b.length;
    if (size > max) chunks = [];
    else chunks.push(b);
  };
  res.write = ((chunk: unknown, encoding?: unknown, cb?: unknown) => {
    take(chunk, encoding);
    const done = typeof encoding === 'function' ? encoding : cb;
    if (typeof done === 'function') queueMicrotask(() => (done as () => void)());
    return true; // held in memory, so never back-pressured
  }) as typeof res.write;
  res.end = ((chunk?: unknown, encoding?: unknown, cb?: unknown) => {
    take(chunk, encoding);
    res.write = write;
    res.end = end;
    const done = [chunk, encoding, cb].find((x) => typeof x === 'function') as (() => void) | undefined;
    if (size > max) {
      refuse(res, size);
      if (done) res.once('finish', done);
      return res;
    }
    // Written as the adapter writes it (chunked), only later: what a client sees is unchanged.
    for (const c of chunks) write(c);
    return end(done);
  }) as typeof res.end;
}

/** A WebSocket message over `max` bytes (measured as sent: strings in UTF-8). */
export function wsMessageOver(data: unknown, max: number): boolean {
  if (typeof data === 'string') return data.length > max || Buffer.byteLength(data) > max;
  if (Buffer.isBuffer(data) || data instanceof Uint8Array) return data.byteLength > max;
  return false;
}

/** The id of a tRPC message as the ws adapter writes it (`{"id":…` first), read without parsing a huge string. */
export function wsMessageId(data: unknown): unknown {
  const head = typeof data === 'string' ? data.slice(0, 200) : Buffer.isBuffer(data) ? data.subarray(0, 200).toString('utf8') : '';
  const m = /^\{"id":(-?\d+|"(?:[^"\\]|\\.)*"|null)/.exec(head);
  if (!m) return null;
  try {
    return JSON.parse(m[1]!);
  } catch {
    return null;
  }
}
