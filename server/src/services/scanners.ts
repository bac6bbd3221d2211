import {
  endpointOf,
  extRulesFor,
  hostBehind,
  nextRoundAt,
  parsePublicTarget,
  regionAncestors,
  sanitizeBanner,
  scanPorts,
  targetHolding,
  type ExtRuleId,
  type HostIdentity,
  type PortsData,
  type ScanReportInput,
  type ScanSchedule,
} from '@weian/shared';
import { forbidden, notFound, unauthorized } from '../errors.js';
import { markPublicTargetsScanned } from '../storage/publicTargets.js';
import {
  getExposure,
  getScanner,
  institutionPortSections,
  insertScanner,
  listExposures,
  listScanners,
  markScannerSeen,
  publicTargetCounts,
  publicTargetsUnder,
  revokeScanner,
  upsertExposure,
} from '../storage/scanners.js';
import type { PublicTargetsTable } from '../storage/schema.js';
import type { Principal } from './auth.js';
import type { ServiceDeps } from './deps.js';
import { raiseAlert } from './alerts.js';
import { evaluateHostNow, evaluateInstitutionNow, type FindingChange } from './evaluation.js';
import { markInstitutionDirty } from './scoreRefresher.js';
import { hashSecret, newId, newSecret, secretMatches } from './secrets.js';
import { regionCodeWithin } from './scope.js';
import { settingsForRegion } from './settings.js';

/**
 * Scanners (issue 24): a region's own `weian-agent scan`, enrolled by a region user with a secret
 * of its own. It fetches the public targets of its region's institutions and reports what it saw
 * open; only addresses of those targets are taken. Each open port becomes an exposure of the
 * institution, with first and last seen, the EXT rules it meets, and the enrolled host behind it
 * when that host's own SSH host key or TLS certificate is the one seen from outside.
 */

const prefixOf = (code: string) => (code.endsWith('0000') ? code.slice(0, 2) : code.endsWith('00') ? code.slice(0, 4) : code);

export async function createScanner(deps: ServiceDeps, principal: Principal, input: { regionCode: string; name: string }) {
  if (!regionCodeWithin(principal.scope, input.regionCode)) throw forbidden(`region ${input.regionCode} is not yours`);
  const secret = newSecret();
  const id = newId('sc');
  await insertScanner(deps.db, {
    id,
    region_code: input.regionCode,
    name: input.name,
    secret_hash: hashSecret(secret),
    created_at: deps.now().toISOString(),
    created_by: principal.username,
    last_seen_at: null,
    revoked_at: null,
    revoked_by: null,
    last_round_at: null,
  });
  // The secret is shown once, like an agent's.
  return { scannerId: id, secret, regionCode: input.regionCode };
}

async function authenticate(deps: ServiceDeps, c: { scannerId: string; secret: string }) {
  const s = await getScanner(deps.db, c.scannerId);
  if (!s || !secretMatches(c.secret, s.secret_hash)) throw unauthorized('scanner credentials are wrong');
  // Revoked: no list, no report taken, nothing that tells it what is registered.
  if (s.revoked_at) throw unauthorized('this scanner was revoked');
  return s;
}

/** A region user withdraws a scanner (lost, moved, retired): from now on it gets nothing. Audited by the router's middleware. */
export async function revokeScannerBy(deps: ServiceDeps, principal: Principal, scannerId: string) {
  const s = await getScanner(deps.db, scannerId);
  if (!s) throw notFound('no such scanner');
  if (!regionCodeWithin(principal.scope, s.region_code)) throw forbidden('that scanner is not in your region');
  await revokeScanner(deps.db, s.id, deps.now().toISOString(), principal.username);
  return { scannerId: s.id };
}

/** A scanner's schedule as handed out and shown: the region's figures and when its next round may start. */
function scheduleOf(schedule: ScanSchedule, lastRoundAt: string | null, now: Date) {
  return {
    limits: { ratePerSecond: schedule.ratePerSecond, concurrency: schedule.concurrency },
    schedule: { intervalHours: schedule.intervalHours, window: schedule.window, nextRoundAt: nextRoundAt(schedule, lastRoundAt ? new Date(lastRoundAt) : null, now).toISOString() },
  };
}

/**
 * What the scanner may be pointed at: its region's registered targets, the ports to try (the high-risk
 * list and the region's own), its rate and concurrency, and its schedule. Before its next round is due
 * the list is empty: a scanner that ignored the schedule would still scan nothing.
 */
