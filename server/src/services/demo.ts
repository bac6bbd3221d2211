import { randomUUID } from 'node:crypto';
import { chinaDate, REPORT_SCHEMA_VERSION, type InstitutionType, type Report, type SectionData } from '@weian/shared';
import { snapshotScores } from '../storage/scoreHistory.js';
import { findHostByMachineId, markHostsReported } from '../storage/hosts.js';
import { refreshInstitutionScore } from './evaluation.js';
import { listInstitutions } from '../storage/institutions.js';
import { setInstitutionType } from '../storage/institutions.js';
import type { AuthenticatedAgent } from './agentAuth.js';
import type { Principal } from './auth.js';
import type { ServiceDeps } from './deps.js';
import { createEnrollmentToken, enrollAgent } from './enrollment.js';
import { ingestReport } from './ingest.js';
import { addGovernanceRecord, saveMlpsSystem } from './records.js';
import { saveDataRegisterEntry, saveImportantDataFiling } from './dataRegister.js';
import { runDailyEvaluation } from './daily.js';
import { okSection } from './sections.js';
import { hashSecret } from './secrets.js';
import { startAlertEngine } from './alertEngine.js';

/** A small seeded PRNG (mulberry32): the same demo every time. */
function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { next, pick: <T>(xs: readonly T[]) => xs[Math.floor(next() * xs.length)]!, chance: (p: number) => next() < p, int: (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1)) };
}

const COUNTY = '330106';
/** West Lake district (西湖区), Hangzhou: institutions of every type a county bureau supervises. */
const INSTITUTIONS: Array<[name: string, type: InstitutionType, hosts: number]> = [
  ['浙江省西湖区人民医院', 'secondary-hospital', 24],
  ['杭州市西湖区中医院', 'secondary-hospital', 18],
  ['西湖区妇幼保健院', 'maternal-child', 14],
  ['西湖区疾病预防控制中心', 'cdc', 12],
  ['杭州西湖口腔医院', 'specialty-hospital', 8],
  ['西湖区第三人民医院', 'tertiary-hospital', 30],
  ['西湖区精神卫生中心', 'specialty-hospital', 9],
  ['西湖区康复医院', 'specialty-hospital', 7],
  ...[
    '北山',
    '西溪',
    '翠苑',
    '文新',
    '古荡',
    '留下',
    '转塘',
    '蒋村',
    '灵隐',
    '三墩',
    '双浦',
    '文新北',
    '紫金港',
    '之江',
    '西湖',
    '东山弄',
    '古墩',
    '申花',
    '小和山',
    '龙坞',
    '袁浦',
    '周浦',
    '九莲',
    '浙大',
  ].map((s): [string, InstitutionType, number] => [`${s}街道社区卫生服务中心`, 'primary-care', 8]),
];

type Profile = {
  os: 'debian' | 'centos7' | 'win2012' | 'win2019' | 'kylin';
  rdpPublic: boolean;
  dbWildcard: boolean;
  telnet: boolean;
  pendingSecurity: number;
  firewall: boolean;
  backup: 'none' | 'ok' | 'stale' | 'failed';
  offsite: boolean;
};

const OS: Record<Profile['os'], SectionData['device']['os']> = {
  debian: { family: 'linux', distro: 'Debian GNU/Linux', release: '12', id: 'debian', codename: 'bookworm', kernel: '6.1.0-26-amd64', arch: 'x64' },
  centos7: { family: 'linux', distro: 'CentOS Linux', release: '7.9.2009', id: 'centos', codename: 'Core', kernel: '3.10.0-1160.el7.x86_64', arch: 'x64' },
  win2012: { family: 'windows', distro: 'Microsoft Windows Server 2012 R2 Standard', release: '6.3.9600', id: 'windows', codename: null, kernel: '6.3.9600', arch: 'x64' },
  win2019: { family: 'windows', distro: 'Microsoft Windows Server 2019 Standard', release: '10.0.17763', id: 'windows', codename: null, kernel: '10.0.17763', arch: 'x64' },
  kylin: { family: 'linux', distro: 'Kylin Linux Advanced Server', release: 'V10', id: 'kylin', codename: 'Lance', kernel: '4.19.90-52.22.v2207.ky10.x86_64', arch: 'x64' },
};
const ROLES = ['his', 'pacs', 'lis', 'emr', 'db', 'web', 'file', 'backup', 'ris', 'hrp'];

