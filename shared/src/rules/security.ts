import type { SecurityData } from '../schemas/sections.js';
import { ageDays, couldNotTell, fail, fmtDays, notApplicable, pass, sectionData, unknown, type HostChecks } from './check.js';
import { auditsNothing, withAgentReasons } from './accounts.js';
import type { CheckResult } from './types.js';
import type { HostCheckInput } from './inputs.js';

/** A service that must be active: true passes, false fails, null (agent could not tell) is unknown. */
function mustBeActive(pick: (s: SecurityData) => { active: boolean | null; name: string | null }, what: { zh: string; en: string; field: string }): (input: HostCheckInput) => CheckResult {
  return (input) => {
    const security = sectionData('security', input.sections.security);
    if (!security.ok) return security.result;
    const { active, name } = pick(security.data);
    if (active === null) return couldNotTell(`${what.zh}是否启用`, `whether ${what.en} is active`, what.field);
    const data = { product: name };
    return active ? pass(`${what.zh}已启用${name ? `（${name}）` : ''}`, `${what.en} active${name ? ` (${name})` : ''}`, data) : fail(`${what.zh}未启用`, `${what.en} not active`, data);
  };
}

/**
 * Whether anti-malware is required on this host: Windows always, Linux and others when the region
 * says so. Needs the device section: without it the answer is unknown, not "not required".
 */
function antimalwareRequired(input: HostCheckInput): { ok: true; required: boolean } | { ok: false; result: CheckResult } {
  const device = sectionData('device', input.sections.device);
  if (!device.ok) return device;
  return { ok: true, required: device.data.os.family === 'windows' || input.requireLinuxAntimalware };
}
const notRequired = () => notApplicable('本地区未要求 Linux 主机运行防恶意代码软件', 'the region does not require anti-malware on Linux');

/**
 * On Windows a running EventLog service records no security event unless the audit policy asks for
 * it: the service passes only when auditpol shows that something (logons, policy changes) is audited.
 */
function windowsAuditRecords(input: HostCheckInput, service: CheckResult): CheckResult {
  const security = sectionData('security', input.sections.security);
  if (!security.ok) return security.result;
  const ap = security.data.auditPolicy;
  if (ap === undefined || ap === null)
    return withAgentReasons(
      unknown('事件日志服务在运行，但探针未能读取审核策略，无法确认是否记录审计事件', 'Event Log runs, but the agent could not read the audit policy, so whether anything is audited is unknown', {
        reason: ap === undefined ? 'not-collected' : 'value-unknown',
        field: 'auditPolicy',
      }),
      input,
      'auditPolicy',
    );
  const values = [ap.logonSuccess, ap.logonFailure, ap.policyChange, ap.accountManagement ?? null];
  const data = { ...(service.evidence.data ?? {}), auditPolicy: ap };
  if (values.some((v) => v === true)) return pass(`${service.evidence.zh}，审核策略记录登录或策略更改事件`, `${service.evidence.en}; the audit policy records logon or policy-change events`, data);
  if (auditsNothing(ap)) return fail('事件日志服务在运行，但审核策略不记录任何登录或策略更改事件', 'Event Log runs, but the audit policy records no logon or policy-change event', data);
  return couldNotTell('审核策略是否记录任何事件', 'whether the audit policy records any event', 'auditPolicy');
}

