import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { RULES } from './index.js';
import { SEVERITIES } from './types.js';

// The rule catalogue as specified, with its articles: checked in for users under docs/.
const here = fileURLToPath(new URL('.', import.meta.url));
const REGULATION = resolve(here, '../../../docs/regulation.md');

interface Row {
  id: string;
  subject: 'host' | 'institution';
  severityCell: string;
  articles: string[];
}
function parseRegulation(text: string): Row[] {
  const rows: Row[] = [];
  let subject: Row['subject'] | null = null;
  for (const line of text.split('\n')) {
    if (/^##\s+Host rules/i.test(line)) subject = 'host';
    else if (/^##\s+Institution rules/i.test(line)) subject = 'institution';
    const cells = line.split('|').map((c) => c.trim());
    if (subject && /^(HOST|INST|EXT)-[A-Z0-9-]+$/.test(cells[1] ?? '')) rows.push({ id: cells[1]!, subject, severityCell: cells[2]!, articles: cells[4]!.split(',').map((a) => a.trim()) });
  }
  return rows;
}

describe('the catalogue against docs/regulation.md', () => {
  // Not a skip when the file is missing: the catalogue must be checked against it.
  it('finds docs/regulation.md', () => expect(existsSync(REGULATION), `missing ${REGULATION}`).toBe(true));
  const rows = existsSync(REGULATION) ? parseRegulation(readFileSync(REGULATION, 'utf8')) : [];

  it('parses both tables', () => {
    expect(rows.filter((r) => r.subject === 'host').length).toBeGreaterThanOrEqual(20);
    expect(rows.filter((r) => r.subject === 'institution').length).toBeGreaterThanOrEqual(11);
  });

  it('has exactly the rules of docs/regulation.md, same ids, in the same order', () => {
    expect(RULES.map((r) => r.id)).toEqual(rows.map((r) => r.id));
  });

  it('matches subject, articles and severity of every rule', () => {
    for (const row of rows) {
      const rule = RULES.find((r) => r.id === row.id)!;
      expect(rule.subject, row.id).toBe(row.subject);
      expect([...rule.articles], row.id).toEqual(row.articles);
      expect(row.severityCell, row.id).toContain(rule.severity);
      // A cell naming two severities means a result-dependent severity, which the rule must explain.
      const named = SEVERITIES.filter((s) => row.severityCell.includes(s));
      if (named.length > 1) expect(rule.severityNote, row.id).toBeDefined();
    }
  });

  it('gives every rule both languages, a remediation and a check', () => {
    for (const r of RULES) {
      for (const t of [r.title, r.failsWhen, r.remediation]) {
        expect(t.zh.length, r.id).toBeGreaterThan(0);
        expect(t.en.length, r.id).toBeGreaterThan(0);
      }
      expect(typeof r.check, r.id).toBe('function');
    }
  });
});
