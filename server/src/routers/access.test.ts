import { TRPCError } from '@trpc/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { login, type Principal } from '../services/auth.js';
import { createUser } from '../services/users.js';
import { ingestReport } from '../services/ingest.js';
import { addException, addGovernanceRecord, saveMlpsSystem } from '../services/records.js';
import { IDENTITY_RULE } from '../services/alertRules.js';
import { raiseAlert } from '../services/alerts.js';
import { createChannel } from '../services/notificationChannels.js';
import { answerNoticeItem, getNoticeDetail, issueNotices, requestExtension, signNotice, submitNotice } from '../services/notices.js';
import { closeIncident, reportIncident } from '../services/incidents.js';
import { registerPublicTarget } from '../services/publicTargets.js';
import { createScanner, ingestScan } from '../services/scanners.js';
import { fakeAgentDist, testAgentRelease } from '../testing/agentDist.js';
import { saveDataRegisterEntry } from '../services/dataRegister.js';
import { getSelfInspectionView, saveSelfInspectionAnswer, submitSelfInspection, uploadSelfInspectionEvidence } from '../services/selfInspection.js';
import { createTestDb, DIALECTS, enrollHost, sampleReport, type TestDb } from '../testing/harness.js';
import type { AuthenticatedAgent } from '../services/agentAuth.js';
import type { Context } from '../trpc/context.js';
import { createCallerFactory } from '../trpc/init.js';
import type { Role } from '../storage/schema.js';
import { appRouter } from './_app.js';

/**
 * Every procedure × every role × a target inside and outside the caller's scope.
 * Region layout: A in 330106 (杭州 西湖区), B in 330105 (杭州 拱墅区), C in 330212 (宁波 鄞州区).
 */
const callerFactory = createCallerFactory(appRouter);
type Caller = ReturnType<typeof callerFactory>;
type Target = 'A' | 'B' | 'C';
type Who = Role | 'anonymous';
const PASSWORD = 'Access-Test-Pass-1';
const USERS: Array<{ who: Who; role?: Role; scope?: string | null }> = [
  { who: 'admin', role: 'admin', scope: null },
  { who: 'province', role: 'province', scope: '330000' },
  { who: 'city', role: 'city', scope: '330100' },
  { who: 'county', role: 'county', scope: '330106' },
  { who: 'institution', role: 'institution', scope: 'A' },
  { who: 'anonymous' },
];
const SEES: Record<Who, Target[]> = { admin: ['A', 'B', 'C'], province: ['A', 'B', 'C'], city: ['A', 'B'], county: ['A'], institution: ['A'], anonymous: [] };
const ALL: Role[] = ['admin', 'province', 'city', 'county', 'institution'];
const BUREAUS: Role[] = ['admin', 'province', 'city', 'county'];
const INST: Role[] = ['admin', 'institution'];
const REGION_BUREAUS: Role[] = ['province', 'city', 'county'];

interface Fixture {
  db: TestDb;
  hosts: Record<Target, string>;
  agents: Record<Target, string>;
  enrolled: Record<Target, AuthenticatedAgent>;
  caller(who: Who, signal?: AbortSignal): Promise<Caller>;
  principal(who: Who): Principal | null;
  seq: number;
  admin: Principal;
  alerts: Record<Target, string>;
  channels: Record<Target, string>;
  notices: Record<Target, string>;
  incidents: Record<Target, string>;
}

/**
 * One entry per procedure. `roles`: who holds the permission. `scoped`: the call names a target and
 * must be refused outside the caller's scope; list-like calls instead return only what is in scope.
 */
interface Entry {
  roles: Role[];
  /** Who may see which target, when it differs from SEES (a region view is not an institution user's). */
  sees?: Partial<Record<Who, Target[]>>;
  scoped: 'target' | 'list' | 'none';
  run(f: Fixture, who: Who, target: Target): Promise<unknown>;
  /** For list calls: the targets (institution letters) present in a result. */
  seen?(f: Fixture, result: unknown): Target[];
}

const REGION_VIEW = { institution: [] as Target[] };
const SYSTEM = {
  name: '医院信息系统',
  level: 3 as const,
  criticalInfrastructure: false,
  personalInfoOver100k: true,
  gradedOn: '2026-01-05',
  filedOn: '2026-01-12',
  lastEvaluatedOn: '2026-03-01',
  wentLiveOn: '2020-01-01',
  prelaunchTestedOn: '2019-12-01',
  retiredOn: null,
  hostIds: [],
};
const REGISTER_ENTRY = { category: 'health-status' as const, level: 'important' as const, volume: '100k-10m' as const, systemIds: [] };
const EXCEPTION = (t: Target) => ({
  subject: { kind: 'institution' as const, id: t },
  ruleId: 'INST-GOV-TRAINING' as const,
  reason: '培训延期至明年一季度',
  approver: '院长',
  expiresOn: '2026-12-31',
});

/** A whole year (made-up dates, valid in form) for the admin-only holiday calendar. */
const ARRANGEMENT = {
  year: 2031,
  holidays: ['元旦', '春节', '清明节', '劳动节', '端午节', '中秋节', '国庆节'].map((name, i) => ({
    name,
    from: `2031-${String(i + 1).padStart(2, '0')}-10`,
    to: `2031-${String(i + 1).padStart(2, '0')}-12`,
  })),
  workdays: [],
};

const letterOfHost = (f: Fixture, id: string) => (Object.entries(f.hosts).find(([, h]) => h === id)?.[0] ?? '?') as Target;

