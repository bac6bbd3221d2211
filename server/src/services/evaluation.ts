import {
  chinaDate,
  countFailing,
  evaluateHost,
  evaluateInstitution,
  hostScore,
  institutionScore,
  mlpsDeadlines,
  reportingWindowHours,
  targetHolding,
  type Finding,
  type MlpsLevel,
  type MlpsSystem,
  type OutsideIn,
  type ResolvedSettings,
} from '@weian/shared';
import { deleteFindings, failingByRule, getFindings, getFindingsOf, upsertFindings } from '../storage/findings.js';
import { getHostScores, getInstitutionScore, listHostScores, upsertHostScores, upsertInstitutionScore } from '../storage/scores.js';
import { insertTransitions } from '../storage/transitions.js';
import { getFirstSeen, syncFirstSeen } from '../storage/updateFirstSeen.js';
import { getHost, getHosts, listInstitutionHosts } from '../storage/hosts.js';
import { loadDataRegister, systemsHoldingImportantData } from '../storage/dataRegister.js';
import { getInstitution } from '../storage/institutions.js';
import { exceptionOf, findingRow, governanceOf, storedFinding } from '../storage/mappers.js';
import { hostMlpsLevels, listExceptions, listGovernance, listHostsExceptions, liveSystemsOfHosts, loadSystems } from '../storage/records.js';
import { getSections } from '../storage/reports.js';
import { inPieces } from '../storage/hot.js';
import { together } from '../storage/together.js';
import type { Db, FindingsTable, HostScoresTable } from '../storage/schema.js';
import type { FindingChange } from '../eventPayloads.js';
import type { SubjectNames } from './alertInput.js';
import type { ServiceDeps } from './deps.js';
import { allKnown, storedSections, toHostSections, type KnownSections } from './sections.js';
import { newId } from './secrets.js';
import { settingsForRegion } from './settings.js';
import { onlyRules, rulesToRejudge } from './settingsTree.js';
import { exposuresOfHosts, exposuresOfInstitution } from '../storage/scanners.js';
import { institutionPublicTargets } from '../storage/publicTargets.js';
import { supervisionFacts } from './supervisionFacts.js';
import { workingCalendarFor } from './workingCalendar.js';

export type { FindingChange } from '../eventPayloads.js';

/** Hosts judged in one go outside ingest: a report group's most (ingest.ts MAX_GROUP), so the statements are ones ingest compiled. */
const HOSTS_AT_ONCE = 64;

// ---- findings ----------------------------------------------------------------------------------------------
type Subject = { kind: 'host' | 'institution'; id: string; institutionCode: string; regionCode: string };

/**
 * Stores subjects' new findings: a status change gets a transition (so "failing since when" is
 * always answerable) and a new `since`; unchanged findings are not rewritten. Each kind of write is
 * one statement for all the subjects' rows (a report group's first reports change dozens each).
 * Subjects are of one kind; returns each subject's changes, in order, and whether what an institution's
 * score reads of its findings moved (`moved`). `read`: their stored findings, if the caller read them already.
 */