export async function scannerTargets(deps: ServiceDeps, c: { scannerId: string; secret: string }) {
  const s = await authenticate(deps, c);
  const now = deps.now();
  await markScannerSeen(deps.db, s.id, now.toISOString());
  const scanning = (await settingsForRegion(deps.db, s.region_code)).scanning;
  const plan = scheduleOf(scanning, s.last_round_at, now);
  const due = Date.parse(plan.schedule.nextRoundAt) <= now.getTime();
  return { targets: due ? (await publicTargetsUnder(deps.db, prefixOf(s.region_code))).map((t) => t.value) : [], ports: scanPorts(scanning.ports), ...plan };
}

/** The institution's registered target an address falls in (IPv4 or IPv6 addresses and ranges). */
export const owner = (targets: readonly PublicTargetsTable[], address: string) => targetHolding(targets, address, (t) => t.value);

/**
 * Whose an observed address is: the registered domain it was resolved from (when that domain is a
 * target here and the address is public), else the address or range it falls in.
 */
function ownerOf(deps: ServiceDeps, targets: readonly PublicTargetsTable[], o: { address: string; domain?: string | null | undefined }) {
  if (!o.domain) return owner(targets, o.address);
  const domain = targets.find((t) => t.kind === 'domain' && t.value === o.domain);
  try {
    parsePublicTarget(o.address, { documentation: deps.documentationTargets === true });
  } catch {
    return null; // a name pointing inside is never taken as seen from outside
  }
  return domain ?? owner(targets, o.address);
}

type Known = HostIdentity & { ports: PortsData };
async function identitiesOf(deps: ServiceDeps, institutionCode: string): Promise<Known[]> {
  return (await institutionPortSections(deps.db, institutionCode)).flatMap((r) => {
    const ports = r.data ? (JSON.parse(r.data) as PortsData) : null;
    const ids = ports?.identities;
    return ports && ids ? [{ hostId: r.host_id, sshHostKeys: ids.sshHostKeys, tlsSha256: ids.tls.map((t) => t.sha256), ports }] : [];
  });
}

/** The port behind the mapping: the certificate's own port, or the host's sshd (22 when its listener is not named). */
function internalPort(host: Known, by: 'ssh-host-key' | 'tls-certificate', tlsSha256: string | null): number {
  if (by === 'tls-certificate') return host.ports.identities!.tls.find((t) => t.sha256 === tlsSha256)!.port;
  return host.ports.listeners.find((l) => l.protocol === 'tcp' && l.process === 'sshd')?.port ?? 22;
}

export async function ingestScan(deps: ServiceDeps, input: Omit<ScanReportInput, 'complete'> & { complete?: readonly string[] }) {
  const s = await authenticate(deps, input);
  const now = deps.now().toISOString();
  const targets = await publicTargetsUnder(deps.db, prefixOf(s.region_code));
  const identities = new Map<string, Known[]>();
  const tied = new Map<string, string>();
  let refused = 0;
  const fresh: string[] = [];
  for (const o of input.observations) {
    const t = ownerOf(deps, targets, o);
    if (!t) {
      refused++;
      continue;
    }
    if (!identities.has(t.institution_code)) identities.set(t.institution_code, await identitiesOf(deps, t.institution_code));
    const known = identities.get(t.institution_code)!;
    const tie = hostBehind(o, known);
    const host = tie ? known.find((h) => h.hostId === tie.hostId)! : null;
    const id = endpointOf(o.address, o.port);
    const before = await getExposure(deps.db, id);
    const httpTitle = o.httpTitle === null ? null : sanitizeBanner(o.httpTitle);
    const banner = o.banner === null ? null : sanitizeBanner(o.banner);
    await upsertExposure(
      deps.db,
      {
        id,
        institution_code: t.institution_code,
        region_code: t.region_code,
        address: o.address,
        port: o.port,
        rules: JSON.stringify(extRulesFor({ port: o.port, plainHttp: o.plainHttp, httpTitle, banner })),
        banner,
        ssh_host_key: o.sshHostKey,
        tls_sha256: o.tlsSha256,
        http_title: httpTitle,
        host_id: tie?.hostId ?? null,
        tie_by: tie?.by ?? null,
        internal_port: host && tie ? internalPort(host, tie.by, o.tlsSha256) : null,
        domain: t.kind === 'domain' ? t.value : null,
        first_seen: before?.first_seen ?? now,
        last_seen: now,
        scanner_id: s.id,
      },
      before !== undefined,
    );
    if (tie && before?.host_id !== tie.hostId) tied.set(tie.hostId, t.institution_code);
    if (!before) {
      fresh.push(id);
      await alertNewExposure(
        deps,
        { institutionCode: t.institution_code, regionCode: t.region_code, address: o.address, port: o.port, banner, hostId: tie?.hostId ?? null },
        extRulesFor({ port: o.port, plainHttp: o.plainHttp, httpTitle, banner }),
      );
    }
  }
  // A complete round over a registered entry: ports of it not seen now are closed (the EXT rules count only what this round saw).
  const complete = new Set(input.complete ?? []);
  const rounds = targets.filter((t) => complete.has(t.value));
  await markPublicTargetsScanned(
    deps.db,
    rounds.map((t) => t.id),
    now,
  );
  const changes: FindingChange[] = [];
  // A host newly tied to a public port: its port rules judge that port as public from now on.
  for (const [hostId, institutionCode] of tied) {
    changes.push(...(await evaluateHostNow(deps, deps.db, hostId)));
    markInstitutionDirty(deps, institutionCode);
  }
  const institutions = new Set([...rounds.map((t) => t.institution_code), ...input.observations.flatMap((o) => ownerOf(deps, targets, o)?.institution_code ?? [])]);
  for (const code of institutions) changes.push(...(await deps.db.transaction().execute((tx) => evaluateInstitutionNow(deps, tx, code))));
  for (const c of changes) deps.bus.emit('finding.changed', c);
  await markScannerSeen(deps.db, s.id, now, true);
  return { accepted: input.observations.length - refused, refused, new: fresh, rounds: rounds.map((t) => t.value) };
}