const TABLE: Record<string, Entry> = {
  'auth.login': { roles: ALL, scoped: 'none', run: async (f, who) => (await f.caller('anonymous')).auth.login({ username: who === 'anonymous' ? 'nobody' : who, password: PASSWORD }) },
  'auth.me': { roles: ALL, scoped: 'none', run: async (f, who) => (await f.caller(who)).auth.me() },
  'auth.logout': { roles: ALL, scoped: 'none', run: async (f, who) => (await f.caller(who)).auth.logout() },
  'auth.changePassword': { roles: ALL, scoped: 'none', run: async (f, who) => (await f.caller(who)).auth.changePassword({ currentPassword: PASSWORD, newPassword: PASSWORD }) },
  'hosts.list': {
    roles: ALL,
    scoped: 'list',
    run: async (f, who) => (await f.caller(who)).hosts.list(),
    seen: (f, r) => (r as { items: Array<{ id: string }> }).items.map((h) => letterOfHost(f, h.id)),
  },
  'hosts.get': { roles: ALL, scoped: 'target', run: async (f, who, t) => (await f.caller(who)).hosts.get({ hostId: f.hosts[t] }) },
  'hosts.reports': { roles: ALL, scoped: 'target', run: async (f, who, t) => (await f.caller(who)).hosts.reports({ hostId: f.hosts[t] }) },
  'hosts.live': { roles: ALL, scoped: 'list', run: (f, who) => liveEvents(f, who), seen: (_f, r) => r as Target[] },
  'institutions.get': { roles: ALL, scoped: 'target', run: async (f, who, t) => (await f.caller(who)).institutions.get({ institutionCode: t }) },
  'regions.tree': {
    roles: ALL,
    scoped: 'list',
    run: async (f, who) => (await f.caller(who)).regions.tree(),
    // Institutions, and counties (which would reveal that a neighbour exists), count as seen.
    seen: (_f, r) => {
      const t = r as { institutions: Array<{ code: string }>; regions: Array<{ code: string }> };
      const byCounty: Record<string, Target> = { '330106': 'A', '330105': 'B', '330212': 'C', '330200': 'C' };
      return [...t.institutions.map((i) => i.code as Target), ...t.regions.map((x) => byCounty[x.code]).filter((x): x is Target => Boolean(x))];
    },
  },
  'agents.list': {
    roles: ALL,
    scoped: 'list',
    run: async (f, who) => (await f.caller(who)).agents.list(),
    seen: (_f, r) => (r as Array<{ institutionCode: string }>).map((a) => a.institutionCode as Target),
  },
  'agents.createToken': { roles: INST, scoped: 'target', run: async (f, who, t) => (await f.caller(who)).agents.createToken({ institutionCode: t }) },
  'agents.configure': {
    roles: INST,
    scoped: 'target',
    run: async (f, who, t) => (await f.caller(who)).agents.configure({ agentId: f.agents[t], settings: { collectIntervalMinutes: 15, heartbeatSeconds: 60 } }),
  },
  'agents.collectNow': { roles: INST, scoped: 'target', run: async (f, who, t) => (await f.caller(who)).agents.collectNow({ agentId: f.agents[t] }) },
  'agents.upgrade': { roles: INST, scoped: 'target', run: async (f, who, t) => (await f.caller(who)).agents.upgrade({ agentId: f.agents[t] }) },
  'agents.revoke': {
    roles: INST,
    scoped: 'target',
    run: async (f, who, t) => {
      const victim = await enrollHost(f.db.deps, { institution: t, region: REGION[t], hostname: `victim-${f.seq++}` });
      return (await f.caller(who)).agents.revoke({ agentId: victim.id, reason: 'test' });
    },
  },
  'users.list': {
    roles: BUREAUS,
    scoped: 'list',
    run: async (f, who) => (await f.caller(who)).users.list(),
    seen: (_f, r) => (r as Array<{ username: string }>).map((u) => u.username.match(/^inst-([ABC])$/)?.[1]).filter((x): x is Target => Boolean(x)),
  },
  'users.create': {
    roles: BUREAUS,
    scoped: 'target',
    run: async (f, who, t) => (await f.caller(who)).users.create({ username: `new-${f.seq++}`, role: 'institution', scopeCode: t, password: PASSWORD }),
  },
  'users.unlock': {
    roles: BUREAUS,
    scoped: 'target',
    run: async (f, who, t) => {
      const victim = await createUser(f.db.deps, 'cli', { username: `locked-${f.seq++}`, role: 'institution', scopeCode: t, password: PASSWORD });
      return (await f.caller(who)).users.unlock({ userId: victim.id });
    },
  },
  'users.delete': {
    roles: BUREAUS,
    scoped: 'target',
    run: async (f, who, t) => {
      const victim = await createUser(f.db.deps, 'cli', { username: `victim-${f.seq++}`, role: 'institution', scopeCode: t, password: PASSWORD });
      return (await f.caller(who)).users.delete({ userId: victim.id });
    },
  },
  'hosts.findings': { roles: ALL, scoped: 'target', run: async (f, who, t) => (await f.caller(who)).hosts.findings({ hostId: f.hosts[t] }) },
  'hosts.retire': {
    roles: INST,
    scoped: 'target',
    run: async (f, who, t) => {
      const victim = await enrollHost(f.db.deps, { institution: t, region: REGION[t], hostname: `retire-${f.seq++}` });
      return (await f.caller(who)).hosts.retire({ hostId: victim.hostId });
    },
  },
  'institutions.records': { roles: ALL, scoped: 'target', run: async (f, who, t) => (await f.caller(who)).institutions.records({ institutionCode: t }) },
  'institutions.findings': { roles: ALL, scoped: 'target', run: async (f, who, t) => (await f.caller(who)).institutions.findings({ institutionCode: t }) },
  'institutions.ranking': {
    roles: ALL,
    scoped: 'target',
    sees: REGION_VIEW,
    // Paged, sorted and filtered: the scope check comes first whatever else is asked.
    run: async (f, who, t) => (await f.caller(who)).institutions.ranking({ regionCode: REGION[t], page: 1, pageSize: 20, sort: 'score', order: 'desc', types: ['other'], text: t }),
  },
  'dataRegister.get': { roles: ALL, scoped: 'target', run: async (f, who, t) => (await f.caller(who)).dataRegister.get({ institutionCode: t }) },
  'dataRegister.saveEntry': { roles: INST, scoped: 'target', run: async (f, who, t) => (await f.caller(who)).dataRegister.saveEntry({ institutionCode: t, entry: REGISTER_ENTRY }) },
  'dataRegister.removeEntry': {
    roles: INST,
    scoped: 'target',
    run: async (f, who, t) => {
      const { id } = await saveDataRegisterEntry(f.db.deps, f.admin, t, REGISTER_ENTRY);
      return (await f.caller(who)).dataRegister.removeEntry({ institutionCode: t, id });
    },
  },
  'dataRegister.saveFiling': {
    roles: INST,
    scoped: 'target',
    run: async (f, who, t) => (await f.caller(who)).dataRegister.saveFiling({ institutionCode: t, filing: { filedOn: '2026-01-05', receipt: 'WJ-2026-001' } }),
  },
  'institutions.saveSystem': { roles: INST, scoped: 'target', run: async (f, who, t) => (await f.caller(who)).institutions.saveSystem({ institutionCode: t, system: SYSTEM }) },
  'institutions.removeSystem': {
    roles: INST,
    scoped: 'target',
    run: async (f, who, t) => {
      const { id } = await saveMlpsSystem(f.db.deps, f.admin, t, SYSTEM);
      return (await f.caller(who)).institutions.removeSystem({ institutionCode: t, id });
    },
  },
  'institutions.addGovernance': {
    roles: INST,
    scoped: 'target',
    run: async (f, who, t) => (await f.caller(who)).institutions.addGovernance({ institutionCode: t, record: { kind: 'training', date: '2026-10-01' } }),
  },
  'institutions.removeGovernance': {
    roles: INST,
    scoped: 'target',
    run: async (f, who, t) => {
      const { id } = await addGovernanceRecord(f.db.deps, f.admin, t, { kind: 'emergency-drill', date: '2026-09-01' });
      return (await f.caller(who)).institutions.removeGovernance({ institutionCode: t, id });
    },
  },
  'institutions.addException': { roles: INST, scoped: 'target', run: async (f, who, t) => (await f.caller(who)).institutions.addException({ institutionCode: t, exception: EXCEPTION(t) }) },
  'institutions.removeException': {
    roles: INST,
    scoped: 'target',
    run: async (f, who, t) => {
      const { id } = await addException(f.db.deps, f.admin, t, EXCEPTION(t));
      return (await f.caller(who)).institutions.removeException({ institutionCode: t, id });
    },
  },
  'regions.overview': { roles: ALL, scoped: 'target', sees: REGION_VIEW, run: async (f, who, t) => (await f.caller(who)).regions.overview({ regionCode: REGION[t] }) },
  'regions.settings': { roles: ALL, scoped: 'target', sees: REGION_VIEW, run: async (f, who, t) => (await f.caller(who)).regions.settings({ regionCode: REGION[t] }) },
  'regions.putSettings': {
    roles: BUREAUS,
    scoped: 'target',
    run: async (f, who, t) =>
      (await f.caller(who)).regions.putSettings({
        regionCode: REGION[t],
        settings: { rules: [], requireLinuxAntimalware: false, weights: { technical: 0.6, governance: 0.3, coverage: 0.1 }, dueSoonDays: 30 },
      }),
  },
  'rules.list': { roles: ALL, scoped: 'none', run: async (f, who) => (await f.caller(who)).rules.list() },
  'audit.list': {
    roles: BUREAUS,
    scoped: 'list',
    run: async (f, who) => (await f.caller(who)).audit.list({ limit: 500 }),
    seen: (_f, r) => (r as Array<{ institutionCode: string | null }>).map((e) => e.institutionCode as Target).filter((x) => x === 'A' || x === 'B' || x === 'C'),
  },
  'alerts.list': {
    roles: ALL,
    scoped: 'list',
    run: async (f, who) => (await f.caller(who)).alerts.list({ limit: 500 }),
    seen: (_f, r) => (r as { items: Array<{ institutionCode: string }> }).items.map((a) => a.institutionCode as Target),
  },
  'alerts.get': { roles: ALL, scoped: 'target', run: async (f, who, t) => (await f.caller(who)).alerts.get({ alertId: f.alerts[t] }) },
  'alerts.acknowledge': { roles: ALL, scoped: 'target', run: async (f, who, t) => (await f.caller(who)).alerts.acknowledge({ alertId: await newAlert(f, t), note: '已通知信息科' }) },
  'alerts.assign': {
    roles: ALL,
    scoped: 'target',
    run: async (f, who, t) => {
      const caller = await f.caller(who);
      return caller.alerts.assign({ alertId: await newAlert(f, t), userId: f.principal(who)?.userId ?? 'nobody' });
    },
  },
  'alerts.comment': { roles: ALL, scoped: 'target', run: async (f, who, t) => (await f.caller(who)).alerts.comment({ alertId: await newAlert(f, t), text: '正在排查' }) },
  'alerts.resolve': { roles: ALL, scoped: 'target', run: async (f, who, t) => (await f.caller(who)).alerts.resolve({ alertId: await newAlert(f, t) }) },
  'alerts.live': { roles: ALL, scoped: 'list', run: (f, who) => liveAlerts(f, who), seen: (_f, r) => r as Target[] },
  'channels.list': {
    roles: BUREAUS,
    scoped: 'list',
    run: async (f, who) => (await f.caller(who)).channels.list(),
    seen: (_f, r) => (r as Array<{ regionCode: string }>).map((c) => letterOfRegion(c.regionCode)),
  },
  'channels.create': { roles: BUREAUS, scoped: 'target', run: async (f, who, t) => (await f.caller(who)).channels.create({ regionCode: REGION[t], channel: CHANNEL }) },
  'channels.update': {
    roles: BUREAUS,
    scoped: 'target',
    run: async (f, who, t) => (await f.caller(who)).channels.update({ channelId: await newChannel(f, t), channel: { minSeverity: 'critical', quietHours: { start: '22:00', end: '07:00' } } }),
  },
  'channels.delete': { roles: BUREAUS, scoped: 'target', run: async (f, who, t) => (await f.caller(who)).channels.delete({ channelId: await newChannel(f, t) }) },
  'channels.test': { roles: BUREAUS, scoped: 'target', run: async (f, who, t) => (await f.caller(who)).channels.test({ channelId: await newChannel(f, t) }) },
  'notices.list': {
    roles: ALL,
    scoped: 'list',
    run: async (f, who) => (await f.caller(who)).notices.list(),
    seen: (_f, r) => (r as { items: Array<{ institutionCode: string }> }).items.map((n) => n.institutionCode as Target),
  },
  'notices.get': { roles: ALL, scoped: 'target', run: async (f, who, t) => (await f.caller(who)).notices.get({ noticeId: f.notices[t] }) },
  'notices.issue': {
    roles: REGION_BUREAUS,
    scoped: 'target',
    run: async (f, who, t) => (await f.caller(who)).notices.issue({ ...NOTICE, target: { kind: 'institution', institutionCode: t } }),
  },
  // Reviewed by the issuing region or above; each notice is issued by the most local bureau user that sees it, so "above" is exactly who sees it.
  'notices.review': {
    roles: REGION_BUREAUS,
    scoped: 'target',
    run: async (f, who, t) => {
      const { id, itemId } = await newNotice(f, t, 'submitted');
      return (await f.caller(who)).notices.review({ noticeId: id, itemId, decision: 'return', comment: '材料不全' });
    },
  },
  'notices.decideExtension': {
    roles: REGION_BUREAUS,
    scoped: 'target',
    run: async (f, who, t) => (await f.caller(who)).notices.decideExtension({ noticeId: (await newNotice(f, t, 'extension')).id, grant: true }),
  },
  'notices.sign': { roles: ['institution'], scoped: 'target', run: async (f, who, t) => (await f.caller(who)).notices.sign({ noticeId: (await newNotice(f, t, 'issued')).id }) },
  'notices.upload': {
    roles: ['institution'],
    scoped: 'target',
    run: async (f, who, t) => (await f.caller(who)).notices.upload({ noticeId: (await newNotice(f, t, 'signed')).id, name: '整改说明.pdf', contentBase64: PDF_BASE64 }),
  },
  'notices.answer': {
    roles: ['institution'],
    scoped: 'target',
    run: async (f, who, t) => {
      const { id, itemId } = await newNotice(f, t, 'signed');
      return (await f.caller(who)).notices.answer({ noticeId: id, itemId, measures: '已整改' });
    },
  },
  'notices.requestExtension': {
    roles: ['institution'],
    scoped: 'target',
    run: async (f, who, t) => (await f.caller(who)).notices.requestExtension({ noticeId: (await newNotice(f, t, 'issued')).id, reason: '设备采购周期', workingDays: 5 }),
  },
  'notices.live': {
    roles: ALL,
    scoped: 'list',
    run: (f, who) =>
      liveTargets(
        f,
        who,
        (c) => c.notices.live(),
        (t) => newNotice(f, t, 'issued'),
      ),
    seen: (_f, r) => r as Target[],
  },
  'notices.submit': { roles: ['institution'], scoped: 'target', run: async (f, who, t) => (await f.caller(who)).notices.submit({ noticeId: (await newNotice(f, t, 'answered')).id }) },
  'calendar.status': { roles: ['admin'], scoped: 'none', run: async (f, who) => (await f.caller(who)).calendar.status() },
  'calendar.get': { roles: ['admin'], scoped: 'none', run: async (f, who) => (await f.caller(who)).calendar.get({ year: 2031 }) },
  'calendar.load': { roles: ['admin'], scoped: 'none', run: async (f, who) => (await f.caller(who)).calendar.load(ARRANGEMENT) },
  'system.backup': { roles: ['admin'], scoped: 'none', run: async (f, who) => (await f.caller(who)).system.backup() },
  ...INCIDENT_ENTRIES(),
  ...SELF_INSPECTION_ENTRIES(),
};
/** Incidents (事件上报): institutions report and work their own, bureaus receive within their region, everyone reads within scope. */
function INCIDENT_ENTRIES(): Record<string, Entry> {
  const listed = (r: unknown) => (r as Array<{ institutionCode: string }>).map((i) => i.institutionCode as Target);
  return {
    'incidents.list': { roles: ALL, scoped: 'list', run: async (f, who) => (await f.caller(who)).incidents.list({ limit: 500 }), seen: (_f, r) => listed(r) },
    'incidents.get': { roles: ALL, scoped: 'target', run: async (f, who, t) => (await f.caller(who)).incidents.get({ incidentId: f.incidents[t] }) },
    'incidents.forAlert': { roles: ALL, scoped: 'list', run: async (f, who) => (await f.caller(who)).incidents.forAlert({ alertId: f.alerts.A }) },
    // The figures of the caller's own region: nothing to name, nothing of another region to see.
    'incidents.settings': { roles: ALL, scoped: 'none', run: async (f, who) => (await f.caller(who)).incidents.settings() },
    'incidents.draftFromAlert': { roles: INST, scoped: 'target', run: async (f, who, t) => (await f.caller(who)).incidents.draftFromAlert({ alertId: f.alerts[t] }) },
    // An institution reports for itself only: an institution user holds no region, so its scope is its own institution.
    'incidents.report': { roles: INST, scoped: 'target', run: async (f, who, t) => (await f.caller(who)).incidents.report({ institutionCode: t, incident: incidentDraft(f) }) },
    'incidents.followUp': { roles: INST, scoped: 'target', run: async (f, who, t) => (await f.caller(who)).incidents.followUp({ incidentId: await newIncident(f, t), text: '已恢复门诊' }) },
    'incidents.close': { roles: INST, scoped: 'target', run: async (f, who, t) => (await f.caller(who)).incidents.close({ incidentId: await newIncident(f, t), text: '处置完毕' }) },
    'incidents.submitSummary': {
      roles: INST,
      scoped: 'target',
      run: async (f, who, t) => {
        const id = await newIncident(f, t);
        await closeIncident(f.db.deps, f.admin, id, '处置完毕');
        return (await f.caller(who)).incidents.submitSummary({ incidentId: id, cause: '弱口令', measures: '改密', rectification: '堡垒机', lessons: '培训' });
      },
    },
    'incidents.comment': { roles: BUREAUS, scoped: 'target', run: async (f, who, t) => (await f.caller(who)).incidents.comment({ incidentId: await newIncident(f, t), text: '已转报' }) },
    'incidents.requestInfo': { roles: BUREAUS, scoped: 'target', run: async (f, who, t) => (await f.caller(who)).incidents.requestInfo({ incidentId: await newIncident(f, t), text: '请补充' }) },
    'incidents.receive': { roles: BUREAUS, scoped: 'target', run: async (f, who, t) => (await f.caller(who)).incidents.receive({ incidentId: await newIncident(f, t) }) },
    'incidents.live': { roles: ALL, scoped: 'list', run: (f, who) => liveIncidents(f, who), seen: (_f, r) => r as Target[] },
    'exposure.list': {
      roles: ALL,
      scoped: 'list',
      run: async (f, who) => (await seedPublicTargets(f), (await f.caller(who)).exposure.list()),
      seen: (_f, r) => (r as Array<{ institutionCode: string }>).map((x) => x.institutionCode as Target),
    },
    'exposure.register': { roles: REGION_BUREAUS, scoped: 'target', run: async (f, who, t) => (await f.caller(who)).exposure.register({ institutionCode: t, target: nextPublicAddress(f) }) },
    'exposure.observations': {
      roles: ALL,
      scoped: 'list',
      run: async (f, who) => (await seedExposures(f), (await f.caller(who)).exposure.observations()),
      seen: (_f, r) => (r as Array<{ institutionCode: string }>).map((x) => x.institutionCode as Target),
    },
    'exposure.createScanner': {
      roles: REGION_BUREAUS,
      scoped: 'target',
      run: async (f, who, t) => (await f.caller(who)).exposure.createScanner({ regionCode: REGION[t], name: `scanner-${f.seq++}` }),
    },
    'exposure.scanners': {
      roles: ALL,
      scoped: 'list',
      run: async (f, who) => (await seedScanners(f), (await f.caller(who)).exposure.scanners()),
      seen: (_f, r) => (r as Array<{ regionCode: string }>).map((s) => letterOfRegion(s.regionCode)).filter((x) => (x as string) !== '?'),
    },
    'exposure.remove': { roles: REGION_BUREAUS, scoped: 'target', run: async (f, who, t) => (await f.caller(who)).exposure.remove({ id: await newPublicTarget(f, t) }) },
    'exposure.revokeScanner': {
      roles: REGION_BUREAUS,
      scoped: 'target',
      run: async (f, who, t) => (await f.caller(who)).exposure.revokeScanner({ scannerId: (await createScanner(f.db.deps, f.admin, { regionCode: REGION[t], name: `revoke-${f.seq++}` })).scannerId }),
    },
  };
}
const incidentDraft = (f: Fixture) => ({
  title: '勒索病毒',
  type: 'ransomware' as const,
  discoveredAt: new Date(f.db.clock.now.getTime() - 600_000).toISOString(),
  level: 'general' as const,
  criteria: { cii: false, systemsDownHours: 0, recordsLeaked: 0, patientsAffected: 0 },
  impact: '门诊挂号中断',
  measures: '断网隔离',
});
// 一般 incidents: no channel message leaves the test.
const newIncident = async (f: Fixture, t: Target) => (await reportIncident(f.db.deps, f.admin, { institutionCode: t, incident: incidentDraft(f) })).id;
/** A public address not registered yet (61.100.x.1 …: public, and unique per call). */
const nextPublicAddress = (f: Fixture) => `61.${100 + Math.floor(f.seq / 250)}.${f.seq++ % 250}.1`;
const newPublicTarget = async (f: Fixture, t: Target) => (await registerPublicTarget(f.db.deps, f.admin, { institutionCode: t, target: nextPublicAddress(f), note: null })).id;
const seeded = new WeakMap<Fixture, string[]>();
/** One registered address for each of A, B and C (once per database). */
const seedPublicTargets = async (f: Fixture) => {
  if (!seeded.has(f)) {
    const addresses: string[] = [];
    seeded.set(f, addresses);
    for (const t of ['A', 'B', 'C'] as Target[]) addresses.push((await registerPublicTarget(f.db.deps, f.admin, { institutionCode: t, target: nextPublicAddress(f), note: null })).value);
  }
  return seeded.get(f)!;
};
const scannersSeeded = new WeakSet<Fixture>();
/** One scanner in each target's county. */
const seedScanners = async (f: Fixture) => {
  if (scannersSeeded.has(f)) return;
  scannersSeeded.add(f);
  for (const t of ['A', 'B', 'C'] as Target[]) await createScanner(f.db.deps, f.admin, { regionCode: REGION[t], name: `county-${t}` });
};
const exposed = new WeakSet<Fixture>();
/** A province scanner's report of an open port on each of them. */
const seedExposures = async (f: Fixture) => {
  if (exposed.has(f)) return;
  exposed.add(f);
  const addresses = await seedPublicTargets(f);
  const s = await createScanner(f.db.deps, f.admin, { regionCode: '330000', name: 'province' });
  await ingestScan(f.db.deps, { ...s, observations: addresses.map((address) => ({ address, port: 3389, banner: null, tlsSha256: null, sshHostKey: null, httpTitle: null, plainHttp: false })) });
};
const liveIncidents = (f: Fixture, who: Who) =>
  liveTargets(
    f,
    who,
    (c) => c.incidents.live(),
    (t) => newIncident(f, t),
  );

