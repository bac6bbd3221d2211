import { CITIES, COUNTIES, PROVINCES } from './gbt2260.js';
import { badRequest } from '../errors.js';
import type { RegionRow } from '../storage/regions.js';

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

const six = (code: string) => code.padEnd(6, '0');

/** The chain from the province down to `code`, for a province, city or county code; throws for unknown codes. */
export function regionChain(code: string): RegionRow[] {
  if (!/^\d{6}$/.test(code)) throw badRequest(`region must be a six-digit GB/T 2260 code, got "${code}"`);
  if (code.endsWith('0000')) {
    const p = province(code.slice(0, 2));
    if (!p) throw badRequest(`${code} is not a province code in GB/T 2260`);
    return [{ code, name: p.name, parent_code: null, level: 'province' }];
  }
  if (code.endsWith('00')) {
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

const cityName = (city: City | undefined, province: Province) =>
  !city || city.name === '市辖区' || city.name === '县' ? `${province.name}${city?.name === '县' ? '（县）' : ''}` : city.name;

/**
 * The chain province → city → county for a county's six-digit code (e.g. 330106 西湖区),
 * as rows ready to store. Municipal districts (市辖区) keep the province's name for readability.
 */
export function countyChain(countyCode: string): RegionRow[] {
  if (!/^\d{6}$/.test(countyCode)) throw badRequest(`region must be a six-digit county code (GB/T 2260), got "${countyCode}"`);
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