async function persistFindings(db: Db, judged: Array<{ subject: Subject; findings: Finding[] }>, at: string, read?: FindingsTable[]): Promise<{ changes: FindingChange[][]; moved: boolean[] }> {
  if (!judged.length) return { changes: [], moved: [] };
  const stored = new Map<string, Map<string, FindingsTable>>(judged.map(({ subject }) => [subject.id, new Map()]));
  for (const f of read ??
    (await getFindingsOf(
      db,
      judged[0]!.subject.kind,
      judged.map((j) => j.subject.id),
    )))
    stored.get(f.subject_id)?.set(f.rule_id, f);
  const rows: FindingsTable[] = [];
  const transitions: Parameters<typeof insertTransitions>[1] = [];
  const moved: boolean[] = [];
  const out = judged.map(({ subject, findings }) => {
    const existing = stored.get(subject.id)!;
    const changes: FindingChange[] = [];
    let counted = false;
    for (const f of findings) {
      const old = existing.get(f.ruleId);
      existing.delete(f.ruleId);
      const evidence = JSON.stringify(f.evidence);
      const statusChanged = old?.status !== f.status;
      const exceptionId = f.exception?.id ?? null;
      if (!statusChanged && old.severity === f.severity && old.evidence === evidence && old.exception_id === exceptionId) continue;
      // Failing counts by rule read status, severity and exception; a finding's evidence (a silent host's last report time) they do not.
      if (statusChanged || old.severity !== f.severity || old.exception_id !== exceptionId) counted = true;
      rows.push(findingRow(subject, f, at, statusChanged ? at : old.since));
      if (statusChanged) {
        transitions.push({
          id: newId('ft'),
          subject_kind: subject.kind,
          subject_id: subject.id,
          rule_id: f.ruleId,
          institution_code: subject.institutionCode,
          from_status: old?.status ?? null,
          to_status: f.status,
          severity: f.severity,
          at,
        });
        changes.push({
          subjectKind: subject.kind,
          subjectId: subject.id,
          ruleId: f.ruleId,
          institutionCode: subject.institutionCode,
          regionCode: subject.regionCode,
          from: old?.status ?? null,
          to: f.status,
          severity: f.severity,
          evidence: { zh: f.evidence.zh, en: f.evidence.en },
          at,
        });
      }
    }
    // What is left in `existing` is deleted below.
    moved.push(counted || existing.size > 0);
    return changes;
  });
  await upsertFindings(db, rows);
  await insertTransitions(db, transitions);
  // Rules that no longer apply (disabled by the region): their findings go.
  for (const { subject } of judged) await deleteFindings(db, subject.kind, subject.id, [...stored.get(subject.id)!.keys()]);
  return { changes: out, moved };
}

type HostRow = NonNullable<Awaited<ReturnType<typeof getHost>>>;

/** Rows read for several hosts at once, by the host each belongs to. */
function rowsBy<T>(rows: T[], key: (row: T) => string | null): Map<string | null, T[]> {
  const by = new Map<string | null, T[]>();
  for (const r of rows) {
    const k = key(r);
    const list = by.get(k);
    if (list) list.push(r);
    else by.set(k, [r]);
  }
  return by;
}

/**
 * What hosts' rules read, by their ids alone: each kind of row for all of them in one statement, sent together
 * (on PostgreSQL one wait, not one per statement), and by evaluateHostsNow with the hosts' own rows.
 * `written`: sections a caller wrote in full, by host, which need no read.
 */
function ruleInputReads(db: Db, ids: string[], written: ReadonlyMap<string, unknown>, now: Date) {
  const today = chinaDate(now);
  return together(
    db,
    async (d) => new Map(await Promise.all(ids.filter((id) => !written.has(id)).map(async (id) => [id, await getSections(d, id)] as const))),
    (d) => getFirstSeen(d, ids),
    (d) => liveSystemsOfHosts(d, ids, today),
    (d) => listHostsExceptions(d, ids),
    (d) => exposuresOfHosts(d, ids),
    (d) => systemsHoldingImportantData(d, ids),
  );
}
type RuleInputReads = Awaited<ReturnType<typeof ruleInputReads>>;

/** Sections a caller wrote, by host, where it wrote them all. */
const writtenInFull = (hosts: Array<{ hostId: string; known?: KnownSections | undefined }>) =>
  new Map(
    hosts.flatMap(({ hostId, known = {} }) => {
      const all = allKnown(known);
      return all ? [[hostId, all] as const] : [];
    }),
  );

/**
 * What hosts' rules read, from what is stored now (`read`: ruleInputReads, if the caller sent it already).
 * `remember`: the security updates first seen in this evaluation are stored (an evaluation that counts);
 * otherwise nothing is written (a ranking judging a host under another region's settings). `wrote`: sections
 * the caller wrote in this transaction.
 */