/** Self-inspection (自查自评): everyone reads within scope, bureaus publish their region's template and review, institutions fill in their own. */
const SI_YEAR = 2026;
function SELF_INSPECTION_ENTRIES(): Record<string, Entry> {
  const listed = (r: unknown) => (r as Array<{ institutionCode: string }>).map((i) => i.institutionCode as Target);
  return {
    'selfInspection.template': { roles: ALL, scoped: 'none', run: async (f, who) => (await f.caller(who)).selfInspection.template({ year: SI_YEAR }) },
    'selfInspection.list': { roles: ALL, scoped: 'list', run: async (f, who) => (await f.caller(who)).selfInspection.list({ year: SI_YEAR }), seen: (_f, r) => listed(r) },
    'selfInspection.get': { roles: ALL, scoped: 'target', run: async (f, who, t) => (await f.caller(who)).selfInspection.get({ year: SI_YEAR, institutionCode: t }) },
    // A bureau publishes for its own region only: nothing names a target.
    'selfInspection.publishTemplate': {
      roles: REGION_BUREAUS,
      scoped: 'none',
      run: async (f, who) => (await f.caller(who)).selfInspection.publishTemplate({ year: SI_YEAR + 1, deadline: null, raised: {}, added: [] }),
    },
    'selfInspection.review': {
      roles: REGION_BUREAUS,
      scoped: 'target',
      run: async (f, who, t) => {
        await submittedSelfInspection(f, t, SI_YEAR);
        return (await f.caller(who)).selfInspection.review({ year: SI_YEAR, institutionCode: t, decision: 'return', comment: '请补充佐证材料' });
      },
    },
    // An institution fills in its own only: its scope names the institution, the input does not.
    'selfInspection.save': {
      roles: ['institution'],
      scoped: 'none',
      run: async (f, who) => (await f.caller(who)).selfInspection.save({ year: SI_YEAR + 1, itemId: 'GOV-POLICY', answer: '已制定', selfScore: 4, responsible: '张三' }),
    },
    'selfInspection.live': {
      roles: ALL,
      scoped: 'list',
      run: (f, who) =>
        liveTargets(
          f,
          who,
          (c) => c.selfInspection.live(),
          async (t) => uploadSelfInspectionEvidence(f.db.deps, await principalOf(f, `inst-${t}`), { year: SI_YEAR + 2, name: '制度.pdf', content: Buffer.from(PDF_BASE64, 'base64') }),
        ),
      seen: (_f, r) => r as Target[],
    },
    'selfInspection.upload': {
      roles: ['institution'],
      scoped: 'none',
      run: async (f, who) => (await f.caller(who)).selfInspection.upload({ year: SI_YEAR + 1, name: '制度.pdf', contentBase64: PDF_BASE64 }),
    },
    'selfInspection.submit': {
      roles: ['institution'],
      scoped: 'none',
      run: async (f, who) => {
        await filledSelfInspection(f, 'A', SI_YEAR + 2);
        return (await f.caller(who)).selfInspection.submit({ year: SI_YEAR + 2 });
      },
    },
  };
}
/** Every item `t` must answer, answered by the real service. */
async function filledSelfInspection(f: Fixture, t: Target, year: number): Promise<void> {
  const inst = await principalOf(f, `inst-${t}`);
  const view = await getSelfInspectionView(f.db.deps, inst, t, year);
  for (const item of view.items)
    if (!view.answers[item.id]?.locked && !view.answers[item.id])
      await saveSelfInspectionAnswer(f.db.deps, inst, { year, itemId: item.id, answer: '已落实', selfScore: item.points, responsible: '信息科', evidence: [] });
}
/** `t`'s self-inspection waiting for review (resubmitted after an earlier call returned it). */
async function submittedSelfInspection(f: Fixture, t: Target, year: number): Promise<void> {
  const inst = await principalOf(f, `inst-${t}`);
  if ((await getSelfInspectionView(f.db.deps, inst, t, year)).status === 'submitted') return;
  await filledSelfInspection(f, t, year);
  await submitSelfInspection(f.db.deps, inst, year);
}