function sections(p: Profile, hostname: string, index: number, now: Date): Report['sections'] {
  const windows = p.os.startsWith('win');
  const ip = `10.${20 + (index % 30)}.${Math.floor(index / 30) % 250}.${10 + (index % 200)}`;
  const publicIp = p.rdpPublic ? `115.236.${index % 250}.${(index * 7) % 250}` : null;
  const day = (n: number) => new Date(now.getTime() - n * 86_400_000).toISOString();
  const listeners: SectionData['ports']['listeners'] = [
    {
      protocol: 'tcp',
      address: '0.0.0.0',
      port: windows ? 3389 : 22,
      pid: 800 + index,
      process: windows ? 'svchost.exe' : 'sshd',
      bind: 'wildcard',
      publicExposure: p.rdpPublic,
      service: windows ? 'rdp' : 'ssh',
      category: 'remote-management',
    },
    {
      protocol: 'tcp',
      address: p.dbWildcard ? '0.0.0.0' : ip,
      port: windows ? 1433 : 3306,
      pid: 900 + index,
      process: windows ? 'sqlservr.exe' : 'mysqld',
      bind: p.dbWildcard ? 'wildcard' : 'private',
      publicExposure: p.dbWildcard && p.rdpPublic,
      service: windows ? 'mssql' : 'mysql',
      category: 'database',
    },
    { protocol: 'tcp', address: ip, port: 443, pid: 1000 + index, process: windows ? 'w3wp.exe' : 'nginx', bind: 'private', publicExposure: false, service: 'https', category: 'web' },
    ...(p.telnet
      ? [
          {
            protocol: 'tcp' as const,
            address: '0.0.0.0',
            port: 23,
            pid: 1100 + index,
            process: 'in.telnetd',
            bind: 'wildcard' as const,
            publicExposure: p.rdpPublic,
            service: 'telnet',
            category: 'plaintext' as const,
          },
        ]
      : []),
  ];
  // The host firewall's verdict on each listener beyond loopback (issue 19), as the agent records it.
  const reach = (l: (typeof listeners)[number]): (typeof listeners)[number] => {
    if (windows) return { ...l, reach: 'unknown', reachBy: 'Windows Firewall: per-port rules are not read' };
    if (!p.firewall) return { ...l, reach: 'open', reachBy: 'nftables: no chain on the input hook' };
    // Databases bound to their own address are admitted from the application subnet only; a wildcard one is left open.
    if (l.category === 'database' && l.bind !== 'wildcard') return { ...l, reach: 'restricted', reachBy: `firewalld zone public: accepted only from 10.${20 + (index % 30)}.0.0/16 (rich rules)` };
    return { ...l, reach: 'open', reachBy: `firewalld zone public: ${l.service ?? `${l.port}/${l.protocol}`}` };
  };
  const pending = Array.from({ length: p.pendingSecurity + (index % 3) }, (_, i) => ({
    name: windows ? `KB50${index % 90}${i}` : `openssl-${i}`,
    installedVersion: '1.0',
    availableVersion: '1.1',
    security: i < p.pendingSecurity,
  }));
  return {
    device: okSection({
      hostname,
      fqdn: `${hostname}.xihu.hz.local`,
      machineId: `demo-${index}`,
      os: OS[p.os],
      hardware: {
        vendor: index % 2 ? 'Inspur' : 'Huawei',
        model: index % 2 ? 'NF5280M6' : '2288H V5',
        serial: `SN${100000 + index}`,
        uuid: null,
        virtual: index % 3 === 0,
        virtualization: index % 3 === 0 ? 'VMware' : null,
      },
      cpu: { model: 'Intel Xeon Silver 4210', cores: 16, physicalCores: 10 },
      memory: { totalBytes: 64 * 2 ** 30 },
      disks: [{ name: 'sda', type: 'SSD', sizeBytes: 960 * 10 ** 9 }],
      filesystems: [{ mount: windows ? 'C:' : '/', fs: windows ? 'C:' : '/dev/sda1', type: windows ? 'NTFS' : 'ext4', sizeBytes: 900 * 10 ** 9, usedBytes: (300 + (index % 500)) * 10 ** 9 }],
      interfaces: [
        {
          name: windows ? 'Ethernet0' : 'eth0',
          mac: null,
          addresses: [{ address: ip, family: 4, scope: 'private' }, ...(publicIp ? [{ address: publicIp, family: 4 as const, scope: 'public' as const }] : [])],
        },
      ],
      hasPublicAddress: Boolean(publicIp),
      bootedAt: day(20 + (index % 40)),
    }),
    patches: okSection({
      manager: windows ? 'windows-update' : p.os === 'debian' ? 'apt' : 'yum',
      pending,
      pendingCount: pending.length,
      securityCount: p.pendingSecurity,
      lastPatchedAt: day(p.pendingSecurity ? 40 + (index % 80) : 3 + (index % 20)),
      rebootRequired: false,
      rebootRequiredSince: null,
    }),
    ports: okSection({ listeners: listeners.map(reach) }),
    backups: okSection(
      p.backup === 'none'
        ? { configured: false, jobs: [] }
        : {
            configured: true,
            jobs: [
              {
                name: `${hostname}-nightly`,
                kind: 'files',
                lastSuccessAt: day(p.backup === 'stale' ? 4 : 0.5),
                lastAttemptAt: day(0.5),
                lastStatus: p.backup === 'failed' ? 'failed' : 'success',
                sizeBytes: 40 * 2 ** 30,
                offsite: p.offsite,
                lastRestoreTestAt: day(30 + (index % 200)),
                intervalHours: 24,
                error: null,
              },
            ],
          },
    ),
    security: okSection({
      firewall: { active: p.firewall, product: windows ? 'Windows Defender Firewall' : 'firewalld' },
      antimalware: windows ? { running: true, product: index % 2 ? 'Windows Defender' : '360天擎', signatureUpdatedAt: day(index % 10) } : { running: null, product: null, signatureUpdatedAt: null },
      timeSync: { synchronized: index % 11 !== 0, service: windows ? 'w32time' : 'chronyd' },
      audit: { active: index % 13 !== 0, service: windows ? 'EventLog' : 'auditd' },
      ssh: windows ? null : { running: true, permitRootLogin: index % 9 === 0 ? 'yes' : 'no', passwordAuthentication: index % 9 === 0 },
      ...accountsAndHardening(p, index),
      logRetention: logRetention(p, index, day),
    }),
  };
}

