import { z } from 'zod';
import { AddressScope, LIMITS, bytes, count, nullableInstant, text } from './common.js';
import { CredentialsData } from './credentials.js';
import { HostIdentities } from './identities.js';

export const SECTION_NAMES = ['device', 'patches', 'ports', 'backups', 'security'] as const;
export type SectionName = (typeof SECTION_NAMES)[number];

/**
 * A field of the section the agent read but cannot vouch for (a partial list, output it could not
 * classify, a default it had to guess): every rule that reads the field is then `unknown`, never a
 * pass. `field` is a dotted path inside the section's data ("pending.security", "firewall").
 * Optional on every section: agents of earlier versions do not send it.
 */
export const Uncertain = z.object({ field: text(), code: text(64), reason: text(LIMITS.longText) });
export type Uncertain = z.infer<typeof Uncertain>;
const uncertain = () => z.array(Uncertain).max(LIMITS.warnings).optional();

// ---- device ---------------------------------------------------------------------------------
export const OsFamily = z.enum(['linux', 'windows', 'other']);
export const DeviceData = z.object({
  hostname: text(),
  fqdn: text().nullable(),
  /** /etc/machine-id or the SMBIOS UUID: with the hostname, what keeps a host's identity across re-installs. */
  machineId: text().nullable(),
  os: z.object({
    family: OsFamily,
    /** e.g. "Debian GNU/Linux", "CentOS Linux", "Kylin Linux Advanced Server", "Microsoft Windows Server 2016 Standard" */
    distro: text(),
    /** e.g. "12", "7.9.2009", "V10", "10.0.14393" */
    release: text(),
    /** os-release ID, e.g. "debian", "centos", "kylin", "uos", "openEuler", "windows" */
    id: text().nullable(),
    codename: text().nullable(),
    kernel: text(),
    arch: text(),
  }),
  hardware: z.object({
    vendor: text().nullable(),
    model: text().nullable(),
    serial: text().nullable(),
    uuid: text().nullable(),
    virtual: z.boolean().nullable(),
    virtualization: text().nullable(),
  }),
  cpu: z.object({ model: text(), cores: count(), physicalCores: count().nullable() }),
  memory: z.object({ totalBytes: bytes() }),
  disks: z.array(z.object({ name: text(), type: text().nullable(), sizeBytes: bytes() })).max(LIMITS.disks),
  filesystems: z
    // usedBytes is quantized by the agent (to 1/200 of size) so that the hash stays put between collections.
    .array(z.object({ mount: text(LIMITS.longText), fs: text(LIMITS.longText), type: text(), sizeBytes: bytes(), usedBytes: bytes() }))
    .max(LIMITS.filesystems),
  interfaces: z
    .array(
      z.object({
        name: text(),
        mac: text().nullable(),
        addresses: z.array(z.object({ address: text(), family: z.union([z.literal(4), z.literal(6)]), scope: AddressScope })).max(LIMITS.addressesPerInterface),
      }),
    )
    .max(LIMITS.interfaces),
  /** True when any interface has a public address: a wildcard listener is then publicly reachable. */
  hasPublicAddress: z.boolean(),
  /**
   * Boot time, rounded to the minute. Not uptime: a value that changes on every collection would
   * change the section's hash every time and defeat delta sync.
   */
  bootedAt: nullableInstant(),
  uncertain: uncertain(),
});
export type DeviceData = z.infer<typeof DeviceData>;

