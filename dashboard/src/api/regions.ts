import { api, type ApiClient } from './client.js';
import { call } from './errors.js';
import type { In, Out } from './types.js';

export type RegionTree = Out<ApiClient['regions']['tree']['query']>;
export type RegionRow = RegionTree['regions'][number];
export type InstitutionRow = RegionTree['institutions'][number];
export type RegionOverview = Out<ApiClient['regions']['overview']['query']>;
export type RegionSettingsEnvelope = Out<ApiClient['regions']['settings']['query']>;
export type RegionSettings = RegionSettingsEnvelope['settings'];
export type RegionSettingsInput = In<ApiClient['regions']['putSettings']['mutate']>['settings'];

export const regionsApi = {
  tree: () => call(() => api().regions.tree.query()),
  overview: (regionCode: string) => call(() => api().regions.overview.query({ regionCode })),
  settings: (regionCode: string) => call(() => api().regions.settings.query({ regionCode })),
  putSettings: (regionCode: string, settings: RegionSettingsInput) => call(() => api().regions.putSettings.mutate({ regionCode, settings })),
};