/**
 * Password policy, lockout, Windows audit policy and remote access (issue 19) as hospitals' hosts have
 * them: Windows as installed on a quarter (minimum length 0, no lockout), Linux defaults on some.
 */
function accountsAndHardening(p: Profile, index: number): Pick<SectionData['security'], 'passwordPolicy' | 'lockout' | 'auditPolicy' | 'remoteAccess'> {
  if (p.os.startsWith('win'))
    return {
      passwordPolicy: { minLength: index % 4 === 0 ? 0 : 8, complexity: true, maxAgeDays: 42, source: 'secedit' },
      lockout: { threshold: index % 4 === 0 ? 0 : 5, durationMinutes: 30, source: 'secedit' },
      auditPolicy: { logonSuccess: true, logonFailure: index % 6 !== 0, policyChange: true, accountManagement: true },
      remoteAccess: { rdpEnabled: true, rdpNla: index % 7 !== 0, smb1: p.os === 'win2012', guestEnabled: false, plaintextServices: [] },
    };
  return {
    passwordPolicy: { minLength: index % 5 === 0 ? 5 : 8, complexity: index % 5 !== 0, maxAgeDays: index % 3 === 0 ? 0 : 90, source: '/etc/login.defs, pam_pwquality' },
    lockout: { threshold: index % 4 === 1 ? 0 : 5, durationMinutes: 10, source: 'pam_faillock' },
    remoteAccess: { rdpEnabled: null, rdpNla: null, smb1: null, guestEnabled: null, plaintextServices: p.telnet ? ['in.telnetd'] : [] },
  };
}

/**
 * Log retention (issue 19) as hospitals keep it: Windows' 20 MB event logs overwritten within weeks on a
 * third, archived by policy elsewhere; Linux logrotate's four weeks on a third, 26 weeks where hardened.
 */
