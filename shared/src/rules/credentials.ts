import { fail, listText, notApplicable, pass, sectionData, unknown, type HostChecks } from './check.js';
import type { CheckResult } from './types.js';
import type { HostCheckInput } from './inputs.js';
import type { CredentialsData } from '../schemas/credentials.js';

/**
 * Weak credentials (等保 身份鉴别; 《管理办法》第十一条; issue 24). The agent checks only where the
 * region has turned the check on: a host that sends no credentials part is not applicable, never
 * a pass. What the agent could not decide (budget spent, yescrypt, a probe without an answer) is
 * unknown; a weak account or an open service fails whatever else was not decided.
 */

function credentialsPart(input: HostCheckInput): { ok: true; data: CredentialsData } | { ok: false; result: CheckResult } {
  const security = sectionData('security', input.sections.security);
  if (!security.ok) return security;
  const c = security.data.credentials;
  if (c === undefined)
    return {
      ok: false,
      result: notApplicable('地区未开启弱口令与未授权访问检查（或探针版本未采集）', 'the region has not turned the weak-credential check on (or the agent does not collect it)', {
        reason: 'not-collected',
      }),
    };
  return { ok: true, data: c };
}

const CHECK_ZH: Record<CredentialsData['accounts'][number]['check'], string> = {
  'empty-password': '口令为空',
  dictionary: '弱口令字典',
  'account-name': '与账户名相关',
  'institution-pattern': '机构缩写加年份',
  'region-words': '地区补充弱口令',
  budget: '当日检测时间用尽，尚未检测',
  'scheme-unsupported': '口令散列算法探针不支持',
};
const SERVICE_ZH: Record<CredentialsData['services'][number]['service'], string> = {
  redis: 'Redis',
  mongodb: 'MongoDB',
  elasticsearch: 'Elasticsearch',
  memcached: 'memcached',
  mysql: 'MySQL/MariaDB',
  postgresql: 'PostgreSQL',
};
/** What an open verdict means, per service, in Chinese (the agent's own `check` text is English and goes in the English line). */
const OPEN_ZH: Record<CredentialsData['services'][number]['service'], string> = {
  redis: '未认证即可执行 PING',
  mongodb: '未认证即可列出数据库',
  elasticsearch: '未认证即可读取',
  memcached: '未认证即可读取统计信息',
  mysql: 'root 空口令可登录',
  postgresql: 'pg_hba.conf 对远程地址配置了 trust',
};

/** Ports of the ports section that listen beyond loopback (another host can connect). */
function portsBeyondLoopback(input: HostCheckInput): Set<number> | null {
  const ports = sectionData('ports', input.sections.ports);
  if (!ports.ok) return null;
  return new Set(ports.data.listeners.filter((l) => l.protocol === 'tcp' && l.bind !== 'loopback').map((l) => l.port));
}

export const credentialChecks: HostChecks<'HOST-WEAK-PASSWORD' | 'HOST-SERVICE-NOAUTH'> = {
  'HOST-WEAK-PASSWORD': (input) => {
    const part = credentialsPart(input);
    if (!part.ok) return part.result;
    const { accounts, windows, notChecked } = part.data;
    if (windows) {
      const failures: Array<{ zh: string; en: string }> = [];
      if (windows.blankPasswordsAllowed) failures.push({ zh: '允许空口令账户登录', en: 'blank passwords are allowed' });
      if (windows.adminEnabled) failures.push({ zh: '内置 Administrator 账户已启用', en: 'the built-in Administrator is enabled' });
      if (windows.neverExpire?.length) failures.push({ zh: `账户口令永不过期：${listText(windows.neverExpire)}`, en: `passwords never expire: ${listText(windows.neverExpire)}` });
      const data = { ...windows, notChecked };
      if (failures.length) return fail(failures.map((f) => f.zh).join('；'), failures.map((f) => f.en).join('; '), data);
      if (Object.values(windows).some((v) => v === null))
        return unknown('探针无法读取 Windows 账户设置', 'the agent could not read the Windows account settings', { reason: 'value-unknown', ...data });
      return pass(
        '不允许空口令，内置 Administrator 已禁用，账户口令会过期（Windows 口令本身未检测）',
        'no blank passwords, built-in Administrator disabled, passwords expire (Windows passwords themselves not tested)',
        data,
      );
    }
    const weak = accounts.filter((a) => a.weak === true);
    const open = accounts.filter((a) => a.weak === null);
    const data = { accounts, notChecked };
    if (weak.length)
      return fail(`弱口令账户：${weak.map((a) => `${a.account}（${CHECK_ZH[a.check]}）`).join('、')}`, `weak passwords: ${weak.map((a) => `${a.account} (${a.check})`).join(', ')}`, data);
    if (open.length)
      return unknown(`未能检测：${open.map((a) => `${a.account}（${CHECK_ZH[a.check]}）`).join('、')}`, `not decided: ${open.map((a) => `${a.account} (${a.check})`).join(', ')}`, {
        reason: 'value-unknown',
        ...data,
      });
    if (notChecked.length && !accounts.length) return unknown('本地账户口令未检测', `local passwords were not tested: ${notChecked.join('; ')}`, { reason: 'not-checked', ...data });
    return pass(`${accounts.length} 个可登录账户均不在弱口令字典中`, `none of ${accounts.length} login-capable accounts has a dictionary password`, data);
  },

  'HOST-SERVICE-NOAUTH': (input) => {
    const part = credentialsPart(input);
    if (!part.ok) return part.result;
    const { services } = part.data;
    const open = services.filter((s) => s.noAuth === true);
    const undecided = services.filter((s) => s.noAuth === null);
    const name = (s: (typeof services)[number]) => `${SERVICE_ZH[s.service]} ${s.port}`;
    if (open.length) {
      const beyond = portsBeyondLoopback(input);
      const reachable = open.filter((s) => beyond?.has(s.port));
      const data = { services, reachableBeyondLoopback: reachable.map((s) => s.port) };
      const zh = `无需认证：${open.map((s) => `${name(s)}（${OPEN_ZH[s.service]}）`).join('、')}${reachable.length ? `；其中 ${reachable.map(name).join('、')} 监听在回环地址以外` : ''}`;
      const en = `no authentication: ${open.map((s) => `${name(s)} (${s.check})`).join(', ')}${reachable.length ? `; ${reachable.map(name).join(', ')} listen beyond loopback` : ''}`;
      return fail(zh, en, data, reachable.length ? 'critical' : 'high');
    }
    if (undecided.length)
      return unknown(
        `探针无法判断 ${undecided.map(name).join('、')} 是否需要认证`,
        `the agent could not tell whether ${undecided.map(name).join(', ')} require authentication: ${undecided.map((s) => s.reason).join('; ')}`,
        { reason: 'value-unknown', services },
      );
    return pass(
      services.length ? `${services.map(name).join('、')} 均需认证` : '未发现本机数据库或缓存服务',
      services.length ? `${services.map(name).join(', ')} require authentication` : 'no local database or cache service found',
      { services },
    );
  },
};