async function hostRuleInputs(db: Db, hosts: Array<{ host: HostRow; wrote?: KnownSections | undefined }>, now: Date, remember: boolean, read?: RuleInputReads) {
  const written = writtenInFull(hosts.map(({ host, wrote }) => ({ hostId: host.id, known: wrote })));
  const [stored, firstSeen, systems, exceptions, exposures, important] =
    read ??
    (await ruleInputReads(
      db,
      hosts.map(({ host }) => host.id),
      written,
      now,
    ));
  const sections = hosts.map(({ host, wrote = {} }) => toHostSections(written.get(host.id) ?? storedSections(stored.get(host.id) ?? [], wrote)));
  const levels = hostMlpsLevels(systems);
  const firstSeenOf = rowsBy(firstSeen, (r) => r.host_id);
  const systemsOf = rowsBy(systems, (s) => s.host_id);
  const exceptionsOf = rowsBy(exceptions, (e) => e.subject_id);
  const exposuresOf = rowsBy(exposures, (e) => e.host_id);
  const sync: Parameters<typeof syncFirstSeen>[1] = [];
  const inputs = hosts.map(({ host }, i) => {
    const its = sections[i]!;
    // The agent knows what is pending now; how long it has been pending is what the server remembers.
    const known = new Map((firstSeenOf.get(host.id) ?? []).map((r) => [r.name, new Date(r.first_seen_at)]));
    if (its.patches.status === 'ok') {
      const pending = its.patches.data.pending.filter((p) => p.security).map((p) => p.name);
      sync.push({ hostId: host.id, pending, known: new Set(known.keys()) });
      for (const n of pending) if (!known.has(n)) known.set(n, now);
      for (const n of [...known.keys()]) if (!pending.includes(n)) known.delete(n);
    }
    const held = important.get(host.id)!;
    return {
      sections: its,
      mlpsLevel: (levels.get(host.id) ?? null) as MlpsLevel | null,
      holdsImportantData: (systemsOf.get(host.id) ?? []).some((s) => held.has(s.id)),
      securityUpdateFirstSeen: known,
      lastReportAt: host.last_report_at ? new Date(host.last_report_at) : null,
      exceptions: (exceptionsOf.get(host.id) ?? []).map(exceptionOf),
      // What a scanner saw of this host from outside (its fingerprint behind a port mapping): judged as public.
      seenFromOutside: (exposuresOf.get(host.id) ?? []).map((e) => ({ port: e.internal_port!, address: e.address, externalPort: e.port })),
    };
  });
  if (remember) await syncFirstSeen(db, sync, now.toISOString());
  return inputs;
}

/** A host's score and failing counts as stored in host_scores, from its findings. */
function hostScoreRow(host: HostRow, findings: Finding[], mlpsLevel: MlpsLevel | null, now: Date) {
  const score = hostScore(findings, now);
  const failing = countFailing(findings, now);
  return {
    host_id: host.id,
    institution_code: host.institution_code,
    score: score.score,
    capped: score.capped ? 1 : 0,
    mlps_level: mlpsLevel,
    failing_critical: failing.critical,
    failing_high: failing.high,
    failing_medium: failing.medium,
    failing_low: failing.low,
    updated_at: now.toISOString(),
  };
}

/**
 * Evaluates one host's rules from what is stored now, stores findings and the host's score.
 * `known`: sections the caller wrote in this transaction, as they were stored (not read back).
 */
export async function evaluateHostNow(deps: ServiceDeps, db: Db, hostId: string, known?: KnownSections): Promise<FindingChange[]> {
  return (await evaluateHostsNow(deps, db, [{ hostId, known }])).changes[0]!;
}

/**
 * Evaluates several hosts (a report group's), each from what is stored now; their findings,
 * transitions and scores are written in one statement each for all of them. A host's rules read
 * only that host's rows, so judging all before writing any sees what judging each in turn would.
 * Returns each host's changes, in order (none for a host retired or gone), and whether what its
 * institution's score reads of it moved (`moved`: its score row, or its findings' status, severity
 * or exception); a judgement that moved nothing leaves the institution's score as it was.
 */
