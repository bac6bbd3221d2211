import { watch } from 'vue';
import { createRouter, createWebHistory, type RouteLocationRaw, type RouteRecordRaw, type Router } from 'vue-router';
import { roleCan, type Permission } from './lib/access.js';
import { safeRedirect } from './lib/redirect.js';
import { useSessionStore } from './stores/session.js';

declare module 'vue-router' {
  interface RouteMeta {
    /** i18n key of the page title shown in the header. */
    title?: string;
    /** Reachable without signing in, and shown without the app shell. */
    public?: boolean;
    /** Shows one region (`?region=`): choosing another region in the tree stays on this view. */
    regionScoped?: boolean;
    /** Only for roles holding it (lib/access.ts); others are sent home and see no nav entry. */
    permission?: Permission;
  }
}

export interface NavEntry {
  name: string;
  label: string;
  permission?: Permission;
  /** Entries of one group sit under a sub-menu. */
  group?: 'admin';
  /** Only for a user attached to one institution. */
  ownInstitution?: boolean;
}
/** Left navigation, in order; entries a role may not use are not shown (AppLayout filters). */
export const NAV: NavEntry[] = [
  { name: 'overview', label: 'navx.overview', permission: 'regions:read' },
  { name: 'rankings', label: 'navx.rankings', permission: 'regions:read' },
  { name: 'own-institution', label: 'navx.institution', permission: 'records:write', ownInstitution: true },
  { name: 'alerts', label: 'navx.alerts', permission: 'alerts:work' },
  { name: 'notices', label: 'notices.nav', permission: 'notices:read' },
  { name: 'incidents', label: 'incidents.title', permission: 'incidents:read' },
  { name: 'self-inspection', label: 'selfInspection.nav', permission: 'selfInspection:read' },
  { name: 'hosts', label: 'nav.hosts', permission: 'hosts:read' },
  { name: 'exposure', label: 'exposure.nav', permission: 'exposure:read' },
  { name: 'agents', label: 'navx.agents', permission: 'tokens:create', group: 'admin' },
  { name: 'agent-install', label: 'agentInstall.nav', permission: 'tokens:create', group: 'admin' },
  { name: 'rules', label: 'navx.rules', permission: 'regions:read', group: 'admin' },
  { name: 'channels', label: 'navx.channels', permission: 'channels:write', group: 'admin' },
  { name: 'users', label: 'navx.users', permission: 'users:manage', group: 'admin' },
  { name: 'audit', label: 'navx.audit', permission: 'audit:read', group: 'admin' },
  { name: 'calendar', label: 'calendar.nav', permission: 'calendar:manage', group: 'admin' },
];

/** The entries a user sees. */
export const navFor = (user: { role: string; institutionCode: string | null } | null): NavEntry[] =>
  NAV.filter((n) => (!n.permission || roleCan(user?.role, n.permission)) && (!n.ownInstitution || !!user?.institutionCode));

