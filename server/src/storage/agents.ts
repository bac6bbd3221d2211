import { hot } from './hot.js';
import type { AgentsTable, AgentUpgradesTable, Db } from './schema.js';
import { INSTITUTION_COLS, inScope, type Scope } from './scope.js';

export async function insertAgent(db: Db, row: AgentsTable): Promise<void> {
  await db.insertInto('agents').values(row).execute();
}

/** What decides whether an agent's secret is accepted, and what its acknowledgements hand out. */
export type AgentCredential = Pick<AgentsTable, 'secret_hash' | 'next_secret_hash' | 'revoked_at' | 'revoked_reason' | 'settings'>;

// An agent request authenticates with it when its credential is not cached (services/agentAuth.ts).
const agentById = hot((db, a: { id: string }) =>
  db.selectFrom('agents').innerJoin('institutions', 'institutions.code', 'agents.institution_code').selectAll('agents').select('institutions.region_code').where('agents.id', '=', a.id),
);

export async function getAgent(db: Db, id: string) {
  return (await agentById(db, { id })).rows[0];
}

/** The agent only when its institution lies in `scope`. */
export function getAgentInScope(db: Db, scope: Scope, id: string) {
  return db
    .selectFrom('agents')
    .innerJoin('institutions', 'institutions.code', 'agents.institution_code')
    .select(['agents.id', 'agents.institution_code', 'institutions.region_code'])
    .where('agents.id', '=', id)
    .where(inScope(scope, INSTITUTION_COLS) as never)
    .executeTakeFirst();
}

export function listAgents(db: Db, scope: Scope, opts: { institutionCode?: string | undefined }) {
  let q = db
    .selectFrom('agents')
    .innerJoin('institutions', 'institutions.code', 'agents.institution_code')
    .innerJoin('hosts', 'hosts.id', 'agents.host_id')
    .leftJoin('agent_upgrades', 'agent_upgrades.agent_id', 'agents.id')
    .select([
      'agents.id',
      'agents.host_id',
      'hosts.hostname',
      'agents.institution_code',
      'institutions.name as institution_name',
      'institutions.region_code',
      'agents.version',
      'agents.enrolled_at',
      'agents.last_seen_at',
      'hosts.last_seen_at as host_last_seen_at',
      'agents.revoked_at',
      'agents.revoked_reason',
      'agents.install',
      'agent_upgrades.status as upgrade_status',
      'agent_upgrades.to_version as upgrade_to_version',
      'agent_upgrades.reason as upgrade_reason',
      'agent_upgrades.updated_at as upgrade_updated_at',
    ])
    .where(inScope(scope, INSTITUTION_COLS) as never);
  if (opts.institutionCode) q = q.where('agents.institution_code', '=', opts.institutionCode);
  return q.orderBy('agents.enrolled_at', 'desc').limit(5000).execute();
}

// Every heartbeat touches its agent: compiled once (hot.ts). It reads back the credential row, which
// confirms the agent in the heartbeat's own transaction (services/agentAuth.ts, confirmAgent).
const agentTouched = hot((db, a: { id: string; at: string; version: string; install: string | null }) =>
  db
    .updateTable('agents')
    .set({ last_seen_at: a.at, version: a.version, install: a.install })
    .where('id', '=', a.id)
    .returning(['secret_hash', 'next_secret_hash', 'revoked_at', 'revoked_reason', 'settings']),
);

/**
 * Marks the agent seen, with its version and how it was installed (JSON; null when it did not say:
 * the version running now may be an older one, rolled back to); returns its credential row as it is
 * now (undefined when the agent is gone).
 */
export async function touchAgent(db: Db, id: string, at: string, version: string, install: string | null): Promise<AgentCredential | undefined> {
  return (await agentTouched(db, { id, at, version, install })).rows[0];
}

export async function revokeAgent(db: Db, id: string, at: string, reason: string): Promise<boolean> {
  const r = await db.updateTable('agents').set({ revoked_at: at, revoked_reason: reason }).where('id', '=', id).where('revoked_at', 'is', null).executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** Revokes every other live agent of a host (a re-enrollment supersedes them); returns their ids. */
export async function supersedeHostAgents(db: Db, hostId: string, keepId: string, at: string, reason: string): Promise<string[]> {
  const rows = await db
    .updateTable('agents')
    .set({ revoked_at: at, revoked_reason: reason })
    .where('host_id', '=', hostId)
    .where('id', '!=', keepId)
    .where('revoked_at', 'is', null)
    .returning('id')
    .execute();
  return rows.map((r) => r.id);
}

export async function setAgentSettings(db: Db, id: string, settings: string | null): Promise<void> {
  await db.updateTable('agents').set({ settings }).where('id', '=', id).execute();
}

export async function setNextSecret(db: Db, id: string, hash: string): Promise<void> {
  await db.updateTable('agents').set({ next_secret_hash: hash }).where('id', '=', id).execute();
}

/** The agent used its new secret: it becomes the only one. */
export async function promoteNextSecret(db: Db, id: string): Promise<void> {
  await db
    .updateTable('agents')
    .set((eb) => ({ secret_hash: eb.ref('next_secret_hash') as never, next_secret_hash: null }))
    .where('id', '=', id)
    .where('next_secret_hash', 'is not', null)
    .execute();
}

/** Agents in `scope` that are live (not revoked), with their versions: whom an upgrade of the scope reaches. */
export function listLiveAgentVersions(db: Db, scope: Scope, opts: { institutionCode?: string | undefined; agentId?: string | undefined }) {
  let q = db
    .selectFrom('agents')
    .innerJoin('institutions', 'institutions.code', 'agents.institution_code')
    .innerJoin('hosts', 'hosts.id', 'agents.host_id')
    .select(['agents.id', 'agents.version', 'agents.install', 'hosts.hostname', 'agents.institution_code', 'institutions.region_code'])
    .where('agents.revoked_at', 'is', null)
    .where(inScope(scope, INSTITUTION_COLS) as never);
  if (opts.institutionCode) q = q.where('agents.institution_code', '=', opts.institutionCode);
  if (opts.agentId) q = q.where('agents.id', '=', opts.agentId);
  return q.limit(5000).execute();
}

/** A new upgrade request replaces the agent's previous one (only the latest is shown). */
export async function upsertAgentUpgrade(db: Db, row: AgentUpgradesTable): Promise<void> {
  const { agent_id: _, ...rest } = row;
  await db
    .insertInto('agent_upgrades')
    .values(row)
    .onConflict((oc) => oc.column('agent_id').doUpdateSet(rest))
    .execute();
}

/** The agent's report of how an upgrade ended; only for the command it answers (an older one's late report changes nothing). */
export async function finishAgentUpgrade(db: Db, agentId: string, o: { commandId: string; status: 'upgraded' | 'failed'; reason: string | null; at: string }): Promise<boolean> {
  const r = await db
    .updateTable('agent_upgrades')
    .set({ status: o.status, reason: o.reason, updated_at: o.at })
    .where('agent_id', '=', agentId)
    .where('command_id', '=', o.commandId)
    .where('status', '=', 'requested')
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}
