import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
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
import { migrate, openDb, type Dialect } from '../storage/db.js';

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
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
    databaseUrl = PG_ADMIN_URL.replace(/\/[^/]*$/, `/${name}`);
    dropDatabase = async () => {
      const c = new pg.Client({ connectionString: PG_ADMIN_URL });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    };
  }
  const handle = openDb({ databaseUrl, dataDir });
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
