import { describe, expect, it } from 'vitest';
import { agoText } from './relativeTime.js';

describe('agoText', () => {
  it('says 刚刚 / just now under an hour, never "0 小时前"', () => {
    for (const h of [0, 0.2, 0.99]) expect(agoText(h)).toEqual({ zh: '刚刚', en: 'just now' });
  });
  it('counts whole hours up to two days, then days', () => {
    expect(agoText(1)).toEqual({ zh: '1 小时前', en: '1 h ago' });
    expect(agoText(23.9)).toEqual({ zh: '23 小时前', en: '23 h ago' });
    expect(agoText(47.5).zh).toBe('47 小时前');
    expect(agoText(48)).toEqual({ zh: '2 天前', en: '2 days ago' });
    expect(agoText(24 * 9 + 5).zh).toBe('9 天前');
  });
  it('treats a clock that runs behind (a negative age) or garbage as now', () => {
    expect(agoText(-3).zh).toBe('刚刚');
    expect(agoText(Number.NaN).zh).toBe('刚刚');
  });
});