export async function evaluateHostsNow(
  deps: ServiceDeps,
  db: Db,
  hosts: Array<{ hostId: string; known?: KnownSections }>,
): Promise<{ changes: FindingChange[][]; moved: boolean[]; names: SubjectNames }> {
  const names = { hosts: new Map<string, string | null>(), institutions: new Map<string, string | null>() };
  if (!hosts.length) return { changes: [], moved: [], names };
  const now = deps.now();
  const at = now.toISOString();
  const ids = hosts.map((h) => h.hostId);
  // The hosts' rows, what their rules read, their stored findings and scores: none needs another's answer,
  // so all go out together (on PostgreSQL one wait after the group's marks, which they see).
  const [found, reads, read, before] = await together(
    db,
    (d) => getHosts(d, ids),
    (d) => ruleInputReads(d, ids, writtenInFull(hosts), now),
    (d) => getFindingsOf(d, 'host', ids),
    (d) => getHostScores(d, ids),
  );
  const rows = new Map(found.map((h) => [h.id, h]));
  const live = hosts.flatMap(({ hostId, known }) => {
    const host = rows.get(hostId);
    return host && host.status !== 'retired' ? [{ host, wrote: known }] : [];
  });
  const inputs = await hostRuleInputs(db, live, now, true, reads);
  const judged: Array<{ subject: Subject; findings: Finding[]; score: HostScoresTable }> = [];
  for (const [i, { host }] of live.entries()) {
    const findings = evaluateHost(inputs[i]!, await settingsForRegion(db, host.region_code), now);
    judged.push({
      subject: { kind: 'host', id: host.id, institutionCode: host.institution_code, regionCode: host.region_code },
      findings,
      score: hostScoreRow(host, findings, inputs[i]!.mlpsLevel, now),
    });
  }
  const { changes, moved } = await persistFindings(db, judged, at, read);
  await upsertHostScores(
    db,
    judged.map((j) => j.score),
  );
  const scoreBefore = new Map(before.map((r) => [r.host_id, r]));
  const outcome = new Map(judged.map((j, i) => [j.subject.id, { changes: changes[i]!, moved: moved[i]! || !sameHostScore(scoreBefore.get(j.subject.id), j.score) }]));
  // What their alerts name them by, read here already.
  for (const { host } of live) {
    names.hosts.set(host.id, host.hostname);
    names.institutions.set(host.institution_code, host.institution_name);
  }
  return { changes: hosts.map((h) => outcome.get(h.hostId)?.changes ?? []), moved: hosts.map((h) => outcome.get(h.hostId)?.moved ?? false), names };
}

/** Whether a host's score row says to its institution's score what it said before (its time of judgement aside). */
function sameHostScore(before: HostScoresTable | undefined, after: HostScoresTable): boolean {
  if (!before) return false;
  const numeric = ['score', 'capped', 'mlps_level', 'failing_critical', 'failing_high', 'failing_medium', 'failing_low'] as const;
  // PostgreSQL's real comes back as the nearest float4: compared as the numbers they print as.
  return (
    before.institution_code === after.institution_code && numeric.every((c) => (before[c] === null ? after[c] === null : after[c] !== null && Math.abs(Number(before[c]) - Number(after[c])) < 1e-3))
  );
}

/** What an institution's rules read, from what is stored now (coverage counts hosts within `settings`' reporting window). */
async function institutionRuleInput(deps: ServiceDeps, db: Db, inst: { code: string; region_code: string }, settings: ResolvedSettings, now: Date) {
  const institutionCode = inst.code;
  const coverage = await coverageOf(db, institutionCode, now, reportingWindowHours(settings));
  const systems = await loadSystems(db, institutionCode);
  const governance = (await listGovernance(db, institutionCode)).map(governanceOf);
  const exceptions = (await listExceptions(db, { subjectKind: 'institution', subjectId: institutionCode })).map(exceptionOf);
  const calendar = await workingCalendarFor(deps, db);
  const dataRegister = await loadDataRegister(db, institutionCode);
  return { systems, governance, coverage, exceptions, calendar, dataRegister, outside: await outsideIn(db, institutionCode), ...(await supervisionFacts(db, inst, now)) };
}

/** The institution's registered public targets with their last complete round, and the ports scanners saw open on them. */
async function outsideIn(db: Db, institutionCode: string): Promise<OutsideIn> {
  const targets = await institutionPublicTargets(db, institutionCode);
  const exposures = (await exposuresOfInstitution(db, institutionCode)).flatMap((e) => {
    // A domain's exposure is that entry's; an address's, the address or range it falls in.
    const t = e.domain ? (targets.find((x) => x.value === e.domain) ?? null) : targetHolding(targets, e.address, (x) => x.value);
    if (!t) return []; // its entry was removed since: no longer the institution's
    return [{ address: e.address, port: e.port, rules: JSON.parse(e.rules) as string[], target: t.value, firstSeen: new Date(e.first_seen), lastSeen: new Date(e.last_seen), host: e.hostname }];
  });
  return { targets: targets.map((t) => ({ value: t.value, scannedAt: t.scanned_at ? new Date(t.scanned_at) : null })), exposures };
}

