import { compareNames } from '@weian/shared';
import type { RegionTree } from '../api/regions.js';

/** One node of the region tree: a region (province, city, county) or an institution under its county. */
export interface TreeNode {
  /** Unique across kinds: "r:330106", "i:ZJ-XH-001". */
  key: string;
  code: string;
  label: string;
  kind: 'region' | 'institution';
  children: TreeNode[];
}

const byCode = (a: { code: string }, b: { code: string }) => a.code.localeCompare(b.code);

/**
 * Nests the flat regions and institutions the server sends (province → city → county →
 * institution). A region whose parent the caller may not see becomes a root.
 */
export function buildTree(tree: RegionTree): TreeNode[] {
  const nodes = new Map<string, TreeNode>();
  for (const r of [...tree.regions].sort(byCode)) nodes.set(r.code, { key: `r:${r.code}`, code: r.code, label: r.name, kind: 'region', children: [] });
  const roots: TreeNode[] = [];
  for (const r of [...tree.regions].sort(byCode)) {
    const parent = r.parentCode ? nodes.get(r.parentCode) : undefined;
    (parent ? parent.children : roots).push(nodes.get(r.code)!);
  }
  // The rankings' name order (place names read as places), so the tree and the ranking list agree.
  for (const i of [...tree.institutions].sort((a, b) => compareNames(a.name, b.name))) {
    const node: TreeNode = { key: `i:${i.code}`, code: i.code, label: i.name, kind: 'institution', children: [] };
    const county = nodes.get(i.regionCode);
    (county ? county.children : roots).push(node);
  }
  return roots;
}

/**
 * The region a user looks at first: their own region; otherwise (an administrator) the top of
 * the tree, going down while a region has a single sub-region and no institutions of its own, so
 * a single-county installation opens on its county. Null when there is no region to show.
 */
export function defaultRegion(roots: TreeNode[], ownRegion: string | null): string | null {
  if (ownRegion) return ownRegion;
  const regions = roots.filter((n) => n.kind === 'region');
  if (regions.length !== 1) return regions[0]?.code ?? null;
  let node = regions[0]!;
  for (;;) {
    const sub = node.children.filter((n) => n.kind === 'region');
    if (sub.length !== 1 || node.children.some((n) => n.kind === 'institution')) return node.code;
    node = sub[0]!;
  }
}

/** Keys from the root down to the node with `key`, to open the tree at the selection. */
export function pathTo(roots: TreeNode[], key: string): string[] {
  for (const n of roots) {
    if (n.key === key) return [n.key];
    const below = pathTo(n.children, key);
    if (below.length) return [n.key, ...below];
  }
  return [];
}
