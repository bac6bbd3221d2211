import type { Report, SectionEnvelope, SectionName } from '@weian/shared';

/**
 * Delta sync: a section whose hash equals the last acknowledged one goes as `unchanged`.
 * `forceFull` names sections the server asked to have re-sent. Kept free of runtime imports so the
 * long-lived agent can use it without loading the collectors or the schemas.
 */
export function toDelta(report: Report, acknowledged: Partial<Record<SectionName, string>>, forceFull: readonly SectionName[] = []): Report {
  const sections = { ...report.sections } as Record<SectionName, SectionEnvelope>;
  for (const name of Object.keys(sections) as SectionName[]) {
    const s = sections[name];
    if (s.status === 'ok' && acknowledged[name] === s.hash && !forceFull.includes(name)) sections[name] = { status: 'unchanged', hash: s.hash };
  }
  return { ...report, sections: sections as Report['sections'] };
}
