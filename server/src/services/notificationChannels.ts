import { badRequest, forbidden } from '../errors.js';
import type { AlertSeverity } from '../storage/alerts.js';
import { getChannel, insertChannel, listChannels, updateChannel, type ChannelKind, type ChannelMode, type ChannelRow } from '../storage/notifications.js';
import type { Principal } from './auth.js';
import { CHANNELS, fetchSender, type Sender } from './channels/index.js';
import { destinationAllowed, DOCUMENTED_HOSTS, TEST_FAILED } from './channels/destinations.js';
import type { ServiceDeps } from './deps.js';
import { sendToChannel } from './notify.js';
import { regionChain } from './regions.js';
import { regionCodeWithin, type Scope } from './scope.js';
import { newId } from './secrets.js';

export interface ChannelInput {
  name: string;
  kind: ChannelKind;
  url: string;
  secret?: string | null | undefined;
  minSeverity: AlertSeverity;
  mode: ChannelMode;
  quietHours?: { start: string; end: string } | null | undefined;
  enabled?: boolean | undefined;
}

/** A region user sees and configures channels at and below their region; an admin everywhere. */
const prefixOf = (scope: Scope): string | null => (scope.kind === 'all' ? '' : scope.kind === 'region' ? scope.prefix : null);

/**
 * An http(s) URL on a host the channel's kind may reach (its vendor's documented host, or the
 * operator's WEIAN_CHANNEL_HOSTS: channels/destinations.ts); other schemes (file:, javascript:, …)
 * are refused. Query values (robot keys, tokens) are masked when shown.
 */
function checkedUrl(deps: ServiceDeps, kind: ChannelKind, raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw badRequest(`not a URL: ${raw.slice(0, 100)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw badRequest(`a channel URL must be http or https, not ${url.protocol}`);
  if (url.username || url.password) throw badRequest('put credentials in the secret, not in the URL');
  if (!destinationAllowed(kind, url.toString(), deps.channelHosts)) {
    const documented = DOCUMENTED_HOSTS[kind];
    throw badRequest(`a ${kind} channel may send to ${documented.length ? documented.join(' or ') : 'no host by default'}; other hosts need the server's WEIAN_CHANNEL_HOSTS`);
  }
  return url.toString();
}
const maskedUrl = (raw: string) => {
  const url = new URL(raw);
  for (const k of [...url.searchParams.keys()]) url.searchParams.set(k, '***');
  return url.toString();
};

const view = (c: ChannelRow) => ({
  id: c.id,
  regionCode: c.region_code,
  name: c.name,
  kind: c.kind,
  url: maskedUrl(c.url),
  hasSecret: c.secret !== null,
  minSeverity: c.min_severity,
  mode: c.mode,
  quietHours: c.quiet_start && c.quiet_end ? { start: c.quiet_start, end: c.quiet_end } : null,
  enabled: Boolean(c.enabled),
  createdAt: c.created_at,
  createdBy: c.created_by,
  updatedAt: c.updated_at,
});

function checkSecret(kind: ChannelKind, secret: string | null) {
  if (CHANNELS[kind].secretRequired && !secret) throw badRequest(`a ${kind} channel needs a signing secret`);
}

export async function listChannelViews(deps: ServiceDeps, scope: Scope) {
  const prefix = prefixOf(scope);
  return prefix === null ? [] : (await listChannels(deps.db, prefix)).map(view);
}

async function visibleChannel(deps: ServiceDeps, scope: Scope, id: string) {
  const c = await getChannel(deps.db, id);
  const prefix = prefixOf(scope);
  if (!c || prefix === null || !c.region_code.startsWith(prefix)) throw forbidden(`channel ${id} is not yours to configure`);
  return c;
}

export async function createChannel(deps: ServiceDeps, principal: Principal, regionCode: string, input: ChannelInput) {
  regionChain(regionCode);
  if (!regionCodeWithin(principal.scope, regionCode)) throw forbidden(`region ${regionCode} is not yours to configure`);
  const secret = input.secret || null;
  checkSecret(input.kind, secret);
  const now = deps.now().toISOString();
  const row: ChannelRow = {
    id: newId('ch'),
    region_code: regionCode,
    name: input.name.trim(),
    kind: input.kind,
    url: checkedUrl(deps, input.kind, input.url),
    secret,
    min_severity: input.minSeverity,
    mode: input.mode,
    quiet_start: input.quietHours?.start ?? null,
    quiet_end: input.quietHours?.end ?? null,
    enabled: input.enabled === false ? 0 : 1,
    created_at: now,
    created_by: principal.username,
    updated_at: now,
    deleted_at: null,
  };
  await insertChannel(deps.db, row);
  return { ...view(row), regionCode };
}

/** Fields left out stay as they are (so the secret and the unmasked URL need not be sent back). */
export async function updateChannelConfig(deps: ServiceDeps, principal: Principal, id: string, input: Partial<ChannelInput>) {
  const c = await visibleChannel(deps, principal.scope, id);
  const kind = input.kind ?? c.kind;
  const secret = input.secret === undefined ? c.secret : input.secret || null;
  checkSecret(kind, secret);
  // A new kind is checked against the stored URL too: a webhook cannot become a robot aimed at the same host.
  const url = checkedUrl(deps, kind, input.url ?? c.url);
  await updateChannel(deps.db, id, {
    ...(input.name !== undefined ? { name: input.name.trim() } : {}),
    kind,
    url,
    secret,
    ...(input.minSeverity ? { min_severity: input.minSeverity } : {}),
    ...(input.mode ? { mode: input.mode } : {}),
    ...(input.quietHours !== undefined ? { quiet_start: input.quietHours?.start ?? null, quiet_end: input.quietHours?.end ?? null } : {}),
    ...(input.enabled !== undefined ? { enabled: input.enabled ? 1 : 0 } : {}),
    updated_at: deps.now().toISOString(),
  });
  return view((await getChannel(deps.db, id))!);
}

export async function deleteChannel(deps: ServiceDeps, principal: Principal, id: string) {
  const c = await visibleChannel(deps, principal.scope, id);
  await updateChannel(deps.db, id, { deleted_at: deps.now().toISOString(), enabled: 0 });
  return { id, regionCode: c.region_code };
}

/** Sends a test message now (not through the outbox), so whoever configures it sees the endpoint's answer. */
export async function testChannel(deps: ServiceDeps, principal: Principal, id: string, send: Sender = fetchSender()) {
  const c = await visibleChannel(deps, principal.scope, id);
  const now = deps.now();
  const message = {
    title: '卫安通知渠道测试',
    digest: false,
    institution: null,
    alerts: [
      {
        id: 'test',
        change: 'opened' as const,
        severity: 'low' as const,
        ruleId: 'TEST',
        ruleTitle: '测试消息',
        subject: c.name,
        institutionCode: '',
        institutionName: '',
        evidence: `由 ${principal.username} 发送`,
        at: now.toISOString(),
      },
    ],
  };
  // One generic failure: the remote answer, its status and the network error would tell the caller
  // what listens where (open or closed ports, internal services' error pages). The log keeps them.
  const result = await sendToChannel(c, message, now, send, deps.channelHosts);
  return { id, regionCode: c.region_code, ok: result.ok, error: result.ok ? null : TEST_FAILED };
}