const EXT_SEVERITY: Record<ExtRuleId, 'critical' | 'high'> = { 'EXT-REMOTE-ADMIN': 'critical', 'EXT-DATABASE': 'critical', 'EXT-PORT-RISKY': 'high', 'EXT-PLAINTEXT': 'high' };

/** A port newly seen open: one alert per rule it meets, on the host behind it when tied, else on the institution. */
async function alertNewExposure(
  deps: ServiceDeps,
  e: { institutionCode: string; regionCode: string; address: string; port: number; banner: string | null; hostId: string | null },
  rules: readonly ExtRuleId[],
) {
  for (const ruleId of rules)
    await raiseAlert(deps, {
      subjectKind: e.hostId ? 'host' : 'institution',
      subjectId: e.hostId ?? e.institutionCode,
      ruleId,
      kind: 'finding',
      severity: EXT_SEVERITY[ruleId],
      institutionCode: e.institutionCode,
      regionCode: e.regionCode,
      evidence: {
        zh: `${endpointOf(e.address, e.port)} 可从外部访问${e.banner ? `（${e.banner}）` : ''}${e.hostId ? '，指纹与本机构已登记主机一致' : ''}`,
        en: `${endpointOf(e.address, e.port)} answers from outside${e.banner ? ` (${e.banner})` : ''}${e.hostId ? "; its fingerprint is an enrolled host's" : ''}`,
      },
    });
}

export async function listExposureViews(deps: ServiceDeps, principal: Principal) {
  return (await listExposures(deps.db, principal.scope)).map((r) => ({
    institutionCode: r.institution_code,
    regionCode: r.region_code,
    address: r.address,
    port: r.port,
    domain: r.domain,
    rules: JSON.parse(r.rules) as string[],
    banner: r.banner,
    httpTitle: r.http_title,
    sshHostKey: r.ssh_host_key,
    tlsSha256: r.tls_sha256,
    hostId: r.host_id,
    hostname: r.hostname,
    internalPort: r.internal_port,
    tiedBy: r.tie_by,
    firstSeen: r.first_seen,
    lastSeen: r.last_seen,
  }));
}

/**
 * The scanners a caller is shown (its region's, and those above that also scan it), each with the
 * targets it is pointed at that the caller may see, the ports it tries, and when it last called.
 */
export async function listScannerViews(deps: ServiceDeps, principal: Principal) {
  const own = principal.scope.kind === 'all' ? null : principal.regionCode;
  const covering = own ? regionAncestors(own).filter((c) => c !== own || principal.scope.kind === 'institution') : [];
  const now = deps.now();
  return Promise.all(
    (await listScanners(deps.db, principal.scope, covering)).map(async (s) => {
      const scanning = (await settingsForRegion(deps.db, s.region_code)).scanning;
      return {
        id: s.id,
        name: s.name,
        regionCode: s.region_code,
        createdAt: s.created_at,
        createdBy: s.created_by,
        lastSeenAt: s.last_seen_at,
        revokedAt: s.revoked_at,
        revokedBy: s.revoked_by,
        lastRoundAt: s.last_round_at,
        ports: scanPorts(scanning.ports).length,
        ...scheduleOf(scanning, s.last_round_at, now),
        ...(await publicTargetCounts(deps.db, principal.scope, prefixOf(s.region_code))),
      };
    }),
  );
}
