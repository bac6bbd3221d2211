import { sql, type ExpressionBuilder, type RawBuilder, type SqlBool } from 'kysely';

/**
 * What a caller may see. Region codes are GB/T 2260: a province is its first 2 digits, a city its
 * first 4, a county all 6, so "under a region" is a prefix match on the institution's region code.
 */
export type Scope = { kind: 'all' } | { kind: 'region'; code: string; prefix: string } | { kind: 'institution'; code: string };

/**
 * The scope filter that every scoped query applies in SQL, so out-of-scope rows are never fetched.
 * `cols` names the query's region-code and institution-code columns (e.g. the joined institutions table).
 */
export function inScope(scope: Scope, cols: { region: string; institution: string }) {
  // Column names are ours (never user input); the values are bound parameters.
  return (_eb: ExpressionBuilder<never, never>): RawBuilder<SqlBool> =>
    scope.kind === 'all'
      ? sql<SqlBool>`1 = 1`
      : scope.kind === 'institution'
        ? sql<SqlBool>`${sql.ref(cols.institution)} = ${scope.code}`
        : sql<SqlBool>`${sql.ref(cols.region)} like ${`${scope.prefix}%`}`;
}

export const INSTITUTION_COLS = { region: 'institutions.region_code', institution: 'institutions.code' } as const;
