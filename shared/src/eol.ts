import type { IsoDate } from './calendar.js';
import type { DeviceData } from './schemas/sections.js';

/**
 * End of free security support per operating system release: the day after which the vendor no
 * longer ships security fixes without a paid extension (RHEL ELS, Ubuntu Pro/ESM, Debian ELTS,
 * Microsoft ESU are not counted: an institution that pays for one records a risk exception).
 * Where a vendor publishes only a month, the last day of that month is used.
 */
export interface EolEntry {
  name: string;
  /** null: the vendor has published no end date we could verify; the rule reports unknown, not pass. */
  date: IsoDate | null;
  source: string;
  /** The same source in Chinese, for findings and exports a bureau reads. */
  sourceZh: string;
  /**
   * Where `date` is unknown, a date support cannot outlast (an openEuler SP ends no later than its
   * LTS line): past it the rule fails; before it the rule stays unknown.
   */
  notAfter?: IsoDate;
}

type Os = DeviceData['os'];
interface Facts {
  windows: boolean;
  id: string;
  distro: string;
  release: string;
  /** Leading number of the release: "7.9.2009" → "7", "V10" → "10". */
  major: string;
  /** Leading "major.minor" as written: "22.04.4 LTS" → "22.04". */
  majorMinor: string;
  codename: string;
  build: number | null;
}

function facts(os: Os): Facts {
  const release = os.release.trim();
  const nums = /^[vV]?(\d+)(?:\.(\d+))?(?:\.(\d+))?/.exec(release);
  const windows = os.family === 'windows' || /windows/i.test(os.distro) || os.id?.toLowerCase() === 'windows';
  return {
    windows,
    id: (os.id ?? '').toLowerCase(),
    distro: os.distro.toLowerCase(),
    release: release.toLowerCase(),
    major: nums?.[1] ?? '',
    majorMinor: nums ? `${nums[1]}.${nums[2] ?? '0'}` : '',
    codename: (os.codename ?? '').toLowerCase(),
    // Windows reports "10.0.17763" (or "10.0.17763.5329"): the third part is the build.
    build: windows && nums?.[3] ? Number(nums[3]) : null,
  };
}

/** Each source in English and Chinese. */
type Source = readonly [en: string, zh: string];
const MS: Source = ['Microsoft Lifecycle Policy (product lifecycle page, extended support end)', '微软产品生命周期政策（扩展支持结束日期）'];
const RH: Source = ['Red Hat Enterprise Linux Life Cycle (end of Maintenance Support)', '红帽企业版 Linux 生命周期（维护支持结束日期）'];
const CENTOS: Source = ['CentOS Project end-of-life announcements (centos.org)', 'CentOS 项目停止支持公告'];
const DEBIAN: Source = ['Debian LTS wiki (end of Debian LTS)', 'Debian 长期支持计划（长期支持结束日期）'];
const UBUNTU: Source = ['Ubuntu release cycle (end of standard support)', 'Ubuntu 发布周期（标准支持结束日期）'];
const OE: Source = ['openEuler community lifecycle page (LTS including its SP updates)', 'openEuler 社区生命周期（长期支持版本，含其服务包更新）'];
const also = (s: Source, en: string, zh: string): Source => [`${s[0]}${en}`, `${s[1]}${zh}`];

interface Row {
  name: string;
  date: IsoDate | null;
  source: Source;
  match: (f: Facts) => boolean;
  notAfter?: IsoDate;
}

