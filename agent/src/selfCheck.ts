// The agent checks each section it collected against the shared report schema before queueing it, so a
// collector bug shows here (log, `status`) and not only as the server refusing the whole report.
//
// A section that fails is sent as an error section (code `invalid-data`, the failing fields in its message),
// the other sections as collected: the least lossy choice. The server still gets every valid section and
// sees the failure where it shows a collector's errors; the invalid data itself is withheld, since trimming
// it field by field could turn a collector bug into a false pass.
import { readFile } from 'node:fs/promises';
import { Sections, type Report, type SectionEnvelope, type SectionName } from '@weian/shared';
import { writeFileDurable } from './state.js';

export const INVALID_DATA = 'invalid-data';
const MAX_ISSUES = 5;

/** The envelope itself when the schema accepts it, else an error envelope naming the fields that failed. */
export function checkedSection<K extends SectionName>(section: K, envelope: SectionEnvelope<K>): SectionEnvelope<K> {
  const result = Sections.shape[section].safeParse(envelope);
  if (result.success) return envelope;
  const issues = result.error.issues.slice(0, MAX_ISSUES).map((i) => `${[section, ...i.path.filter((p) => p !== 'data')].join('.')}: ${i.message}`);
  const more = result.error.issues.length - issues.length;
  return { status: 'error', error: { code: INVALID_DATA, message: `collected data the report schema refuses: ${issues.join('; ')}${more > 0 ? ` (and ${more} more)` : ''}` } };
}

export interface SelfCheck {
  at: string;
  reportId: string;
  /** Sections withheld from that report, with the fields that failed. */
  invalid: { section: SectionName; message: string }[];
}

export const invalidSections = (report: Report): SelfCheck['invalid'] =>
  (Object.entries(report.sections) as [SectionName, SectionEnvelope][]).flatMap(([section, s]) =>
    s.status === 'error' && s.error.code === INVALID_DATA ? [{ section, message: s.error.message }] : [],
  );

/**
 * Logs each withheld section of a collected report and keeps the outcome of the latest collection in its own
 * file (not the sync state, which a running drain rewrites), for `status`.
 */
export async function recordSelfCheck(path: string, report: Report, at: string, log: (m: string) => void): Promise<SelfCheck> {
  const check: SelfCheck = { at, reportId: report.reportId, invalid: invalidSections(report) };
  for (const s of check.invalid) log(`report ${report.reportId}: section ${s.section} withheld, ${s.message}`);
  await writeFileDurable(path, JSON.stringify(check, null, 2) + '\n');
  return check;
}

export async function loadSelfCheck(path: string): Promise<SelfCheck | null> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as SelfCheck;
  } catch {
    return null;
  }
}
