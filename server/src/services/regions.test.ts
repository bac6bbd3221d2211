import { describe, expect, it } from 'vitest';
import { countyChain, regionChain } from './regions.js';

describe('GB/T 2260 region table', () => {
  it('builds the province → city → county chain of a county', () => {
    expect(countyChain('330106')).toEqual([
      { code: '330000', name: '浙江省', parent_code: null, level: 'province' },
      { code: '330100', name: '杭州市', parent_code: '330000', level: 'city' },
      { code: '330106', name: '西湖区', parent_code: '330100', level: 'county' },
    ]);
  });

  it("names a municipality's 市辖区 after the municipality", () => {
    expect(countyChain('110101').map((r) => r.name)).toEqual(['北京市', '北京市', '东城区']);
    expect(regionChain('500200').map((r) => r.name)).toEqual(['重庆市', '重庆市（县）']);
  });

  it("refuses the statistics bureau's development zones and pseudo-counties, which GB/T 2260 does not have", () => {
    for (const code of ['130171', '232761', '632857', '441900']) expect(() => countyChain(code)).toThrow(/not a county-level division code/);
    // 东莞 is a prefecture-level city without counties: a city code, not a county one.
    expect(regionChain('441900').map((r) => r.name)).toEqual(['广东省', '东莞市']);
  });

  it('has the divisions of 2021–2023 (临平区) and not those they replaced (下城区)', () => {
    expect(countyChain('330113')[2]!.name).toBe('临平区');
    expect(() => countyChain('330103')).toThrow(/not a county-level/);
  });

  it('reaches a county-level city directly under a province through the 90 code', () => {
    expect(countyChain('429004').map((r) => r.code)).toEqual(['420000', '429000', '429004']);
  });
});
