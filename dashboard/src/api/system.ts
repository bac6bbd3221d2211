import { api, type ApiClient } from './client.js';
import { call } from './errors.js';
import type { Out } from './types.js';

export type BackupStatus = Out<ApiClient['system']['backup']['query']>;

/** The server's own state (administrators only). */
export const systemApi = {
  backup: () => call(() => api().system.backup.query()),
};
