import type { CredentialsData } from '../schemas/credentials.js';
import type { DeviceData, SectionData } from '../schemas/sections.js';
import type { MlpsSystem } from '../schemas/records.js';
import type { DataRegister } from '../dataRegister.js';
import type { HostRuleInput, HostSections, InstitutionRuleInput } from './inputs.js';

/**
 * Builders for tests (here and in the server): a healthy host and institution at a fixed clock,
 * to be changed one fact at a time. Everything in them passes at FIXTURE_NOW.
 */
export const FIXTURE_NOW = new Date('2026-03-16T02:00:00Z'); // Monday 10:00 in China
const hoursAgo = (h: number) => new Date(FIXTURE_NOW.getTime() - h * 3_600_000).toISOString();
const daysAgo = (d: number) => hoursAgo(d * 24);

export function healthyDevice(os: Partial<DeviceData['os']> = {}): DeviceData {
  return {
    hostname: 'his-db-01',
    fqdn: null,
    machineId: '0123456789abcdef0123456789abcdef',
    os: { family: 'linux', distro: 'Debian GNU/Linux', release: '12', id: 'debian', codename: 'bookworm', kernel: '6.1.0-18-amd64', arch: 'x64', ...os },
    hardware: { vendor: null, model: null, serial: null, uuid: null, virtual: true, virtualization: 'kvm' },
    cpu: { model: 'Xeon', cores: 4, physicalCores: 2 },
    memory: { totalBytes: 16 * 2 ** 30 },
    disks: [],
    filesystems: [],
    interfaces: [{ name: 'eth0', mac: null, addresses: [{ address: '10.1.2.3', family: 4, scope: 'private' }] }],
    hasPublicAddress: false,
    bootedAt: hoursAgo(24),
  };
}

export function healthyData(): SectionData {
  return {
    device: healthyDevice(),
    patches: { manager: 'apt', pending: [], pendingCount: 0, securityCount: 0, lastPatchedAt: daysAgo(3), rebootRequired: false, rebootRequiredSince: null },
    ports: {
      listeners: [
        { protocol: 'tcp', address: '10.1.2.3', port: 22, pid: 1, process: 'sshd', bind: 'private', publicExposure: false, service: 'ssh', category: 'remote-management' },
        { protocol: 'tcp', address: '127.0.0.1', port: 5432, pid: 2, process: 'postgres', bind: 'loopback', publicExposure: false, service: 'postgresql', category: 'database' },
      ],
    },
    backups: {
      configured: true,
      jobs: [
        {
          name: 'his-db',
          kind: 'restic',
          lastSuccessAt: hoursAgo(2),
          lastAttemptAt: hoursAgo(2),
          lastStatus: 'success',
          sizeBytes: 1e9,
          offsite: true,
          lastRestoreTestAt: daysAgo(30),
          intervalHours: 24,
          error: null,
        },
      ],
    },
    security: {
      firewall: { active: true, product: 'nftables' },
      antimalware: { running: false, product: null, signatureUpdatedAt: null },
      timeSync: { synchronized: true, service: 'chronyd' },
      audit: { active: true, service: 'auditd' },
      ssh: { running: true, permitRootLogin: 'no', passwordAuthentication: false },
      passwordPolicy: { minLength: 12, complexity: true, maxAgeDays: 90, source: '/etc/login.defs, pam_pwquality' },
      lockout: { threshold: 5, durationMinutes: 15, source: 'pam_faillock' },
      // RDP, SMBv1 and Guest do not apply on Linux.
      remoteAccess: { rdpEnabled: null, rdpNla: null, smb1: null, guestEnabled: null, plaintextServices: [] },
      // Syslog files under logrotate kept 26 weeks, the audit log never removed.
      logRetention: {
        stores: [
          { name: '/var/log/secure', oldestEntryAt: null, keepDays: 182, atSizeCap: null, neverDeletes: false, detail: 'logrotate: weekly, rotate 26' },
          { name: 'auditd', oldestEntryAt: null, keepDays: null, atSizeCap: null, neverDeletes: true, detail: 'max_log_file_action KEEP_LOGS' },
        ],
      },
    },
  };
}

