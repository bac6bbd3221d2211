/**
 * The one Chinese word for each concept that views, exports, messages and docs share: a bureau
 * must read the same word for the same thing everywhere (高危, never 高; 不合规, never 不通过).
 * The dashboard's zh-CN.ts says the same; terms.test.ts keeps the banned words out of both.
 */
export const SEVERITY_ZH = { critical: '严重', high: '高危', medium: '中危', low: '低危' } as const satisfies Record<'critical' | 'high' | 'medium' | 'low', string>;

/** A rule's result for a subject. */
export const RESULT_ZH = { fail: '不合规', pass: '合规', unknown: '无法判断', 'not-applicable': '不适用' } as const;

/** "严重不合规" and the like: a count of failing findings of one severity. */
export const failingLabel = (severity: keyof typeof SEVERITY_ZH) => `${SEVERITY_ZH[severity]}不合规`;

/**
 * Words the product does not use, with the one it uses instead: the agent is 探针 (代理 reads as a
 * proxy or an intermediary), a failed check is 不合规, a severity is never a bare 高/中/低, and a
 * moment ago is 刚刚, not "0 小时前".
 */
export const BANNED_TERMS: ReadonlyArray<{ pattern: RegExp; use: string }> = [
  { pattern: /代理/u, use: '探针' },
  { pattern: /不通过/u, use: '不合规' },
  // A bare 高/中/低 between quotes, slashes or list marks: a severity cut short, as in 严重 / 高 / 中 / 低.
  { pattern: /(?<=(?:^|['"/／、（(])\s*)[高中低](?=\s*(?:['"/／、，,）)]|$))/mu, use: '高危 / 中危 / 低危' },
  { pattern: /(?<!\d)0 ?小时前/u, use: '刚刚' },
];

/** The banned terms `text` holds, as "代理 → 探针". */
export const bannedTermsIn = (text: string): string[] => BANNED_TERMS.filter((b) => b.pattern.test(text)).map((b) => `${b.pattern.exec(text)![0]} → ${b.use}`);
