import { describe, expect, it } from 'vitest';
import { collationKey, compareNames, PLACE_NAME_READINGS } from './nameOrder.js';
import { rankInstitutions } from './scoring.js';

describe('institution name order', () => {
  it('reads polyphonic place names as places: 长河 is cháng, between 曹 and 陈, not with 张', () => {
    const names = ['张家医院', '长河镇卫生院', '陈家医院', '曹县医院', '常山县人民医院', '朝阳医院', '长沙市第一医院'];
    // cáo < cháng hé < cháng shā < cháng shān < cháo < chén < zhāng
    expect([...names].sort(compareNames)).toEqual(['曹县医院', '长河镇卫生院', '长沙市第一医院', '常山县人民医院', '朝阳医院', '陈家医院', '张家医院']);
    // ICU alone reads 长 as zhǎng: what the table is for.
    expect([...names].sort((a, b) => a.localeCompare(b, 'zh-CN')).indexOf('长河镇卫生院')).toBeGreaterThan(names.indexOf('陈家医院'));
    expect([...['乐清市人民医院', '月湖医院', '乐陵市人民医院']].sort(compareNames)).toEqual(['乐陵市人民医院', '月湖医院', '乐清市人民医院']);
    // liù pán shuǐ < lóng gǎng < lù ān
    expect([...['六安市人民医院', '龙岗医院', '六盘水市医院']].sort(compareNames)).toEqual(['六盘水市医院', '龙岗医院', '六安市人民医院']);
  });

  it('every table entry reads as a homophone with the stated pinyin, and the key changes only table words', () => {
    for (const [word, readAs] of PLACE_NAME_READINGS) {
      expect(readAs.length, word).toBe(word.length);
      expect(collationKey(`${word}市人民医院`)).toBe(`${readAs}市人民医院`);
    }
    expect(collationKey('西湖区人民医院')).toBe('西湖区人民医院');
  });

  it('identical names are ordered by code, the last tie-break, and share a rank', () => {
    const row = (code: string) => ({ code, name: '长河镇卫生院', score: 80, failing: { critical: 0, high: 0, medium: 0, low: 0 } });
    expect(rankInstitutions([row('B2'), row('A1')]).map((r) => [r.code, r.position, r.rank])).toEqual([
      ['A1', 1, 1],
      ['B2', 2, 1],
    ]);
  });
});
