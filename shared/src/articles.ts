/**
 * The citation codes of the rule catalogue (M9, M6(2), MLPS-21, FY-storage, CSL-21 …) in the words
 * of the texts they cite, for people: 《管理办法》第九条, 等保 clause names, 妇幼卫生信息安全管理制度
 * item names. The codes stay the stable keys in data and docs; every view and export shows these.
 */
export interface ArticleText {
  zh: string;
  en: string;
}

const ZH_DIGITS = ['零', '一', '二', '三', '四', '五', '六', '七', '八', '九'];

/** 1–99 in Chinese numerals as articles are numbered: 9 → 九, 12 → 十二, 20 → 二十, 21 → 二十一. */
export function chineseNumber(n: number): string {
  if (!Number.isInteger(n) || n < 1 || n > 99) return String(n);
  if (n < 10) return ZH_DIGITS[n]!;
  const tens = Math.floor(n / 10);
  const ones = n % 10;
  return `${tens === 1 ? '' : ZH_DIGITS[tens]}十${ones ? ZH_DIGITS[ones] : ''}`;
}

/** GB/T 22239-2019 level 3, 安全计算环境: the test items the catalogue cites, numbered as in GB/T 28448-2019 (L3-CES1-xx). */
const MLPS: Record<string, ArticleText> = {
  '01': { zh: '身份鉴别', en: 'identification and authentication' },
  '02': { zh: '身份鉴别（登录失败处理）', en: 'identification and authentication (failed logins)' },
  '03': { zh: '身份鉴别（远程管理防窃听）', en: 'identification and authentication (remote management without eavesdropping)' },
  '12': { zh: '安全审计（启用审计）', en: 'security audit (auditing enabled)' },
  '13': { zh: '安全审计（审计记录的日期和时间）', en: 'security audit (date and time of audit records)' },
  '17': { zh: '入侵防范（最小安装）', en: 'intrusion prevention (minimal installation)' },
  '18': { zh: '入侵防范（关闭不需要的服务和高危端口）', en: 'intrusion prevention (unneeded services and high-risk ports closed)' },
  '19': { zh: '入侵防范（限制管理终端）', en: 'intrusion prevention (management terminals restricted)' },
  '21': { zh: '入侵防范（发现并修补已知漏洞）', en: 'intrusion prevention (known vulnerabilities found and patched)' },
  '22': { zh: '入侵防范（入侵检测与报警）', en: 'intrusion prevention (intrusion detection and alarms)' },
  '23': { zh: '恶意代码防范', en: 'malicious code prevention' },
  '29': { zh: '数据备份恢复（本地备份与恢复）', en: 'data backup and recovery (local backup and restore)' },
  '30': { zh: '数据备份恢复（异地备份）', en: 'data backup and recovery (off-site backup)' },
};

/** The chapters of the maternal and child health information-security regulation template. */
const FY: Record<string, ArticleText> = {
  storage: { zh: '存储安全', en: 'storage security' },
  transmission: { zh: '传输安全', en: 'transmission security' },
  roles: { zh: '权限管理', en: 'permission management' },
  training: { zh: '安全培训', en: 'security training' },
  应急: { zh: '应急管理', en: 'emergency management' },
};

/** Laws cited by article: code prefix → short title. */
const LAWS: Record<string, ArticleText> = {
  M: { zh: '《管理办法》', en: 'Measures' },
  CSL: { zh: '《网络安全法》', en: 'Cybersecurity Law' },
  IR: { zh: '《网络安全事件报告管理办法》', en: 'Incident Reporting Measures' },
  DS: { zh: '《数据安全和个人信息保护管理办法》', en: 'Data Security Measures' },
};

const article = (law: ArticleText, n: number, item: number | null): ArticleText => ({
  zh: `${law.zh}第${chineseNumber(n)}条${item === null ? '' : `第（${chineseNumber(item)}）项`}`,
  en: `${law.en} art. ${n}${item === null ? '' : `(${item})`}`,
});

/** One citation code in words; a code this table does not know is shown as it is. */
export function articleText(code: string): ArticleText {
  // A law cited as a whole, where its article numbers could not be confirmed from the official text.
  if (Object.hasOwn(LAWS, code)) return LAWS[code]!;
  const law = /^(M|CSL|IR|DS)-?(\d+)(?:\((\d+)\))?$/.exec(code);
  if (law) return article(LAWS[law[1]!]!, Number(law[2]), law[3] ? Number(law[3]) : null);
  const mlps = /^MLPS-(\d{2})$/.exec(code);
  if (mlps && MLPS[mlps[1]!]) return { zh: `等保 安全计算环境·${MLPS[mlps[1]!]!.zh}`, en: `MLPS computing environment: ${MLPS[mlps[1]!]!.en}` };
  const fy = /^FY-(.+)$/.exec(code);
  if (fy && FY[fy[1]!]) return { zh: `妇幼卫生信息安全管理制度·${FY[fy[1]!]!.zh}`, en: `MCH information-security regulation: ${FY[fy[1]!]!.en}` };
  return { zh: code, en: code };
}

/** A rule's citations in words, joined as a list is in each language; "—" for none. */
export function articlesText(codes: readonly string[]): ArticleText {
  if (codes.length === 0) return { zh: '—', en: '—' };
  const each = codes.map(articleText);
  return { zh: each.map((a) => a.zh).join('；'), en: each.map((a) => a.en).join('; ') };
}
