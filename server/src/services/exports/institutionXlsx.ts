import type { Writable } from 'node:stream';
import type { InstitutionReport } from './institutionReport.js';
import { institutionSections, writeSectionsXlsx } from './institutionSections.js';

/** The institution report as a workbook: one sheet per section (score, hosts, findings, MLPS, governance, exceptions). */
export async function writeInstitutionXlsx(report: InstitutionReport, out: Writable): Promise<number> {
  await writeSectionsXlsx(institutionSections(report), out, report.generatedAt);
  return report.findings.length;
}
