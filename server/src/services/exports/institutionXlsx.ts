import type { Writable } from 'node:stream';
import type { InstitutionReport } from './institutionReport.js';
import { institutionSections } from './institutionSections.js';
import { addRow, openWorkbook, sheetNamer, tableSheet } from './xlsx.js';

/** The institution report as a workbook: one sheet per section (score, hosts, findings, MLPS, governance, exceptions). */
export async function writeInstitutionXlsx(report: InstitutionReport, out: Writable): Promise<number> {
  const wb = openWorkbook(out, report.generatedAt);
  const name = sheetNamer();
  const sections = institutionSections(report);
  for (const s of sections) {
    const sheet = tableSheet(wb, name(s.title), s.columns);
    for (const row of s.rows) addRow(sheet, s.columns.map((c) => c.value(row)));
    sheet.commit();
  }
  await wb.commit();
  return report.findings.length;
}
