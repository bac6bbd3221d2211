import { createHash } from 'node:crypto';
import {
  DEFAULT_AGENT_SETTINGS,
  incidentSettingsProblems,
  mergeNoticeSettings,
  regionAncestors,
  regionLevelOf,
  RegionSettings,
  resolveSettings,
  type AgentSettings,
  type RegionSettingsInput,
  type ResolvedSettings,
  type RuleId,
} from '@weian/shared';
import { badRequest, forbidden } from '../errors.js';
import { getRegionSettings, listRegionSettingsUnder, putRegionSettings } from '../storage/records.js';
import type { Principal } from './auth.js';
import type { ServiceDeps } from './deps.js';
import type { Db } from '../storage/schema.js';
import { regionChain } from './regions.js';
import { regionCodeWithin } from './scope.js';
import { applyLevel, loosenings, tightenedRules } from './settingsTree.js';

const TTL_MS = 60_000;
// Per database (tests and tools open several in one process), cleared by bumping the generation. Keyed by
// the database's adapter, which its transactions share: keyed by the handle, every report's transaction
// missed the cache and read the region's settings again.
type SettingsCache = Map<string, { at: number; generation: number; settings: ResolvedSettings }>;
const caches = new WeakMap<object, SettingsCache>();
const cacheOf = (db: Db): SettingsCache => {
  const key = db.getExecutor().adapter;
  const cache = caches.get(key) ?? new Map();
  caches.set(key, cache);
  return cache;
};
let generation = 0;

/** The province sets the baseline; cities and counties only tighten it (settingsTree.ts). */
const isBaseline = (regionCode: string) => regionLevelOf(regionCode) === 'province';

/** Province, then city, then county settings applied in turn: each lower level only tightens what it inherits. */
function mergeDown(codes: readonly string[], rows: ReadonlyMap<string, RegionSettings>): ResolvedSettings {
  let settings = resolveSettings();
  for (const code of codes) {
    const own = rows.get(code);
    if (own) settings = applyLevel(settings, own, isBaseline(code));
  }
  return settings;
}
const readRows = async (db: Db, codes: string[]) => new Map((await getRegionSettings(db, codes)).map((r) => [r.region_code, RegionSettings.parse(JSON.parse(r.settings))]));

/**
 * The settings in force for a region: province, then city, then county, each lower level only
 * tightening what it inherits (a county cannot switch off a rule or loosen a threshold set above, nor
 * move the score weights). Cached for a minute; a change made on this process clears the cache at once.
 * Reads through `db`, which may be the caller's transaction (SQLite has one connection: reading
 * outside it would wait forever).
 */
export async function settingsForRegion(db: Db, regionCode: string): Promise<ResolvedSettings> {
  const cache = cacheOf(db);
  const hit = cache.get(regionCode);
  if (hit && hit.generation === generation && Date.now() - hit.at < TTL_MS) return hit.settings;
  const codes = regionAncestors(regionCode);
  const settings = mergeDown(codes, await readRows(db, codes));
  cache.set(regionCode, { at: Date.now(), generation, settings });
  return settings;
}

/**
 * What an agent's acknowledgements and heartbeats hand out: its own settings (set per agent by
 * people, else the defaults) plus its region's weak-credential check when a level turned it on.
 */
export async function agentSettingsFor(db: Db, agent: { regionCode: string; settings?: AgentSettings }): Promise<AgentSettings> {
  const own = agent.settings ?? DEFAULT_AGENT_SETTINGS;
  const checks = (await settingsForRegion(db, agent.regionCode)).credentialChecks;
  return checks?.enabled ? { ...own, credentials: checks } : own;
}

export async function getOwnRegionSettings(deps: ServiceDeps, regionCode: string) {
  const row = (await getRegionSettings(deps.db, [regionCode]))[0];
  const settings = row ? RegionSettings.parse(JSON.parse(row.settings)) : RegionSettings.parse({});
  // Below the province the weights are the inherited ones, whatever a row stored before they were.
  if (!isBaseline(regionCode)) settings.weights = { ...(await settingsForRegion(deps.db, regionCode)).weights };
  // What the levels above set for the weak-credential check and the scanners' schedule: this level may only tighten them
  // (settingsTree.ts); the province, which sets the baseline, inherits nothing.
  const above = regionAncestors(regionCode).filter((c) => c !== regionCode);
  const merged = above.length ? mergeDown(above, await readRows(deps.db, above)) : null;
  return {
    regionCode,
    settings,
    inherited: { credentialChecks: merged?.credentialChecks ?? null, scanning: merged?.scanning ?? null },
    updatedAt: row?.updated_at ?? null,
    updatedBy: row?.updated_by ?? null,
  };
}

