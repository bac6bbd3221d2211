#!/usr/bin/env node
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { arrangementProblems, HolidayArrangementSchema } from '@weian/shared';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { ConfigError, loadConfig } from './config.js';
import { DomainError } from './errors.js';
import { environmentHelp } from './envHelp.js';
import { EventBus } from './events.js';
import { startServer } from './main.js';
import { onParentExit } from './parentWatch.js';
import { createEnrollmentToken } from './services/enrollment.js';
import type { ServiceDeps } from './services/deps.js';
import { migrate, openDb } from './storage/db.js';
import { describeOpenError, hasSchema, isPostgresUrl, sqliteExists, sqliteFile } from './storage/databaseState.js';
import type { Role } from './storage/schema.js';
import { createUser } from './services/users.js';
import { ROLES } from './services/scope.js';
import { recordAudit } from './services/audit.js';
import { demoPresent, seedDemo } from './services/demo.js';
import { loadArrangement } from './services/calendar.js';
import { makeBackup } from './services/serverBackup.js';
import { restoreSqlite, BackupError } from './storage/backup.js';
import { runningServerPid } from './pidFile.js';
import type { Principal } from './services/auth.js';
import { WEIAN_VERSION } from '@weian/shared/version';

/** Who the CLI acts as where a service needs a principal: an admin, audited as the CLI. */
const SYSTEM_PRINCIPAL: Principal = { userId: 'cli', username: 'weian-server', displayName: 'CLI', role: 'admin', scopeCode: null, scope: { kind: 'all' }, regionCode: null, institutionCode: null };
const CLI_ACTOR = { type: 'cli', id: null, name: 'weian-server' } as const;

const ENV_NOTE = `The database is the SQLite file weian.sqlite in WEIAN_DATA_DIR (default ./data), or the PostgreSQL
database of DATABASE_URL. From a source checkout run these as \`pnpm weian-server <command>\`.`;
const INIT_NOTE = '--init  create the database when there is none yet (otherwise the command refuses, naming the path)';

/** One entry per command: its usage text, its options, and what it does. */
interface Command {
  usage: string;
  options: NonNullable<ParseArgsConfig['options']>;
  /** Names of the positional arguments it takes (all required). */
  positionals?: string[];
  run(values: Record<string, string | boolean | undefined>, positionals: string[]): Promise<number>;
}

/** Relative file arguments are the user's: pnpm runs scripts in the repository root, INIT_CWD is where the user typed. */
const userPath = (p: string) => resolve(process.env.INIT_CWD ?? process.cwd(), p);

