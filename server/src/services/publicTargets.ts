import { parsePublicTarget, targetsOverlap, type RegisterPublicTargetInput } from '@weian/shared';
import { badRequest, conflict, forbidden, notFound } from '../errors.js';
import { getInstitutionInScope } from '../storage/institutions.js';
import { deletePublicTarget, getPublicTarget, insertPublicTarget, listPublicTargets, publicTargetsOverlapping, type PublicTargetRow } from '../storage/publicTargets.js';
import type { Principal } from './auth.js';
import type { ServiceDeps } from './deps.js';
import { newId } from './secrets.js';
import { evaluateInstitutionNow } from './evaluation.js';
import { visibleIn } from './scope.js';

/**
 * Institutions' public addresses, ranges and domain names (issue 24), registered by their region's
 * users: what the scanners are pointed at and nothing else. An entry is refused when it is not public
 * (private, loopback, reserved), malformed, wider than a /20, or overlaps another institution's.
 * Audited by the router's middleware like every mutation.
 */

export interface PublicTargetView {
  id: string;
  institutionCode: string;
  kind: PublicTargetRow['kind'];
  value: string;
  note: string | null;
  createdAt: string;
  createdBy: string;
  /** The end of its last complete scan round; null: never scanned completely. */
  scannedAt: string | null;
}
const view = (r: PublicTargetRow): PublicTargetView => ({
  id: r.id,
  institutionCode: r.institution_code,
  kind: r.kind,
  value: r.value,
  note: r.note,
  createdAt: r.created_at,
  createdBy: r.created_by,
  scannedAt: r.scanned_at,
});

export async function registerPublicTarget(deps: ServiceDeps, principal: Principal, input: RegisterPublicTargetInput): Promise<PublicTargetView> {
  let target;
  try {
    target = parsePublicTarget(input.target, { documentation: deps.documentationTargets === true });
  } catch (e) {
    throw badRequest((e as Error).message);
  }
  const { view: v, changes } = await deps.db.transaction().execute(async (tx) => {
    const inst = await getInstitutionInScope(tx, principal.scope, input.institutionCode);
    if (!inst) throw forbidden(`institution ${input.institutionCode} is not in your region`);
    // IPv4 ranges are stored as integers and compared in SQL; IPv6 ones (128 bits) are compared here.
    const ip = target.kind === 'domain' ? null : target;
    const v4 = ip?.family === 4 ? ip : null;
    const candidates = await publicTargetsOverlapping(tx, { kind: target.kind, value: target.value, first: v4?.first ?? null, last: v4?.last ?? null, ipv6: ip?.family === 6 });
    const clash = ip?.family === 6 ? candidates.find((r) => targetsOverlap(parsePublicTarget(r.value, { documentation: true }), target)) : candidates[0];
    if (clash) {
      // Another region's institution is named only to those who may see it.
      const mine = clash.institution_code === inst.code;
      const visible = mine || visibleIn(principal.scope, { regionCode: clash.region_code, institutionCode: clash.institution_code });
      throw conflict(
        `${target.value} overlaps ${clash.value}, already registered for ${mine ? 'this institution' : visible ? `institution ${clash.institution_code}` : 'an institution outside your region'}`,
      );
    }
    const row: PublicTargetRow = {
      id: newId('pt'),
      institution_code: inst.code,
      region_code: inst.region_code,
      kind: target.kind,
      value: target.value,
      first_address: v4?.first ?? null,
      last_address: v4?.last ?? null,
      note: input.note,
      created_at: deps.now().toISOString(),
      created_by: principal.username,
      scanned_at: null,
    };
    await insertPublicTarget(tx, row);
    // The outside-in rules now have something to judge (unknown until a complete round).
    return { view: view(row), changes: await evaluateInstitutionNow(deps, tx, inst.code) };
  });
  for (const c of changes) deps.bus.emit('finding.changed', c);
  return v;
}

export async function listPublicTargetViews(deps: ServiceDeps, principal: Principal, institutionCode?: string): Promise<PublicTargetView[]> {
  return (await listPublicTargets(deps.db, principal.scope, institutionCode)).map(view);
}

export async function removePublicTarget(deps: ServiceDeps, principal: Principal, id: string): Promise<{ id: string }> {
  const row = await getPublicTarget(deps.db, id);
  if (!row) throw notFound('no such public target');
  if (!visibleIn(principal.scope, { regionCode: row.region_code, institutionCode: row.institution_code })) throw forbidden('that public target is not in your region');
  const changes = await deps.db.transaction().execute(async (tx) => {
    await deletePublicTarget(tx, id);
    return evaluateInstitutionNow(deps, tx, row.institution_code);
  });
  for (const c of changes) deps.bus.emit('finding.changed', c);
  return { id };
}