/** A healthy Windows Server 2019 host: what Windows-only rules (HOST-AUDIT-POLICY) need to pass. */
export function healthyWindowsData(): SectionData {
  const data = healthyData();
  data.device = healthyDevice({ family: 'windows', distro: 'Microsoft Windows Server 2019 Standard', release: '10.0.17763', id: 'windows', codename: null, kernel: '10.0.17763' });
  Object.assign(data.security, {
    firewall: { active: true, product: 'Windows Firewall' },
    audit: { active: true, service: 'EventLog' },
    ssh: null,
    passwordPolicy: { minLength: 8, complexity: true, maxAgeDays: 42, source: 'secedit' },
    lockout: { threshold: 5, durationMinutes: 30, source: 'secedit' },
    auditPolicy: { logonSuccess: true, logonFailure: true, policyChange: true, accountManagement: true },
    remoteAccess: { rdpEnabled: true, rdpNla: true, smb1: false, guestEnabled: false, plaintextServices: [] },
    logRetention: {
      stores: ['Security', 'System', 'Application'].map((name) => ({ name, oldestEntryAt: daysAgo(400), keepDays: null, atSizeCap: false, neverDeletes: false, detail: 'Circular, maximum 4096 MB' })),
    },
  });
  return data;
}

export function sectionsOf(data: SectionData): HostSections {
  return {
    device: { status: 'ok', data: data.device },
    patches: { status: 'ok', data: data.patches },
    ports: { status: 'ok', data: data.ports },
    backups: { status: 'ok', data: data.backups },
    security: { status: 'ok', data: data.security },
  };
}

export function healthyHost(change: (d: SectionData) => void = () => {}, extra: Partial<HostRuleInput> = {}): HostRuleInput {
  const data = healthyData();
  change(data);
  return { sections: sectionsOf(data), mlpsLevel: 3, securityUpdateFirstSeen: new Map(), lastReportAt: new Date(FIXTURE_NOW.getTime() - 600_000), ...extra };
}

export function system(over: Partial<MlpsSystem> = {}): MlpsSystem {
  return {
    id: 'sys-his',
    name: 'HIS 医院信息系统',
    level: 3,
    criticalInfrastructure: false,
    personalInfoOver100k: true,
    gradedOn: '2025-04-01',
    filedOn: '2025-04-10',
    lastEvaluatedOn: '2025-11-20',
    wentLiveOn: '2019-06-01',
    prelaunchTestedOn: '2019-05-20',
    retiredOn: null,
    hostIds: ['h1'],
    ...over,
  };
}

/** HIS holds important health data of over 100,000 people, filed with the health department. */
export function healthyRegister(over: Partial<DataRegister> = {}): DataRegister {
  return {
    entries: [
      { id: 'dr-1', category: 'health-status', level: 'important', volume: '100k-10m', systemIds: ['sys-his'] },
      { id: 'dr-2', category: 'health-resources', level: 'general', volume: 'no-personal-info', systemIds: [] },
    ],
    importantDataFiledOn: '2025-06-01',
    importantDataReceipt: 'WJ-2025-0601',
    ...over,
  };
}

/** Every governance item done within the last year, coverage complete. */
export function healthyInstitution(over: Partial<InstitutionRuleInput> = {}): InstitutionRuleInput {
  return {
    systems: [system()],
    governance: [
      { kind: 'leadership-meeting', date: '2025-12-01' },
      { kind: 'self-inspection', date: '2025-10-15', vulnerabilityScan: true, penetrationTest: true },
      { kind: 'emergency-drill', date: '2025-09-01' },
      { kind: 'data-inventory', date: '2025-08-01' },
      { kind: 'training', date: '2025-11-11' },
      { kind: 'permission-review', date: '2026-01-05' },
      { kind: 'data-security-meeting', date: '2025-12-15' },
      { kind: 'data-risk-assessment', date: '2025-07-01' },
      { kind: 'pi-audit', date: '2025-05-20' },
    ],
    dataRegister: healthyRegister(),
    coverage: { registered: 10, reporting: 10 },
    // One public range, scanned completely yesterday, nothing open.
    outside: { targets: [{ value: '61.164.10.0/29', scannedAt: new Date(FIXTURE_NOW.getTime() - 86_400_000) }], exposures: [] },
    // One notice item due in two weeks; last year's self-inspection submitted before its deadline.
    rectification: [{ notice: '西湖卫安整改〔2026〕1号', title: '高危端口', deadline: '2026-03-30', status: 'pending', verified: false }],
    selfInspections: [
      { year: 2025, deadline: '2025-11-30', submittedOn: '2025-11-20' },
      { year: 2026, deadline: '2026-11-30', submittedOn: null },
    ],
    ...over,
  };
}

/** A Linux host's weak-credential part where the region checks it and nothing is weak (issue 24; absent from healthyData: the check is opt-in). */
export function healthyCredentials(): CredentialsData {
  return {
    accounts: [{ account: 'root', weak: false, scheme: 'sha512crypt', check: 'dictionary' }],
    windows: null,
    services: [{ service: 'redis', port: 6379, noAuth: false, check: 'PING without AUTH', reason: null }],
    notChecked: [],
  };
}
