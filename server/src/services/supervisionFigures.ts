/**
 * The supervision columns of rankings and exports (整改中/逾期通知, 按期办结率, 自查报送与得分), for
 * the institutions of one page or export chunk, as of a China date. Counted by shared's pure
 * `supervisionFigures`; kept apart so the ranking gains its columns in one place.
 */
import { supervisionFigures, type IsoDate, type SupervisionFigures } from '@weian/shared';
import { noticeFacts } from '../storage/notices.js';
import type { Db } from '../storage/schema.js';
import { selfInspectionFacts } from '../storage/selfInspection.js';

export async function supervisionFiguresOf(db: Db, codes: readonly string[], asOf: IsoDate): Promise<Map<string, SupervisionFigures>> {
  const [notices, inspections] = await Promise.all([noticeFacts(db, codes), selfInspectionFacts(db, Number(asOf.slice(0, 4)), codes)]);
  const byCode = new Map<string, typeof notices>();
  for (const n of notices) byCode.set(n.institution_code, [...(byCode.get(n.institution_code) ?? []), n]);
  const inspectionOf = new Map(inspections.map((i) => [i.institution_code, i]));
  return new Map(
    codes.map((code) => {
      const i = inspectionOf.get(code);
      const facts = (byCode.get(code) ?? []).map((n) => ({ issuedAt: n.issued_at, deadline: n.deadline, closedAt: n.closed_at }));
      return [code, supervisionFigures(facts, i && { status: i.status, submittedAt: i.submitted_at, percent: i.percent }, asOf)];
    }),
  );
}