/** Institution rules (MLPS, governance, coverage), then the institution's score. */
export async function evaluateInstitutionNow(deps: ServiceDeps, db: Db, institutionCode: string): Promise<FindingChange[]> {
  const inst = await getInstitution(db, institutionCode);
  if (!inst) return [];
  const now = deps.now();
  const at = now.toISOString();
  const settings = await settingsForRegion(db, inst.region_code);
  const input = await institutionRuleInput(deps, db, inst, settings, now);
  const findings = evaluateInstitution(input, settings, now);
  const {
    changes: [changes],
  } = await persistFindings(db, [{ subject: { kind: 'institution', id: institutionCode, institutionCode, regionCode: inst.region_code }, findings }], at);
  await refreshInstitutionScore(deps, db, institutionCode, { findings, systems: input.systems, coverage: input.coverage });
  return changes!;
}

async function coverageOf(db: Db, institutionCode: string, now: Date, windowHours: number) {
  const hosts = await listInstitutionHosts(db, institutionCode);
  const since = new Date(now.getTime() - windowHours * 3600_000).toISOString();
  return { registered: hosts.length, reporting: hosts.filter((h) => h.last_report_at !== null && h.last_report_at >= since).length };
}

type HostScoreRow = Pick<Awaited<ReturnType<typeof listHostScores>>[number], 'score' | 'mlps_level' | 'failing_critical' | 'failing_high' | 'failing_medium' | 'failing_low'>;

/** An institution's score row (as institution_scores stores it) from its hosts' scores, its own findings, systems and coverage. */
async function institutionScoreRow(
  deps: ServiceDeps,
  db: Db,
  inst: { code: string; region_code: string },
  settings: ResolvedSettings,
  parts: { hostScores: readonly HostScoreRow[]; findings: Finding[]; systems: MlpsSystem[]; coverage: { registered: number; reporting: number } },
  now: Date,
) {
  const { hostScores, findings, systems, coverage } = parts;
  const s = institutionScore({ hosts: hostScores.map((h) => ({ score: h.score, mlpsLevel: h.mlps_level as MlpsLevel | null })), findings, coverage }, settings.weights, now);
  const failing = countFailing(findings, now);
  for (const h of hostScores) {
    failing.critical += h.failing_critical;
    failing.high += h.failing_high;
    failing.medium += h.failing_medium;
    failing.low += h.failing_low;
  }
  const calendar = await workingCalendarFor(deps, db);
  const overdue = systems.reduce((n, sys) => {
    const d = mlpsDeadlines(sys, now, { dueSoonDays: settings.dueSoonDays, calendar });
    return n + [d.filing, d.evaluation].filter((x) => x?.status === 'overdue').length;
  }, 0);
  return {
    institution_code: inst.code,
    region_code: inst.region_code,
    score: s.score,
    grade: s.grade.letter,
    technical: s.technical,
    governance: s.governance,
    coverage: s.coverage,
    failing_critical: failing.critical,
    failing_high: failing.high,
    failing_medium: failing.medium,
    failing_low: failing.low,
    hosts_registered: coverage.registered,
    hosts_reporting: coverage.reporting,
    overdue_mlps: overdue,
    updated_at: now.toISOString(),
  };
}
export type InstitutionScoreRow = Awaited<ReturnType<typeof institutionScoreRow>>;

/**
 * Recomputes an institution's score from its hosts' current scores and its own findings. Called
 * after every host evaluation (cheap: indexed reads of one institution) and after record edits.
 */
