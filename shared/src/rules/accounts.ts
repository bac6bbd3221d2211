import { couldNotTell, fail, notApplicable, pass, sectionData, unknown, type HostChecks } from './check.js';
import { reasonZh, uncertainFlags } from './reads.js';
import type { CheckResult } from './types.js';
import type { HostCheckInput } from './inputs.js';
import type { SecurityData } from '../schemas/sections.js';
import { judgeLogStore, logGroups, type StoreVerdict } from './logRetention.js';

/**
 * Accounts and hardening (等保 身份鉴别 / 安全审计 / 入侵防范; issue 19): password policy, account
 * lockout, Windows audit policy, remote-access hardening. A fail stands on what was read; a value the
 * agent could not read makes the rule unknown, never a pass.
 */

type Part = 'passwordPolicy' | 'lockout' | 'auditPolicy' | 'remoteAccess' | 'logRetention';
const PART_ZH: Record<Part, string> = { passwordPolicy: '口令策略', lockout: '登录失败锁定策略', auditPolicy: 'Windows 审核策略', remoteAccess: '远程访问配置', logRetention: '日志留存配置' };

/** The part of the security section a rule reads; agents before issue 19 do not send it at all. */
function securityPart<P extends Part>(input: HostCheckInput, part: P): { ok: true; data: NonNullable<SecurityData[P]> } | { ok: false; result: CheckResult } {
  const security = sectionData('security', input.sections.security);
  if (!security.ok) return security;
  const value = security.data[part];
  if (value === undefined)
    return { ok: false, result: unknown(`探针版本未采集${PART_ZH[part]}（需升级探针）`, `the agent does not collect ${part} (it needs an upgrade)`, { reason: 'not-collected', field: part }) };
  if (value === null) return { ok: false, result: withAgentReasons(couldNotTell(PART_ZH[part], `the ${part} settings`, part), input, part) };
  return { ok: true, data: value as NonNullable<SecurityData[P]> };
}

/**
 * An unknown result with the reasons the agent flagged on `part` (no login.defs, secedit refused):
 * in Chinese by their code, in the agent's own words in English.
 */
export function withAgentReasons(result: CheckResult, input: HostCheckInput, part: Part): CheckResult {
  const why = uncertainFlags('security', input.sections).filter((f) => f.field === part || f.field.startsWith(`${part}.`));
  if (!why.length) return result;
  const zh = [...new Set(why.map(reasonZh))].join('；');
  const en = why.map((f) => f.reason).join('; ');
  return unknown(`${result.evidence.zh}（${zh}）`, `${result.evidence.en} (${en})`, { ...result.evidence.data, agentReasons: why.map((f) => f.reason) });
}

/** Windows or not, from the device section; unknown without it. */
function isWindows(input: HostCheckInput): { ok: true; windows: boolean } | { ok: false; result: CheckResult } {
  const device = sectionData('device', input.sections.device);
  return device.ok ? { ok: true, windows: device.data.os.family === 'windows' } : device;
}

/** Every category the agent read is off, and at least one was read: Windows records no security event. */
export const auditsNothing = (ap: NonNullable<SecurityData['auditPolicy']>): boolean =>
  [ap.logonSuccess, ap.logonFailure, ap.policyChange, ap.accountManagement ?? null].every((v) => v === false || v === null) &&
  [ap.logonSuccess, ap.logonFailure, ap.policyChange].every((v) => v === false);

/** Failures found, else fields not read, else a pass: the shape every rule of this module shares. */
function judge(
  failures: readonly { zh: string; en: string }[],
  unread: readonly { zh: string; en: string; field: string }[],
  passed: { zh: string; en: string },
  data: Record<string, unknown>,
): CheckResult {
  if (failures.length) return fail(failures.map((f) => f.zh).join('；'), failures.map((f) => f.en).join('; '), data);
  if (unread.length)
    return unknown(`探针无法判断${unread.map((u) => u.zh).join('、')}`, `the agent could not tell ${unread.map((u) => u.en).join(', ')}`, {
      reason: 'value-unknown',
      fields: unread.map((u) => u.field),
      ...data,
    });
  return pass(passed.zh, passed.en, data);
}

