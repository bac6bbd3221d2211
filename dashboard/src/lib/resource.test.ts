import { describe, expect, it } from 'vitest';
import { ApiError } from '../api/errors.js';
import { emptyResource, load } from './resource.js';

const deferred = <T>() => {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
};

describe('load', () => {
  it('keeps the old data when a refresh fails, with the error beside it', async () => {
    const r = emptyResource<number>();
    await load(r, async () => 1);
    expect(r).toMatchObject({ data: 1, loading: false, error: null });
    await load(r, async () => {
      throw new ApiError('network', 'down');
    });
    expect(r.data).toBe(1);
    expect(r.error?.kind).toBe('network');
    await load(r, async () => 2);
    expect(r).toMatchObject({ data: 2, error: null });
  });

  it('keeps only the newest answer when loads overlap', async () => {
    const r = emptyResource<string>();
    const slow = deferred<string>();
    const first = load(r, () => slow.promise);
    await load(r, async () => 'new');
    slow.resolve('old');
    await first;
    expect(r.data).toBe('new');
    expect(r.loading).toBe(false);
  });

  it('turns a foreign error into an ApiError', async () => {
    const r = emptyResource<string>();
    await load(r, () => Promise.reject(new TypeError('Failed to fetch')));
    expect(r.error).toBeInstanceOf(ApiError);
    expect(r.error?.kind).toBe('network');
  });
});
