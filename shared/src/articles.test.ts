import { describe, expect, it } from 'vitest';
import { articlesText, articleText, chineseNumber } from './articles.js';
import { RULE_DATA } from './rules/catalogue.js';

describe('article codes in words', () => {
  it('numbers articles in Chinese numerals', () => {
    expect([1, 9, 10, 12, 20, 21, 99].map(chineseNumber)).toEqual(['一', '九', '十', '十二', '二十', '二十一', '九十九']);
  });
  it('names the Measures’ articles and items, 等保 clauses and the 妇幼 regulation’s chapters', () => {
    expect(articleText('M9')).toEqual({ zh: '《管理办法》第九条', en: 'Measures art. 9' });
    expect(articleText('M6(2)').zh).toBe('《管理办法》第六条第（二）项');
    expect(articleText('CSL-21').zh).toBe('《网络安全法》第二十一条');
    expect(articleText('MLPS-21').zh).toBe('等保 安全计算环境·入侵防范（发现并修补已知漏洞）');
    expect(articleText('FY-transmission').zh).toBe('妇幼卫生信息安全管理制度·传输安全');
    expect(articlesText(['M9', 'MLPS-21']).zh).toBe('《管理办法》第九条；等保 安全计算环境·入侵防范（发现并修补已知漏洞）');
    expect(articlesText([])).toEqual({ zh: '—', en: '—' });
  });
  it('knows every code the rule catalogue cites, with no Latin letters left in Chinese', () => {
    for (const code of new Set(RULE_DATA.flatMap((r) => r.articles))) {
      const { zh } = articleText(code);
      expect(zh, code).not.toBe(code);
      expect(zh, code).not.toMatch(/[A-Za-z]/);
    }
  });
  it('shows a code it does not know as it is', () => {
    expect(articleText('XYZ-1')).toEqual({ zh: 'XYZ-1', en: 'XYZ-1' });
  });
});
