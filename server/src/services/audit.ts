import { listAudit, appendAudit } from '../storage/audit.js';
import type { AuditLogTable } from '../storage/schema.js';
import type { Scope } from '../storage/scope.js';
import type { ServiceDeps } from './deps.js';
import { newId } from './secrets.js';

export interface AuditEntry {
  actor: { type: AuditLogTable['actor_type']; id: string | null; name: string };
  action: string;
  outcome?: AuditLogTable['outcome'];
  regionCode?: string | null;
  institutionCode?: string | null;
  detail?: Record<string, unknown>;
  remoteAddress?: string | null;
}

const SECRET_KEYS = /pass(word)?|secret|token/i;

/** Inputs are recorded, but never a password, secret or token in clear. */
export function redact(value: unknown, depth = 0): unknown {
  if (depth > 4) return '…';
  if (Array.isArray(value)) return value.slice(0, 20).map((v) => redact(v, depth + 1));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, SECRET_KEYS.test(k) ? '[redacted]' : redact(v, depth + 1)]));
  }
  return typeof value === 'string' && value.length > 500 ? `${value.slice(0, 500)}…` : value;
}

export async function recordAudit(deps: ServiceDeps, e: AuditEntry): Promise<void> {
  await appendAudit(deps.db, {
    id: newId('au'),
    at: deps.now().toISOString(),
    actor_type: e.actor.type,
    actor_id: e.actor.id,
    actor_name: e.actor.name,
    action: e.action,
    outcome: e.outcome ?? 'ok',
    region_code: e.regionCode ?? null,
    institution_code: e.institutionCode ?? null,
    detail: JSON.stringify(redact(e.detail ?? {})),
    remote_address: e.remoteAddress ?? null,
  });
}

export async function listAuditEntries(deps: ServiceDeps, scope: Scope, opts: { limit: number; before?: string | undefined; action?: string | undefined }) {
  return (await listAudit(deps.db, scope, opts)).map((r) => ({
    id: r.id,
    at: r.at,
    actor: { type: r.actor_type, id: r.actor_id, name: r.actor_name },
    action: r.action,
    outcome: r.outcome,
    regionCode: r.region_code,
    institutionCode: r.institution_code,
    detail: JSON.parse(r.detail) as unknown,
    remoteAddress: r.remote_address,
  }));
}
