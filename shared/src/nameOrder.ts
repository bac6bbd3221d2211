/**
 * The order of institution names: Chinese (pinyin) collation, as an officer would sort them.
 *
 * ICU's zh collation gives each character one reading, and for a few characters common in place
 * names it is not the place name's: 长 sorts as zhǎng, but 长河、长沙、长兴 are cháng. Such place-name
 * words are read through a homophone with the place's reading before collating (长河 as 常河).
 * Names equal after that are ordered by the plain collation, then by code point; the ranking's
 * last tie-break, identical names, is the institution code (scoring.ts).
 */
export const PLACE_NAME_READINGS: ReadonlyArray<readonly [word: string, readAs: string, pinyin: string]> = [
  ['长沙', '常沙', 'cháng shā'],
  ['长春', '常春', 'cháng chūn'],
  ['长河', '常河', 'cháng hé'],
  ['长兴', '常兴', 'cháng xīng'],
  ['长治', '常治', 'cháng zhì'],
  ['长宁', '常宁', 'cháng níng'],
  ['长安', '常安', 'cháng ān'],
  ['长丰', '常丰', 'cháng fēng'],
  ['长乐', '常乐', 'cháng lè'],
  ['长寿', '常寿', 'cháng shòu'],
  ['长垣', '常垣', 'cháng yuán'],
  ['长葛', '常葛', 'cháng gě'],
  ['长白', '常白', 'cháng bái'],
  ['长岭', '常岭', 'cháng lǐng'],
  ['长阳', '常阳', 'cháng yáng'],
  ['长汀', '常汀', 'cháng tīng'],
  ['长泰', '常泰', 'cháng tài'],
  ['长清', '常清', 'cháng qīng'],
  ['长武', '常武', 'cháng wǔ'],
  ['长子', '常子', 'cháng zǐ'],
  ['长海', '常海', 'cháng hǎi'],
  ['长顺', '常顺', 'cháng shùn'],
  ['长岛', '常岛', 'cháng dǎo'],
  ['长江', '常江', 'cháng jiāng'],
  ['乐清', '月清', 'yuè qīng'],
  ['六安', '陆安', 'lù ān'],
  ['六合', '陆合', 'lù hé'],
  ['蚌埠', '泵埠', 'bèng bù'],
  ['厦门', '夏门', 'xià mén'],
  ['单县', '善县', 'shàn xiàn'],
  ['番禺', '潘禺', 'pān yú'],
  ['洪洞', '洪同', 'hóng tóng'],
  ['莘县', '深县', 'shēn xiàn'],
  ['铅山', '沿山', 'yán shān'],
  ['东阿', '东婀', 'dōng ē'],
  ['台州', '胎州', 'tāi zhōu'],
  ['天台', '天胎', 'tiān tāi'],
  ['枞阳', '宗阳', 'zōng yáng'],
  ['蔚县', '玉县', 'yù xiàn'],
  ['句容', '巨容', 'jù róng'],
  ['涡阳', '锅阳', 'guō yáng'],
];

// Longest words first, so that a longer place name wins over a shorter one it contains.
const READINGS = [...new Map(PLACE_NAME_READINGS.map(([w, r]) => [w, r])).entries()].sort((a, b) => b[0].length - a[0].length);
const PATTERN = new RegExp(READINGS.map(([w]) => w).join('|'), 'g');
const READ_AS = new Map(READINGS);

/** A name as it is collated: place-name words replaced by homophones with their place reading. */
export const collationKey = (name: string): string => name.replace(PATTERN, (w) => READ_AS.get(w)!);

/**
 * One collator and one key per name for the module: a province ranks 5,000 names (~60,000 compares).
 * Made on first use: a zh-CN collator loads ICU's pinyin tables (~9 MB resident), and the agent,
 * which imports this package but never ranks, must not carry them (its memory budget is 1.5x bare Node).
 */
let zhCollator: Intl.Collator | undefined;
let keys = new Map<string, string>();
const keyOf = (name: string) => {
  let k = keys.get(name);
  if (k === undefined) {
    if (keys.size > 100_000) keys = new Map();
    k = collationKey(name);
    keys.set(name, k);
  }
  return k;
};

export function compareNames(a: string, b: string): number {
  const c = (zhCollator ??= new Intl.Collator('zh-CN'));
  return c.compare(keyOf(a), keyOf(b)) || c.compare(a, b) || (a < b ? -1 : a > b ? 1 : 0);
}
