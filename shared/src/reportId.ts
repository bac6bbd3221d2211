/**
 * A report id: a UUID version 7 (RFC 9562), whose first 48 bits are the time in milliseconds.
 * The server keeps one receipt per report, indexed by this id; ids that grow with time land on the
 * same few index pages, where random (version 4) ids touch a different page for every report,
 * and each page touched is one more page written at every commit. Any UUID is still accepted.
 * In Node.js pass `crypto.randomFillSync`: the default, Web Crypto, is a module Node loads on first
 * use (the agent's memory budget counts it).
 */
export function newReportId(nowMs: number = Date.now(), random: (bytes: Uint8Array) => Uint8Array = (b) => globalThis.crypto.getRandomValues(b)): string {
  const b = random(new Uint8Array(16));
  // 48-bit big-endian timestamp (two steps: bit operators work on 32 bits).
  const high = Math.floor(nowMs / 2 ** 16);
  b[0] = (high >>> 24) & 0xff;
  b[1] = (high >>> 16) & 0xff;
  b[2] = (high >>> 8) & 0xff;
  b[3] = high & 0xff;
  b[4] = (nowMs >>> 8) & 0xff;
  b[5] = nowMs & 0xff;
  b[6] = 0x70 | (b[6]! & 0x0f); // version 7
  b[8] = 0x80 | (b[8]! & 0x3f); // variant 10
  const hex = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
