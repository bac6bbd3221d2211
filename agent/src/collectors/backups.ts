import { z } from 'zod';
import { LIMITS, type BackupJob } from '@weian/shared';
import type { BackupJobConfig } from '../config.js';
import type { Runner } from '../runner.js';
import { findNewest, type NewestMatch } from './helpers/glob.js';
import { capList, clip, describeFailure, epochToIso, isRecord, localTimeToIso, mapLimit, num, parseJson } from './helpers/parse.js';
import { statPath, utcOffsetMinutes } from './helpers/probe.js';
import { runPowerShell } from './helpers/powershell.js';
import type { Collector } from './types.js';
import { parseWbadmin, WBADMIN_SCRIPT } from './wbadmin.js';
import { failedJob as failed, type JobState } from './jobState.js';

/** A files job: the newest artifact is the last success; an empty artifact is a failed run. */
export function filesState(m: NewestMatch, pattern: string): JobState {
  if (!m.newest) return failed(m.capped ? `no file matching ${pattern} among the first ${m.visited} entries read` : `no file matches ${pattern}`);
  const at = epochToIso(m.newest.mtimeMs);
  const empty = m.newest.size === 0;
  return {
    lastSuccessAt: empty ? null : at,
    lastAttemptAt: at,
    lastStatus: empty ? 'failed' : 'success',
    sizeBytes: m.newest.size,
    error: empty ? `the newest artifact ${clip(m.newest.path, 1000)} is empty` : null,
  };
}

/** `restic snapshots --json`: [{time: "2024-05-10T02:00:03.123456789+08:00", summary?: {total_bytes_processed}}]. */
export function parseResticSnapshots(out: string): JobState {
  const json = parseJson(out);
  if (!Array.isArray(json)) return failed('restic printed no snapshot list');
  let best: { at: string; size: number | null } | null = null;
  for (const s of json.filter(isRecord)) {
    const at = typeof s.time === 'string' ? localTimeToIso(s.time, 0) : null;
    if (at && (!best || at > best.at)) best = { at, size: isRecord(s.summary) ? num(s.summary.total_bytes_processed) : null };
  }
  if (!best) return failed('the restic repository holds no snapshot');
  return { lastSuccessAt: best.at, lastAttemptAt: best.at, lastStatus: 'success', sizeBytes: best.size, error: null };
}

/** `borg info --json --last 1`: archives[].start is local time without an offset (borg 1.x). */
export function parseBorgInfo(out: string, offsetMinutes: number): JobState {
  const json = parseJson(out);
  if (!isRecord(json) || !Array.isArray(json.archives)) return failed('borg printed no archive list');
  const a = json.archives.filter(isRecord).at(-1);
  if (!a) return failed('the borg repository holds no archive');
  const at = typeof a.start === 'string' ? localTimeToIso(a.start, offsetMinutes) : null;
  const end = typeof a.end === 'string' ? localTimeToIso(a.end, offsetMinutes) : at;
  const size = isRecord(a.stats) ? num(a.stats.original_size) : null;
  return { lastSuccessAt: end, lastAttemptAt: at, lastStatus: end ? 'success' : 'unknown', sizeBytes: size, error: end ? null : 'the last borg archive has no readable time' };
}

/** What a `command` job prints: one small JSON object. */
export const CommandResult = z.object({
  lastSuccessAt: z.string().nullable().optional(),
  lastAttemptAt: z.string().nullable().optional(),
  status: z.enum(['success', 'failed', 'unknown']).optional(),
  sizeBytes: z.number().nonnegative().nullable().optional(),
});

export function parseCommandResult(out: string): JobState {
  const parsed = CommandResult.safeParse(parseJson(out));
  if (!parsed.success) return failed(`the command did not print the expected JSON {lastSuccessAt, lastAttemptAt, status, sizeBytes}: ${clip(out.trim(), 200) || 'empty output'}`);
  const r = parsed.data;
  const iso = (s: string | null | undefined) => (s ? localTimeToIso(s, 0) : null);
  const lastSuccessAt = iso(r.lastSuccessAt);
  const lastAttemptAt = iso(r.lastAttemptAt) ?? lastSuccessAt;
  return {
    lastSuccessAt,
    lastAttemptAt,
    lastStatus: r.status ?? (lastSuccessAt && lastSuccessAt === lastAttemptAt ? 'success' : 'unknown'),
    sizeBytes: r.sizeBytes ?? null,
    error: r.lastSuccessAt && !lastSuccessAt ? `unreadable time ${clip(r.lastSuccessAt, 100)}` : null,
  };
}

