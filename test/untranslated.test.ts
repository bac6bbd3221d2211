import { describe, expect, it } from 'vitest';
import { untranslatedWords } from './helpers/words.js';

// The checker behind e2e/words.test.ts must catch what issue 17 found, and let names and codes be.
describe('untranslatedWords', () => {
  it('finds the English leftovers the issue lists', () => {
    const text = '操作 auth.login 依据 M9；MLPS-21 FY-transmission 结果 — (unknown / 未知)，详见 docs/methodology.md；{"hostId":"h_Tbtk2e-2plHA-624"} is not visible to you';
    expect(untranslatedWords(text)).toEqual(['auth.login', 'M9', 'MLPS-21', 'FY-transmission', 'unknown', 'docs/methodology.md', 'hostId', 'is', 'not', 'visible', 'to', 'you']);
  });
  it('lets product names, rule ids, host names, host ids, OS names, services and units be', () => {
    const text = 'WeiAn HOST-OS-EOL his-01.001 h_2ArC1zA--abcdefg Kylin Linux Advanced Server V10 SP3 Windows 10 22H2 2288H V5 NF5280M6 svchost.exe tcp/22 SSH RDP 12.5 GB A 优秀';
    expect(untranslatedWords(text)).toEqual([]);
  });
  it('reads a PDF’s word that pdftotext joined at its hyphen as the hyphenated word', () => {
    expect(untranslatedWords('prohibitpassword')).toEqual(['prohibitpassword']);
    expect(untranslatedWords('prohibitpassword', { fromPdf: true })).toEqual([]);
    expect(untranslatedWords('methodologymd', { fromPdf: true })).toEqual(['methodologymd']);
  });
});
