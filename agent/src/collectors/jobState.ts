import { LIMITS, type BackupJob } from '@weian/shared';
import { clip } from './helpers/parse.js';

/** What one backup job's own tool says about its runs (every job kind, wbadmin included, reads into this). */
export interface JobState {
  lastSuccessAt: string | null;
  lastAttemptAt: string | null;
  lastStatus: BackupJob['lastStatus'];
  sizeBytes: number | null;
  error: string | null;
}

/** A job whose state could not be read: status unknown, with the reason. */
export const failedJob = (error: string): JobState => ({ lastSuccessAt: null, lastAttemptAt: null, lastStatus: 'unknown', sizeBytes: null, error: clip(error, LIMITS.longText) });
