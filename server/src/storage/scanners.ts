import { parseIpTarget } from '@weian/shared';
import { hotIn } from './hot.js';
import type { Db, ExposuresTable, ScannersTable } from './schema.js';
import { inScope, type Scope } from './scope.js';

export async function insertScanner(db: Db, row: ScannersTable): Promise<void> {
  await db.insertInto('scanners').values(row).execute();
}
export function getScanner(db: Db, id: string) {
  return db.selectFrom('scanners').selectAll().where('id', '=', id).executeTakeFirst();
}
export async function markScannerSeen(db: Db, id: string, at: string, round = false): Promise<void> {
  await db
    .updateTable('scanners')
    .set(round ? { last_seen_at: at, last_round_at: at } : { last_seen_at: at })
    .where('id', '=', id)
    .execute();
}

/**
 * The scanners a caller is shown: those of regions inside its scope, and those of the regions above
 * it (a province's scanner also scans a county's institutions). `covering` are those regions' codes.
 */
export function listScanners(db: Db, scope: Scope, covering: readonly string[]) {
  let q = db.selectFrom('scanners').select(['id', 'region_code', 'name', 'created_at', 'created_by', 'last_seen_at', 'last_round_at', 'revoked_at', 'revoked_by']);
  if (scope.kind === 'region') q = q.where((eb) => eb.or([eb('region_code', 'like', `${scope.prefix}%`), ...(covering.length ? [eb('region_code', 'in', covering)] : [])]));
  else if (scope.kind === 'institution') q = q.where('region_code', 'in', covering.length ? [...covering] : ['']);
  return q.orderBy('region_code').orderBy('name').execute();
}

/** How many targets and addresses each region prefix holds, counting only what the caller may see. */
export async function publicTargetCounts(db: Db, scope: Scope, regionPrefix: string): Promise<{ targets: number; addresses: number; domains: number }> {
  const rows = await db
    .selectFrom('public_targets')
    .select(['kind', 'value'])
    .where('region_code', 'like', `${regionPrefix}%`)
    .where(inScope(scope, { region: 'public_targets.region_code', institution: 'public_targets.institution_code' }) as never)
    .execute();
  const size = (value: string) => {
    const ip = parseIpTarget(value);
    return ip ? Number(BigInt(ip.last) - BigInt(ip.first)) + 1 : 0;
  };
  const addresses = rows.reduce((n, r) => n + (r.kind === 'domain' ? 0 : size(r.value)), 0);
  return { targets: rows.length, addresses, domains: rows.filter((r) => r.kind === 'domain').length };
}

export async function revokeScanner(db: Db, id: string, at: string, by: string): Promise<void> {
  await db.updateTable('scanners').set({ revoked_at: at, revoked_by: by }).where('id', '=', id).where('revoked_at', 'is', null).execute();
}

/** Public targets of the institutions under a region prefix: a scanner's list. */
export function publicTargetsUnder(db: Db, regionPrefix: string) {
  return db.selectFrom('public_targets').selectAll().where('region_code', 'like', `${regionPrefix}%`).orderBy('value').execute();
}

export function getExposure(db: Db, id: string) {
  return db.selectFrom('exposures').selectAll().where('id', '=', id).executeTakeFirst();
}
export async function upsertExposure(db: Db, row: ExposuresTable, existed: boolean): Promise<void> {
  if (existed) {
    const { id, first_seen: _first, ...rest } = row;
    await db.updateTable('exposures').set(rest).where('id', '=', id).execute();
  } else await db.insertInto('exposures').values(row).execute();
}
export function listExposures(db: Db, scope: Scope) {
  return db
    .selectFrom('exposures')
    .leftJoin('hosts', 'hosts.id', 'exposures.host_id')
    .selectAll('exposures')
    .select('hosts.hostname')
    .where(inScope(scope, { region: 'exposures.region_code', institution: 'exposures.institution_code' }) as never)
    .orderBy('exposures.institution_code')
    .orderBy('exposures.address')
    .orderBy('exposures.port')
    .execute();
}
/** The ports section of each of an institution's hosts (identities ride in it). */
export function institutionPortSections(db: Db, institutionCode: string) {
  return db
    .selectFrom('host_sections')
    .innerJoin('hosts', 'hosts.id', 'host_sections.host_id')
    .select(['host_sections.host_id', 'host_sections.data'])
    .where('hosts.institution_code', '=', institutionCode)
    .where('hosts.status', '!=', 'retired')
    .where('host_sections.section', '=', 'ports')
    .where('host_sections.status', '=', 'ok')
    .execute();
}

/** The ports of hosts that scanners saw from outside, through the tie, in one statement. */
// Every evaluation of a host reads them, a report group's hosts at once: compiled once per number of hosts (hot.ts).
export const exposuresOfHosts = hotIn((db, ids) =>
  db.selectFrom('exposures').select(['host_id', 'address', 'port', 'internal_port']).where('host_id', 'in', ids).where('internal_port', 'is not', null),
);

/** What scanners saw open on one institution's targets, with the name of the host tied to each. */
export function exposuresOfInstitution(db: Db, institutionCode: string) {
  return db
    .selectFrom('exposures')
    .leftJoin('hosts', 'hosts.id', 'exposures.host_id')
    .select(['exposures.address', 'exposures.port', 'exposures.domain', 'exposures.rules', 'exposures.first_seen', 'exposures.last_seen', 'hosts.hostname'])
    .where('exposures.institution_code', '=', institutionCode)
    .orderBy('exposures.address')
    .orderBy('exposures.port')
    .execute();
}
