#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from './config.js';
import { DomainError } from './errors.js';
import { EventBus } from './events.js';
import { startServer } from './main.js';
import { createEnrollmentToken } from './services/enrollment.js';
import type { ServiceDeps } from './services/deps.js';
import { migrate, openDb } from './storage/db.js';
import type { Role } from './storage/schema.js';
import { createUser } from './services/users.js';
import { ROLES } from './services/scope.js';
import { recordAudit } from './services/audit.js';
import { seedDemo } from './services/demo.js';
import { listInstitutions } from './storage/institutions.js';
import type { Principal } from './services/auth.js';

/** Who the CLI acts as where a service needs a principal: an admin, audited as the CLI. */
const SYSTEM_PRINCIPAL: Principal = { userId: 'cli', username: 'weian-server', displayName: 'CLI', role: 'admin', scopeCode: null, scope: { kind: 'all' }, regionCode: null, institutionCode: null };

const USAGE = `weian-server <command>

Commands:
  serve [--port N] [--tls-cert FILE --tls-key FILE]   run the server (WEIAN_PORT, WEIAN_DATA_DIR, DATABASE_URL)
  migrate                                             create or upgrade the database schema, then exit
  user add --username U --role admin|province|city|county|institution [--scope CODE] [--name NAME] --password-stdin
                                                      add a user; the password is read from standard input
  seed-demo [--if-empty] [--days N] [--scale X]       seed a living demo county (西湖区): institutions, hosts, records
                                                      and N days (default 90) of history through the real ingest
  token create --institution CODE [--name NAME] [--region COUNTY_CODE] [--uses N] [--expires-hours H]
                                                      create an enrollment token (printed alone on the last line);
                                                      a missing institution is created under the county --region
`;

async function withDeps<T>(fn: (deps: ServiceDeps) => Promise<T>): Promise<T> {
  const config = loadConfig();
  const handle = openDb({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  try {
    await migrate(handle.db);
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

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'serve': {
      const { values } = parseArgs({ args: rest, options: { port: { type: 'string' }, 'tls-cert': { type: 'string' }, 'tls-key': { type: 'string' } } });
      if (Boolean(values['tls-cert']) !== Boolean(values['tls-key'])) throw new ConfigError('--tls-cert and --tls-key go together');
      const server = await startServer({
        ...(values.port ? { port: Number(values.port) } : {}),
        ...(values['tls-cert'] ? { tls: { cert: values['tls-cert'], key: values['tls-key']! } } : {}),
      });
      const stop = async (signal: string) => {
        console.log(`${signal}: shutting down`);
        await server.close();
        process.exit(0);
      };
      process.once('SIGINT', () => void stop('SIGINT'));
      process.once('SIGTERM', () => void stop('SIGTERM'));
      return new Promise(() => {});
    }
    case 'migrate': {
      const r = await withDeps(async (deps) => migrate(deps.db));
      console.log(`migrations applied: ${r.results?.filter((m) => m.status === 'Success').map((m) => m.migrationName).join(', ') || 'none (up to date)'}`);
      return 0;
    }
    case 'user': {
      const [sub, ...args] = rest;
      if (sub !== 'add') break;
      const { values } = parseArgs({
        args,
        options: { username: { type: 'string' }, role: { type: 'string' }, scope: { type: 'string' }, name: { type: 'string' }, 'password-stdin': { type: 'boolean' } },
      });
      if (!values.username || !values.role) throw new ConfigError('user add needs --username U and --role R');
      if (!values['password-stdin']) throw new ConfigError('give the password on standard input with --password-stdin (never on the command line)');
      const role = values.role as Role;
      if (!ROLES.includes(role)) throw new ConfigError(`--role must be one of ${ROLES.join(', ')}`);
      const password = (await readStdin()).replace(/\r?\n$/, '');
      const u = await withDeps(async (deps) => {
        const created = await createUser(deps, 'cli', { username: values.username!, role, scopeCode: values.scope ?? null, displayName: values.name, password });
        await recordAudit(deps, { actor: { type: 'cli', id: null, name: 'weian-server' }, action: 'users.create', regionCode: created.regionCode, institutionCode: created.institutionCode, detail: { username: created.username, role } });
        return created;
      });
      console.log(`user ${u.username} (${u.role}${u.scopeCode ? ` ${u.scopeCode}` : ''}) created`);
      return 0;
    }
    case 'seed-demo': {
      const { values } = parseArgs({ args: rest, options: { 'if-empty': { type: 'boolean' }, days: { type: 'string' }, scale: { type: 'string' } } });
      const r = await withDeps(async (deps) => {
        if (values['if-empty'] && (await listInstitutions(deps.db, { kind: 'all' })).some((i) => i.code.startsWith('330106'))) return null;
        const started = Date.now();
        const seeded = await seedDemo(deps, SYSTEM_PRINCIPAL, { days: values.days ? Number(values.days) : 90, scale: values.scale ? Number(values.scale) : 1, log: (m) => console.log(m) });
        await recordAudit(deps, { actor: { type: 'cli', id: null, name: 'weian-server' }, action: 'demo.seed', detail: seeded });
        return { ...seeded, seconds: Math.round((Date.now() - started) / 100) / 10 };
      });
      console.log(r ? `demo seeded: ${r.institutions} institutions, ${r.hosts} hosts, ${r.days} days of history (${r.seconds} s)` : 'demo data already present: nothing to do');
      return 0;
    }
    case 'token': {
      const [sub, ...args] = rest;
      if (sub !== 'create') break;
      const { values } = parseArgs({
        args,
        options: { institution: { type: 'string' }, name: { type: 'string' }, region: { type: 'string' }, uses: { type: 'string' }, 'expires-hours': { type: 'string' } },
      });
      if (!values.institution) throw new ConfigError('token create needs --institution CODE');
      const t = await withDeps((deps) =>
        createEnrollmentToken(deps, {
          institutionCode: values.institution!,
          institutionName: values.name,
          regionCode: values.region,
          uses: values.uses ? Number(values.uses) : 1,
          expiresInHours: values['expires-hours'] ? Number(values['expires-hours']) : 72,
          createdBy: 'cli',
        }),
      );
      console.log(`enrollment token for institution ${t.institutionCode}, ${t.uses} use(s), expires ${t.expiresAt ?? 'never'}:`);
      console.log(t.token);
      return 0;
    }
    case undefined:
    case 'help':
    case '--help':
      console.log(USAGE);
      return 0;
  }
  console.error(`unknown command: ${argv.join(' ')}\n\n${USAGE}`);
  return 2;
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code !== undefined) process.exitCode = code;
  },
  (e: unknown) => {
    if (e instanceof ConfigError || e instanceof DomainError || (e as { code?: string }).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
      console.error(`weian-server: ${(e as Error).message}`);
      process.exitCode = 2;
    } else {
      console.error(e);
      process.exitCode = 1;
    }
  },
);
