import { createHash, randomUUID } from 'node:crypto';
import { copyFileSync, existsSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { REPORT_SCHEMA_VERSION, type Report, type SectionData } from '@weian/shared';
import { okSection } from '../services/sections.js';
import { hashSecret } from '../services/secrets.js';
import { EventBus } from '../events.js';
import type { AuthenticatedAgent } from '../services/agentAuth.js';
import type { ServiceDeps } from '../services/deps.js';
import { createEnrollmentToken, enrollAgent } from '../services/enrollment.js';
import { sqliteFile } from '../storage/databaseState.js';
import { migrate, openDb, type Dialect } from '../storage/db.js';
import { migrations } from '../storage/migrations/index.js';

/**
 * Real databases for service and storage tests: a fresh SQLite file, or a fresh database on the
 * PostgreSQL at 127.0.0.1:5432 (WEIAN_TEST_PG_URL overrides), dropped afterwards.
 */
export interface TestDb {
  deps: ServiceDeps;
  clock: { now: Date; advance(ms: number): void };
  /** SQLite: the directory of the database file (on PostgreSQL an empty temporary directory). */
  dataDir: string;
  close(): Promise<void>;
}

export const PG_ADMIN_URL = process.env.WEIAN_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** What the migrations would make: a template is reused only while they are unchanged (names and code). */
const SCHEMA_KEY = createHash('sha256')
  .update(
    Object.entries(migrations)
      .map(([name, m]) => `${name}\n${m.up.toString()}`)
      .join('\n'),
  )
  .digest('hex')
  .slice(0, 12);

/**
 * A database the migrations have run on, made once per schema (per machine: files and databases outlive the run)
 * and copied for each test: about a thousand test databases a run would otherwise each run every migration
 * (1-1.5 s on PostgreSQL, 0.5 s on SQLite, on 2 busy cores).
 */
let pgTemplate: Promise<string> | undefined;
const migratedPgTemplate = (admin: pg.Client) =>
  (pgTemplate ??= (async () => {
    const name = `weian_tpl_${SCHEMA_KEY}`;
    // Test files in other workers (and other runs) make the same template: one at a time.
    await admin.query(`SELECT pg_advisory_lock(hashtext('weian_test_template'))`);
    try {
      const { rows } = await admin.query<{ datname: string }>(`SELECT datname FROM pg_database WHERE datname LIKE 'weian\\_tpl\\_%' ORDER BY oid DESC`);
      if (rows.some((r) => r.datname === name)) return name;
      // Older schemas' templates: the newest few stay, for runs of other checkouts on this machine.
      for (const r of rows.slice(4)) await admin.query(`DROP DATABASE IF EXISTS ${r.datname} WITH (FORCE)`);
      const building = `${name}_building`;
      await admin.query(`DROP DATABASE IF EXISTS ${building} WITH (FORCE)`);
      await admin.query(`CREATE DATABASE ${building}`);
      const handle = openDb({ databaseUrl: PG_ADMIN_URL.replace(/\/[^/]*$/, `/${building}`), dataDir: tmpdir() });
      await migrate(handle.db);
      await handle.close();
      // Renamed when complete: a run killed mid-way leaves only a _building database, dropped by the next.
      await admin.query(`ALTER DATABASE ${building} RENAME TO ${name}`);
      return name;
    } finally {
      await admin.query(`SELECT pg_advisory_unlock(hashtext('weian_test_template'))`);
    }
  })());

let sqliteTemplate: Promise<string> | undefined;
const migratedSqliteTemplate = () =>
  (sqliteTemplate ??= (async () => {
    const file = join(tmpdir(), `weian-test-template-${SCHEMA_KEY}.sqlite`);
    if (existsSync(file)) return file;
    // Each maker writes its own copy and renames it into place: two at once both succeed.
    const dir = mkdtempSync(join(tmpdir(), 'weian-template-'));
    const handle = openDb({ dataDir: dir });
    await migrate(handle.db);
    await handle.close();
    renameSync(sqliteFile(dir), file);
    rmSync(dir, { recursive: true, force: true });
    return file;
  })());

export async function createTestDb(dialect: Dialect = 'sqlite', start = new Date('2026-11-02T02:00:00Z')): Promise<TestDb> {
  const clock = {
    now: new Date(start),
    advance(ms: number) {
      clock.now = new Date(clock.now.getTime() + ms);
    },
  };
  let dropDatabase: (() => Promise<void>) | null = null;
  let databaseUrl: string | undefined;
  const dataDir = mkdtempSync(join(tmpdir(), 'weian-db-'));
  if (dialect === 'postgres') {
    const name = `weian_test_${randomUUID().replace(/-/g, '').slice(0, 16)}`;
    const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name} TEMPLATE ${await migratedPgTemplate(admin)}`);
    await admin.end();
    databaseUrl = PG_ADMIN_URL.replace(/\/[^/]*$/, `/${name}`);
    dropDatabase = async () => {
      const c = new pg.Client({ connectionString: PG_ADMIN_URL });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    };
  } else {
    copyFileSync(await migratedSqliteTemplate(), sqliteFile(dataDir));
  }
  const handle = openDb({ databaseUrl, dataDir });
  // Nothing left to run on a copy of the template; still the real migrator, as the server runs it at start.
  await migrate(handle.db);
  const deps: ServiceDeps = { db: handle.db, dialect: handle.dialect, bus: new EventBus(), now: () => clock.now };
  return {
    deps,
    clock,
    dataDir,
    async close() {
      await handle.close();
      await dropDatabase?.();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Creates (if needed) an institution under a county and enrolls one host in it. */
export async function enrollHost(
  deps: ServiceDeps,
  opts: { institution: string; name?: string; region: string; hostname?: string; machineId?: string },
): Promise<AuthenticatedAgent & { secret: string }> {
  const { token } = await createEnrollmentToken(deps, { institutionCode: opts.institution, institutionName: opts.name ?? opts.institution, regionCode: opts.region });
  const r = await enrollAgent(deps, { token, hostname: opts.hostname ?? `${opts.institution}-srv`, machineId: opts.machineId ?? randomUUID(), agentVersion: 'test' });
  return { id: r.agentId, hostId: r.hostId, institutionCode: opts.institution, regionCode: opts.region, secret: r.secret, credential: hashSecret(r.secret) };
}

export function sampleDevice(hostname: string): SectionData['device'] {
  return {
    hostname,
    fqdn: null,
    machineId: null,
    os: { family: 'linux', distro: 'Debian GNU/Linux', release: '12', id: 'debian', codename: 'bookworm', kernel: '6.1.0', arch: 'x64' },
    hardware: { vendor: null, model: null, serial: null, uuid: null, virtual: true, virtualization: 'KVM' },
    cpu: { model: 'test cpu', cores: 2, physicalCores: 2 },
    memory: { totalBytes: 8 * 2 ** 30 },
    disks: [],
    filesystems: [],
    interfaces: [{ name: 'eth0', mac: null, addresses: [{ address: '10.0.0.5', family: 4, scope: 'private' }] }],
    hasPublicAddress: false,
    bootedAt: '2026-11-01T00:00:00.000Z',
  };
}

/** A valid report: device ok (hash given), other sections unsupported unless overridden. */
export function sampleReport(agentId: string, collectedAt: Date, overrides: Partial<Report['sections']> = {}, hostname = 'srv'): Report {
  return {
    schema: REPORT_SCHEMA_VERSION,
    reportId: randomUUID(),
    agentId,
    agentVersion: 'test',
    collectedAt: collectedAt.toISOString(),
    sections: {
      device: { status: 'ok', hash: 'd'.repeat(64), data: sampleDevice(hostname) },
      patches: { status: 'unsupported', reason: 'test' },
      ports: { status: 'unsupported', reason: 'test' },
      backups: { status: 'unsupported', reason: 'test' },
      security: { status: 'unsupported', reason: 'test' },
      ...overrides,
    },
  };
}

/** A report that says nothing new after sampleReport's: the device as the hash the server holds, the rest unsupported as before. */
export function steadyReport(agentId: string, collectedAt: Date): Report {
  const r = sampleReport(agentId, collectedAt);
  return { ...r, sections: { ...r.sections, device: { status: 'unchanged', hash: 'd'.repeat(64) } } };
}

/** Runs a describe block once per dialect, so storage and service suites cover SQLite and PostgreSQL. */
export const DIALECTS: Dialect[] = ['sqlite', 'postgres'];

const ok = okSection;

/** Host sections from a well-kept Debian host ('healthy'), the same with SSH on a public address ('exposed'), or a device alone ('bare'). */
export function hostSections(now: Date, hostname: string, kind: 'healthy' | 'exposed' | 'bare', machineId: string | null = null): Partial<Report['sections']> {
  if (kind === 'bare') return { device: ok({ ...sampleDevice(hostname), machineId }) };
  const pub = kind === 'exposed';
  const address = pub ? '202.96.1.10' : '10.0.0.5';
  return {
    device: ok({
      ...sampleDevice(hostname),
      machineId,
      interfaces: [{ name: 'eth0', mac: null, addresses: [{ address, family: 4 as const, scope: pub ? ('public' as const) : ('private' as const) }] }],
      hasPublicAddress: pub,
    }),
    patches: ok({
      manager: 'apt' as const,
      pending: [],
      pendingCount: 0,
      securityCount: 0,
      lastPatchedAt: new Date(now.getTime() - 5 * 86_400_000).toISOString(),
      rebootRequired: false,
      rebootRequiredSince: null,
    }),
    ports: ok({
      listeners: [
        {
          protocol: 'tcp' as const,
          address: pub ? '0.0.0.0' : '10.0.0.5',
          port: 22,
          pid: 1,
          process: 'sshd',
          bind: pub ? ('wildcard' as const) : ('private' as const),
          publicExposure: pub,
          service: 'ssh',
          category: 'remote-management' as const,
        },
      ],
    }),
    backups: ok({ configured: false, jobs: [] }),
    security: ok({
      firewall: { active: true, product: 'nftables' },
      antimalware: { running: null, product: null, signatureUpdatedAt: null },
      timeSync: { synchronized: true, service: 'chrony' },
      audit: { active: true, service: 'auditd' },
      ssh: { running: true, permitRootLogin: 'no', passwordAuthentication: false },
      passwordPolicy: { minLength: 10, complexity: true, maxAgeDays: 90, source: '/etc/login.defs, pam_pwquality' },
      lockout: { threshold: 5, durationMinutes: 10, source: 'pam_faillock' },
      remoteAccess: { rdpEnabled: null, rdpNla: null, smb1: null, guestEnabled: null, plaintextServices: [] },
      logRetention: { stores: [{ name: '/var/log/secure', oldestEntryAt: null, keepDays: 182, atSizeCap: null, neverDeletes: false, detail: 'logrotate: weekly, rotate 26' }] },
    }),
  };
}
