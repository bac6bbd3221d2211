import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { bannedTermsIn, RESULT_ZH, SEVERITY_ZH } from '@weian/shared';
import { describe, expect, it } from 'vitest';
import zhCN from '../dashboard/src/i18n/zh-CN.js';
import { REPO } from './helpers/paths.js';

/** Every file below `dir` whose name passes `keep`, without tests and installed packages. */
function files(dir: string, keep: (name: string) => boolean): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (name === 'node_modules' || name === 'dist') return [];
    if (statSync(path).isDirectory()) return files(path, keep);
    return keep(name) && !/\.test\.ts$/.test(name) ? [path] : [];
  });
}

const HAN = /\p{Script=Han}/u;
/** The string literals of a source file that hold Chinese (what a person reads). */
const chineseLiterals = (source: string) => [...source.matchAll(/'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*"|`(?:[^`\\]|\\.)*`/g)].map((m) => m[0]).filter((s) => HAN.test(s));
/** A Markdown file's lines that hold Chinese. */
const chineseLines = (text: string) => text.split('\n').filter((l) => HAN.test(l));

/** Where a bureau or an institution reads our words: the UI strings, server and agent messages, exports, rules, docs. */
function sources(): Array<{ file: string; texts: string[] }> {
  const code = [
    join(REPO, 'dashboard/src/i18n/zh-CN.ts'),
    ...files(join(REPO, 'dashboard/src'), (n) => n.endsWith('.vue')),
    ...files(join(REPO, 'server/src'), (n) => n.endsWith('.ts')),
    ...files(join(REPO, 'agent/src'), (n) => n.endsWith('.ts')),
    // terms.ts names the banned words in order to ban them.
    ...files(join(REPO, 'shared/src'), (n) => n.endsWith('.ts') && n !== 'terms.ts'),
  ];
  const docs = [join(REPO, 'README.md'), ...files(join(REPO, 'docs'), (n) => n.endsWith('.md'))];
  return [...code.map((file) => ({ file, texts: chineseLiterals(readFileSync(file, 'utf8')) })), ...docs.map((file) => ({ file, texts: chineseLines(readFileSync(file, 'utf8')) }))];
}

describe('one term per concept', () => {
  it('finds the banned terms where they are (the check can fail)', () => {
    expect(bannedTermsIn('代理无法判断')).toEqual(['代理 → 探针']);
    expect(bannedTermsIn('严重不通过')).toEqual(['不通过 → 不合规']);
    expect(bannedTermsIn('不通过项（严重 / 高 / 中 / 低）')).toEqual(['不通过 → 不合规', '高 → 高危 / 中危 / 低危']);
    expect(bannedTermsIn('0 小时前收到最近一次报告')).toEqual(['0 小时前 → 刚刚']);
    expect(bannedTermsIn("{ high: '高' }")).toEqual(['高 → 高危 / 中危 / 低危']);
    expect(bannedTermsIn('严重 / 高危 / 中危 / 低危 不合规；探针；10 小时前；中文；高危端口')).toEqual([]);
  });

  it('uses 探针, 不合规, 严重/高危/中危/低危 and 刚刚 in the UI, server and agent messages, exports, rules and docs', () => {
    const all = sources();
    // The scan reads what it means to: the Chinese UI strings and the export headers are among the texts.
    const texts = all.flatMap((s) => s.texts).join('\n');
    for (const expected of ['探针', '不合规', '高危']) expect(texts).toContain(expected);
    const found = all.flatMap(({ file, texts }) => texts.flatMap((t) => bannedTermsIn(t).map((b) => `${relative(REPO, file)}: ${b} in ${t.slice(0, 80)}`)));
    expect(found).toEqual([]);
  });

  it('the dashboard says severities and results with the words the exports use', () => {
    const { label: _, ...severities } = zhCN.severity;
    expect(severities).toEqual(SEVERITY_ZH);
    expect(zhCN.findings.statuses).toEqual(RESULT_ZH);
  });
});
