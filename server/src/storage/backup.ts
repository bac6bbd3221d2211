import { createHash } from 'node:crypto';
import { createReadStream, existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync, writeFileSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import SQLite from 'better-sqlite3';
import { migrations } from './migrations/index.js';
import { sqliteFile } from './databaseState.js';

/**
 * The server's own backup (SQLite; PostgreSQL is backed up with pg_dump, see docs/operations.md).
 * SQLite's online backup API copies a consistent snapshot page by page while the server keeps
 * writing: agents go on reporting, and what was committed when the copy began is in it. The copy is
 * written beside its target and renamed into place only once it has been verified, so a full disk or
 * a crash never leaves a half file under the backup's name.
 */
export interface BackupResult {
  file: string;
  bytes: number;
  sha256: string;
  /** What the copy holds, read back from it: proof it opens. */
  migrations: number;
  reports: number;
  hosts: number;
}

export interface BackupCheck {
  migrations: number;
  reports: number;
  hosts: number;
  /** Migrations in the backup this server does not know: it was made by a newer WeiAn. */
  unknownMigrations: string[];
}

export class BackupError extends Error {}

const sha256Of = (file: string) =>
  new Promise<string>((resolve, reject) => {
    const h = createHash('sha256');
    createReadStream(file)
      .on('data', (d) => h.update(d))
      .on('error', reject)
      .on('end', () => resolve(h.digest('hex')));
  });

/** Opens a backup read-only and checks it is a whole WeiAn database; throws BackupError saying why not. */
export function checkBackup(file: string): BackupCheck {
  if (!existsSync(file)) throw new BackupError(`no backup at ${file}`);
  const head = readFileSync(file).subarray(0, 16).toString('latin1');
  if (head !== 'SQLite format 3\0') throw new BackupError(`${file} is not a SQLite database (a WeiAn backup is one file made by \`weian-server backup\`)`);
  let db: SQLite.Database | undefined;
  try {
    db = new SQLite(file, { readonly: true, fileMustExist: true });
    const integrity = db.pragma('integrity_check', { simple: true });
    if (integrity !== 'ok') throw new BackupError(`${file} is damaged: ${String(integrity)}`);
    const hasTable = (name: string) => Boolean(db!.prepare("select 1 from sqlite_master where type = 'table' and name = ?").get(name));
    if (!hasTable('kysely_migration') || !hasTable('report_receipts')) throw new BackupError(`${file} is a SQLite database but not WeiAn's (no migrations or report tables)`);
    const applied = (db.prepare('select name from kysely_migration').all() as Array<{ name: string }>).map((r) => r.name);
    const count = (table: string) => (db!.prepare(`select count(*) as n from ${table}`).get() as { n: number }).n;
    return { migrations: applied.length, reports: count('report_receipts'), hosts: count('hosts'), unknownMigrations: applied.filter((m) => !(m in migrations)) };
  } catch (e) {
    if (e instanceof BackupError) throw e;
    throw new BackupError(`cannot read ${file} as a backup: ${(e as Error).message}`);
  } finally {
    db?.close();
  }
}

/** A consistent copy of the data dir's database at `to`, verified, while the server may be running. */
export async function backupSqlite(dataDir: string, to: string, onProgress?: (done: number, total: number) => void): Promise<BackupResult> {
  const source = sqliteFile(dataDir);
  if (!existsSync(source)) throw new BackupError(`no database at ${source}`);
  try {
    mkdirSync(dirname(to), { recursive: true });
  } catch (e) {
    throw new BackupError(`cannot write the backup ${to}: ${(e as Error).message}`);
  }
  const partial = join(dirname(to), `.${basename(to)}.partial-${process.pid}`);
  const db = new SQLite(source, { fileMustExist: true });
  try {
    db.pragma('busy_timeout = 5000');
    await db.backup(partial, {
      progress: ({ totalPages, remainingPages }) => {
        onProgress?.(totalPages - remainingPages, totalPages);
        // Pages per step: large enough to finish quickly, small enough to let the server's writes in between.
        return 1024;
      },
    });
  } catch (e) {
    rmSync(partial, { force: true });
    throw new BackupError(`the backup to ${to} failed: ${(e as Error).message}`);
  } finally {
    db.close();
  }
  try {
    // The copy inherits WAL mode from its source; a backup is one self-contained file, with no -wal beside it.
    const copy = new SQLite(partial, { fileMustExist: true });
    copy.pragma('journal_mode = DELETE');
    copy.close();
    const check = checkBackup(partial);
    const sha256 = await sha256Of(partial);
    renameSync(partial, to);
    // The sum beside the file, in sha256sum's format, so a copy can be checked anywhere.
    writeFileSync(`${to}.sha256`, `${sha256}  ${basename(to)}\n`);
    return { file: to, bytes: statSync(to).size, sha256, migrations: check.migrations, reports: check.reports, hosts: check.hosts };
  } catch (e) {
    rmSync(partial, { force: true });
    throw e;
  }
}

/** Scheduled backups in `dir`, newest first (the names sort by time). */
export function scheduledBackups(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => /^weian-\d{8}T\d{6}Z\.sqlite$/.test(f))
    .sort()
    .reverse()
    .map((f) => join(dir, f));
}

export const scheduledBackupName = (at: Date) =>
  `weian-${at
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z')}.sqlite`;

/** Deletes scheduled backups beyond the newest `keep` (and their sums); returns what it deleted. */
export function pruneBackups(dir: string, keep: number): string[] {
  const old = scheduledBackups(dir).slice(keep);
  for (const f of old) {
    rmSync(f, { force: true });
    rmSync(`${f}.sha256`, { force: true });
  }
  return old;
}

/**
 * Puts a verified backup in place of the data dir's database. The database it replaces is kept
 * beside it (weian.sqlite.before-restore-<time>), so a restore loses nothing even when it was a mistake.
 */
export function restoreSqlite(from: string, dataDir: string, now: Date): { check: BackupCheck; keptAs: string | null } {
  const check = checkBackup(from);
  if (check.unknownMigrations.length) throw new BackupError(`${from} was made by a newer WeiAn (migrations ${check.unknownMigrations.join(', ')} are unknown here): restore it with that version`);
  const target = sqliteFile(dataDir);
  mkdirSync(dataDir, { recursive: true });
  const incoming = join(dataDir, `.weian.sqlite.restoring-${process.pid}`);
  // A copy through SQLite rather than the file: a backup is one file with no WAL beside it, and this
  // proves again that it reads end to end on this disk before anything is moved.
  const src = new SQLite(from, { readonly: true, fileMustExist: true });
  try {
    src.prepare('vacuum into ?').run(incoming);
  } catch (e) {
    rmSync(incoming, { force: true });
    throw new BackupError(`cannot copy ${from} into ${dataDir}: ${(e as Error).message}`);
  } finally {
    src.close();
  }
  let keptAs: string | null = null;
  if (existsSync(target)) {
    keptAs = `${target}.before-restore-${now
      .toISOString()
      .replace(/[-:]/g, '')
      .replace(/\.\d+Z$/, 'Z')}`;
    // Fold the WAL into the old file first, so the kept copy is whole on its own.
    const old = new SQLite(target, { fileMustExist: true });
    old.pragma('wal_checkpoint(TRUNCATE)');
    old.close();
    renameSync(target, keptAs);
    for (const side of ['-wal', '-shm']) rmSync(`${target}${side}`, { force: true });
  }
  renameSync(incoming, target);
  return { check, keptAs };
}