function logRetention(p: Profile, index: number, day: (n: number) => string): SectionData['security']['logRetention'] {
  if (p.os.startsWith('win')) {
    const overwritten = index % 3 === 0;
    return {
      stores: ['Security', 'System', 'Application'].map((name) =>
        overwritten
          ? { name, oldestEntryAt: day(name === 'Security' ? 12 + (index % 20) : 200), keepDays: null, atSizeCap: name === 'Security', neverDeletes: false, detail: 'Circular, maximum 20 MB' }
          : {
              name,
              oldestEntryAt: day(210 + (index % 90)),
              keepDays: null,
              atSizeCap: false,
              neverDeletes: name === 'Security',
              detail: name === 'Security' ? 'AutoBackup, maximum 1024 MB' : 'Circular, maximum 200 MB',
            },
      ),
    };
  }
  const weeks = index % 3 === 1 ? 4 : 26;
  return {
    stores: [
      { name: '/var/log/secure', oldestEntryAt: null, keepDays: weeks * 7, atSizeCap: null, neverDeletes: false, detail: `logrotate: weekly, rotate ${weeks}` },
      { name: 'auditd', oldestEntryAt: null, keepDays: null, atSizeCap: null, neverDeletes: true, detail: 'auditd.conf: max_log_file_action KEEP_LOGS' },
    ],
  };
}

export interface DemoOptions {
  days?: number;
  /** Scale: multiplies host counts (1 = about 350 hosts). */
  scale?: number;
  log?: (m: string) => void;
}

/**
 * Seeds a living demo county: institutions of mixed types, a few hundred hosts with realistic
 * posture, MLPS systems and governance records, and `days` of history replayed day by day through
 * the real ingest and scoring, so trends, rankings and alerts are the product's own output.
 */