// ---- patches --------------------------------------------------------------------------------
export const PackageManager = z.enum(['apt', 'dnf', 'yum', 'zypper', 'windows-update', 'unknown']);
export const PatchesData = z.object({
  manager: PackageManager,
  pending: z
    .array(
      z.object({
        name: text(),
        installedVersion: text().nullable(),
        availableVersion: text().nullable(),
        security: z.boolean(),
      }),
    )
    .max(LIMITS.updates),
  pendingCount: count(),
  /** null: the host's repositories do not say which updates fix security problems (uncertain names why). */
  securityCount: count().nullable(),
  /** Last successful package installation or update (dpkg/apt history, rpm install time, Get-HotFix). */
  lastPatchedAt: nullableInstant(),
  rebootRequired: z.boolean().nullable(),
  rebootRequiredSince: nullableInstant(),
  /**
   * Automatic updates, as information beside the patch rules (issue 19; optional: earlier agents do
   * not send it). enabled null: the host's settings do not say.
   */
  autoUpdate: z.object({ enabled: z.boolean().nullable(), mechanism: text().nullable(), securityOnly: z.boolean().nullable(), server: text().nullable() }).nullable().optional(),
  uncertain: uncertain(),
});
export type PatchesData = z.infer<typeof PatchesData>;

// ---- ports ----------------------------------------------------------------------------------
// 'medical' (DICOM, HL7) came with issue 19: older agents never send it.
export const ServiceCategory = z.enum(['remote-management', 'database', 'file-sharing', 'container-api', 'plaintext', 'web', 'other', 'medical']);
export type ServiceCategory = z.infer<typeof ServiceCategory>;
/** Where a socket is bound: one of the address scopes, or every interface. */
export const BindScope = z.enum(['loopback', 'link-local', 'private', 'public', 'wildcard']);
export type BindScope = z.infer<typeof BindScope>;
export const Listener = z.object({
  protocol: z.enum(['tcp', 'udp']),
  address: text(),
  port: z.number().int().min(0).max(65535),
  pid: count().nullable(),
  process: text().nullable(),
  bind: BindScope,
  /** Reachable on a public address: bound to one, or a wildcard on a host that has one. */
  publicExposure: z.boolean(),
  service: text().nullable(),
  category: ServiceCategory.nullable(),
  /**
   * Whether the host firewall lets new inbound connections reach it (issue 19; absent for loopback and
   * from earlier agents): open; restricted (accepted from private networks only); filtered (dropped);
   * unknown (the rules could not decide). reachBy: the mechanism and rule that decided.
   */
  reach: z.enum(['open', 'restricted', 'filtered', 'unknown']).optional(),
  reachBy: text(512).optional(),
});
export type Listener = z.infer<typeof Listener>;
export const PortsData = z.object({
  listeners: z.array(Listener).max(LIMITS.ports),
  /** SSH host keys and TLS certificates that name this host to a scanner outside (issue 24, schemas/identities.ts). */
  identities: HostIdentities.optional(),
  uncertain: uncertain(),
});
export type PortsData = z.infer<typeof PortsData>;

// ---- backups --------------------------------------------------------------------------------
// 'wbadmin' (Windows Server Backup) came with issue 19: older agents never send it.
export const BackupKind = z.enum(['files', 'restic', 'borg', 'command', 'wbadmin']);
export const BackupJob = z.object({
  name: text(),
  kind: BackupKind,
  lastSuccessAt: nullableInstant(),
  lastAttemptAt: nullableInstant(),
  lastStatus: z.enum(['success', 'failed', 'unknown']),
  sizeBytes: bytes().nullable(),
  offsite: z.boolean(),
  lastRestoreTestAt: nullableInstant(),
  /** Expected interval between successful runs (the RPO), hours. */
  intervalHours: z
    .number()
    .positive()
    .max(24 * 366),
  /** Why the job's state could not be read, when it could not. */
  error: text(LIMITS.longText).nullable(),
});
export type BackupJob = z.infer<typeof BackupJob>;
export const BackupsData = z.object({
  /** False: the agent's config declares no job (reported as such, not as an error). */
  configured: z.boolean(),
  jobs: z.array(BackupJob).max(LIMITS.backupJobs),
  uncertain: uncertain(),
});
export type BackupsData = z.infer<typeof BackupsData>;

