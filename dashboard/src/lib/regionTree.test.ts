import { describe, expect, it } from 'vitest';
import { buildTree, defaultRegion, pathTo } from './regionTree.js';

const tree = {
  regions: [
    { code: '330106', name: '西湖区', parentCode: '330100', level: 'county' },
    { code: '330000', name: '浙江省', parentCode: null, level: 'province' },
    { code: '330100', name: '杭州市', parentCode: '330000', level: 'city' },
  ],
  institutions: [
    { code: 'B', name: '西湖区中医院', regionCode: '330106', type: 'secondary-hospital' },
    { code: 'A', name: '北山街道社区卫生服务中心', regionCode: '330106', type: 'primary-care' },
  ],
} as Parameters<typeof buildTree>[0];

describe('region tree', () => {
  it('nests province → city → county → institutions', () => {
    const roots = buildTree(tree);
    expect(roots.map((r) => r.label)).toEqual(['浙江省']);
    const county = roots[0]!.children[0]!.children[0]!;
    expect(county).toMatchObject({ key: 'r:330106', kind: 'region' });
    expect(county.children.map((c) => c.kind)).toEqual(['institution', 'institution']);
    expect(pathTo(roots, 'i:A')).toEqual(['r:330000', 'r:330100', 'r:330106', 'i:A']);
  });

  it('opens on the own region, else goes down a single chain to the county', () => {
    const roots = buildTree(tree);
    expect(defaultRegion(roots, '330100')).toBe('330100');
    expect(defaultRegion(roots, null)).toBe('330106');
    expect(defaultRegion([], null)).toBeNull();
  });

  it('puts regions whose parent is not visible at the top', () => {
    const roots = buildTree({ regions: [tree.regions[0]!], institutions: [] });
    expect(roots.map((r) => r.code)).toEqual(['330106']);
  });
});