/**
 * The regions below `regionCode` whose settings are stricter than its own, and the rules they
 * tighten: their own views judge their institutions more strictly, a ranking of `regionCode` judges
 * everyone by its settings (rankings.ts), and says where a region below is stricter.
 */
export async function tightenedBelow(db: Db, regionCode: string, prefix: string): Promise<Array<{ regionCode: string; ruleIds: RuleId[] }>> {
  const mine = await settingsForRegion(db, regionCode);
  const below = (await listRegionSettingsUnder(db, prefix)).filter((r) => r.region_code !== regionCode);
  const out: Array<{ regionCode: string; ruleIds: RuleId[] }> = [];
  for (const r of below) {
    const ruleIds = tightenedRules(mine, await settingsForRegion(db, r.region_code));
    if (ruleIds.length) out.push({ regionCode: r.region_code, ruleIds });
  }
  return out;
}

/** Everything in settings that decides a finding or a score, as one comparable string. */
export const judgingKey = (s: ResolvedSettings) => JSON.stringify([s.rules, s.requireLinuxAntimalware, s.weights, s.dueSoonDays]);

/**
 * The regions below `regionCode` whose institutions are judged otherwise than by its own settings
 * (their own or their city's are stricter): a ranking of `regionCode` judges those institutions
 * again under its settings. Most regions have none, and then a ranking reads stored scores only.
 */
export async function judgedOtherwiseBelow(db: Db, regionCode: string, prefix: string): Promise<{ regions: string[]; fingerprint: string }> {
  const mine = judgingKey(await settingsForRegion(db, regionCode));
  const below = (await listRegionSettingsUnder(db, prefix)).filter((r) => r.region_code !== regionCode);
  const regions: string[] = [];
  // Which settings judge what: a ranking judged under one fingerprint stays right while it holds.
  const hash = createHash('sha256').update(mine);
  for (const r of below) {
    const theirs = judgingKey(await settingsForRegion(db, r.region_code));
    if (theirs === mine) continue;
    regions.push(r.region_code);
    hash.update(`|${r.region_code}|${theirs}`);
  }
  return { regions, fingerprint: hash.digest('base64url') };
}

export async function putSettings(deps: ServiceDeps, principal: Principal, regionCode: string, input: RegionSettingsInput) {
  regionChain(regionCode);
  if (!regionCodeWithin(principal.scope, regionCode)) throw forbidden(`region ${regionCode} is not yours to configure`);
  const settings = RegionSettings.parse(input);
  const above = regionAncestors(regionCode).filter((c) => c !== regionCode);
  const rows = await readRows(deps.db, above);
  const inherited = mergeDown(above, rows);
  if (!isBaseline(regionCode)) {
    const loose = loosenings(inherited, settings);
    // The notices' reopen window only lengthens below the province (shared/src/notices.ts).
    const window = mergeNoticeSettings(
      rows.get(above[0]!)?.notices,
      above.slice(1).map((c) => rows.get(c)?.notices),
    ).reopenWindowDays;
    if ((settings.notices?.reopenWindowDays ?? window) < window) loose.push(`notices.reopenWindowDays: ${settings.notices!.reopenWindowDays} days is shorter than ${window} set above`);
    if (loose.length) throw badRequest(`settings may only tighten what the region above sets: ${loose.join('; ')}`);
  }
  const disordered = incidentSettingsProblems(applyLevel(inherited, settings, isBaseline(regionCode)).incidents);
  if (disordered.length) throw badRequest(disordered.join('; '));
  await putRegionSettings(deps.db, regionCode, JSON.stringify(settings), deps.now().toISOString(), principal.username);
  generation++;
  return { regionCode, settings };
}
