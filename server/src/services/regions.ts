import { codeOfPrefix, isRegionCode, regionLevelOf } from '@weian/shared';
import { CITIES, COUNTIES, PROVINCES } from './gbt2260.js';
import { badRequest, forbidden } from '../errors.js';
import { getRegion, type RegionRow } from '../storage/regions.js';
import type { Scope } from '../storage/scope.js';
import type { ServiceDeps } from './deps.js';
import { regionCodeWithin } from './scope.js';

// GB/T 2260 divisions from the generated table (server/scripts/gbt2260.ts says where it comes from).
interface Province {
  code: string;
  name: string;
}
const province = (code: string): Province | undefined => {
  const name = PROVINCES[code];
  return name === undefined ? undefined : { code, name };
};
const city = (code: string) => {
  const name = CITIES[code];
  return name === undefined ? undefined : { code, name, provinceCode: code.slice(0, 2) };
};
type City = NonNullable<ReturnType<typeof city>>;

const six = codeOfPrefix;

/** The chain from the province down to `code`, for a province, city or county code; throws for unknown codes. */
export function regionChain(code: string): RegionRow[] {
  if (!isRegionCode(code)) throw badRequest(`region must be a six-digit GB/T 2260 code, got "${code}"`);
  const level = regionLevelOf(code);
  if (level === 'province') {
    const p = province(code.slice(0, 2));
    if (!p) throw badRequest(`${code} is not a province code in GB/T 2260`);
    return [{ code, name: p.name, parent_code: null, level: 'province' }];
  }
  if (level === 'city') {
    const c = city(code.slice(0, 4));
    if (!c) throw badRequest(`${code} is not a city code in GB/T 2260`);
    const p = province(c.provinceCode)!;
    return [
      { code: six(p.code), name: p.name, parent_code: null, level: 'province' },
      { code, name: cityName(c, p), parent_code: six(p.code), level: 'city' },
    ];
  }
  return countyChain(code);
}

const cityName = (city: City | undefined, province: Province) => (!city || city.name === '市辖区' || city.name === '县' ? `${province.name}${city?.name === '县' ? '（县）' : ''}` : city.name);

/**
 * The chain province → city → county for a county's six-digit code (e.g. 330106 西湖区),
 * as rows ready to store. Municipal districts (市辖区) keep the province's name for readability.
 */
export function countyChain(countyCode: string): RegionRow[] {
  if (!isRegionCode(countyCode)) throw badRequest(`region must be a six-digit county code (GB/T 2260), got "${countyCode}"`);
  const name = COUNTIES[countyCode];
  if (name === undefined) throw badRequest(`${countyCode} is not a county-level division code in GB/T 2260`);
  const cityCode = countyCode.slice(0, 4);
  const p = province(countyCode.slice(0, 2))!;
  return [
    { code: six(p.code), name: p.name, parent_code: null, level: 'province' },
    { code: six(cityCode), name: cityName(city(cityCode), p), parent_code: six(p.code), level: 'city' },
    { code: countyCode, name, parent_code: six(cityCode), level: 'county' },
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
