import type { Principal } from './auth.js';

/** Who made a change kept in a timeline (alert events, notice events): a person, or the server itself. */
export type Actor = { type: 'system' } | { type: 'user'; principal: Principal };

/** The actor columns every timeline table has. */
export function actorColumns(actor: Actor): { actor_type: Actor['type']; actor_id: string | null; actor_name: string } {
  return actor.type === 'user' ? { actor_type: 'user', actor_id: actor.principal.userId, actor_name: actor.principal.username } : { actor_type: 'system', actor_id: null, actor_name: 'system' };
}