export async function refreshInstitutionScore(
  deps: ServiceDeps,
  db: Db,
  institutionCode: string,
  known?: { findings?: Finding[]; systems?: MlpsSystem[]; coverage?: { registered: number; reporting: number } },
): Promise<void> {
  const inst = await getInstitution(db, institutionCode);
  if (!inst) return;
  const now = deps.now();
  const settings = await settingsForRegion(db, inst.region_code);
  // After every judged report group, institution by institution (scoreRefresher.ts): its reads in one wait.
  const [hostScores, findings, coverage, systems, failing] = await together(
    db,
    (d) => listHostScores(d, institutionCode),
    async (d) => known?.findings ?? (await getFindings(d, 'institution', institutionCode)).map(storedFinding),
    async (d) => known?.coverage ?? (await coverageOf(d, institutionCode, now, reportingWindowHours(settings))),
    async (d) => known?.systems ?? (await loadSystems(d, institutionCode)),
    (d) => failingByRule(d, institutionCode),
  );
  const row = await institutionScoreRow(deps, db, inst, settings, { hostScores, findings, systems, coverage }, now);
  const byRule = failing.map((r) => [r.rule_id, r.severity, Number(r.n)]);
  await upsertInstitutionScore(db, { ...row, failing_by_rule: JSON.stringify(byRule) });
}

/**
 * An institution judged under another region's settings, from what is stored, writing nothing. A
 * ranking judges every institution under the ranking region's settings, so that a county's
 * tightening (stricter for its own institutions) cannot move them against the others (issue 18).
 * The stored findings (made under the institution's own settings) stand, except rules `settings`
 * does not run (left out) and rules it runs otherwise (evaluated again from stored sections and
 * records); then the same scoring as every stored score.
 */
export async function judgeInstitutionUnder(
  deps: ServiceDeps,
  db: Db,
  institutionCode: string,
  settings: ResolvedSettings,
  /** Rows judged before under the same settings, by institution: reused while its stored score has not changed (its revision). */
  judged?: Map<string, { revision: number; row: InstitutionScoreRow }>,
): Promise<InstitutionScoreRow | null> {
  const inst = await getInstitution(db, institutionCode);
  const stored = await getInstitutionScore(db, institutionCode);
  if (!inst || !stored) return null;
  const before = judged?.get(institutionCode);
  if (before && before.revision === stored.revision) return before.row;
  const now = deps.now();
  const own = await settingsForRegion(db, inst.region_code);
  const { drop, recheck } = rulesToRejudge(own, settings);
  const rechecked = onlyRules(settings, recheck);
  const kept = (rows: FindingsTable[]) => rows.map(storedFinding).filter((f) => !drop.has(f.ruleId) && !recheck.has(f.ruleId));
  const hostScores: HostScoreRow[] = [];
  // Its hosts read and judged as a report group's are (ingest), at most a group's number at a time: a few
  // statements per 64 hosts, where a host at a time took five or more statements each.
  await inPieces(await listHostScores(db, institutionCode), HOSTS_AT_ONCE, async (scored) => {
    const hostOf = new Map(
      (
        await getHosts(
          db,
          scored.map((h) => h.host_id),
        )
      ).map((host) => [host.id, host]),
    );
    const live = scored.flatMap((h) => {
      const host = hostOf.get(h.host_id);
      return host ? [{ host, level: h.mlps_level as MlpsLevel | null }] : [];
    });
    const inputs = recheck.size ? await hostRuleInputs(db, live, now, false) : [];
    const findingsOf = rowsBy(
      await getFindingsOf(
        db,
        'host',
        live.map(({ host }) => host.id),
      ),
      (f) => f.subject_id,
    );
    live.forEach(({ host, level }, i) => {
      const fresh = recheck.size ? evaluateHost(inputs[i]!, rechecked, now) : [];
      hostScores.push(hostScoreRow(host, [...kept(findingsOf.get(host.id) ?? []), ...fresh], level, now));
    });
  });
  // Coverage counts hosts within the silent-host window: counted again only when the window differs.
  const sameWindow = reportingWindowHours(own) === reportingWindowHours(settings);
  const coverage = sameWindow ? { registered: stored.hosts_registered, reporting: stored.hosts_reporting } : await coverageOf(db, institutionCode, now, reportingWindowHours(settings));
  const systems = await loadSystems(db, institutionCode);
  const fresh = recheck.size ? evaluateInstitution({ ...(await institutionRuleInput(deps, db, inst, settings, now)), coverage }, rechecked, now) : [];
  const findings = [...kept(await getFindings(db, 'institution', institutionCode)), ...fresh];
  const row = await institutionScoreRow(deps, db, inst, settings, { hostScores, findings, systems, coverage }, now);
  judged?.set(institutionCode, { revision: stored.revision, row });
  return row;
}