/** Agent-facing procedures: authenticated by agent secrets, refused to users (tested below). */
// Scanners' calls are authenticated by their own id and secret (services/scanners.test.ts refuses a wrong one).
const AGENT_PROCEDURES = ['agent.enroll', 'agent.report', 'agent.heartbeat', 'agent.commands', 'agent.rotateSecret', 'scanner.targets', 'scanner.report'];
const REGION: Record<Target, string> = { A: '330106', B: '330105', C: '330212' };

// Nothing listens on port 9: a channel test there answers "not delivered" without leaving the machine.
const CHANNEL = { name: '信息科群', kind: 'wecom' as const, url: 'http://127.0.0.1:9/cgi-bin/webhook/send?key=k', minSeverity: 'high' as const, mode: 'immediate' as const };
const letterOfRegion = (code: string) => (Object.entries(REGION).find(([, r]) => r === code)?.[0] ?? '?') as Target;

const NOTICE = { title: '整改通知', requirement: '限期整改', severity: 'medium' as const, due: { workingDays: 10 }, items: [{ kind: 'text' as const, title: '管理制度', requirement: '补齐制度' }] };
const PDF_BASE64 = Buffer.from('%PDF-1.4\n%%EOF\n').toString('base64');
/** The most local bureau user who sees each target issues its notices. */
const ISSUER: Record<Target, Who> = { A: 'county', B: 'city', C: 'province' };
/** One login per user and database (scrypt is slow). */
const loggedIn = new WeakMap<object, Map<string, Principal>>();
async function principalOf(f: Fixture, username: string): Promise<Principal> {
  const known = loggedIn.get(f.db.deps) ?? new Map<string, Principal>();
  loggedIn.set(f.db.deps, known);
  if (!known.has(username)) known.set(username, (await login(f.db.deps, { username, password: PASSWORD }, '127.0.0.1')).principal);
  return known.get(username)!;
}
/** A fresh notice to `t`, brought to `stage` by the real services (the caller under test then acts on it). */
async function newNotice(f: Fixture, t: Target, stage: 'issued' | 'signed' | 'answered' | 'submitted' | 'extension'): Promise<{ id: string; itemId: string }> {
  const deps = f.db.deps;
  const { issued } = await issueNotices(deps, await principalOf(f, ISSUER[t]), { ...NOTICE, target: { kind: 'institution', institutionCode: t } });
  const id = issued[0]!.id;
  const inst = await principalOf(f, `inst-${t}`);
  const itemId = (await getNoticeDetail(deps, inst, id)).items[0]!.id;
  if (stage === 'extension') await requestExtension(deps, inst, { noticeId: id, reason: '采购', workingDays: 5 });
  if (stage === 'issued' || stage === 'extension') return { id, itemId };
  await signNotice(deps, inst, id);
  if (stage === 'signed') return { id, itemId };
  await answerNoticeItem(deps, inst, { noticeId: id, itemId, measures: '已整改', evidence: [] });
  if (stage === 'submitted') await submitNotice(deps, inst, id);
  return { id, itemId };
}

