import { api, type ApiClient } from './client.js';
import { call } from './errors.js';
import type { In, Out } from './types.js';

type I = ApiClient['institutions'];
export type InstitutionDetail = Out<I['get']['query']>;
export type InstitutionRecords = Out<I['records']['query']>;
export type InstitutionFindings = Out<I['findings']['query']>;
export type Finding = InstitutionFindings['failingHostFindings'][number];
export type FindingTransition = InstitutionFindings['history'][number];
export type Ranking = Out<I['ranking']['query']>;
export type RankingRow = Ranking['rows'][number];
export type RankingInput = In<I['ranking']['query']>;
export type RankingSort = NonNullable<RankingInput['sort']>;
export type GovernanceInput = In<I['addGovernance']['mutate']>['record'];
export type ExceptionInput = In<I['addException']['mutate']>['exception'];
export type SystemInput = In<I['saveSystem']['mutate']>['system'];

export const institutionsApi = {
  get: (institutionCode: string) => call(() => api().institutions.get.query({ institutionCode })),
  records: (institutionCode: string) => call(() => api().institutions.records.query({ institutionCode })),
  findings: (institutionCode: string) => call(() => api().institutions.findings.query({ institutionCode })),
  ranking: (input: RankingInput) => call(() => api().institutions.ranking.query(input)),
  addGovernance: (institutionCode: string, record: GovernanceInput) => call(() => api().institutions.addGovernance.mutate({ institutionCode, record })),
  removeGovernance: (institutionCode: string, id: string) => call(() => api().institutions.removeGovernance.mutate({ institutionCode, id })),
  addException: (institutionCode: string, exception: ExceptionInput) => call(() => api().institutions.addException.mutate({ institutionCode, exception })),
  removeException: (institutionCode: string, id: string) => call(() => api().institutions.removeException.mutate({ institutionCode, id })),
  saveSystem: (institutionCode: string, system: SystemInput, id?: string) => call(() => api().institutions.saveSystem.mutate({ institutionCode, system, id })),
  removeSystem: (institutionCode: string, id: string) => call(() => api().institutions.removeSystem.mutate({ institutionCode, id })),
};