export const accountChecks: HostChecks<'HOST-PASSWORD-POLICY' | 'HOST-ACCOUNT-LOCKOUT' | 'HOST-AUDIT-POLICY' | 'HOST-REMOTE-HARDENING' | 'HOST-LOG-RETENTION'> = {
  'HOST-PASSWORD-POLICY': (input, t) => {
    const pp = securityPart(input, 'passwordPolicy');
    if (!pp.ok) return pp.result;
    const { minLength, complexity, maxAgeDays, source } = pp.data;
    const failures = [];
    const unread = [];
    if (minLength === null) unread.push({ zh: '口令最小长度', en: 'the minimum password length', field: 'passwordPolicy.minLength' });
    else if (minLength < t.minLength) failures.push({ zh: `口令最小长度 ${minLength} 位，低于 ${t.minLength} 位`, en: `minimum password length ${minLength}, under ${t.minLength}` });
    if (t.requireComplexity) {
      if (complexity === null) unread.push({ zh: '是否要求口令复杂度', en: 'whether complexity is required', field: 'passwordPolicy.complexity' });
      else if (!complexity) failures.push({ zh: '未要求口令复杂度', en: 'complexity not required' });
    }
    if (maxAgeDays === null) unread.push({ zh: '口令最长使用期限', en: 'the maximum password age', field: 'passwordPolicy.maxAgeDays' });
    else if (maxAgeDays === 0) failures.push({ zh: '口令永不过期', en: 'passwords never expire' });
    else if (maxAgeDays > t.maxAgeDays) failures.push({ zh: `口令最长使用 ${maxAgeDays} 天，超过 ${t.maxAgeDays} 天`, en: `maximum password age ${maxAgeDays} days, over ${t.maxAgeDays}` });
    return judge(
      failures,
      unread,
      {
        zh: `口令最小长度 ${minLength} 位${complexity ? '，要求复杂度' : ''}，最长使用 ${maxAgeDays} 天`,
        en: `minimum length ${minLength}${complexity ? ', complexity required' : ''}, maximum age ${maxAgeDays} days`,
      },
      { minLength, complexity, maxAgeDays, source },
    );
  },

  'HOST-ACCOUNT-LOCKOUT': (input, t) => {
    const lk = securityPart(input, 'lockout');
    if (!lk.ok) return lk.result;
    const { threshold, durationMinutes, source } = lk.data;
    if (threshold === null) return couldNotTell('登录失败锁定阈值', 'the lockout threshold', 'lockout.threshold');
    const data = { threshold, durationMinutes, source };
    if (threshold === 0) return fail('未启用登录失败锁定（连续登录失败不会锁定账户）', 'no account lockout: failed logins never lock an account', data);
    if (threshold > t.maxAttempts) return fail(`连续失败 ${threshold} 次才锁定，超过 ${t.maxAttempts} 次`, `accounts lock after ${threshold} failed attempts, over ${t.maxAttempts}`, data);
    return pass(`连续失败 ${threshold} 次锁定账户`, `accounts lock after ${threshold} failed attempts`, data);
  },

  'HOST-AUDIT-POLICY': (input) => {
    const os = isWindows(input);
    if (!os.ok) return os.result;
    if (!os.windows) return notApplicable('仅适用于 Windows 主机', 'applies to Windows hosts only');
    const ap = securityPart(input, 'auditPolicy');
    if (!ap.ok) return ap.result;
    const { logonSuccess, logonFailure, policyChange } = ap.data;
    // Agents of the first round of issue 19 do not send it: not read, so never a pass.
    const accountManagement = ap.data.accountManagement ?? null;
    // Nothing recorded at all is HOST-AUDIT-OFF's failure; counting it twice would punish one gap twice.
    if (auditsNothing(ap.data)) return notApplicable('审核策略不记录任何事件（见 HOST-AUDIT-OFF）', 'the audit policy records nothing (see HOST-AUDIT-OFF)');
    const items = [
      { value: logonSuccess, zh: '登录成功', en: 'successful logons', field: 'auditPolicy.logonSuccess' },
      { value: logonFailure, zh: '登录失败', en: 'failed logons', field: 'auditPolicy.logonFailure' },
      { value: policyChange, zh: '审核策略更改', en: 'audit-policy changes', field: 'auditPolicy.policyChange' },
      { value: accountManagement, zh: '用户帐户管理', en: 'user-account management', field: 'auditPolicy.accountManagement' },
    ];
    return judge(
      items.filter((i) => i.value === false).map((i) => ({ zh: `未审核${i.zh}事件`, en: `${i.en} are not audited` })),
      items.filter((i) => i.value === null).map((i) => ({ zh: `是否审核${i.zh}事件`, en: `whether ${i.en} are audited`, field: i.field })),
      { zh: '审核登录成功、登录失败、审核策略更改和用户帐户管理事件', en: 'successful and failed logons, audit-policy changes and user-account management are audited' },
      { logonSuccess, logonFailure, policyChange, accountManagement },
    );
  },

  'HOST-REMOTE-HARDENING': (input) => {
    const os = isWindows(input);
    if (!os.ok) return os.result;
    const ra = securityPart(input, 'remoteAccess');
    if (!ra.ok) return ra.result;
    const { rdpEnabled, rdpNla, smb1, guestEnabled, plaintextServices } = ra.data;
    const failures = [];
    const unread = [];
    if (rdpEnabled === true && rdpNla === false) failures.push({ zh: '远程桌面未要求网络级别身份验证（NLA）', en: 'Remote Desktop does not require NLA' });
    if (smb1 === true) failures.push({ zh: '已启用 SMBv1', en: 'SMBv1 is enabled' });
    if (guestEnabled === true) failures.push({ zh: 'Guest 账户已启用', en: 'the Guest account is enabled' });
    if (plaintextServices.length) failures.push({ zh: `明文远程服务在运行：${plaintextServices.join('、')}`, en: `plaintext remote services running: ${plaintextServices.join(', ')}` });
    // On Linux RDP, SMBv1 and Guest do not apply (null); on Windows null means the agent could not read them.
    if (os.windows) {
      if (rdpEnabled === null) unread.push({ zh: '远程桌面是否启用', en: 'whether Remote Desktop is enabled', field: 'remoteAccess.rdpEnabled' });
      else if (rdpEnabled && rdpNla === null) unread.push({ zh: '远程桌面是否要求 NLA', en: 'whether Remote Desktop requires NLA', field: 'remoteAccess.rdpNla' });
      if (smb1 === null) unread.push({ zh: '是否启用 SMBv1', en: 'whether SMBv1 is enabled', field: 'remoteAccess.smb1' });
      if (guestEnabled === null) unread.push({ zh: 'Guest 账户是否启用', en: 'whether the Guest account is enabled', field: 'remoteAccess.guestEnabled' });
    }
    return judge(
      failures,
      unread,
      os.windows
        ? {
            zh: `${rdpEnabled ? '远程桌面要求 NLA' : '远程桌面未启用'}，SMBv1 已关闭，Guest 已禁用，无 Telnet、FTP 服务`,
            en: `${rdpEnabled ? 'Remote Desktop requires NLA' : 'Remote Desktop off'}, SMBv1 off, Guest disabled, no Telnet/FTP service`,
          }
        : { zh: '无 Telnet、FTP 服务在运行', en: 'no Telnet/FTP service running' },
      { rdpEnabled, rdpNla, smb1, guestEnabled, plaintextServices },
    );
  },

  // Every log must be kept the minimum: the Security log rotating away in ten days loses logons however
  // long System is kept. The journal and the syslog files hold the same system messages: one kept copy is enough.
  'HOST-LOG-RETENTION': (input, t, now) => {
    const lr = securityPart(input, 'logRetention');
    if (!lr.ok) return lr.result;
    const minDays = input.holdsImportantData ? Math.max(Number(t.minDays), Number(t.importantDataMinDays)) : Number(t.minDays);
    if (!lr.data.stores.length)
      return unknown('探针未发现任何日志存储，无法判断日志留存时间', 'the agent found no log store, so how long logs are kept is unknown', { reason: 'value-unknown', field: 'logRetention' });
    const verdicts = lr.data.stores.map((s) => ({ store: s, ...judgeLogStore(s, minDays, now) }));
    const data = {
      minDays,
      importantData: input.holdsImportantData === true,
      stores: verdicts.map((v) => ({ name: v.store.name, status: v.status, keepDays: v.store.keepDays, oldestEntryAt: v.store.oldestEntryAt, detail: v.store.detail })),
    };
    const groups = logGroups(verdicts);
    const of = (st: StoreVerdict['status']) => groups.filter((g) => g.status === st).flatMap((g) => g.members.filter((v) => v.status === st));
    const fails = of('fail');
    if (fails.length) return fail(fails.map((v) => `${v.zh}，不足 ${minDays} 天`).join('；'), fails.map((v) => `${v.en}, under ${minDays}`).join('; '), data);
    const open = of('unknown');
    if (open.length)
      return withAgentReasons(
        unknown(`无法确定日志是否留存满 ${minDays} 天：${open.map((v) => v.zh).join('；')}`, `whether logs are kept ${minDays} days cannot be told: ${open.map((v) => v.en).join('; ')}`, {
          reason: 'value-unknown',
          field: 'logRetention.stores',
          ...data,
        }),
        input,
        'logRetention',
      );
    return pass(`日志留存不少于 ${minDays} 天：${verdicts.map((v) => v.zh).join('；')}`, `logs kept at least ${minDays} days: ${verdicts.map((v) => v.en).join('; ')}`, data);
  },
};