/** A restore-evidence file: its JSON {"testedAt": "…"} when it holds one, else its modification time. */
export function restoreTestedAt(content: string | null, mtimeMs: number | null): string | null {
  const json = content === null ? null : parseJson(content);
  if (isRecord(json) && typeof json.testedAt === 'string') {
    const at = localTimeToIso(json.testedAt, 0);
    if (at) return at;
  }
  return mtimeMs === null ? null : epochToIso(mtimeMs);
}

const EXEC = { timeoutMs: 120_000, maxBytes: 4 * 1024 * 1024 };

async function readJob(runner: Runner, job: BackupJobConfig, offset: number): Promise<JobState> {
  switch (job.kind) {
    case 'files': {
      const m = await runner.call(`glob:${job.glob}`, () => findNewest(job.glob, { windows: runner.platform === 'win32' }));
      const state = filesState(m, job.glob);
      if (!m.capped) return state;
      const note = `stopped after reading ${m.visited} directory entries: the newest artifact may be among those not read`;
      return { ...state, error: clip(state.error ? `${state.error}; ${note}` : note, LIMITS.longText) };
    }
    case 'restic': {
      const args = ['-r', job.repository, ...(job.passwordFile ? ['--password-file', job.passwordFile] : []), 'snapshots', '--json', '--no-lock'];
      const r = await runner.exec('restic', args, EXEC);
      return r.code === 0 ? parseResticSnapshots(r.stdout) : failed(describeFailure('restic snapshots', r));
    }
    case 'borg': {
      const env: Record<string, string> = { BORG_RELOCATED_REPO_ACCESS_IS_OK: 'yes', BORG_UNKNOWN_UNENCRYPTED_REPO_ACCESS_IS_OK: 'yes' };
      if (job.passphraseFile) env.BORG_PASSCOMMAND = `cat ${job.passphraseFile}`;
      const r = await runner.exec('borg', ['info', '--json', '--last', '1', job.repository], { ...EXEC, env });
      return r.code === 0 ? parseBorgInfo(r.stdout, offset) : failed(describeFailure('borg info', r));
    }
    case 'command': {
      const [cmd, ...args] = job.command;
      const r = await runner.exec(cmd!, args, { timeoutMs: 120_000, maxBytes: 64 * 1024 });
      return r.code === 0 ? parseCommandResult(r.stdout) : failed(describeFailure(job.command.join(' '), r));
    }
    case 'wbadmin': {
      if (runner.platform !== 'win32') return failed('Windows Server Backup exists only on Windows');
      const ps = await runPowerShell(runner, WBADMIN_SCRIPT, 120_000);
      return ps.json === null ? failed(`Windows Server Backup could not be read: ${ps.problem}`) : parseWbadmin(ps.json);
    }
  }
}

async function restoreEvidence(runner: Runner, path: string | undefined): Promise<string | null> {
  if (!path) return null;
  const [content, st] = await Promise.all([runner.readFile(path, 4096), statPath(runner, path)]);
  return restoreTestedAt(content, st?.mtimeMs ?? null);
}

export const backups: Collector<'backups'> = {
  section: 'backups',
  // Remote restic/borg repositories answer slowly.
  timeoutMs: 150_000,
  async collect({ runner, config }) {
    if (!config.backups.length) return { status: 'ok', data: { configured: false, jobs: [] } };
    const warnings: string[] = [];
    const declared = capList(config.backups, LIMITS.backupJobs, 'backup jobs', warnings);
    const offset = await utcOffsetMinutes(runner);
    const jobs = await mapLimit(declared, 4, async (job): Promise<BackupJob> => {
      const [state, lastRestoreTestAt] = await Promise.all([readJob(runner, job, offset).catch((e: Error) => failed(e.message)), restoreEvidence(runner, job.restoreEvidence)]);
      return { name: clip(job.name), kind: job.kind, ...state, offsite: job.offsite, lastRestoreTestAt, intervalHours: job.intervalHours };
    });
    return { status: 'ok', data: { configured: true, jobs }, ...(warnings.length ? { warnings: warnings.slice(0, LIMITS.warnings) } : {}) };
  },
};
