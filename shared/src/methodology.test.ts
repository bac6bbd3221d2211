import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { renderMethodology } from './methodology.js';
import { RULE_IDS } from './rules/catalogue.js';

const DOC = fileURLToPath(new URL('../../docs/methodology.md', import.meta.url));

it('docs/methodology.md is up to date with the catalogue (regenerate: npx tsx shared/scripts/methodology.ts)', () => {
  expect(readFileSync(DOC, 'utf8')).toBe(renderMethodology());
});

it('documents every rule in both languages', () => {
  const doc = renderMethodology();
  for (const id of RULE_IDS) expect(doc.split(`| ${id} |`).length - 1, id).toBe(2);
});

it('gives the exports a Chinese-only version: every rule once, articles in words, no English', () => {
  const doc = renderMethodology('zh');
  for (const id of RULE_IDS) expect(doc.split(`| ${id} |`).length - 1, id).toBe(1);
  expect(doc).toContain('《管理办法》第九条');
  expect(doc).not.toMatch(/## English|Operating-system|unknown|MLPS-\d/);
  expect(doc).not.toContain('## 中文');
});