async function newAlert(f: Fixture, t: Target): Promise<string> {
  const r = await raiseAlert(f.db.deps, {
    subjectKind: 'host',
    subjectId: `access-${f.seq++}`,
    ruleId: IDENTITY_RULE,
    kind: 'identity',
    severity: 'high',
    institutionCode: t,
    regionCode: REGION[t],
    evidence: { zh: '测试', en: 'test' },
  });
  return r.alert.id;
}
const newChannel = async (f: Fixture, t: Target) => (await createChannel(f.db.deps, f.admin, REGION[t], CHANNEL)).id;

/** What a live subscription pushes while an event is raised for each of A, B and C: the targets it named. */
async function liveTargets(f: Fixture, who: Who, open: (caller: Caller) => Promise<unknown>, raise: (t: Target) => Promise<unknown>): Promise<Target[]> {
  const ac = new AbortController();
  const iterable = await open(await f.caller(who, ac.signal));
  const seen: Target[] = [];
  const reading = (async () => {
    for await (const ev of iterable as AsyncIterable<{ institutionCode: string }>) seen.push(ev.institutionCode as Target);
  })();
  await new Promise((r) => setTimeout(r, 20));
  for (const t of ['A', 'B', 'C'] as Target[]) await raise(t);
  await new Promise((r) => setTimeout(r, 50));
  ac.abort();
  await reading.catch(() => {});
  return seen;
}
const liveAlerts = (f: Fixture, who: Who) =>
  liveTargets(
    f,
    who,
    (c) => c.alerts.live(),
    (t) => newAlert(f, t),
  );