// Views load on demand so the first load carries only the shell.
const routes: RouteRecordRaw[] = [
  { path: '/', name: 'home', component: () => import('./views/NotFound.vue'), beforeEnter: () => homeRoute() },
  { path: '/login', name: 'login', component: () => import('./views/auth/LoginView.vue'), meta: { title: 'auth.title', public: true } },
  { path: '/overview', name: 'overview', component: () => import('./views/overview/OverviewView.vue'), meta: { title: 'overview.title', regionScoped: true, permission: 'regions:read' } },
  { path: '/rankings', name: 'rankings', component: () => import('./views/rankings/RankingsView.vue'), meta: { title: 'rankings.title', regionScoped: true, permission: 'regions:read' } },
  { path: '/institutions/:code', name: 'institution', component: () => import('./views/institutions/InstitutionView.vue'), props: true, meta: { title: 'institution.title' } },
  { path: '/my-institution', name: 'own-institution', component: () => import('./views/NotFound.vue'), beforeEnter: () => homeRoute(), meta: { permission: 'records:write' } },
  { path: '/alerts', name: 'alerts', component: () => import('./views/alerts/AlertsView.vue'), meta: { title: 'alerts.title', regionScoped: true, permission: 'alerts:work' } },
  { path: '/notices', name: 'notices', component: () => import('./views/notices/NoticesView.vue'), meta: { title: 'notices.nav', permission: 'notices:read' } },
  { path: '/notices/:noticeId', name: 'notice', component: () => import('./views/notices/NoticeView.vue'), props: true, meta: { title: 'notices.nav', permission: 'notices:read' } },
  {
    path: '/self-inspection',
    name: 'self-inspection',
    component: () => import('./views/selfInspection/SelfInspectionView.vue'),
    meta: { title: 'selfInspection.nav', permission: 'selfInspection:read' },
  },
  {
    path: '/self-inspection/institutions/:code',
    name: 'self-inspection-institution',
    component: () => import('./views/selfInspection/SelfInspectionInstitutionView.vue'),
    props: true,
    meta: { title: 'selfInspection.nav', permission: 'selfInspection:read' },
  },
  { path: '/incidents', name: 'incidents', component: () => import('./views/incidents/IncidentsView.vue'), meta: { title: 'incidents.title', regionScoped: true, permission: 'incidents:read' } },
  { path: '/hosts', name: 'hosts', component: () => import('./views/hosts/HostList.vue'), meta: { title: 'hosts.title', regionScoped: true } },
  { path: '/exposure', name: 'exposure', component: () => import('./views/exposure/ExposureView.vue'), meta: { title: 'exposure.nav', regionScoped: true, permission: 'exposure:read' } },
  { path: '/hosts/:hostId', name: 'host', component: () => import('./views/hosts/HostDetail.vue'), props: true, meta: { title: 'hosts.title' } },
  { path: '/admin/agents', name: 'agents', component: () => import('./views/admin/AgentsView.vue'), meta: { title: 'navx.agents', permission: 'tokens:create' } },
  { path: '/admin/agent-install', name: 'agent-install', component: () => import('./views/admin/AgentInstallView.vue'), meta: { title: 'agentInstall.title', permission: 'tokens:create' } },
  { path: '/admin/rules', name: 'rules', component: () => import('./views/admin/RulesView.vue'), meta: { title: 'navx.rules', regionScoped: true, permission: 'regions:read' } },
  { path: '/admin/channels', name: 'channels', component: () => import('./views/admin/ChannelsView.vue'), meta: { title: 'navx.channels', regionScoped: true, permission: 'channels:write' } },
  { path: '/admin/users', name: 'users', component: () => import('./views/admin/UsersView.vue'), meta: { title: 'navx.users', permission: 'users:manage' } },
  { path: '/admin/audit', name: 'audit', component: () => import('./views/admin/AuditView.vue'), meta: { title: 'navx.audit', permission: 'audit:read' } },
  { path: '/admin/calendar', name: 'calendar', component: () => import('./views/admin/CalendarView.vue'), meta: { title: 'calendar.nav', permission: 'calendar:manage' } },
  { path: '/:pathMatch(.*)*', name: 'not-found', component: () => import('./views/NotFound.vue'), meta: { title: 'common.notFoundPage' } },
];

export const router = createRouter({ history: createWebHistory(), routes });

/** Where a user starts: a bureau on its region's overview, an institution on its own page. */
export function homeRoute(): RouteLocationRaw {
  const user = useSessionStore().user;
  if (user?.role === 'institution' && user.institutionCode) return { name: 'institution', params: { code: user.institutionCode } };
  return { name: roleCan(user?.role, 'regions:read') ? 'overview' : 'hosts' };
}

/** Sends signed-out users to the sign-in page, also when a session ends while a page is open. */
export function installAuthGuard(r: Router): void {
  const session = useSessionStore();
  r.beforeEach(async (to) => {
    if (session.status === 'unknown') await session.restore();
    if (to.meta.public) return to.name === 'login' && session.signedIn ? safeRedirect(to.query.redirect) : true;
    if (!session.signedIn) return { name: 'login', query: { redirect: to.fullPath } };
    // A page this role may not use (an old link, a bookmark of another account): home instead.
    if (to.meta.permission && !roleCan(session.user?.role, to.meta.permission)) return homeRoute();
    return true;
  });
  watch(
    () => session.status,
    (s, before) => {
      const current = r.currentRoute.value;
      // Only a session that ends (sign-out, expiry), not the first check. A full page load rather
      // than a route change: nothing the previous user loaded stays in memory.
      if (s === 'signedOut' && before === 'signedIn' && !current.meta.public) window.location.assign(r.resolve({ name: 'login', query: { redirect: current.fullPath } }).href);
    },
  );
}
