import { api, type ApiClient } from './client.js';
import { call } from './errors.js';
import type { Out } from './types.js';

type E = ApiClient['exposure'];
export type PublicTarget = Out<E['list']['query']>[number];
export type Exposure = Out<E['observations']['query']>[number];
export type Scanner = Out<E['scanners']['query']>[number];

/** Exposure seen from outside (资产测绘, issue 24): registered public targets, what scanners saw, the scanners. */
export const exposureApi = {
  targets: (institutionCode?: string) => call(() => api().exposure.list.query(institutionCode ? { institutionCode } : {})),
  register: (institutionCode: string, target: string, note: string | null) => call(() => api().exposure.register.mutate({ institutionCode, target, note })),
  remove: (id: string) => call(() => api().exposure.remove.mutate({ id })),
  observations: () => call(() => api().exposure.observations.query()),
  scanners: () => call(() => api().exposure.scanners.query()),
  revokeScanner: (scannerId: string) => call(() => api().exposure.revokeScanner.mutate({ scannerId })),
};
