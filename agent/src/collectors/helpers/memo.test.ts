import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fileMemo, memoized } from './memo.js';

const HOUR = 3600_000;
const tmpFile = () => join(mkdtempSync(join(tmpdir(), 'weian-memo-')), 'collect-memo.json');

/** A read that counts how often it really ran. */
function counted(value: string) {
  const r = { runs: 0, read: async () => (r.runs++, value) };
  return r;
}
const always = () => true;

describe('fileMemo: expensive reads remembered across processes', () => {
  it('a second process (a fresh store on the same file) reuses the answer while the stamp holds', async () => {
    const path = tmpFile();
    const r = counted('pending list');
    const first = await fileMemo(path);
    expect(await memoized(first, 'apt', 'db:1', 6 * HOUR, 1_000, r.read, always)).toBe('pending list');
    await first.save();
    expect(statSync(path).mode & 0o777).toBe(0o600);

    const second = await fileMemo(path);
    expect(await memoized(second, 'apt', 'db:1', 6 * HOUR, 2_000, r.read, always)).toBe('pending list');
    expect(r.runs).toBe(1);
  });

  it('re-reads when the package state changes, when the answer is too old, or when the clock went back', async () => {
    const path = tmpFile();
    const r = counted('x');
    const store = await fileMemo(path);
    await memoized(store, 'apt', 'db:1', HOUR, 10 * HOUR, r.read, always);
    await memoized(store, 'apt', 'db:2', HOUR, 10 * HOUR, r.read, always); // dpkg status changed
    await memoized(store, 'apt', 'db:2', HOUR, 11 * HOUR, r.read, always); // an hour old
    await memoized(store, 'apt', 'db:2', HOUR, 9 * HOUR, r.read, always); // clock set back
    expect(r.runs).toBe(4);
  });

  it('does not keep an answer that failed, and forgets the one it had', async () => {
    const path = tmpFile();
    const store = await fileMemo(path);
    await memoized(store, 'apt', 'db:1', HOUR, 0, async () => 'good', always);
    await memoized(
      store,
      'apt',
      'db:2',
      HOUR,
      0,
      async () => 'failed',
      (v) => v !== 'failed',
    );
    await store.save();
    expect((await fileMemo(path)).get('apt')).toBeUndefined();
  });

  it('writes nothing when nothing changed', async () => {
    const path = tmpFile();
    const store = await fileMemo(path);
    await memoized(store, 'apt', 'db:1', HOUR, 0, async () => 'v', always);
    await store.save();
    const written = statSync(path).mtimeMs;
    const again = await fileMemo(path);
    await memoized(again, 'apt', 'db:1', HOUR, 1, async () => 'v', always);
    await again.save();
    expect(statSync(path).mtimeMs).toBe(written);
  });

  it('a damaged or foreign file is an empty memo, not an error', async () => {
    for (const content of ['{"format":"weian-memo/1","entries":', '{"format":"other","entries":{"apt":{"stamp":"db:1","at":0,"value":"old"}}}', 'null']) {
      const path = tmpFile();
      writeFileSync(path, content);
      const r = counted('fresh');
      const store = await fileMemo(path);
      expect(await memoized(store, 'apt', 'db:1', HOUR, 1, r.read, always)).toBe('fresh');
      await store.save();
      expect(JSON.parse(readFileSync(path, 'utf8')).entries.apt.value).toBe('fresh');
    }
  });
});