const winServer = (name: string, date: IsoDate, edition: RegExp, build?: number): Row => ({
  name: `Windows Server ${name}`,
  date,
  source: MS,
  match: (f) => f.windows && (edition.test(f.distro) || (build !== undefined && f.build === build && /server/.test(f.distro))),
});
const linux = (name: string, date: IsoDate | null, source: Source, match: (f: Facts) => boolean): Row => ({ name, date, source, match });
const isCentosLinux = (f: Facts) => (f.id === 'centos' || /centos/.test(f.distro)) && !/stream/.test(f.distro);
const isCentosStream = (f: Facts) => (f.id === 'centos' || /centos/.test(f.distro)) && /stream/.test(f.distro);
const isRhel = (f: Facts) => f.id === 'rhel' || /red hat enterprise linux/.test(f.distro);
const isDebian = (f: Facts) => f.id === 'debian' || /^debian/.test(f.distro);
const isUbuntu = (f: Facts) => f.id === 'ubuntu' || /^ubuntu/.test(f.distro);
const isOpenEuler = (f: Facts) => f.id === 'openeuler' || /openeuler/.test(f.distro);
const isUos = (f: Facts) => f.id === 'uos' || /uniontech|\buos\b/.test(f.distro);
const isKylinV10 = (f: Facts) => (f.id === 'kylin' || /kylin/.test(f.distro)) && /v10/.test(`${f.release} ${f.distro}`);
/** Kylin V10 names its service packs by codename in /etc/kylin-release: Tercel SP1, Sword SP2, Lance/Halberd SP3. */
// RHEL rebuilds and domestic RHEL/CentOS-based systems (issue 19): recognised by os-release ID or name.
const isRocky = (f: Facts) => f.id === 'rocky' || /^rocky linux/.test(f.distro);
const isAlma = (f: Facts) => f.id === 'almalinux' || /^almalinux/.test(f.distro);
const isAnolis = (f: Facts) => f.id === 'anolis' || /anolis/.test(f.distro);
const isBcLinux = (f: Facts) => f.id === 'bclinux' || /bc-?linux|bigcloud/.test(f.distro);
const isNeoKylin = (f: Facts) => f.id === 'neokylin' || /neokylin|中标麒麟/.test(f.distro);
const isKylinSec = (f: Facts) => f.id === 'kylinsec' || /kylinsec|麒麟信安/.test(f.distro);
/** openEuler's service pack from os-release VERSION "22.03 (LTS-SP1)" (systeminformation's codename "LTS-SP1"); 0: the LTS release itself. */
const openEulerSp = (f: Facts): number | null => {
  const text = `${f.codename} ${f.release}`;
  const sp = /lts[-\s]?sp(\d+)/.exec(text);
  if (sp) return Number(sp[1]);
  return /\blts\b/.test(text) ? 0 : null;
};
const OE_GOVERNANCE: Source = [
  'openEuler release-management, Goverance/lifecycle.md (LTS+SP lifecycle, 2022): each SP has a lifecycle of its own (small SP 9 months, large SP 24 months, in principle)',
  'openEuler 社区版本生命周期管理规范（长期支持版本及其服务包，2022 年）：各服务包的生命周期分别确定（原则上小服务包 9 个月、大服务包 24 个月）',
];
/**
 * openEuler per SP line (issue 19). The LTS line's end (the table's dates, from the community lifecycle
 * page) bounds every SP. The SPs' own dates could not be verified from a vendor publication (the 2022
 * rule that SP3, as the last SP, ends with the line no longer holds: 20.03 and 22.03 got an SP4), so
 * each is unknown, failing only once the line itself has ended.
 */
function openEulerRows(line: '20.03' | '22.03' | '24.03', lineEnd: IsoDate, sps: readonly number[]): Row[] {
  const on = (f: Facts) => isOpenEuler(f) && f.majorMinor === line;
  const rows: Row[] = sps.map((sp) => {
    const name = sp === 0 ? `openEuler ${line} LTS` : `openEuler ${line} LTS SP${sp}`;
    const match = (f: Facts) => on(f) && openEulerSp(f) === sp;
    return {
      name,
      date: null,
      notAfter: lineEnd,
      source: also(OE_GOVERNANCE, `; this SP's own date not recorded, no later than the line's end ${lineEnd}`, `；本服务包的日期尚未收录，不晚于该长期支持版本的结束日 ${lineEnd}`),
      match,
    };
  });
  // The release read without its SP: only the line's end is known.
  rows.push({
    name: `openEuler ${line} LTS（服务包未知）`,
    date: null,
    notAfter: lineEnd,
    source: also(OE, '; the service pack was not reported, only the line’s end is known', '；未报告服务包版本，仅知该长期支持版本的结束日'),
    match: on,
  });
  return rows;
}
const kylinSp = (f: Facts): number | null => {
  const sp = /sp(\d)/.exec(`${f.release} ${f.distro}`);
  if (sp) return Number(sp[1]);
  const byCodename: Record<string, number> = { tercel: 1, sword: 2, lance: 3, halberd: 3 };
  return byCodename[f.codename] ?? null;
};

