import { RULE_IDS } from '@weian/shared';

/**
 * Latin-letter words a Chinese page or export may show: names and codes a Chinese reader reads as
 * they are. Everything else in Latin letters is English that was never translated. Keep it short:
 * a word belongs here only if no Chinese term would be clearer to a bureau.
 */
const ALLOWED = new Set([
  // the product and its commands, the built-in account, and the language switcher naming its other language in that language
  'WeiAn',
  'weian-server',
  'weian-agent',
  'admin',
  'English',
  // the one-line install: its download tools, the checksum, a private CA, and the build command an operator runs (pnpm build)
  'curl',
  'wget',
  'SHA-256',
  'CA',
  'pnpm',
  'build',
  // the prefix that names the outside-in rules together in the methodology (EXT-*)
  'EXT',
  // hospital systems, as hospitals name them (HIS 系统)
  'HIS',
  'PACS',
  'LIS',
  'EMR',
  'RIS',
  'HRP',
  // operating systems, vendors and hardware as hosts report them
  'Windows',
  'Microsoft',
  'Server',
  'Standard',
  'Datacenter',
  'Enterprise',
  'LTSB',
  'LTSC',
  'LTS',
  'Linux',
  'GNU',
  'Debian',
  'CentOS',
  'Stream',
  'Red',
  'Hat',
  'Ubuntu',
  'openEuler',
  'UOS',
  'Kylin',
  'NeoKylin',
  'KylinSec',
  'Rocky',
  'AlmaLinux',
  'Anolis',
  'OS',
  'BC-Linux',
  'Advanced',
  'Core',
  'bookworm',
  'Lance',
  'jessie',
  'stretch',
  'buster',
  'bullseye',
  'trixie',
  'Intel',
  'Xeon',
  'Silver',
  'Inspur',
  'Huawei',
  'VMware',
  'SSD',
  'HDD',
  'NTFS',
  'sda',
  'MAC',
  // standards by their numbers (GB/T 22239-2019)
  'GB/T',
  // protocols, port services and file formats
  'SSH',
  'RDP',
  'TLS',
  'SSL',
  'HTTP',
  'HTTPS',
  'IP',
  'TCP',
  'UDP',
  'VPN',
  'SFTP',
  'Web',
  'tcp',
  'udp',
  'ssh',
  'rdp',
  'https',
  'http',
  'mysql',
  'mssql',
  'telnet',
  'ftp',
  'rexec/rlogin/rsh',
  // programs and services as the system names them
  'restic',
  'borg',
  'nginx',
  'mysqld',
  'sshd',
  'firewalld',
  'nftables/iptables',
  'auditd',
  'chronyd',
  'chrony/ntpd',
  'yum',
  'apt',
  'dnf',
  'Excel',
  // agent packages by their formats (the agents view's 安装方式: deb, rpm, the Windows MSI)
  'deb',
  'rpm',
  'MSI',
  'PDF',
  'CSV',
  'XLSX',
  // sshd settings quoted as evidence
  'root',
  'PermitRootLogin',
  'prohibit-password',
  'yes',
  'no',
  // units
  'KB',
  'MB',
  'GB',
  'TB',
  'ms',
  // grades
  'A',
  'B',
  'C',
  'D',
  'E',
  // outside-in rules (issue 24): the services a port of the high-risk list belongs to, as their vendors name them
  'VNC',
  'WinRM',
  'SQL',
  'Oracle',
  'NetBIOS',
  'SMB',
  'rsync',
  'Docker',
  'WebLogic',
  // accounts and remote-access hardening (issue 19): settings, services and accounts as Windows and PAM name them
  'NLA',
  'SMBv1',
  'Guest',
  'Telnet',
  'FTP',
  'FTPSVC',
  'EventLog',
  'auditpol',
  'pam_pwquality',
  'pam_faillock',
  'pam_tally2',
  'in.telnetd',
  'telnetd',
  'vsftpd',
  'proftpd',
  'pure-ftpd',
  'in.ftpd',
  // log retention (issue 19): the log daemons and the settings an administrator changes, as they are named
  'journald',
  'logrotate',
  'rotate',
  'MaxRetentionSec',
  'SystemMaxUse',
  'num_logs',
  // weak credentials and services without authentication (issue 24): the products, files and settings by their own names
  'Administrator',
  'nologin',
  'Redis',
  'MongoDB',
  'Elasticsearch',
  'memcached',
  'MySQL',
  'MariaDB',
  'MySQL/MariaDB',
  'PostgreSQL',
  'pg_hba.conf',
  'trust',
  'requirepass/ACL',
  'requirepass',
  'ACL',
  'SASL',
]);

/** Codes: rule ids, host ids, host names and versions, Windows processes and updates, models. */
const CODES = [
  /^h_[\w-]{12,28}$/, // host id (time-ordered since 2026-12-07: 12 hex digits, then 16 random characters)
  /^\d/, // numbers with units or models: 22H2, 2288H
  /^(?=.*\d)[a-z0-9]+(?:[._-][a-z0-9]+)*$/, // host names, kernels, file systems: lower case with a digit
  /^(?:V|SP|R|KB)\d+$/, // OS versions, service packs, Windows updates
  /^[A-Z]{2,}\d{3,}[A-Z0-9]*$/, // hardware models (NF5280M6)
  /^[\w-]+\.exe$/i, // Windows processes
  /^(?:tcp|udp)\/\d+$/, // a listener
  /^[A-Z]{2,}(?:-[A-Z]{2,})+$/, // self-inspection checklist item ids (GOV-LEADERSHIP, XH-CLOUD), shown where a bureau edits the template
];
const RULE_ID_SET = new Set<string>(RULE_IDS);

const allowed = (w: string) => ALLOWED.has(w) || RULE_ID_SET.has(w) || CODES.some((re) => re.test(w));
/** pdftotext joins a word that wrapped at its hyphen ("prohibit-" + "password"): allowed if the hyphenated one is. */
const allowedDehyphenated = (w: string) => allowed(w) || [...w].some((_, i) => i > 0 && allowed(`${w.slice(0, i)}-${w.slice(i)}`));

/**
 * The Latin-letter words of `text` that are neither allowed names nor codes, each once. A word is
 * a whole run of letters, digits and _ . / - (so a host id or "auth.login" is one word).
 */
export function untranslatedWords(text: string, opts: { fromPdf?: boolean } = {}): string[] {
  const words = text.match(/(?<![\w./-])\w*[A-Za-z]\w*(?:[./-]+\w+)*/g) ?? [];
  return [...new Set(words.filter((w) => !(opts.fromPdf ? allowedDehyphenated(w) : allowed(w))))];
}