export const securityChecks: HostChecks<'HOST-FIREWALL-OFF' | 'HOST-AV-MISSING' | 'HOST-AV-STALE' | 'HOST-AUDIT-OFF' | 'HOST-TIME-UNSYNCED' | 'HOST-SSH-ROOT-PASSWORD'> = {
  'HOST-FIREWALL-OFF': mustBeActive((s) => ({ active: s.firewall.active, name: s.firewall.product }), { zh: '主机防火墙', en: 'the host firewall', field: 'firewall.active' }),
  'HOST-AUDIT-OFF': (input) => {
    const service = mustBeActive((s) => ({ active: s.audit.active, name: s.audit.service }), { zh: '审计日志服务', en: 'audit logging', field: 'audit.active' })(input);
    if (service.status !== 'pass') return service;
    const device = sectionData('device', input.sections.device);
    if (!device.ok) return device.result;
    if (device.data.os.family !== 'windows') return service;
    return windowsAuditRecords(input, service);
  },
  'HOST-TIME-UNSYNCED': mustBeActive((s) => ({ active: s.timeSync.synchronized, name: s.timeSync.service }), { zh: '时间同步', en: 'time synchronisation', field: 'timeSync.synchronized' }),

  'HOST-AV-MISSING': (input) => {
    const req = antimalwareRequired(input);
    if (!req.ok) return req.result;
    if (!req.required) return notRequired();
    return mustBeActive((s) => ({ active: s.antimalware.running, name: s.antimalware.product }), { zh: '防恶意代码软件', en: 'anti-malware', field: 'antimalware.running' })(input);
  },

  'HOST-AV-STALE': (input, t, now) => {
    const req = antimalwareRequired(input);
    if (!req.ok) return req.result;
    if (!req.required) return notRequired();
    const security = sectionData('security', input.sections.security);
    if (!security.ok) return security.result;
    const av = security.data.antimalware;
    if (av.running === null) return couldNotTell('防恶意代码软件是否运行', 'whether anti-malware runs', 'antimalware.running');
    // Not running is HOST-AV-MISSING's failure; counting it twice would punish one gap twice.
    if (!av.running) return notApplicable('防恶意代码软件未运行（见 HOST-AV-MISSING）', 'anti-malware not running (see HOST-AV-MISSING)');
    if (av.signatureUpdatedAt === null) return couldNotTell('病毒库更新时间', 'when signatures were last updated', 'antimalware.signatureUpdatedAt');
    const days = ageDays(av.signatureUpdatedAt, now);
    const data = { product: av.product, signatureUpdatedAt: av.signatureUpdatedAt, days: Number(fmtDays(days)) };
    return days > t.maxSignatureAgeDays
      ? fail(`病毒库 ${fmtDays(days)} 天未更新，超过 ${t.maxSignatureAgeDays} 天`, `signatures ${fmtDays(days)} days old, over ${t.maxSignatureAgeDays}`, data)
      : pass(`病毒库 ${fmtDays(days)} 天前更新`, `signatures updated ${fmtDays(days)} days ago`, data);
  },

  'HOST-SSH-ROOT-PASSWORD': (input, t) => {
    const security = sectionData('security', input.sections.security);
    if (!security.ok) return security.result;
    const ssh = security.data.ssh;
    if (ssh === null || !ssh.running) {
      // No sshd is only "not applicable" when we know why (Windows, or a stopped service).
      if (ssh !== null) return notApplicable('sshd 未运行', 'sshd is not running');
      const device = sectionData('device', input.sections.device);
      if (!device.ok) return device.result;
      if (device.data.os.family === 'windows') return notApplicable('Windows 主机不运行 sshd', 'no sshd on this Windows host');
      return couldNotTell('sshd 的配置', 'the sshd configuration', 'ssh');
    }
    const prl = ssh.permitRootLogin?.trim().toLowerCase() ?? null;
    if (prl === null) return couldNotTell('PermitRootLogin 的取值', 'the PermitRootLogin setting', 'ssh.permitRootLogin');
    const data = { permitRootLogin: prl, passwordAuthentication: ssh.passwordAuthentication };
    if (prl === 'no') return pass('sshd 禁止 root 登录', 'sshd forbids root login', data);
    const keyOnly = prl === 'prohibit-password' || prl === 'without-password' || prl === 'forced-commands-only';
    if (keyOnly && t.allowRootKeyOnly) return pass(`sshd 只允许 root 以密钥登录（${prl}）`, `sshd allows root only with keys (${prl})`, data);
    return fail(
      `sshd 允许 root 登录（PermitRootLogin ${prl}${ssh.passwordAuthentication ? '，且启用口令认证' : ''}）`,
      `sshd permits root login (PermitRootLogin ${prl}${ssh.passwordAuthentication ? ', password authentication on' : ''})`,
      data,
    );
  },
};
