import { AGENT_AUTH_SCHEME, DEFAULT_AGENT_SETTINGS, type AgentSettings } from '@weian/shared';
import { unauthorized } from '../errors.js';
import { getAgent, promoteNextSecret, setNextSecret, type AgentCredential } from '../storage/agents.js';
import type { Db } from '../storage/schema.js';
import { perDeps, type ServiceDeps } from './deps.js';
import { hashSecret, newSecret, sameDigest } from './secrets.js';

export interface AuthenticatedAgent {
  id: string;
  hostId: string;
  institutionCode: string;
  regionCode: string;
  /** What its acknowledgements hand out: set per agent by people, else the defaults. */
  settings?: AgentSettings;
  /**
   * The digest of the secret it presented, which is the stored digest it matched: its credential's
   * version. Changes when a rotated secret is first used; a revocation leaves it and sets revoked_at.
   */
  credential: string;
}

const AGENT_AUTHORIZATION = new RegExp(`^${AGENT_AUTH_SCHEME} ([A-Za-z0-9_-]{1,64}):([A-Za-z0-9_-]{1,128})$`);

/** Parses `Authorization: Agent <id>:<secret>`; null when the header is absent or not of that scheme. */
export function parseAgentAuthorization(header: string | undefined): { id: string; secret: string } | null {
  if (!header) return null;
  const m = AGENT_AUTHORIZATION.exec(header.trim());
  return m ? { id: m[1]!, secret: m[2]! } : null;
}

/**
 * Whether `digest` opens the agent's row, as the current secret or as the rotated one not yet used;
 * throws the refusal an agent gets (a wrong secret is told apart from a revoked agent only once it is right).
 */
function verdict(row: AgentCredential | undefined, digest: string): 'current' | 'next' {
  const current = row ? sameDigest(digest, row.secret_hash) : false;
  const next = row?.next_secret_hash ? sameDigest(digest, row.next_secret_hash) : false;
  if (!row || !(current || next)) throw unauthorized('agent credentials are wrong');
  if (row.revoked_at) throw unauthorized(`agent revoked${row.revoked_reason ? `: ${row.revoked_reason}` : ''}; enroll it again with a new token`);
  return current ? 'current' : 'next';
}

/** The agent's row as it was verified; `settings` parsed once per change of its text. */
interface Verified {
  agent: AuthenticatedAgent;
  settingsText: string | null;
}
const parseSettings = (text: string | null): AgentSettings => (text ? (JSON.parse(text) as AgentSettings) : DEFAULT_AGENT_SETTINGS);

/**
 * Verified credentials per agent, so that a report or a heartbeat skips the lookup and the
 * comparison (the costliest part of authenticating them). The cache is never the authority: the
 * calls that use it read the agent's credential row in the statement they make anyway (the report's
 * context lookup, the heartbeat's touch), inside their transaction, and `confirmAgent` refuses a
 * revoked agent or a superseded secret there, on whichever process made the change. The
 * `agent.revoked` event (relayed between processes on PostgreSQL) only evicts early.
 */
class CredentialCache {
  /** A province's agents, with room; beyond it the longest unverified go first (they verify again). */
  static readonly MAX = 250_000;
  private readonly byAgent = new Map<string, { digest: string; verified: Verified }>();
  get(id: string, digest: string): Verified | undefined {
    const hit = this.byAgent.get(id);
    return hit && sameDigest(hit.digest, digest) ? hit.verified : undefined;
  }
  set(verified: Verified): void {
    const id = verified.agent.id;
    this.byAgent.delete(id);
    if (this.byAgent.size >= CredentialCache.MAX) this.byAgent.delete(this.byAgent.keys().next().value!);
    this.byAgent.set(id, { digest: verified.agent.credential, verified });
  }
  evict(id: string): void {
    this.byAgent.delete(id);
  }
}

const credentialCache = perDeps((deps) => {
  const cache = new CredentialCache();
  void (async () => {
    for await (const e of deps.bus.stream('agent.revoked', undefined)) cache.evict(e.agentId);
  })();
  return cache;
});

/** Reads the agent's row and checks the secret's digest against it; the first use of a rotated secret retires the old one. */
async function verify(db: Db, id: string, digest: string): Promise<Verified> {
  const row = await getAgent(db, id);
  const which = verdict(row, digest);
  if (which === 'next') await promoteNextSecret(db, id);
  const { host_id, institution_code, region_code, settings } = row!;
  return {
    agent: { id, hostId: host_id, institutionCode: institution_code, regionCode: region_code, settings: parseSettings(settings), credential: digest },
    settingsText: settings,
  };
}

/**
 * The agent the credentials name, checked against the agents table. `cached`: for calls that confirm
 * the agent with `confirmAgent` in their own transaction; a credential verified before is then taken
 * from this process's cache without a lookup.
 */
export async function authenticateAgent(deps: ServiceDeps, credentials: { id: string; secret: string } | null, opts: { cached?: boolean } = {}): Promise<AuthenticatedAgent> {
  if (!credentials) throw unauthorized('agent credentials missing: enroll the agent first');
  const digest = hashSecret(credentials.secret);
  const cache = credentialCache(deps);
  const hit = opts.cached ? cache.get(credentials.id, digest) : undefined;
  if (hit) return hit.agent;
  const verified = await verify(deps.db, credentials.id, digest);
  cache.set(verified);
  return verified.agent;
}

/**
 * Confirms `agent` against its credential row as the caller's transaction read it (`row`): still
 * the same secret and not revoked, else the same refusal as `authenticateAgent` gives (and the
 * cache forgets it). Returns the agent with the settings the row holds now (people may have
 * changed them on another process).
 */
export async function confirmAgent(deps: ServiceDeps, tx: Db, agent: AuthenticatedAgent, row: AgentCredential | undefined): Promise<AuthenticatedAgent> {
  const cache = credentialCache(deps);
  if (!row || row.revoked_at || !sameDigest(row.secret_hash, agent.credential)) {
    cache.evict(agent.id);
    // Refuses as authentication would; a secret that is the pending rotated one (never, in practice) is promoted as there.
    if (verdict(row, agent.credential) === 'next') await promoteNextSecret(tx, agent.id);
  }
  const known = cache.get(agent.id, agent.credential);
  if (known && known.settingsText === row!.settings) return known.agent;
  const verified = { agent: { ...agent, settings: parseSettings(row!.settings) }, settingsText: row!.settings };
  cache.set(verified);
  return verified.agent;
}

/**
 * Secret rotation, asked by the agent itself (so the new secret travels only over its own channel).
 * Two-phase: the old secret keeps working until the new one is first used, so an agent that dies
 * between receiving and saving the new secret is never locked out. Asking again replaces the pending one.
 */
export async function rotateAgentSecret(deps: ServiceDeps, agent: AuthenticatedAgent): Promise<{ secret: string }> {
  const secret = newSecret();
  await setNextSecret(deps.db, agent.id, hashSecret(secret));
  return { secret };
}
