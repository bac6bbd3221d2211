import type { RuleData, ThresholdSpec } from './types.js';

/**
 * The rule catalogue of REGULATION.md as data: ids, texts, severities, articles and default
 * thresholds. The checks live in one file per family; rules/index.ts joins the two. This module
 * imports nothing at run time so that schemas and docs can read it freely.
 */

const days = (d: number, zh: string, en: string, max = 3650): ThresholdSpec => ({ default: d, unit: 'days', label: { zh, en }, min: 0, max, stricter: 'lower' });
const months12 = { maxMonths: { default: 12, unit: 'months', label: { zh: '最长间隔（月）', en: 'maximum interval (months)' }, min: 1, max: 12, stricter: 'lower' } } as const satisfies Record<
  string,
  ThresholdSpec
>;

/** The outside-in rules: a target's latest complete scan round older than this leaves them unknown. */
const scanRound = { maxRoundAgeDays: days(7, '扫描结果最长有效天数', 'maximum age of the latest scan round (days)', 90) } as const satisfies Record<string, ThresholdSpec>;

export const RULE_DATA = [
  // ---- host: patches ---------------------------------------------------------------------
  {
    id: 'HOST-OS-EOL',
    subject: 'host',
    family: 'patches',
    severity: 'critical',
    title: { zh: '操作系统已停止安全支持', en: 'Operating system past end of life' },
    failsWhen: { zh: '操作系统已过厂商公布的停止安全支持日期（付费延长支持不计）', en: 'the operating system is past the end of free vendor security support (paid extensions are not counted)' },
    remediation: {
      zh: '升级到仍受支持的操作系统版本；确需继续运行的，登记风险接受并采取隔离措施',
      en: 'Upgrade to a supported release; if it must keep running, record a risk exception and isolate the host',
    },
    articles: ['M9', 'MLPS-21'],
    thresholds: {},
  },
  {
    id: 'HOST-PATCH-SECURITY',
    subject: 'host',
    family: 'patches',
    severity: 'high',
    title: { zh: '安全更新长期未安装', en: 'Security update pending too long' },
    failsWhen: { zh: '某个安全更新自服务器首次发现起超过阈值天数仍未安装', en: 'a security update has been pending longer than the threshold since the server first saw it' },
    remediation: { zh: '在维护窗口内安装待装的安全更新', en: 'Install the pending security updates in a maintenance window' },
    articles: ['M9', 'MLPS-21'],
    thresholds: {
      maxPendingDays: days(14, '最长待装天数', 'maximum days pending', 365),
      // Off by default: such hosts are then unknown. On, every pending update of a host whose repositories do not mark security fixes counts as one.
      pendingAsSecurity: {
        default: false,
        unit: 'flag',
        label: { zh: '无法区分安全更新时，所有待装更新均视为安全更新', en: 'where security updates cannot be told apart, count every pending update as one' },
        stricter: 'higher',
      },
    },
  },
  {
    id: 'HOST-PATCH-STALE',
    subject: 'host',
    family: 'patches',
    severity: 'medium',
    title: { zh: '长期未打补丁', en: 'No patching for a long time' },
    failsWhen: { zh: '最近一次成功安装或更新软件包早于阈值天数', en: 'the last successful package installation or update is older than the threshold' },
    remediation: { zh: '建立定期补丁流程并执行一次更新', en: 'Set up a regular patch cycle and run an update' },
    articles: ['M9', 'MLPS-21'],
    thresholds: { maxDaysSincePatch: days(90, '距上次打补丁最长天数', 'maximum days since last patch', 365) },
  },
  {
    id: 'HOST-REBOOT-PENDING',
    subject: 'host',
    family: 'patches',
    severity: 'low',
    title: { zh: '补丁待重启生效', en: 'Reboot pending to finish patching' },
    failsWhen: { zh: '为完成补丁所需的重启已等待超过阈值天数', en: 'a reboot needed to finish patching has been pending longer than the threshold' },
    remediation: { zh: '安排维护窗口重启主机，使已安装的补丁生效', en: 'Reboot the host in a maintenance window so installed patches take effect' },
    articles: ['MLPS-21'],
    thresholds: { maxPendingDays: days(7, '最长待重启天数', 'maximum days pending', 90) },
  },
  // ---- host: ports -----------------------------------------------------------------------
  {
    id: 'HOST-PORT-REMOTE-PUBLIC',
    subject: 'host',
    family: 'ports',
    severity: 'critical',
    title: { zh: '远程管理端口暴露在公网', en: 'Remote-management port exposed publicly' },
    failsWhen: {
      zh: '远程管理端口（22、23、3389、5900、5985、5986）在公网地址上监听，且主机防火墙未过滤（无法确定时按可达计）',
      en: 'a remote-management port (22, 23, 3389, 5900, 5985, 5986) listens on a public address and the host firewall does not filter it (counted as reachable when that cannot be told)',
    },
    remediation: {
      zh: '关闭公网监听，改为经堡垒机或VPN进行远程运维，并经评估后按需开放',
      en: 'Stop listening on public addresses; do remote operations through a bastion host or VPN after assessment',
    },
    articles: ['M11', 'MLPS-19'],
    thresholds: {},
  },
  {
    id: 'HOST-PORT-RISKY-PUBLIC',
    subject: 'host',
    family: 'ports',
    severity: 'critical',
    title: { zh: '高危端口暴露在公网', en: 'High-risk service port exposed publicly' },
    failsWhen: {
      zh: '国家网络与信息安全信息通报中心公布的高危端口在公网地址上监听，且主机防火墙未过滤（无法确定时按可达计）',
      en: "a port from the national notification centre's high-risk list listens on a public address and the host firewall does not filter it (counted as reachable when that cannot be told)",
    },
    remediation: { zh: '关闭该服务的公网监听，或以防火墙限制为仅授权地址访问', en: 'Stop the public listener or restrict it to authorised addresses with a firewall' },
    articles: ['M11', 'MLPS-18'],
    thresholds: {},
  },
  {
    id: 'HOST-PORT-PLAINTEXT',
    subject: 'host',
    family: 'ports',
    severity: 'high',
    title: { zh: '明文远程协议在监听', en: 'Plaintext remote protocol listening' },
    failsWhen: {
      zh: '明文远程协议（telnet 23、ftp 21、rexec/rlogin/rsh 512–514，TCP）在任何地址上监听',
      en: 'a plaintext remote protocol (telnet 23, ftp 21, rexec/rlogin/rsh 512–514, TCP) listens on any address',
    },
    remediation: { zh: '停用明文协议，改用SSH、SFTP等加密协议', en: 'Disable the plaintext protocol and use SSH, SFTP or another encrypted protocol' },
    articles: ['M15', 'MLPS-03', 'FY-transmission'],
    thresholds: {},
  },
  {
    id: 'HOST-PORT-DB-WILDCARD',
    subject: 'host',
    family: 'ports',
    severity: 'medium',
    title: { zh: '数据库端口监听所有网卡', en: 'Database port listening on all interfaces' },
    failsWhen: {
      zh: '数据库或缓存端口绑定在所有网卡（0.0.0.0 / ::），而不是其服务的地址，且主机防火墙未将其过滤或限定为内网来源',
      en: 'a database or cache port is bound to all interfaces (0.0.0.0 / ::) rather than the addresses it serves, and the host firewall neither filters it nor limits it to private sources',
    },
    remediation: { zh: '将数据库绑定到业务所需的内网地址', en: 'Bind the database to the internal addresses it serves' },
    articles: ['MLPS-18'],
    thresholds: {},
  },
  // ---- host: security --------------------------------------------------------------------
  {
    id: 'HOST-FIREWALL-OFF',
    subject: 'host',
    family: 'security',
    severity: 'high',
    title: { zh: '主机防火墙未启用', en: 'Host firewall not active' },
    failsWhen: { zh: '没有处于启用状态的主机防火墙', en: 'no host firewall is active' },
    remediation: {
      zh: '启用主机防火墙（firewalld、nftables/iptables 或 Windows 防火墙）并只放行必要端口',
      en: 'Enable a host firewall (firewalld, nftables/iptables or Windows Firewall) allowing only the ports needed',
    },
    articles: ['FY-transmission', 'MLPS-19'],
    thresholds: {},
  },
  {
    id: 'HOST-AV-MISSING',
    subject: 'host',
    family: 'security',
    severity: 'high',
    title: { zh: '未运行防恶意代码软件', en: 'No anti-malware running' },
    failsWhen: {
      zh: '没有运行中的防恶意代码软件（Windows 主机一律要求；Linux 主机在本地区设置要求时）',
      en: "no anti-malware is running (always on Windows; on Linux when the region's setting requires it)",
    },
    remediation: { zh: '安装并启用防恶意代码软件', en: 'Install and enable anti-malware software' },
    articles: ['FY-transmission', 'MLPS-23'],
    thresholds: {},
  },
  {
    id: 'HOST-AV-STALE',
    subject: 'host',
    family: 'security',
    severity: 'medium',
    title: { zh: '病毒库过旧', en: 'Anti-malware signatures out of date' },
    failsWhen: { zh: '要求运行防恶意代码软件的主机，其病毒库更新早于阈值天数', en: 'on a host that must run anti-malware, signatures are older than the threshold' },
    remediation: { zh: '检查病毒库更新渠道（内网升级服务器）并更新', en: 'Check the signature update channel (internal update server) and update' },
    articles: ['MLPS-23'],
    thresholds: { maxSignatureAgeDays: days(7, '病毒库最长天数', 'maximum signature age (days)', 90) },
  },
  {
    id: 'HOST-AUDIT-OFF',
    subject: 'host',
    family: 'security',
    severity: 'medium',
    title: { zh: '审计日志服务未运行', en: 'Audit logging not running' },
    failsWhen: {
      zh: '没有运行中的审计日志服务（auditd、Windows 事件日志）；Windows 主机事件日志在运行但审核策略不记录任何登录或策略更改事件时亦判为不合规',
      en: 'no audit logging service (auditd, Windows Event Log) is running; on Windows also when Event Log runs but the audit policy records no logon or policy-change event',
    },
    remediation: { zh: '启用审计服务并确保日志留存不少于六个月', en: 'Enable the audit service and keep logs for at least six months' },
    articles: ['MLPS-12'],
    thresholds: {},
  },
  {
    id: 'HOST-TIME-UNSYNCED',
    subject: 'host',
    family: 'security',
    severity: 'medium',
    title: { zh: '系统时间未同步', en: 'Clock not synchronised' },
    failsWhen: { zh: '系统时钟未与时间源同步', en: 'the system clock is not synchronised with a time source' },
    remediation: { zh: '配置 chrony/ntpd 或 Windows 时间服务，指向统一时间源', en: "Configure chrony/ntpd or Windows Time against the institution's time source" },
    articles: ['MLPS-13'],
    thresholds: {},
  },
  {
    id: 'HOST-SSH-ROOT-PASSWORD',
    subject: 'host',
    family: 'security',
    severity: 'high',
    title: { zh: 'SSH 允许 root 口令登录', en: 'SSH permits root login with a password' },
    failsWhen: {
      zh: 'sshd 的 PermitRootLogin 为 yes（允许 root 以口令登录）；地区可收紧为只接受 no',
      en: 'sshd has PermitRootLogin yes (root may log in with a password); a region may tighten this to accept only no',
    },
    remediation: {
      zh: '将 PermitRootLogin 设为 no（或 prohibit-password），以个人账号登录后再提权',
      en: 'Set PermitRootLogin no (or prohibit-password) and log in with personal accounts, then elevate',
    },
    articles: ['MLPS-01', 'MLPS-03'],
    thresholds: { allowRootKeyOnly: { default: true, unit: 'flag', label: { zh: '允许 root 仅凭密钥登录', en: 'allow key-only root login' }, stricter: 'lower' } },
  },
  // ---- host: accounts and hardening (issue 19) -------------------------------------------
  {
    id: 'HOST-PASSWORD-POLICY',
    subject: 'host',
    family: 'security',
    severity: 'high',
    title: { zh: '口令策略不满足复杂度要求', en: 'Password policy too weak' },
    failsWhen: {
      zh: '本地口令策略的最小长度小于阈值（默认 8 位），或未启用复杂度要求，或口令最长使用期限未设置或超过阈值（默认 90 天）',
      en: 'the local password policy allows passwords shorter than the threshold (default 8), does not require complexity, or sets no maximum age or one over the threshold (default 90 days)',
    },
    remediation: {
      zh: 'Linux 在 /etc/login.defs 与 pam_pwquality 中设置最小长度、字符类别和最长使用期限；Windows 在本地安全策略（或域组策略）的“密码策略”中设置',
      en: "On Linux set minimum length, character classes and maximum age in /etc/login.defs and pam_pwquality; on Windows in the local (or domain) security policy's Password Policy",
    },
    articles: ['MLPS-01', 'M10'],
    thresholds: {
      minLength: { default: 8, unit: 'count', label: { zh: '口令最小长度', en: 'minimum password length' }, min: 1, max: 64, stricter: 'higher' },
      requireComplexity: { default: true, unit: 'flag', label: { zh: '要求口令复杂度', en: 'require complexity' }, stricter: 'higher' },
      maxAgeDays: days(90, '口令最长使用天数', 'maximum password age (days)', 365),
    },
  },
  {
    id: 'HOST-ACCOUNT-LOCKOUT',
    subject: 'host',
    family: 'security',
    severity: 'medium',
    title: { zh: '未配置登录失败锁定', en: 'No account lockout after failed logins' },
    failsWhen: {
      zh: '未启用登录失败锁定（阈值为 0），或允许的连续失败次数超过阈值（默认 10 次）',
      en: 'accounts never lock after failed logins (threshold 0), or more failed attempts than the threshold (default 10) are allowed',
    },
    remediation: {
      zh: 'Linux 以 pam_faillock（或 pam_tally2）设置允许失败次数与锁定时间；Windows 在“帐户锁定策略”中设置锁定阈值与锁定时间',
      en: 'On Linux set deny and unlock_time with pam_faillock (or pam_tally2); on Windows set the lockout threshold and duration in Account Lockout Policy',
    },
    articles: ['MLPS-02'],
    thresholds: { maxAttempts: { default: 10, unit: 'count', label: { zh: '最多允许失败次数', en: 'maximum failed attempts' }, min: 1, max: 100, stricter: 'lower' } },
  },
  {
    id: 'HOST-AUDIT-POLICY',
    subject: 'host',
    family: 'security',
    severity: 'medium',
    title: { zh: 'Windows 审核策略未记录关键事件', en: 'Windows audit policy misses key events' },
    failsWhen: {
      zh: 'Windows 审核策略未同时记录登录成功与登录失败事件，或未记录审核策略更改或用户帐户管理事件',
      en: 'the Windows audit policy does not record both successful and failed logons, or does not record audit-policy changes or user-account management',
    },
    remediation: {
      zh: '以 auditpol 或组策略“高级审核策略配置”启用“登录”（成功和失败）、“审核策略更改”与“用户帐户管理”的审核',
      en: 'Enable auditing of Logon (success and failure), Audit Policy Change and User Account Management with auditpol or Advanced Audit Policy Configuration in Group Policy',
    },
    articles: ['MLPS-12'],
    thresholds: {},
  },
  {
    id: 'HOST-REMOTE-HARDENING',
    subject: 'host',
    family: 'security',
    severity: 'high',
    title: { zh: '远程访问未加固', en: 'Remote access not hardened' },
    failsWhen: {
      zh: '远程桌面未要求网络级别身份验证（NLA），或启用了 SMBv1，或 Guest 账户已启用，或 Telnet、FTP 服务在运行',
      en: 'Remote Desktop does not require Network Level Authentication, SMBv1 is enabled, the Guest account is enabled, or a Telnet/FTP service runs',
    },
    remediation: {
      zh: '为远程桌面启用 NLA，关闭 SMBv1，禁用 Guest 账户，停用 Telnet、FTP 并改用 SSH、SFTP',
      en: 'Require NLA for Remote Desktop, turn SMBv1 off, disable the Guest account, stop Telnet/FTP and use SSH/SFTP instead',
    },
    articles: ['M11', 'MLPS-19'],
    thresholds: {},
  },
  // ---- host: weak credentials (issue 24; the agent checks only where the region opts in) ----
  {
    id: 'HOST-WEAK-PASSWORD',
    subject: 'host',
    family: 'security',
    severity: 'critical',
    title: { zh: '本地账户存在弱口令', en: 'Weak local account password' },
    failsWhen: {
      zh: '可登录的本地账户口令为空或在弱口令字典中（含账户名变形、机构缩写加年份与地区补充词）；Windows 上为允许空口令、内置 Administrator 启用或有账户口令永不过期（Windows 口令本身不检测）',
      en: "a login-capable local account has an empty password or one in the weak-password dictionary (with account-name variants, institution initials + year and the region's words); on Windows: blank passwords allowed, the built-in Administrator enabled, or an account whose password never expires (Windows passwords themselves are not tested)",
    },
    remediation: {
      zh: '立即为该账户设置符合口令策略的强口令（不少于 8 位，含大小写字母、数字和符号，不含账户名与机构缩写）；不需登录的账户锁定或改为 nologin；Windows 上禁用或重命名内置 Administrator、启用“限制空口令只能控制台登录”、为账户设置口令过期',
      en: "Set a strong password on the account at once (8+ characters, upper and lower case, digits and symbols, not the account name or the institution's initials); lock accounts that need no login or give them nologin; on Windows disable or rename the built-in Administrator, limit blank passwords to console logon and let passwords expire",
    },
    articles: ['MLPS-01', 'M11'],
    thresholds: {},
  },
  {
    id: 'HOST-SERVICE-NOAUTH',
    subject: 'host',
    family: 'security',
    severity: 'high',
    severityNote: { zh: '服务端口监听在本机回环地址以外（其他主机可连接）时为严重', en: "critical when the service's port listens beyond loopback (other hosts can connect)" },
    title: { zh: '数据库或缓存服务无需认证即可访问', en: 'Database or cache service without authentication' },
    failsWhen: {
      zh: 'Redis、MongoDB、Elasticsearch、memcached 无需凭据即可访问，MySQL/MariaDB 的 root 账户口令为空，或 PostgreSQL 的 pg_hba.conf 对远程地址配置了 trust',
      en: "Redis, MongoDB, Elasticsearch or memcached answers without credentials, MySQL/MariaDB root has an empty password, or PostgreSQL's pg_hba.conf trusts remote addresses",
    },
    remediation: {
      zh: '为服务启用认证（Redis requirepass/ACL、MongoDB --auth、Elasticsearch 安全功能、memcached SASL、为 MySQL root 设置口令、pg_hba.conf 改为 scram-sha-256），并将监听地址限制为业务所需地址',
      en: 'Turn authentication on (Redis requirepass/ACL, MongoDB --auth, Elasticsearch security, memcached SASL, a password for MySQL root, scram-sha-256 in pg_hba.conf) and bind the service to the addresses it serves only',
    },
    articles: ['MLPS-01', 'M11'],
    thresholds: {},
  },
  {
    id: 'HOST-LOG-RETENTION',
    subject: 'host',
    family: 'security',
    severity: 'medium',
    title: { zh: '日志留存不足六个月', en: 'Logs kept less than six months' },
    failsWhen: {
      zh: '主机的某个日志（系统日志文件、持久化的 journald 日志、auditd 审计日志或 Windows 事件日志）按其配置保留不足阈值天数（默认 180 天；主机所属定级对象在数据目录中承载重要或核心数据时取两项阈值中较大者），或已达容量上限而最早一条日志不足该天数',
      en: 'a log store of the host (syslog files, a persistent journal, the auditd log or a Windows event log) keeps entries for less than the threshold (default 180 days; the larger of the two thresholds when the data register lists important or core data in an MLPS system of the host) by its configuration, or has reached its size cap with a younger oldest entry',
    },
    remediation: {
      zh: '调大日志轮转保留份数或容量上限（logrotate 的 rotate、journald 的 MaxRetentionSec 与 SystemMaxUse、auditd 的 num_logs、事件日志的最大大小或存档），或将日志集中转存到日志服务器并保留至少六个月',
      en: 'Keep more rotations or raise the size caps (logrotate rotate, journald MaxRetentionSec/SystemMaxUse, auditd num_logs, event log maximum size or archiving), or ship the logs to a log server that keeps them at least six months',
    },
    articles: ['CSL-21', 'MLPS-12', 'DS'],
    thresholds: {
      minDays: { default: 180, unit: 'days', label: { zh: '最短留存天数', en: 'minimum days kept' }, min: 180, max: 3650, stricter: 'higher' },
      // The 2026 health-data Measures ask longer for important data; the figure could not be confirmed from
      // the official text, so the default adds nothing until a region sets it.
      importantDataMinDays: {
        default: 180,
        unit: 'days',
        label: { zh: '承载重要或核心数据的主机最短留存天数（未核实，默认同上）', en: 'minimum days kept on hosts holding important or core data (unconfirmed; default as above)' },
        min: 180,
        max: 3650,
        stricter: 'higher',
      },
    },
  },
  // ---- host: backups ---------------------------------------------------------------------
  {
    id: 'HOST-BACKUP-NONE',
    subject: 'host',
    family: 'backups',
    severity: 'high',
    title: { zh: '重要系统主机无备份', en: 'No backup on an MLPS host' },
    failsWhen: { zh: '主机属于二级及以上定级对象，但未声明任何备份任务', en: 'the host belongs to an MLPS system of level 2 or above and declares no backup job' },
    remediation: { zh: '为主机配置备份任务并在探针配置中声明', en: "Set up a backup job and declare it in the agent's configuration" },
    articles: ['FY-storage', 'MLPS-29'],
    thresholds: { minLevel: { default: 2, unit: 'level', label: { zh: '适用的最低等级', en: 'lowest MLPS level it applies to' }, min: 1, max: 4, stricter: 'lower' } },
  },
  {
    id: 'HOST-BACKUP-STALE',
    subject: 'host',
    family: 'backups',
    severity: 'high',
    severityNote: { zh: '最近一次成功备份超过 7 天时为严重', en: 'critical when the last success is more than 7 days old' },
    title: { zh: '备份过期', en: 'Backup out of date' },
    failsWhen: { zh: '某备份任务最近一次成功早于其周期的 1.5 倍（默认周期 24 小时）', en: "a job's last success is older than 1.5 × its interval (default interval 24 h)" },
    remediation: { zh: '检查备份任务的调度与存储，恢复按周期成功执行', en: "Check the job's schedule and storage so it succeeds on every run again" },
    articles: ['FY-storage', 'MLPS-29'],
    thresholds: {
      staleFactor: { default: 1.5, unit: 'factor', label: { zh: '周期倍数', en: 'multiple of the interval' }, min: 1, max: 10, stricter: 'lower' },
      criticalAfterDays: days(7, '升为严重的天数', 'days after which it is critical', 90),
    },
  },
  {
    id: 'HOST-BACKUP-FAILED',
    subject: 'host',
    family: 'backups',
    severity: 'high',
    title: { zh: '备份失败', en: 'Backup failed' },
    failsWhen: { zh: '某备份任务最近一次执行失败', en: "a job's last attempt failed" },
    remediation: { zh: '查看备份日志，排除故障后重新执行', en: 'Read the backup log, fix the cause and run the job again' },
    articles: ['FY-storage', 'MLPS-29'],
    thresholds: {},
  },
  {
    id: 'HOST-BACKUP-OFFSITE',
    subject: 'host',
    family: 'backups',
    severity: 'medium',
    severityNote: { zh: '主机所属定级对象为三级及以上时为高危', en: 'high when the host belongs to a system of level 3 or above' },
    title: { zh: '无异地备份', en: 'No off-site backup copy' },
    failsWhen: { zh: '没有任何备份任务保存异地副本', en: 'no backup job keeps an off-site copy' },
    remediation: { zh: '为至少一个备份任务增加异地（另一机房或备份中心）副本', en: 'Add an off-site copy (another site or backup centre) to at least one job' },
    articles: ['FY-storage', 'M12', 'MLPS-30'],
    thresholds: { highFromLevel: { default: 3, unit: 'level', label: { zh: '升为高危的最低等级', en: 'level from which it is high' }, min: 1, max: 4, stricter: 'lower' } },
  },
  {
    id: 'HOST-BACKUP-RESTORE-TEST',
    subject: 'host',
    family: 'backups',
    severity: 'medium',
    title: { zh: '未做备份恢复测试', en: 'No backup restore test' },
    failsWhen: { zh: '180 天内（三级及以上为 90 天）没有任何备份任务做过恢复测试', en: 'no restore test within 180 days (90 days at level 3 and above)' },
    remediation: { zh: '定期做恢复演练并在探针配置中登记日期', en: "Run a restore test regularly and record its date in the agent's configuration" },
    articles: ['FY-storage', 'MLPS-29'],
    thresholds: { maxDays: days(180, '最长间隔天数', 'maximum days since a test', 730), maxDaysLevel3: days(90, '三级及以上最长间隔天数', 'maximum days at level 3+', 730) },
  },
  // ---- host: agent -----------------------------------------------------------------------
  {
    id: 'HOST-AGENT-SILENT',
    subject: 'host',
    family: 'agent',
    severity: 'high',
    title: { zh: '探针长时间未上报', en: 'Agent silent' },
    failsWhen: { zh: '超过阈值小时没有收到该主机的报告', en: 'no report from the host for longer than the threshold' },
    remediation: {
      zh: '检查主机与探针服务是否运行、网络是否可达；已下线的主机应办理退役',
      en: 'Check that the host and the agent service run and can reach the server; retire hosts that were decommissioned',
    },
    articles: ['M7'],
    thresholds: { silentHours: { default: 24, unit: 'hours', label: { zh: '最长静默小时', en: 'maximum silence (hours)' }, min: 1, max: 24 * 30, stricter: 'lower' } },
  },
  // ---- institution: MLPS -----------------------------------------------------------------
  {
    id: 'INST-MLPS-UNGRADED',
    subject: 'institution',
    family: 'mlps',
    severity: 'high',
    title: { zh: '未完成等级保护定级', en: 'MLPS grading missing' },
    failsWhen: { zh: '机构没有在用的定级对象，或有定级对象未确定等级', en: 'the institution has no live graded system, or a system without a level' },
    remediation: { zh: '梳理网络与信息系统，按 GB/T 22240 完成定级并录入', en: 'Inventory the networks and systems, grade them per GB/T 22240 and record them' },
    articles: ['M6(1)'],
    thresholds: {},
  },
  {
    id: 'INST-MLPS-FILING',
    subject: 'institution',
    family: 'mlps',
    severity: 'high',
    title: { zh: '未按期备案', en: 'MLPS filing overdue' },
    failsWhen: {
      zh: '二级及以上定级对象在定级后 10 个工作日（按国务院节假日及调休安排）仍未备案；已备案的，逾期在证据中注明',
      en: 'a system of level 2+ is still unfiled 10 working days after grading (official holiday and 调休 calendar); a late filing, once made, is noted in the evidence',
    },
    remediation: { zh: '向公安机关提交备案材料并录入备案日期', en: 'File with the public security organ and record the filing date' },
    articles: ['M6(2)'],
    thresholds: { workingDays: { default: 10, unit: 'days', label: { zh: '备案期限（工作日）', en: 'filing period (working days)' }, min: 1, max: 10, stricter: 'lower' } },
  },
  {
    id: 'INST-MLPS-EVALUATION',
    subject: 'institution',
    family: 'mlps',
    severity: 'high',
    severityNote: { zh: '涉及三级、四级定级对象时为严重', en: 'critical for systems of level 3 or 4' },
    title: { zh: '等级测评逾期', en: 'MLPS evaluation overdue' },
    failsWhen: {
      zh: '最近一次等级测评（从未测评的自定级日起算）早于：三级、四级 1 年；处理超过 10 万人个人信息的二级 3 年；其他二级 5 年',
      en: 'the last evaluation (or grading, if never evaluated) is older than 1 year (level 3/4), 3 years (level 2 with personal information of over 100,000 people) or 5 years (other level 2)',
    },
    remediation: { zh: '委托等级测评机构开展测评并录入测评日期', en: 'Commission an MLPS evaluation body and record the evaluation date' },
    articles: ['M6(4)'],
    thresholds: {
      yearsLevel3: { default: 1, unit: 'years', label: { zh: '三级、四级测评周期（年）', en: 'interval at level 3/4 (years)' }, min: 1, max: 1, stricter: 'lower' },
      yearsLevel2PersonalInfo: {
        default: 3,
        unit: 'years',
        label: { zh: '二级（超10万人个人信息）测评周期（年）', en: "interval at level 2 with >100k people's data (years)" },
        min: 1,
        max: 3,
        stricter: 'lower',
      },
      yearsLevel2: { default: 5, unit: 'years', label: { zh: '其他二级测评周期（年）', en: 'interval at other level 2 (years)' }, min: 1, max: 5, stricter: 'lower' },
    },
  },
  {
    id: 'INST-MLPS-PRELAUNCH-TEST',
    subject: 'institution',
    family: 'mlps',
    severity: 'medium',
    title: { zh: '上线前未做安全测试', en: 'No security test before go-live' },
    failsWhen: { zh: '定级对象已上线，但没有上线前（不晚于上线日）的安全测试记录', en: 'a system went live without a security test recorded on or before its go-live date' },
    remediation: { zh: '补做安全测试并录入；今后新系统上线前先测试', en: 'Run and record a security test now; test new systems before they go live' },
    articles: ['M6(4)'],
    thresholds: {},
  },
  // ---- institution: governance -------------------------------------------------------------
  {
    id: 'INST-GOV-LEADERSHIP',
    subject: 'institution',
    family: 'governance',
    severity: 'medium',
    title: { zh: '网络安全领导小组未按年开会', en: 'No leadership-group meeting this year' },
    failsWhen: { zh: '近 12 个月内没有网络安全和信息化领导小组会议记录', en: 'no cybersecurity and informatisation leadership-group meeting in the last 12 months' },
    remediation: { zh: '召开领导小组会议并录入会议记录', en: 'Hold a leadership-group meeting and record it' },
    articles: ['M5'],
    thresholds: months12,
  },
  {
    id: 'INST-GOV-SELF-INSPECTION',
    subject: 'institution',
    family: 'governance',
    severity: 'high',
    title: { zh: '未按年开展安全自查', en: 'No yearly self-inspection' },
    failsWhen: { zh: '近 12 个月内没有同时包含漏洞扫描和渗透测试的自查记录', en: 'no self-inspection including both a vulnerability scan and a penetration test in the last 12 months' },
    remediation: {
      zh: '开展包含文档核查、漏洞扫描和渗透测试的自查并上报整改情况',
      en: 'Run a self-inspection with document checks, a vulnerability scan and a penetration test, and report the rectification',
    },
    articles: ['M9'],
    thresholds: months12,
  },
  {
    id: 'INST-GOV-DRILL',
    subject: 'institution',
    family: 'governance',
    severity: 'medium',
    title: { zh: '未按年开展应急演练', en: 'No yearly emergency drill' },
    failsWhen: { zh: '近 12 个月内没有应急演练记录', en: 'no emergency drill in the last 12 months' },
    remediation: { zh: '按应急预案组织演练并录入', en: 'Hold a drill following the emergency plan and record it' },
    articles: ['M8'],
    thresholds: months12,
  },
  {
    id: 'INST-DATA-INVENTORY',
    subject: 'institution',
    family: 'governance',
    severity: 'medium',
    title: { zh: '未按年开展数据资产清查', en: 'No yearly data-asset inventory' },
    failsWhen: { zh: '近 12 个月内没有数据资产清查及分类分级记录', en: 'no data-asset inventory with classification and grading in the last 12 months' },
    remediation: { zh: '开展数据资产清查与分类分级并录入', en: 'Inventory data assets, classify and grade them, and record it' },
    articles: ['M20'],
    thresholds: months12,
  },
  {
    id: 'INST-GOV-TRAINING',
    subject: 'institution',
    family: 'governance',
    severity: 'low',
    title: { zh: '未按年开展安全培训', en: 'No yearly security training' },
    failsWhen: { zh: '近 12 个月内没有网络安全培训记录', en: 'no security training in the last 12 months' },
    remediation: { zh: '按年度培训计划组织培训并录入', en: 'Hold training following the yearly plan and record it' },
    articles: ['FY-training'],
    thresholds: months12,
  },
  {
    id: 'INST-GOV-PERMISSION-REVIEW',
    subject: 'institution',
    family: 'governance',
    severity: 'low',
    title: { zh: '未按年复核用户权限', en: 'No yearly permission review' },
    failsWhen: { zh: '近 12 个月内没有用户权限复核记录', en: 'no review of user permissions in the last 12 months' },
    remediation: { zh: '复核各系统用户及其权限，清理多余账号，并录入', en: 'Review users and permissions in every system, remove what is not needed, and record it' },
    articles: ['FY-roles'],
    thresholds: months12,
  },
  // ---- institution: the supervision loop (rules/supervision.ts, on notices and self-inspections) ----
  {
    id: 'INST-RECTIFY-OVERDUE',
    subject: 'institution',
    family: 'governance',
    severity: 'high',
    title: { zh: '整改通知逾期未完成', en: 'Rectification notice overdue' },
    failsWhen: {
      zh: '未办结的整改通知中有整改项已过整改期限（按工作日计算的日期）仍未完成：既未通过复核，也未反馈待复核，关联的检查项也未经探针数据核验合规',
      en: "an item of an open rectification notice is past its deadline (the date its working days give) and not done: neither accepted, nor submitted and waiting for review, nor verified by the agents' data",
    },
    remediation: {
      zh: '完成整改并在整改通知中逐项反馈措施和佐证材料；确有困难的，在期限前申请延期',
      en: 'Rectify, then answer each item of the notice with the measures and evidence; where the deadline cannot be met, ask for an extension before it passes',
    },
    articles: ['M9', 'M4'],
    thresholds: {},
  },
  {
    id: 'INST-SELF-INSPECTION-REPORT',
    subject: 'institution',
    family: 'governance',
    severity: 'high',
    title: { zh: '年度自查自评未按期报送', en: 'Yearly self-inspection report not submitted' },
    failsWhen: {
      zh: '本年度（截止日未到时为上一年度）的自查自评及整改情况到地区设定的截止日仍未提交，退回修改的视为未提交；逾期提交的在证据中注明；地区未设截止日的年度不适用',
      en: "the year's self-inspection and rectification report (last year's until this year's deadline) was not submitted by the region's deadline; a returned one counts as not submitted; a late submission is noted in the evidence; a year without a deadline is not applicable",
    },
    remediation: {
      zh: '按地区发布的自查表完成自查自评，连同整改情况提交上级卫生健康行政部门',
      en: "Complete the region's self-inspection checklist and submit it with the rectification report to the superior health department",
    },
    articles: ['M9'],
    thresholds: {},
  },
  // ---- institution: data security (rules/data.ts, on the data register) --------------------
  {
    id: 'INST-DATA-IMPORTANT-LEVEL',
    subject: 'institution',
    family: 'data',
    severity: 'critical',
    title: { zh: '重要数据存放于三级以下系统', en: 'Important data held below MLPS level 3' },
    failsWhen: { zh: '数据目录中的重要数据或核心数据存放于等级保护三级以下的定级对象', en: 'important or core data in the data register is held in an MLPS system graded below level 3' },
    remediation: {
      zh: '将重要数据迁入三级及以上系统，或将该系统按三级定级、备案和测评',
      en: 'Move the important data into a system of level 3 or above, or grade, file and evaluate that system at level 3',
    },
    articles: ['DS', 'M6(1)'],
    // The level-3 floor is read from summaries of the 2026 Measures, not their text: a setting, default 3.
    thresholds: { minLevel: { default: 3, unit: 'level', label: { zh: '存放重要数据的最低等级', en: 'minimum level for important data' }, min: 3, max: 4, stricter: 'higher' } },
  },
  {
    id: 'INST-DATA-FILING',
    subject: 'institution',
    family: 'data',
    severity: 'high',
    title: { zh: '重要数据目录未报送', en: 'Important-data catalogue not filed' },
    failsWhen: {
      zh: '数据目录中有重要数据或核心数据，但未记录向卫生健康主管部门报送重要数据目录（日期和回执）',
      en: 'the data register lists important or core data but no filing of the catalogue with the local health department (date and receipt) is recorded',
    },
    remediation: {
      zh: '向属地卫生健康主管部门报送重要数据目录，并录入报送日期和回执编号',
      en: 'File the important-data catalogue with the local health department and record the date and receipt number',
    },
    articles: ['DS'],
    thresholds: {},
  },
  {
    id: 'INST-DATA-RISK-ASSESSMENT',
    subject: 'institution',
    family: 'data',
    severity: 'high',
    title: { zh: '未按期报送数据安全风险评估报告', en: 'Data-security risk assessment report not submitted' },
    failsWhen: {
      zh: '持有重要数据，但近 12 个月内没有向卫生健康主管部门报送数据安全风险评估报告的记录',
      en: 'important data is held but no data-security risk assessment report was submitted to the local health department in the last 12 months',
    },
    remediation: { zh: '开展数据安全风险评估，向属地卫生健康主管部门报送报告并录入', en: 'Run a data-security risk assessment, submit the report to the local health department and record it' },
    articles: ['DS', 'M18'],
    thresholds: months12,
  },
  {
    id: 'INST-PI-AUDIT',
    subject: 'institution',
    family: 'data',
    severity: 'medium',
    title: { zh: '个人信息保护合规审计逾期', en: 'Personal-information protection compliance audit overdue' },
    failsWhen: { zh: '处理个人信息，但近 24 个月内没有个人信息保护合规审计记录', en: 'personal information is processed but no PI-protection compliance audit in the last 24 months' },
    remediation: { zh: '自行或委托专业机构开展个人信息保护合规审计并录入', en: 'Run a PI-protection compliance audit, in house or through a professional body, and record it' },
    articles: ['DS'],
    // 24 months is the figure of 《个人信息保护合规审计管理办法》 for processors of over 10 million
    // people; for smaller ones the texts say "regularly": a region may tighten it.
    thresholds: { maxMonths: { default: 24, unit: 'months', label: { zh: '最长间隔（月）', en: 'maximum interval (months)' }, min: 1, max: 24, stricter: 'lower' } },
  },
  {
    id: 'INST-DATA-MEETING',
    subject: 'institution',
    family: 'data',
    severity: 'medium',
    title: { zh: '未按年召开数据安全和个人信息保护工作会议', en: 'No yearly data-security and PI-protection meeting' },
    failsWhen: { zh: '近 12 个月内没有数据安全和个人信息保护工作会议记录', en: 'no data-security and personal-information protection meeting in the last 12 months' },
    remediation: { zh: '召开数据安全和个人信息保护工作会议并录入会议记录', en: 'Hold a data-security and PI-protection meeting and record it' },
    articles: ['DS'],
    thresholds: months12,
  },
  // ---- institution: exposure seen from outside (issue 24) ------------------------------------
  // Judged on the region's scanner results for the institution's registered public targets: only
  // ports seen in a target's latest complete round count, so a closed mapping stops failing.
  {
    id: 'EXT-REMOTE-ADMIN',
    subject: 'institution',
    family: 'exposure',
    severity: 'critical',
    title: { zh: '远程管理端口暴露在互联网', en: 'Remote-management port open to the Internet' },
    failsWhen: {
      zh: '区域扫描器在机构登记的公网地址上，于最近一轮完整扫描中连通远程管理端口（SSH 22、Telnet 23、RDP 3389、VNC 5900、WinRM 5985/5986，或任何端口上应答的 SSH 服务）',
      en: "in the latest complete round, the region's scanner reached a remote-management port on the institution's registered public addresses (SSH 22, Telnet 23, RDP 3389, VNC 5900, WinRM 5985/5986, or SSH answering on any port)",
    },
    remediation: {
      zh: '在互联网边界关闭该端口映射；确需远程运维的，经评估审批后通过 VPN 或堡垒机接入并全程审计',
      en: 'Remove the port mapping at the Internet edge; where remote maintenance is needed, approve it and go through a VPN or bastion host with full auditing',
    },
    articles: ['M11'],
    thresholds: scanRound,
  },
  {
    id: 'EXT-DATABASE',
    subject: 'institution',
    family: 'exposure',
    severity: 'critical',
    title: { zh: '数据库或缓存端口暴露在互联网', en: 'Database or cache port open to the Internet' },
    failsWhen: {
      zh: '最近一轮完整扫描中，机构登记的公网地址上的数据库或缓存端口可从外部连通（SQL Server 1433、Oracle 1521、MySQL 3306、PostgreSQL 5432、Redis 6379、Elasticsearch 9200、memcached 11211、MongoDB 27017、达梦 5236、人大金仓 54321 等）',
      en: "in the latest complete round, a database or cache port answered on the institution's registered public addresses (SQL Server 1433, Oracle 1521, MySQL 3306, PostgreSQL 5432, Redis 6379, Elasticsearch 9200, memcached 11211, MongoDB 27017, DM 5236, Kingbase 54321 and others)",
    },
    remediation: {
      zh: '立即关闭该端口在互联网上的映射，数据库只对内网应用服务器开放；检查是否已被未授权访问并修改口令',
      en: 'Remove the mapping at once and open the database to the internal application servers only; check for unauthorised access and change the passwords',
    },
    articles: ['M11'],
    thresholds: scanRound,
  },
  {
    id: 'EXT-PORT-RISKY',
    subject: 'institution',
    family: 'exposure',
    severity: 'high',
    title: { zh: '高危端口暴露在互联网', en: 'High-risk port open to the Internet' },
    failsWhen: {
      zh: '最近一轮完整扫描中，机构登记的公网地址上高危端口清单中的其他端口（如 FTP 21、NetBIOS 135–139、SMB 445、rsync 873、Docker 2375、WebLogic 7001）可从外部连通',
      en: "in the latest complete round, another port of the high-risk list (such as FTP 21, NetBIOS 135–139, SMB 445, rsync 873, Docker 2375, WebLogic 7001) answered on the institution's registered public addresses",
    },
    remediation: { zh: '关闭该端口的映射，或在边界防火墙上只允许确需访问的来源地址', en: 'Remove the mapping, or let the edge firewall admit only the source addresses that need it' },
    articles: ['M11'],
    thresholds: scanRound,
  },
  {
    id: 'EXT-PLAINTEXT',
    subject: 'institution',
    family: 'exposure',
    severity: 'high',
    title: { zh: '明文协议或明文登录页暴露在互联网', en: 'Plaintext protocol or login page open to the Internet' },
    failsWhen: {
      zh: '最近一轮完整扫描中，机构登记的公网地址上有明文协议（FTP 21、Telnet 23、rexec/rlogin/rsh 512–514）或经明文 HTTP 提供的登录页可从外部访问',
      en: "in the latest complete round, a plaintext protocol (FTP 21, Telnet 23, rexec/rlogin/rsh 512–514) or a login page over plain HTTP answered on the institution's registered public addresses",
    },
    remediation: {
      zh: '停用明文协议，改用 SSH、SFTP 等加密协议；登录页改用 HTTPS，并将 HTTP 访问重定向到 HTTPS',
      en: 'Disable the plaintext protocol and use SSH, SFTP or another encrypted protocol; serve login pages over HTTPS and redirect HTTP to it',
    },
    articles: ['M15', 'FY-transmission'],
    thresholds: scanRound,
  },
  // ---- institution: coverage -------------------------------------------------------------
  {
    id: 'INST-COVERAGE',
    subject: 'institution',
    family: 'coverage',
    severity: 'medium',
    title: { zh: '监测覆盖率不足', en: 'Monitoring coverage too low' },
    failsWhen: {
      zh: '在 HOST-AGENT-SILENT 的最长静默时间（默认 24 小时）内有报告的主机不足已登记主机的 90%',
      en: "under 90% of the registered hosts reported within HOST-AGENT-SILENT's maximum silence (default 24 h)",
    },
    remediation: { zh: '为所有在用服务器部署探针并保持在线；已下线主机应办理退役', en: 'Run the agent on every server in use; retire hosts that were decommissioned' },
    articles: ['M7'],
    thresholds: { minRatio: { default: 0.9, unit: 'ratio', label: { zh: '最低覆盖率', en: 'minimum ratio' }, min: 0, max: 1, stricter: 'higher' } },
  },
] as const satisfies readonly RuleData[];

export type CatalogueEntry = (typeof RULE_DATA)[number];
export type RuleId = CatalogueEntry['id'];
export type HostRuleId = Extract<CatalogueEntry, { subject: 'host' }>['id'];
export type InstitutionRuleId = Extract<CatalogueEntry, { subject: 'institution' }>['id'];

export const RULE_IDS = RULE_DATA.map((r) => r.id) as unknown as readonly [RuleId, ...RuleId[]];
export const RULE_DATA_BY_ID: Readonly<Record<RuleId, RuleData>> = Object.fromEntries(RULE_DATA.map((r) => [r.id, r])) as unknown as Record<RuleId, RuleData>;

type ThresholdSpecsOf<Id extends RuleId> = Extract<CatalogueEntry, { id: Id }>['thresholds'];
/** The typed thresholds a check receives for rule `Id`. */
export type ThresholdsOf<Id extends RuleId> = {
  -readonly [K in keyof ThresholdSpecsOf<Id>]: ThresholdSpecsOf<Id>[K] extends { default: boolean } ? boolean : number;
};
