import { RegionSettings, resolveSettings, type RegionSettingsInput, type ResolvedSettings } from '@weian/shared';
import { forbidden } from '../errors.js';
import { getRegionSettings, putRegionSettings } from '../storage/records.js';
import type { Principal } from './auth.js';
import type { ServiceDeps } from './deps.js';
import type { Db } from '../storage/schema.js';
import { regionChain } from './regions.js';
import { regionCodeWithin } from './scope.js';

/** province → city → county codes above (and including) a county. */
export const regionAncestry = (regionCode: string) => [...new Set([`${regionCode.slice(0, 2)}0000`, `${regionCode.slice(0, 4)}00`, regionCode])];

const TTL_MS = 60_000;
const cache = new Map<string, { at: number; settings: ResolvedSettings }>();

/**
 * The settings in force for a county: province, then city, then county overrides, the more specific
 * winning per rule. Each level may only tighten the catalogue's defaults (RegionSettings checks that).
 * Cached for a minute; a change made on this process clears the cache at once. Reads through `db`,
 * which may be the caller's transaction (SQLite has one connection: reading outside it would wait forever).
 */
export async function settingsForRegion(db: Db, regionCode: string): Promise<ResolvedSettings> {
  const hit = cache.get(regionCode);
  if (hit && Date.now() - hit.at < TTL_MS) return hit.settings;
  const codes = regionAncestry(regionCode);
  const rows = new Map((await getRegionSettings(db, codes)).map((r) => [r.region_code, RegionSettings.parse(JSON.parse(r.settings))]));
  const merged = RegionSettings.parse({});
  for (const code of codes) {
    const s = rows.get(code);
    if (!s) continue;
    const rules = new Map(merged.rules.map((r) => [r.ruleId, r]));
    for (const r of s.rules) rules.set(r.ruleId, { ...rules.get(r.ruleId), ...r, thresholds: { ...rules.get(r.ruleId)?.thresholds, ...r.thresholds } });
    merged.rules = [...rules.values()];
    merged.requireLinuxAntimalware = merged.requireLinuxAntimalware || s.requireLinuxAntimalware;
    merged.weights = s.weights;
    merged.dueSoonDays = s.dueSoonDays;
  }
  const settings = resolveSettings(merged);
  cache.set(regionCode, { at: Date.now(), settings });
  return settings;
}

export async function getOwnRegionSettings(deps: ServiceDeps, regionCode: string) {
  const row = (await getRegionSettings(deps.db, [regionCode]))[0];
  return { regionCode, settings: row ? RegionSettings.parse(JSON.parse(row.settings)) : RegionSettings.parse({}), updatedAt: row?.updated_at ?? null, updatedBy: row?.updated_by ?? null };
}

export async function putSettings(deps: ServiceDeps, principal: Principal, regionCode: string, input: RegionSettingsInput) {
  regionChain(regionCode);
  if (!regionCodeWithin(principal.scope, regionCode)) throw forbidden(`region ${regionCode} is not yours to configure`);
  const settings = RegionSettings.parse(input);
  await putRegionSettings(deps.db, regionCode, JSON.stringify(settings), deps.now().toISOString(), principal.username);
  cache.clear();
  return { regionCode, settings };
}
