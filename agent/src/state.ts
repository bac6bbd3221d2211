import { mkdir, open, readFile, rename } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { SectionName } from '@weian/shared';
import type { UpgradeOutcome } from '@weian/shared/agentCommands';

/** What the agent remembers between runs, beside its config. */
export interface SyncState {
  /** Hash per section of the last report the server acknowledged: the base of delta sync. */
  acknowledged: Partial<Record<SectionName, string>>;
  /** Sections the server asked to have re-sent in full. */
  resend: SectionName[];
  lastSyncAt: string | null;
  lastError: { at: string; message: string } | null;
  /** Set when the server refused the agent's credentials (revoked): the agent stops and says why. */
  revoked: { at: string; message: string } | null;
  /** How the last upgrade ended, kept until a heartbeat has told the server. */
  upgrade?: UpgradeOutcome;
}

export const emptyState = (): SyncState => ({ acknowledged: {}, resend: [], lastSyncAt: null, lastError: null, revoked: null });

export async function loadState(path: string): Promise<SyncState> {
  try {
    return { ...emptyState(), ...(JSON.parse(await readFile(path, 'utf8')) as Partial<SyncState>) };
  } catch {
    return emptyState();
  }
}

/** Atomic and durable: write a temp file, fsync it, rename over the old one. */
export async function writeFileDurable(path: string, content: string, mode = 0o600): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.${Date.now()}.tmp`;
  const fh = await open(tmp, 'w', mode);
  try {
    await fh.writeFile(content);
    await fh.sync();
  } finally {
    await fh.close();
  }
  await rename(tmp, path);
}

export const saveState = (path: string, state: SyncState) => writeFileDurable(path, JSON.stringify(state, null, 2));
