import { describe, expect, it } from 'vitest';
import { contentDisposition, institutionFileName, rankingFileName } from './filenames.js';

describe('download file names', () => {
  // 2026-11-30T17:00Z is already 1 December in China: the date is China's.
  const at = '2026-11-30T17:00:00.000Z';

  it('carry region, period and China date, in Chinese with an ASCII fallback', () => {
    expect(rankingFileName({ code: '330106', name: '西湖区' }, '2026-11', at, 'xlsx')).toEqual({
      name: '评估排名_西湖区_2026-11_2026-12-01.xlsx',
      ascii: 'weian-ranking-330106-2026-11-2026-12-01.xlsx',
    });
  });

  it('never carry path separators, quotes, markup or line breaks from a name', () => {
    const f = institutionFileName({ code: 'A/../B"', name: '../浙江"大学"\n<b>医院</b>' }, '2026-10', at, 'pdf');
    expect(f.name).toBe('机构评估报告_.._浙江_大学_b_医院_b__2026-10_2026-12-01.pdf');
    expect(f.ascii).toBe('weian-institution-A_.._B_-2026-10-2026-12-01.pdf');
  });

  it('Content-Disposition: RFC 5987 filename* in UTF-8 plus the plain fallback', () => {
    const header = contentDisposition(rankingFileName({ code: '330106', name: "西湖区(test)'" }, '2026-11', at, 'csv'));
    expect(header).toBe(
      `attachment; filename="weian-ranking-330106-2026-11-2026-12-01.csv"; filename*=UTF-8''%E8%AF%84%E4%BC%B0%E6%8E%92%E5%90%8D_%E8%A5%BF%E6%B9%96%E5%8C%BA%28test%29%27_2026-11_2026-12-01.csv`,
    );
    expect(decodeURIComponent(header.split("UTF-8''")[1]!)).toBe("评估排名_西湖区(test)'_2026-11_2026-12-01.csv");
    expect(/^[\x20-\x7e]+$/.test(header)).toBe(true);
  });
});