/** Opens the configured database for a one-shot command, refusing to create a new one without --init. */
async function withDeps<T>(init: boolean, fn: (deps: ServiceDeps) => Promise<T>): Promise<T> {
  const config = loadConfig();
  const pg = isPostgresUrl(config.databaseUrl);
  if (!pg && !init && !sqliteExists(config.dataDir))
    throw new ConfigError(
      `no database at ${sqliteFile(config.dataDir)}: this command would create a new, empty one. ` + `Point WEIAN_DATA_DIR (or DATABASE_URL) at the server's data, or add --init to create it here`,
    );
  const isNew = !pg && !sqliteExists(config.dataDir);
  const handle = openDb({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  try {
    let fresh = isNew;
    try {
      if (pg && !(await hasSchema(handle.db))) {
        if (!init) throw new ConfigError(`the PostgreSQL database ${handle.location} has no WeiAn tables: this command would set up a new one. Check DATABASE_URL, or add --init to set it up`);
        fresh = true;
      }
      await migrate(handle.db);
    } catch (e) {
      if (e instanceof ConfigError) throw e;
      throw new ConfigError(describeOpenError(e, config));
    }
    console.error(`weian-server: database ${handle.location}${fresh ? ' (created)' : ''}`);
    return await fn({ db: handle.db, dialect: handle.dialect, bus: new EventBus(), now: () => new Date() });
  } finally {
    await handle.close();
  }
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

const num = (name: string, v: string | boolean | undefined, fallback: number, min = 0): number => {
  if (v === undefined) return fallback;
  const n = Number(v);
  if (typeof v !== 'string' || !Number.isFinite(n) || n < min) throw new ConfigError(`--${name} must be a number${min > 0 ? ` ≥ ${min}` : ''}, got ${JSON.stringify(v)}`);
  return n;
};
const str = (v: string | boolean | undefined): string | undefined => (typeof v === 'string' ? v : undefined);

const init = { init: { type: 'boolean' } } as const;

const COMMANDS: Record<string, Command> = {
  serve: {
    usage: `weian-server serve [--port N] [--tls-cert FILE --tls-key FILE [--tls-ca FILE]]
  Runs the server (WEIAN_PORT, WEIAN_HOST, WEIAN_DATA_DIR, DATABASE_URL, WEIAN_ADMIN_PASSWORD).
  Creates and migrates the database on its first start; its "listening" log line names the database.
  Stops on SIGINT/SIGTERM, and when the process that started it (pnpm) exits.
  --tls-ca: the private CA that signed the certificate; served at /agent/ca.pem for the install lines.`,
    options: { port: { type: 'string' }, 'tls-cert': { type: 'string' }, 'tls-key': { type: 'string' }, 'tls-ca': { type: 'string' } },
    async run(values) {
      const cert = str(values['tls-cert']);
      const key = str(values['tls-key']);
      const ca = str(values['tls-ca']);
      if (Boolean(cert) !== Boolean(key)) throw new ConfigError('--tls-cert and --tls-key go together');
      if (ca && !cert) throw new ConfigError('--tls-ca goes with --tls-cert and --tls-key');
      const server = await startServer({
        ...(values.port !== undefined ? { port: num('port', values.port, 8080) } : {}),
        ...(cert && key ? { tls: { cert: userPath(cert), key: userPath(key), ...(ca ? { ca: userPath(ca) } : {}) } } : {}),
      });
      let stopping = false;
      const stop = async (why: string) => {
        if (stopping) return;
        stopping = true;
        console.log(`${why}: shutting down`);
        await server.close();
        process.exit(0);
      };
      process.once('SIGINT', () => void stop('SIGINT'));
      process.once('SIGTERM', () => void stop('SIGTERM'));
      onParentExit(() => void stop('parent process exited'));
      return new Promise(() => {});
    },
  },
  migrate: {
    usage: `weian-server migrate [--init]
  Upgrades the database schema, then exits.
  ${INIT_NOTE}`,
    options: { ...init },
    async run(values) {
      // withDeps migrates; what it applied is what this command reports.
      const r = await withDeps(values.init === true, async (deps) => migrate(deps.db));
      console.log(
        `migrations applied: ${
          r.results
            ?.filter((m) => m.status === 'Success')
            .map((m) => m.migrationName)
            .join(', ') || 'none (up to date)'
        }`,
      );
      return 0;
    },
  },
  'user add': {
    usage: `weian-server user add --username U --role admin|province|city|county|institution [--scope CODE] [--name NAME] --password-stdin [--init]
  Adds a user; the password is read from standard input (never from the command line).
  The scope is a GB/T 2260 region code or an institution code.
  ${INIT_NOTE}`,
    options: { username: { type: 'string' }, role: { type: 'string' }, scope: { type: 'string' }, name: { type: 'string' }, 'password-stdin': { type: 'boolean' }, ...init },
    async run(values) {
      const username = str(values.username);
      if (!username || !values.role) throw new ConfigError('user add needs --username U and --role R');
      if (!values['password-stdin']) throw new ConfigError('give the password on standard input with --password-stdin (never on the command line)');
      const role = values.role as Role;
      if (!ROLES.includes(role)) throw new ConfigError(`--role must be one of ${ROLES.join(', ')}`);
      const password = (await readStdin()).replace(/\r?\n$/, '');
      const u = await withDeps(values.init === true, async (deps) => {
        const created = await createUser(deps, 'cli', { username, role, scopeCode: str(values.scope) ?? null, displayName: str(values.name), password });
        await recordAudit(deps, { actor: CLI_ACTOR, action: 'users.create', regionCode: created.regionCode, institutionCode: created.institutionCode, detail: { username: created.username, role } });
        return created;
      });
      console.log(`user ${u.username} (${u.role}${u.scopeCode ? ` ${u.scopeCode}` : ''}) created`);
      return 0;
    },
  },
  'seed-demo': {
    usage: `weian-server seed-demo [--days N] [--scale X] [--init]   (pnpm demo)
  Seeds a living demo county (西湖区): institutions, hosts, records and N days (default 90) of history
  through the real ingest. Does nothing when the demo county is already there (no doubling).
  ${INIT_NOTE}`,
    // --if-empty: the old spelling of what is now always done.
    options: { 'if-empty': { type: 'boolean' }, days: { type: 'string' }, scale: { type: 'string' }, ...init },
    async run(values) {
      const r = await withDeps(values.init === true, async (deps) => {
        if (await demoPresent(deps)) return null;
        const started = Date.now();
        const seeded = await seedDemo(deps, SYSTEM_PRINCIPAL, { days: num('days', values.days, 90, 1), scale: num('scale', values.scale, 1), log: (m) => console.log(m) });
        await recordAudit(deps, { actor: CLI_ACTOR, action: 'demo.seed', detail: seeded });
        return { ...seeded, seconds: Math.round((Date.now() - started) / 100) / 10 };
      });
      console.log(
        r ? `demo seeded: ${r.institutions} institutions, ${r.hosts} hosts, ${r.days} days of history (${r.seconds} s)` : 'demo data already present: nothing to do (seeding again would double it)',
      );
      return 0;
    },
  },
  'token create': {
    usage: `weian-server token create --institution CODE [--name NAME] [--region COUNTY_CODE] [--uses N] [--expires-hours H] [--init]
  Creates an enrollment token, printed alone on the last line of standard output; a missing
  institution is created under the county --region. A value starting with "-" is written --name=-….
  ${INIT_NOTE}`,
    options: { institution: { type: 'string' }, name: { type: 'string' }, region: { type: 'string' }, uses: { type: 'string' }, 'expires-hours': { type: 'string' }, ...init },
    async run(values) {
      const institutionCode = str(values.institution);
      if (!institutionCode) throw new ConfigError('token create needs --institution CODE');
      const uses = num('uses', values.uses, 1, 1);
      const expiresInHours = num('expires-hours', values['expires-hours'], 72, 1);
      const t = await withDeps(values.init === true, (deps) =>
        createEnrollmentToken(deps, { institutionCode, institutionName: str(values.name), regionCode: str(values.region), uses, expiresInHours, createdBy: 'cli' }),
      );
      console.log(`enrollment token for institution ${t.institutionCode}, ${t.uses} use(s), expires ${t.expiresAt ?? 'never'}:`);
      console.log(t.token);
      return 0;
    },
  },
  backup: {
    usage: `weian-server backup --to FILE
  Writes a consistent copy of the SQLite database to FILE while the server keeps running (agents go on
  reporting; what was committed when the copy began is in it), checks it opens whole, and writes its
  SHA-256 beside it (FILE.sha256). Recorded in the audit log; the dashboard (系统状态) shows the age of
  the last one. The server also backs itself up on schedule: \`weian-server help env\`, WEIAN_BACKUP_*.
  On PostgreSQL use pg_dump instead (docs/operations.md).`,
    options: { to: { type: 'string' } },
    async run(values) {
      const to = str(values.to);
      if (!to) throw new ConfigError('backup needs --to FILE');
      const config = loadConfig();
      if (isPostgresUrl(config.databaseUrl))
        throw new ConfigError(
          `the database is PostgreSQL (${config.databaseUrl.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@')}): back it up with pg_dump --format=custom --file ${to} "$DATABASE_URL" (docs/operations.md)`,
        );
      const path = userPath(to);
      let last = -1;
      const r = await withDeps(false, (deps) =>
        makeBackup(deps, {
          dataDir: config.dataDir,
          to: path,
          kind: 'manual',
          actor: CLI_ACTOR,
          onProgress: (done, total) => {
            const pct = total ? Math.floor((done / total) * 10) * 10 : 100;
            if (pct !== last && process.stderr.isTTY) process.stderr.write(`\rcopying… ${pct}%`);
            last = pct;
          },
        }),
      );
      if (process.stderr.isTTY) process.stderr.write('\n');
      console.log(`backup written: ${r.file} (${(r.bytes / 1048576).toFixed(1)} MiB, ${r.hosts} hosts, ${r.reports} reports)`);
      console.log(`sha256 ${r.sha256} (also in ${r.file}.sha256)`);
      return 0;
    },
  },
  restore: {
    usage: `weian-server restore FILE
  Puts a backup made by \`weian-server backup\` in place of the database in WEIAN_DATA_DIR. The server must
  be stopped. The backup is checked first (whole, WeiAn's, not from a newer version); the database it
  replaces is kept beside it as weian.sqlite.before-restore-<time>, so nothing is lost.`,
    options: {},
    positionals: ['FILE'],
    async run(_values, [file]) {
      const config = loadConfig();
      if (isPostgresUrl(config.databaseUrl)) throw new ConfigError('the database is PostgreSQL: restore a pg_dump file with pg_restore (docs/operations.md)');
      const running = runningServerPid(config.dataDir);
      if (running) throw new ConfigError(`a WeiAn server (pid ${running}) is running on ${config.dataDir}: stop it first (systemctl stop weian-server), then restore`);
      const path = userPath(file!);
      const sumFile = `${path}.sha256`;
      if (existsSync(sumFile)) {
        const want = readFileSync(sumFile, 'utf8').split(/\s+/)[0];
        const got = createHash('sha256').update(readFileSync(path)).digest('hex');
        if (want !== got) throw new ConfigError(`${path} does not match its checksum ${sumFile} (${got} ≠ ${want}): the copy is damaged`);
      }
      const r = restoreSqlite(path, config.dataDir, new Date());
      console.log(`restored ${path}: ${r.check.hosts} hosts, ${r.check.reports} reports${r.keptAs ? `; the database it replaced is kept as ${r.keptAs}` : ''}`);
      // A backup from an older WeiAn is brought up to this version's schema now, not at the next start.
      await withDeps(false, (deps) => recordAudit(deps, { actor: CLI_ACTOR, action: 'server.restore', detail: { file: path, hosts: r.check.hosts, reports: r.check.reports, keptAs: r.keptAs } }));
      return 0;
    },
  },
  'calendar import': {
    usage: `weian-server calendar import FILE [--init]
  Loads a year's official holiday arrangement (国务院办公厅 notice: holiday ranges and 调休 working
  days) from a JSON file in the format of docs/calendar-2027.example.json. It is validated (the whole
  year, no overlaps, 调休 days on weekends), stored, audited, and used for every working-day deadline
  on top of the packaged calendar; loading a year again replaces it.
  ${INIT_NOTE}`,
    options: { ...init },
    positionals: ['FILE'],
    async run(values, [file]) {
      const path = userPath(file!);
      let input: unknown;
      try {
        input = JSON.parse(readFileSync(path, 'utf8'));
      } catch (e) {
        throw new ConfigError(`cannot read ${path} as JSON: ${(e as Error).message}`);
      }
      const parsed = HolidayArrangementSchema.safeParse(input);
      if (!parsed.success) throw new ConfigError(`${path} is refused: ${arrangementProblems(parsed.error).join('; ')}`);
      const r = await withDeps(values.init === true, async (deps) => {
        const loaded = await loadArrangement(deps, 'weian-server', parsed.data);
        await recordAudit(deps, { actor: CLI_ACTOR, action: 'calendar.load', detail: { year: loaded.year, file: path, holidays: parsed.data.holidays.length, workdays: parsed.data.workdays.length } });
        return loaded;
      });
      console.log(`holiday arrangement for ${r.year} loaded (${parsed.data.holidays.length} holidays, ${parsed.data.workdays.length} 调休 working days); ${r.reevaluated} institution(s) re-judged`);
      return 0;
    },
  },
};

const USAGE = `weian-server <command> [options]     (from a source checkout: pnpm weian-server <command>)

Commands:
${Object.values(COMMANDS)
  .map((c) => `  ${c.usage.split('\n')[0]!.replace(/^weian-server /, '')}`)
  .join('\n')}

\`weian-server <command> --help\` explains one; \`weian-server help env\` lists every setting; \`weian-server --version\` prints the version. ${ENV_NOTE}
Every command prints the database it uses; only serve creates one without --init.`;

const isHelp = (a: string | undefined) => a === '--help' || a === '-h' || a === 'help';

/** parseArgs' own messages are long and name its API; say what to type instead. */
function parseError(e: { code: string; message: string }, usage: string): ConfigError {
  const option = /'(--?[\w-]+)/.exec(e.message)?.[1] ?? '';
  const first = usage.split('\n')[0];
  if (e.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' && /starting with a dash|argument is ambiguous/.test(e.message))
    return new ConfigError(`${option}: a value that starts with "-" must be joined to the option, e.g. ${option}=-value (usage: ${first})`);
  if (e.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') return new ConfigError(`${option}: missing or wrong value (usage: ${first})`);
  if (e.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') return new ConfigError(`unknown option ${option} (usage: ${first})`);
  return new ConfigError(`${e.message.split('\n')[0]} (usage: ${first})`);
}

async function main(argv: string[]): Promise<number> {
  // What an operator or a package test asks first: which WeiAn this is.
  if (argv[0] === '--version') {
    console.log(WEIAN_VERSION);
    return 0;
  }
  if (isHelp(argv[0]) && argv[1] === 'env') {
    console.log(environmentHelp());
    return 0;
  }
  if (argv.length === 0 || isHelp(argv[0])) {
    console.log(USAGE);
    return 0;
  }
  // Commands are one word ("serve") or two ("user add").
  const two = `${argv[0]} ${argv[1] ?? ''}`;
  const [name, rest] = COMMANDS[two] ? [two, argv.slice(2)] : [argv[0]!, argv.slice(1)];
  const command = COMMANDS[name];
  if (!command) {
    const group = Object.keys(COMMANDS).filter((k) => k.startsWith(`${argv[0]} `));
    if (group.length && (argv.length === 1 || isHelp(argv[1]))) {
      console.log(group.map((k) => COMMANDS[k]!.usage).join('\n\n'));
      return argv.length === 1 ? 2 : 0;
    }
    console.error(`weian-server: unknown command "${argv.slice(0, group.length ? 2 : 1).join(' ')}"; \`weian-server --help\` lists the commands`);
    return 2;
  }
  if (rest.some((a) => a === '--help' || a === '-h')) {
    console.log(command.usage);
    return 0;
  }
  let values: Record<string, string | boolean | undefined>;
  let positionals: string[];
  try {
    // No option is declared `multiple`, so no value is an array.
    const parsed = parseArgs({ args: rest, options: command.options, strict: true, allowPositionals: Boolean(command.positionals) });
    values = parsed.values as Record<string, string | boolean | undefined>;
    positionals = parsed.positionals;
  } catch (e) {
    const err = e as { code?: string; message: string };
    if (err.code?.startsWith('ERR_PARSE_ARGS')) throw parseError(err as { code: string; message: string }, command.usage);
    throw e;
  }
  const wanted = command.positionals ?? [];
  if (positionals.length !== wanted.length) throw new ConfigError(`${name} takes ${wanted.length ? wanted.join(' ') : 'no arguments'} (usage: ${command.usage.split('\n')[0]})`);
  return command.run(values, positionals);
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code !== undefined) process.exitCode = code;
  },
  (e: unknown) => {
    // One line, no stack: what went wrong and what to do. WEIAN_LOG=debug shows the stack of an unexpected error.
    const known = e instanceof ConfigError || e instanceof DomainError || e instanceof BackupError;
    const message = e instanceof Error ? e.message : String(e);
    console.error(`weian-server: ${message.replace(/\s*\n\s*/g, ' ')}`);
    if (!known && process.env.WEIAN_LOG === 'debug') console.error(e);
    process.exitCode = known ? 2 : 1;
  },
);
