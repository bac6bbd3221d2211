import { chinaDate, regionAncestors, resolveTemplate, type RectificationItemFact, type SelfInspectionReportFact } from '@weian/shared';
import { openNoticeItems } from '../storage/notices.js';
import type { Db } from '../storage/schema.js';
import { selfInspectionsOf, templateLayers } from '../storage/selfInspection.js';

/**
 * What the supervision-loop rules (INST-RECTIFY-OVERDUE, INST-SELF-INSPECTION-REPORT) read of an
 * institution: the items of its notices not closed, and its self-inspections of this year and the
 * year before with the deadline its region's template gives each year.
 */
export async function supervisionFacts(db: Db, institution: { code: string; region_code: string }, now: Date) {
  const rectification: RectificationItemFact[] = (await openNoticeItems(db, institution.code)).map((i) => ({
    notice: i.number,
    title: i.title,
    deadline: i.deadline,
    status: i.status,
    verified: i.verified === 1,
  }));
  const year = Number(chinaDate(now).slice(0, 4));
  const years = [year - 1, year];
  const rows = await selfInspectionsOf(db, institution.code, years);
  const chain = regionAncestors(institution.region_code);
  const selfInspections: SelfInspectionReportFact[] = [];
  for (const y of years) {
    // Only the deadline is needed: the tightest down the region tree, as the template resolves it.
    const layers = (await templateLayers(db, y, chain)).map((l) => ({ regionCode: l.region_code, deadline: l.deadline, added: [], raised: {}, requireEvidence: [] }));
    const row = rows.find((r) => r.year === y);
    const standing = row && (row.status === 'submitted' || row.status === 'accepted') && row.submitted_at;
    selfInspections.push({ year: y, deadline: resolveTemplate(layers).deadline, submittedOn: standing ? chinaDate(new Date(row.submitted_at!)) : null });
  }
  return { rectification, selfInspections };
}