export async function seedDemo(deps: ServiceDeps, admin: Principal, opts: DemoOptions = {}): Promise<{ institutions: number; hosts: number; days: number }> {
  const days = opts.days ?? 90;
  const log = opts.log ?? (() => {});
  const rnd = prng(20261123);
  const realNow = deps.now;
  const end = realNow();
  let clock = new Date(end.getTime() - days * 86_400_000);
  const sim: ServiceDeps = { ...deps, now: () => clock };
  // Alerts open and resolve in simulated time, as they would have over those days.
  const alerts = startAlertEngine(sim, { error: log });
  const hosts: Array<{ agent: AuthenticatedAgent; profile: Profile; hostname: string; index: number }> = [];
  let index = 0;
  for (const [i, [name, type, count]] of INSTITUTIONS.entries()) {
    const code = `330106${String(i + 1).padStart(3, '0')}`;
    const n = Math.max(1, Math.round(count * (opts.scale ?? 1)));
    const { token } = await createEnrollmentToken(sim, { institutionCode: code, institutionName: name, regionCode: COUNTY, uses: n, createdBy: 'demo' });
    await setInstitutionType(deps.db, code, type);
    // Each institution has a character: some are diligent, some neglect their servers.
    const care = rnd.next();
    for (let k = 0; k < n; k++) {
      const hostname = `${ROLES[k % ROLES.length]}-${String(k + 1).padStart(2, '0')}.${code.slice(-3)}`;
      const r = await enrollAgent(sim, { token, hostname, machineId: `demo-${index}`, agentVersion: '0.1.0' });
      const profile: Profile = {
        os: rnd.pick(care > 0.6 ? (['debian', 'win2019', 'kylin'] as const) : (['debian', 'centos7', 'win2012', 'win2019', 'kylin'] as const)),
        rdpPublic: rnd.chance(care > 0.5 ? 0.02 : 0.12),
        dbWildcard: rnd.chance(0.25),
        telnet: rnd.chance(care > 0.5 ? 0.01 : 0.06),
        pendingSecurity: rnd.chance(care > 0.5 ? 0.15 : 0.5) ? rnd.int(1, 6) : 0,
        firewall: rnd.chance(care > 0.4 ? 0.95 : 0.7),
        backup: rnd.pick(care > 0.5 ? (['ok', 'ok', 'ok', 'stale', 'none'] as const) : (['ok', 'stale', 'failed', 'none', 'none'] as const)),
        offsite: rnd.chance(care),
      };
      hosts.push({ agent: { id: r.agentId, hostId: r.hostId, institutionCode: code, regionCode: COUNTY, credential: hashSecret(r.secret) }, profile, hostname, index: index++ });
    }
    let systemId: string | null = null;
    if (rnd.chance(0.85)) {
      ({ id: systemId } = await saveMlpsSystem(sim, admin, code, {
        name: type === 'primary-care' ? '基层医疗卫生信息系统' : '医院信息系统（HIS）',
        level: type === 'tertiary-hospital' || type === 'secondary-hospital' ? 3 : 2,
        criticalInfrastructure: type === 'tertiary-hospital',
        personalInfoOver100k: type !== 'primary-care',
        gradedOn: '2025-03-03',
        filedOn: rnd.chance(care) ? '2025-03-12' : null,
        lastEvaluatedOn: rnd.chance(care) ? '2026-04-15' : '2024-06-10',
        wentLiveOn: '2019-06-01',
        prelaunchTestedOn: rnd.chance(0.8) ? '2019-05-20' : null,
        retiredOn: null,
        hostIds: hosts
          .filter((h) => h.agent.institutionCode === code)
          .slice(0, 3)
          .map((h) => h.agent.hostId),
      }));
    }
    // 数据目录 without drawing on `rnd` (the rest of the replay stays as it was): hospitals hold important
    // health data of over 100,000 people in their HIS; only tertiary hospitals have filed it.
    const hospital = type === 'tertiary-hospital' || type === 'secondary-hospital';
    await saveDataRegisterEntry(sim, admin, code, {
      category: 'health-status',
      level: hospital ? 'important' : 'general',
      volume: hospital ? '100k-10m' : 'under-100k',
      systemIds: systemId ? [systemId] : [],
    });
    if (type === 'tertiary-hospital') await saveImportantDataFiling(sim, admin, code, { filedOn: '2025-06-30', receipt: `WJ-2025-${code.slice(-3)}` });
    for (const kind of ['leadership-meeting', 'emergency-drill', 'data-inventory', 'training', 'permission-review'] as const) {
      if (rnd.chance(care))
        await addGovernanceRecord(sim, admin, code, {
          kind,
          date:
            chinaDate(new Date(end.getTime() - rnd.int(20, 300) * 86_400_000 - days * 0)) > chinaDate(clock) ? chinaDate(clock) : chinaDate(new Date(clock.getTime() - rnd.int(10, 200) * 86_400_000)),
        });
    }
    if (rnd.chance(care))
      await addGovernanceRecord(sim, admin, code, {
        kind: 'self-inspection',
        date: chinaDate(new Date(clock.getTime() - rnd.int(10, 200) * 86_400_000)),
        vulnerabilityScan: true,
        penetrationTest: rnd.chance(0.7),
      });
  }
  log(`demo: ${INSTITUTIONS.length} institutions, ${hosts.length} hosts enrolled; replaying ${days} days`);

  const send = (h: (typeof hosts)[number]) =>
    ingestReport(
      sim,
      h.agent,
      {
        schema: REPORT_SCHEMA_VERSION,
        reportId: randomUUID(),
        agentId: h.agent.id,
        agentVersion: '0.1.0',
        collectedAt: clock.toISOString(),
        sections: sections(h.profile, h.hostname, h.index, clock),
      },
      6000,
    );
  for (const h of hosts) await send(h);
  for (let d = 1; d <= days; d++) {
    clock = new Date(end.getTime() - (days - d) * 86_400_000);
    // A few hosts change each day: most get fixed over time (the bureau's pressure works), some regress.
    for (const h of hosts) {
      if (!rnd.chance(0.04)) continue;
      const p = h.profile;
      if (rnd.chance(0.7)) {
        if (p.rdpPublic) p.rdpPublic = false;
        else if (p.pendingSecurity) p.pendingSecurity = 0;
        else if (!p.firewall) p.firewall = true;
        else if (p.backup !== 'ok') p.backup = 'ok';
      } else if (rnd.chance(0.5)) p.pendingSecurity = rnd.int(1, 4);
      else p.backup = 'stale';
      await send(h);
    }
    // Everyone else checked in with unchanged (delta) reports during the day.
    await markHostsReported(
      sim.db,
      hosts.map((h) => h.agent.hostId),
      clock.toISOString(),
    );
    for (const code of new Set(hosts.map((h) => h.agent.institutionCode))) await sim.db.transaction().execute((tx) => refreshInstitutionScore(sim, tx, code));
    await snapshotScores(sim.db, chinaDate(clock));
    if (d % 15 === 0) log(`demo: day ${d}/${days}`);
  }
  // Today: every host reports fresh data, then the daily judgement runs as it would at midnight.
  clock = end;
  for (const h of hosts) await send(h);
  await runDailyEvaluation(sim);
  await alerts.stop();
  const institutions = (await listInstitutions(deps.db, { kind: 'all' })).length;
  return { institutions, hosts: hosts.length, days };
}

/** Whether the demo county is already seeded (its first host exists): seeding again would double it. */
export async function demoPresent(deps: ServiceDeps): Promise<boolean> {
  return (await findHostByMachineId(deps.db, `${COUNTY}001`, 'demo-0')) !== undefined;
}
