import { api, type ApiClient } from './client.js';
import { call } from './errors.js';
import type { In, Out } from './types.js';

type D = ApiClient['dataRegister'];
export type DataRegisterView = Out<D['get']['query']>;
export type DataRegisterEntryInput = In<D['saveEntry']['mutate']>['entry'];
export type ImportantDataFiling = In<D['saveFiling']['mutate']>['filing'];

export const dataRegisterApi = {
  get: (institutionCode: string) => call(() => api().dataRegister.get.query({ institutionCode })),
  saveEntry: (institutionCode: string, entry: DataRegisterEntryInput, id?: string) => call(() => api().dataRegister.saveEntry.mutate({ institutionCode, entry, id })),
  removeEntry: (institutionCode: string, id: string) => call(() => api().dataRegister.removeEntry.mutate({ institutionCode, id })),
  saveFiling: (institutionCode: string, filing: ImportantDataFiling) => call(() => api().dataRegister.saveFiling.mutate({ institutionCode, filing })),
};
