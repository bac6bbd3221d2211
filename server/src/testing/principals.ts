import { DomainError } from '../errors.js';
import type { Principal } from '../services/auth.js';

/** Principals for service tests (as a session would resolve them) and the outcome of a call in one word. */
export const ADMIN: Principal = { userId: 'u_admin', username: 'admin', displayName: 'admin', role: 'admin', scopeCode: null, scope: { kind: 'all' }, regionCode: null, institutionCode: null };
export const institutionUser = (code: string, regionCode: string): Principal => ({
  userId: `u_${code.toLowerCase()}`,
  username: `xinxike-${code.toLowerCase()}`,
  displayName: '信息科',
  role: 'institution',
  scopeCode: code,
  scope: { kind: 'institution', code },
  regionCode,
  institutionCode: code,
});
/** Institution A, in 西湖区 (330106). */
export const INST_A = institutionUser('A', '330106');
export const county = (code: string): Principal => ({
  userId: `u_${code}`,
  username: `county-${code}`,
  displayName: code,
  role: 'county',
  scopeCode: code,
  scope: { kind: 'region', code, prefix: code },
  regionCode: code,
  institutionCode: null,
});

/** 'ok', a DomainError's code (FORBIDDEN, BAD_REQUEST …), or another error's name (ZodError). */
export const outcome = async (p: Promise<unknown>): Promise<string> => {
  try {
    await p;
    return 'ok';
  } catch (e) {
    return e instanceof DomainError ? e.code : (e as Error).name;
  }
};