async function liveEvents(f: Fixture, who: Who): Promise<Target[]> {
  const ac = new AbortController();
  const caller = await f.caller(who, ac.signal);
  const iterable = await caller.hosts.live();
  const seen: Target[] = [];
  const reading = (async () => {
    for await (const ev of iterable as AsyncIterable<{ hostId: string }>) seen.push(letterOfHost(f, ev.hostId));
  })();
  await new Promise((r) => setTimeout(r, 20));
  for (const t of ['A', 'B', 'C'] as Target[]) {
    const agent = f.enrolled[t];
    await ingestReport(f.db.deps, agent, sampleReport(agent.id, f.db.clock.now), 100);
  }
  await new Promise((r) => setTimeout(r, 50));
  ac.abort();
  await reading.catch(() => {});
  return seen;
}

const codeOf = (e: unknown) => (e instanceof TRPCError ? e.code : `not a tRPC error: ${String(e)}`);

describe.each(DIALECTS)('access control on every procedure (%s)', (dialect) => {
  const f = { seq: 0 } as Fixture;
  const principals = new Map<Who, Principal | null>();

  beforeAll(async () => {
    f.db = await createTestDb(dialect);
    const deps = f.db.deps;
    // CHANNEL's loopback URL is on the operator's allow-list (nothing listens there: channels.test fails, as before).
    deps.channelHosts = ['127.0.0.1:9'];
    deps.agentRelease = testAgentRelease(fakeAgentDist('99.0.0'));
    f.hosts = {} as Fixture['hosts'];
    f.agents = {} as Fixture['agents'];
    f.enrolled = {} as Fixture['enrolled'];
    for (const t of ['A', 'B', 'C'] as Target[]) {
      const a = await enrollHost(deps, { institution: t, region: REGION[t] });
      f.hosts[t] = a.hostId;
      f.agents[t] = a.id;
      f.enrolled[t] = a;
      await ingestReport(deps, a, sampleReport(a.id, f.db.clock.now), 100);
      await createUser(deps, 'cli', { username: `inst-${t}`, role: 'institution', scopeCode: t, password: PASSWORD });
    }
    for (const u of USERS) if (u.role) await createUser(deps, 'cli', { username: u.who, role: u.role, scopeCode: u.scope ?? null, password: PASSWORD });
    f.admin = (await login(deps, { username: 'admin', password: PASSWORD }, '127.0.0.1')).principal;
    f.alerts = {} as Fixture['alerts'];
    f.channels = {} as Fixture['channels'];
    f.notices = {} as Fixture['notices'];
    for (const t of ['A', 'B', 'C'] as Target[]) {
      f.alerts[t] = await newAlert(f, t);
      f.channels[t] = await newChannel(f, t);
      f.notices[t] = (await newNotice(f, t, 'signed')).id;
    }
    f.incidents = {} as Fixture['incidents'];
    for (const t of ['A', 'B', 'C'] as Target[]) f.incidents[t] = await newIncident(f, t);
    const ctxFor = async (who: Who): Promise<Context> => {
      // One real login per role (scrypt is deliberately slow); the principal is what the session resolves to.
      if (!principals.has(who)) principals.set(who, who === 'anonymous' ? null : (await login(deps, { username: who, password: PASSWORD }, '127.0.0.1')).principal);
      return { deps, agentCredentials: null, principal: principals.get(who)!, sessionToken: null, remoteAddress: '127.0.0.1', bodyBytes: 0, setSessionCookie: () => {} };
    };
    f.caller = async (who, signal) => callerFactory(await ctxFor(who), signal ? { signal } : {});
    f.principal = (who) => principals.get(who) ?? null;
  });
  afterAll(() => f.db?.close());

  it('has an entry for every procedure, so nothing is added unchecked', () => {
    const procedures = Object.keys(appRouter._def.procedures).sort();
    expect(procedures).toEqual([...Object.keys(TABLE), ...AGENT_PROCEDURES].sort());
  });

  it('every user-facing procedure declares a permission, and the table agrees with it', () => {
    for (const [path, proc] of Object.entries(appRouter._def.procedures) as unknown as Array<[string, { _def: { meta?: { permission?: string; access?: string } } }]>) {
      const meta = proc._def.meta ?? {};
      if (AGENT_PROCEDURES.includes(path) || path === 'auth.login') expect(meta.access, path).toBeDefined();
      else expect(meta.permission, `${path} declares no permission`).toBeDefined();
    }
  });

  for (const [path, entry] of Object.entries(TABLE)) {
    for (const { who } of USERS) {
      const targets: Target[] = entry.scoped === 'target' ? ['A', 'B', 'C'] : ['A'];
      for (const target of targets) {
        const label = entry.scoped === 'target' ? `${path} as ${who} on ${target}` : `${path} as ${who}`;
        it(label, async () => {
          const holds = who !== 'anonymous' && entry.roles.includes(who);
          const inScope = entry.scoped !== 'target' || (entry.sees?.[who] ?? SEES[who]).includes(target);
          const outcome = await entry.run(f, who, target).then(
            (value) => ({ ok: true as const, value }),
            (error: unknown) => ({ ok: false as const, code: codeOf(error), error }),
          );
          if (path === 'auth.login') {
            // Login is public: it succeeds for real users and says UNAUTHORIZED for unknown ones.
            expect(outcome.ok ? 'ok' : outcome.code).toBe(who === 'anonymous' ? 'UNAUTHORIZED' : 'ok');
            return;
          }
          if (who === 'anonymous') return expect(outcome.ok ? 'ok' : outcome.code).toBe('UNAUTHORIZED');
          if (!holds || !inScope) return expect(outcome.ok ? 'ok' : outcome.code).toBe('FORBIDDEN');
          if (!outcome.ok) throw outcome.error;
          if (entry.seen) {
            const seen = new Set(entry.seen(f, outcome.value));
            for (const t of ['A', 'B', 'C'] as Target[]) expect(seen.has(t), `${label} sees ${t}`).toBe(SEES[who].includes(t));
          }
        });
      }
    }
  }

  it('agent procedures refuse users and other agents', async () => {
    const caller = await f.caller('admin');
    await expect(caller.agent.report(sampleReport(f.agents.A, f.db.clock.now))).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    await expect(caller.agent.heartbeat({ sentAt: f.db.clock.now.toISOString(), agentVersion: 't' })).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    // Agent A's secret cannot write a report that names agent C (and so C's host).
    const a = await enrollHost(f.db.deps, { institution: 'A', region: '330106', hostname: 'a2' });
    const agentCaller = callerFactory({
      deps: f.db.deps,
      agentCredentials: { id: a.id, secret: a.secret },
      principal: null,
      sessionToken: null,
      remoteAddress: '127.0.0.1',
      bodyBytes: 0,
      setSessionCookie: () => {},
    });
    await expect(agentCaller.agent.report(sampleReport(f.agents.C, f.db.clock.now))).rejects.toMatchObject({ code: 'FORBIDDEN' });
    const before = await (await f.caller('admin')).hosts.reports({ hostId: f.hosts.C });
    expect(before.length).toBeGreaterThan(0);
    await expect(agentCaller.agent.report(sampleReport(a.id, f.db.clock.now))).resolves.toMatchObject({ hostId: a.hostId });
  });

  it('writes every mutation to the audit log, denied ones included', async () => {
    const admin = await f.caller('admin');
    // The matrix writes thousands of entries: the ones asked about, by their action.
    const entries = await admin.audit.list({ limit: 500, action: 'users.create' });
    expect(entries.some((e) => e.action === 'users.create' && e.outcome === 'denied')).toBe(true);
    expect(entries.some((e) => e.action === 'users.create' && e.outcome === 'ok')).toBe(true);
    expect(entries.every((e) => !JSON.stringify(e.detail).includes(PASSWORD))).toBe(true);
    expect((await admin.audit.list({ limit: 500 })).every((e) => !JSON.stringify(e.detail).includes(PASSWORD))).toBe(true);
  });
});
