import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { debounceBatch } from './debounceBatch.js';

describe('debounceBatch', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('flushes a burst once, with each item once, after the quiet period', () => {
    const flush = vi.fn();
    const b = debounceBatch<string>(flush, 300);
    b.add('a');
    vi.advanceTimersByTime(200);
    b.add('b');
    b.add('a');
    vi.advanceTimersByTime(299);
    expect(flush).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(flush).toHaveBeenCalledTimes(1);
    expect(flush).toHaveBeenCalledWith(['a', 'b']);
  });

  it('still flushes within maxWait under a steady stream', () => {
    const flush = vi.fn();
    const b = debounceBatch<number>(flush, 300, 1000);
    for (let i = 0; i < 10; i++) {
      b.add(i);
      vi.advanceTimersByTime(200);
    }
    expect(flush).toHaveBeenCalledTimes(2);
    expect(flush.mock.calls[0]![0]).toEqual([0, 1, 2, 3, 4]);
    expect(flush.mock.calls[1]![0]).toEqual([5, 6, 7, 8, 9]);
  });

  it('forgets pending items when cancelled', () => {
    const flush = vi.fn();
    const b = debounceBatch<string>(flush, 300);
    b.add('a');
    b.cancel();
    vi.advanceTimersByTime(1000);
    expect(flush).not.toHaveBeenCalled();
  });
});