// Order matters only where patterns overlap: "2008 R2" before "2008", "2012 R2" before "2012", LTSC before plain Windows 10.
const TABLE: Row[] = [
  winServer('2003', '2015-07-14', /windows server 2003/, 3790),
  winServer('2008 R2', '2020-01-14', /windows server 2008 r2/, 7601),
  winServer('2008', '2020-01-14', /windows server 2008/, 6002),
  winServer('2012 R2', '2023-10-10', /windows server 2012 r2/, 9600),
  winServer('2012', '2023-10-10', /windows server 2012/, 9200),
  winServer('2016', '2027-01-12', /windows server 2016/, 14393),
  winServer('2019', '2029-01-09', /windows server 2019/, 17763),
  winServer('2022', '2031-10-14', /windows server 2022/, 20348),
  winServer('2025', '2034-11-14', /windows server 2025/, 26100),
  { name: 'Windows 7', date: '2020-01-14', source: MS, match: (f) => f.windows && (/windows 7\b/.test(f.distro) || (f.build === 7601 && !/server/.test(f.distro))) },
  // LTSB/LTSC editions of Windows 10 keep their own, longer lifecycles (common on medical devices).
  { name: 'Windows 10 Enterprise LTSB 2015', date: '2025-10-14', source: MS, match: (f) => f.windows && /windows 10/.test(f.distro) && /ltsb|ltsc/.test(f.distro) && f.build === 10240 },
  { name: 'Windows 10 Enterprise LTSB 2016', date: '2026-10-13', source: MS, match: (f) => f.windows && /windows 10/.test(f.distro) && /ltsb|ltsc/.test(f.distro) && f.build === 14393 },
  { name: 'Windows 10 Enterprise LTSC 2019', date: '2029-01-09', source: MS, match: (f) => f.windows && /windows 10/.test(f.distro) && /ltsc/.test(f.distro) && f.build === 17763 },
  { name: 'Windows 10 Enterprise LTSC 2021', date: '2027-01-12', source: MS, match: (f) => f.windows && /windows 10/.test(f.distro) && /ltsc/.test(f.distro) && f.build === 19044 },
  {
    name: 'Windows 10',
    date: '2025-10-14',
    source: also(MS, '; Windows 10 22H2 Home/Pro/Enterprise', '；Windows 10 22H2 家庭版、专业版、企业版'),
    match: (f) => f.windows && /windows 10/.test(f.distro) && !/ltsb|ltsc/.test(f.distro),
  },

  linux('CentOS Linux 6', '2020-11-30', CENTOS, (f) => isCentosLinux(f) && f.major === '6'),
  linux('CentOS Linux 7', '2024-06-30', CENTOS, (f) => isCentosLinux(f) && f.major === '7'),
  linux('CentOS Linux 8', '2021-12-31', CENTOS, (f) => isCentosLinux(f) && f.major === '8'),
  linux('CentOS Stream 8', '2024-05-31', CENTOS, (f) => isCentosStream(f) && f.major === '8'),
  linux('CentOS Stream 9', '2027-05-31', CENTOS, (f) => isCentosStream(f) && f.major === '9'),
  linux('Red Hat Enterprise Linux 6', '2020-11-30', RH, (f) => isRhel(f) && f.major === '6'),
  linux('Red Hat Enterprise Linux 7', '2024-06-30', RH, (f) => isRhel(f) && f.major === '7'),
  linux('Red Hat Enterprise Linux 8', '2029-05-31', RH, (f) => isRhel(f) && f.major === '8'),
  linux('Red Hat Enterprise Linux 9', '2032-05-31', RH, (f) => isRhel(f) && f.major === '9'),
  linux('Debian 8 (jessie)', '2020-06-30', DEBIAN, (f) => isDebian(f) && (f.major === '8' || f.codename === 'jessie')),
  linux('Debian 9 (stretch)', '2022-06-30', DEBIAN, (f) => isDebian(f) && (f.major === '9' || f.codename === 'stretch')),
  linux('Debian 10 (buster)', '2024-06-30', DEBIAN, (f) => isDebian(f) && (f.major === '10' || f.codename === 'buster')),
  linux('Debian 11 (bullseye)', '2026-08-31', DEBIAN, (f) => isDebian(f) && (f.major === '11' || f.codename === 'bullseye')),
  linux('Debian 12 (bookworm)', '2028-06-30', DEBIAN, (f) => isDebian(f) && (f.major === '12' || f.codename === 'bookworm')),
  linux('Debian 13 (trixie)', '2030-06-30', also(DEBIAN, ', as planned at release', '，发布时公布的计划'), (f) => isDebian(f) && (f.major === '13' || f.codename === 'trixie')),
  linux('Ubuntu 14.04 LTS', '2019-04-30', UBUNTU, (f) => isUbuntu(f) && f.majorMinor === '14.04'),
  linux('Ubuntu 16.04 LTS', '2021-04-30', UBUNTU, (f) => isUbuntu(f) && f.majorMinor === '16.04'),
  linux('Ubuntu 18.04 LTS', '2023-05-31', UBUNTU, (f) => isUbuntu(f) && f.majorMinor === '18.04'),
  linux('Ubuntu 20.04 LTS', '2025-05-31', UBUNTU, (f) => isUbuntu(f) && f.majorMinor === '20.04'),
  linux('Ubuntu 22.04 LTS', '2027-04-30', also(UBUNTU, ', published as April 2027', '，公布为 2027 年 4 月'), (f) => isUbuntu(f) && f.majorMinor === '22.04'),
  linux('Ubuntu 24.04 LTS', '2029-04-30', also(UBUNTU, ', published as April 2029', '，公布为 2029 年 4 月'), (f) => isUbuntu(f) && f.majorMinor === '24.04'),
  ...openEulerRows('20.03', '2025-11-30', [0, 1, 2, 3, 4]),
  ...openEulerRows('22.03', '2026-06-30', [0, 1, 2, 3, 4]),
  ...openEulerRows('24.03', '2028-12-31', [0, 1, 2, 3, 4]),
  // UnionTech's 2020 service plan for UOS Server 20: 5 years standard + 3 extended + 2 final service, ending in 2029.
  linux(
    'UOS Server 20',
    '2029-12-31',
    ['UnionTech UOS service-cycle plan (2020): server V20 service ends in 2029 (year only)', '统信 UOS 服务周期规划（2020 年）：服务器 V20 服务于 2029 年结束（仅公布年份）'],
    (f) => isUos(f) && f.major === '20',
  ),
  linux('Rocky Linux 8', '2029-05-31', ['Rocky Linux release and version guide (end of life)', 'Rocky Linux 版本指南（生命周期终止日期）'], (f) => isRocky(f) && f.major === '8'),
  linux('Rocky Linux 9', '2032-05-31', ['Rocky Linux release and version guide (end of life)', 'Rocky Linux 版本指南（生命周期终止日期）'], (f) => isRocky(f) && f.major === '9'),
  linux('AlmaLinux 8', '2029-03-01', ['AlmaLinux wiki, release notes (security support end)', 'AlmaLinux 发行说明（安全支持终止日期）'], (f) => isAlma(f) && f.major === '8'),
  linux('AlmaLinux 9', '2032-05-31', ['AlmaLinux wiki, release notes (security support end)', 'AlmaLinux 发行说明（安全支持终止日期）'], (f) => isAlma(f) && f.major === '9'),
  // Recognised, but no end date could be verified from the vendor's own publication: unknown, never guessed.
  ...['7', '8'].map((m) => linux(`Anolis OS ${m}`, null, ['OpenAnolis lifecycle page: date not yet recorded', '龙蜥操作系统生命周期公告：尚未收录日期'], (f) => isAnolis(f) && f.major === m)),
  ...['7', '8'].map((m) =>
    linux(`BC-Linux ${m}`, null, ['China Mobile BC-Linux lifecycle notice: date not yet recorded', '大云操作系统（BC-Linux）生命周期公告：尚未收录日期'], (f) => isBcLinux(f) && f.major === m),
  ),
  linux(
    'NeoKylin Linux Advanced Server 7 (中标麒麟)',
    null,
    ['KylinSoft lifecycle notice for NeoKylin 7: date not yet recorded', '中标麒麟 7 生命周期公告：尚未收录日期'],
    (f) => isNeoKylin(f) && f.major === '7',
  ),
  linux('KylinSec OS (麒麟信安)', null, ['KylinSec lifecycle notice: date not yet recorded', '麒麟信安生命周期公告：尚未收录日期'], isKylinSec),
  // KylinSoft's lifecycle notices for the V10 service packs could not be verified: kept unknown, never guessed.
  ...[1, 2, 3].map((sp) =>
    linux(
      `Kylin Linux Advanced Server V10 SP${sp}`,
      null,
      ['KylinSoft product lifecycle notice (麒麟软件产品生命周期): date not yet recorded', '麒麟软件产品生命周期公告：尚未收录日期'],
      (f) => isKylinV10(f) && kylinSp(f) === sp,
    ),
  ),
];

const entry = ({ name, date, source, notAfter }: Row): EolEntry => ({ name, date, source: source[0], sourceZh: source[1], ...(notAfter ? { notAfter } : {}) });

/** The end-of-life entry for a reported OS, or null when the table does not know that release. */
export function eolFor(os: Os): EolEntry | null {
  const f = facts(os);
  const row = TABLE.find((r) => r.match(f));
  return row ? entry(row) : null;
}

/** Every entry, for documentation and review. */
export const EOL_TABLE: readonly EolEntry[] = TABLE.map(entry);