// ---- security -------------------------------------------------------------------------------
/** null where the agent could not tell: evaluation treats it as unknown, never as a pass. */
export const SecurityData = z.object({
  firewall: z.object({
    active: z.boolean().nullable(),
    product: text().nullable(),
    /** What the verdict rests on: the path inbound traffic to the host takes (INPUT chain, input hook, zone). */
    basis: text(LIMITS.longText).nullable().optional(),
  }),
  antimalware: z.object({
    /** Whether this host must run anti-malware: always on Windows; on Linux when its region asks (agent config). */
    required: z.boolean().optional(),
    running: z.boolean().nullable(),
    product: text().nullable(),
    signatureUpdatedAt: nullableInstant(),
  }),
  timeSync: z.object({ synchronized: z.boolean().nullable(), service: text().nullable() }),
  audit: z.object({ active: z.boolean().nullable(), service: text().nullable() }),
  ssh: z
    .object({
      running: z.boolean(),
      permitRootLogin: text().nullable(),
      passwordAuthentication: z.boolean().nullable(),
    })
    .nullable(),
  /**
   * Local password policy (等保 身份鉴别): null values could not be read. maxAgeDays 0: passwords never
   * expire. Optional: agents before issue 19 do not collect it.
   */
  passwordPolicy: z
    .object({ minLength: count().nullable(), complexity: z.boolean().nullable(), maxAgeDays: count().nullable(), source: text(LIMITS.longText) })
    .nullable()
    .optional(),
  /** Account lockout (登录失败处理): threshold 0 means accounts never lock. */
  lockout: z
    .object({ threshold: count().nullable(), durationMinutes: count().nullable(), source: text(LIMITS.longText) })
    .nullable()
    .optional(),
  /**
   * Windows audit policy (auditpol): logon events, audit-policy changes and user-account management
   * recorded; null: could not be read. accountManagement is optional: the first agents of issue 19 do not send it.
   */
  auditPolicy: z
    .object({ logonSuccess: z.boolean().nullable(), logonFailure: z.boolean().nullable(), policyChange: z.boolean().nullable(), accountManagement: z.boolean().nullable().optional() })
    .nullable()
    .optional(),
  /** Remote-access hardening (M11): null values could not be read or do not apply (RDP, SMBv1, Guest on Linux). */
  remoteAccess: z
    .object({
      rdpEnabled: z.boolean().nullable(),
      /** Network Level Authentication required; null where RDP is off or it could not be read. */
      rdpNla: z.boolean().nullable(),
      smb1: z.boolean().nullable(),
      guestEnabled: z.boolean().nullable(),
      /** Telnet/FTP services running (service or process names). */
      plaintextServices: z.array(text()).max(16),
    })
    .nullable()
    .optional(),
  /** Weak credentials (issue 24, schemas/credentials.ts): absent when the region has not turned the check on. */
  credentials: CredentialsData.optional(),
  /**
   * Log retention (《网络安全法》第二十一条: network logs kept ≥ 6 months), one entry per log store the
   * host keeps: the syslog files under logrotate, a persistent journal, auditd's log; Windows' Security,
   * System and Application event logs. Optional: agents before issue 19 do not collect it; null: unreadable.
   */
  logRetention: z
    .object({
      stores: z
        .array(
          z.object({
            name: text(),
            /** The oldest entry the store still holds, where the agent could read it exactly. */
            oldestEntryAt: nullableInstant(),
            /** Days the configuration keeps entries (rotate × period, MaxRetentionSec); 0: lost at reboot; null: not bounded by time or not read. */
            keepDays: z.number().int().min(0).max(36500).nullable(),
            /** The store drops its oldest entries at a size cap and has reached it; null: not known. */
            atSizeCap: z.boolean().nullable(),
            /** The configuration never removes entries (auditd keep_logs, event log archived or retained when full). */
            neverDeletes: z.boolean(),
            /** What was read, for the host page. */
            detail: text(LIMITS.longText),
          }),
        )
        .max(16),
    })
    .nullable()
    .optional(),
  uncertain: uncertain(),
});
export type SecurityData = z.infer<typeof SecurityData>;

export const SECTION_DATA = {
  device: DeviceData,
  patches: PatchesData,
  ports: PortsData,
  backups: BackupsData,
  security: SecurityData,
} as const;
export type SectionData = { [K in SectionName]: z.infer<(typeof SECTION_DATA)[K]> };
