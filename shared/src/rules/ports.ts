import { DATABASE_PORTS, HIGH_RISK_PORTS, PLAINTEXT_PORTS, REMOTE_MANAGEMENT_PORTS } from '../wellKnownPorts.js';
import type { Listener } from '../schemas/sections.js';
import { fail, listText, pass, sectionData, type HostChecks } from './check.js';
import type { CheckResult } from './types.js';
import type { HostCheckInput } from './inputs.js';

const describe = (l: Listener) => `${l.protocol}/${l.port}${l.process ? ` (${l.process})` : ''} @ ${l.address}`;

/**
 * Whether the host firewall leaves the listener reachable: dropped (filtered) or accepted only from
 * private networks (restricted) is not exposure; open, unknown and agents before issue 19 (no reach) are.
 */
export const firewallAdmits = (l: Pick<Listener, 'reach'>): boolean => l.reach !== 'filtered' && l.reach !== 'restricted';

/**
 * One shape for every port rule: pick the offending listeners; none is a pass. With `throughFirewall`,
 * a listener the host firewall filters does not offend, and the pass says which were filtered and by what.
 */
function portRule(
  pick: (l: Listener, input: HostCheckInput) => boolean,
  text: { failZh: string; failEn: string; passZh: string; passEn: string },
  throughFirewall = false,
): (input: HostCheckInput) => CheckResult {
  return (input) => {
    const ports = sectionData('ports', input.sections.ports);
    if (!ports.ok) return ports.result;
    const picked = ports.data.listeners.filter((l) => pick(l, input));
    // A port a scanner saw open from outside is reachable whatever the host firewall's rules say.
    const outside = (l: Listener) => input.seenFromOutside?.find((o) => l.protocol === 'tcp' && o.port === l.port);
    const bad = throughFirewall ? picked.filter((l) => firewallAdmits(l) || outside(l)) : picked;
    const shielded = picked.filter((l) => !bad.includes(l));
    if (bad.length === 0) {
      if (!shielded.length) return pass(text.passZh, text.passEn);
      const list = [...new Set(shielded.map((l) => `${describe(l)}（${l.reach === 'restricted' ? '仅限内网来源' : '已被主机防火墙过滤'}）`))];
      const listEn = [...new Set(shielded.map((l) => `${describe(l)} (${l.reach}: ${l.reachBy ?? ''})`))];
      return pass(`${text.passZh}；监听但不可达：${listText(list)}`, `${text.passEn}; listening but not reachable: ${listText(listEn)}`, {
        shielded: shielded.slice(0, 100).map((l) => ({ protocol: l.protocol, port: l.port, address: l.address, reach: l.reach, reachBy: l.reachBy ?? null })),
      });
    }
    const note = (l: Listener) => (throughFirewall && l.reach === 'unknown' ? '（主机防火墙是否放行未知）' : '');
    const seen = (l: Listener) => (outside(l) ? ` ← ${outside(l)!.address}:${outside(l)!.externalPort}` : '');
    const list = [...new Set(bad.map((l) => `${describe(l)}${seen(l)}${note(l)}`))];
    const listEn = [...new Set(bad.map((l) => `${describe(l)}${seen(l)}${throughFirewall && l.reach === 'unknown' ? ' (whether the host firewall admits it is unknown)' : ''}`))];
    return fail(`${text.failZh}：${listText(list)}`, `${text.failEn}: ${listText(listEn)}`, {
      listeners: bad.slice(0, 100).map((l) => ({ protocol: l.protocol, port: l.port, address: l.address, process: l.process, ...(l.reach ? { reach: l.reach, reachBy: l.reachBy ?? null } : {}) })),
    });
  };
}

/** Public: by the host's own addresses, or because a scanner saw this very port from outside (the tie). */
const isPublic = (l: Listener, input: HostCheckInput) => l.publicExposure || (l.protocol === 'tcp' && (input.seenFromOutside ?? []).some((o) => o.port === l.port));

const remote = new Set(REMOTE_MANAGEMENT_PORTS);
const risky = new Set(HIGH_RISK_PORTS);
const plaintext = new Set(PLAINTEXT_PORTS);
const database = new Set(DATABASE_PORTS);

export const portChecks: HostChecks<'HOST-PORT-REMOTE-PUBLIC' | 'HOST-PORT-RISKY-PUBLIC' | 'HOST-PORT-PLAINTEXT' | 'HOST-PORT-DB-WILDCARD'> = {
  'HOST-PORT-REMOTE-PUBLIC': portRule(
    (l, input) => isPublic(l, input) && remote.has(l.port),
    {
      failZh: '远程管理端口在公网可达',
      failEn: 'remote-management ports reachable publicly',
      passZh: '没有在公网可达的远程管理端口',
      passEn: 'no remote-management port reachable publicly',
    },
    true,
  ),
  'HOST-PORT-RISKY-PUBLIC': portRule(
    (l, input) => isPublic(l, input) && risky.has(l.port),
    {
      failZh: '高危端口在公网可达',
      failEn: 'high-risk ports reachable publicly',
      passZh: '没有在公网可达的高危端口',
      passEn: 'no high-risk port reachable publicly',
    },
    true,
  ),
  // TCP only: UDP 512/514 are biff and syslog, not rexec/rsh.
  'HOST-PORT-PLAINTEXT': portRule((l) => l.protocol === 'tcp' && plaintext.has(l.port), {
    failZh: '明文远程协议在监听',
    failEn: 'plaintext remote protocols listening',
    passZh: '没有明文远程协议在监听',
    passEn: 'no plaintext remote protocol listening',
  }),
  'HOST-PORT-DB-WILDCARD': portRule(
    (l) => l.bind === 'wildcard' && database.has(l.port),
    {
      failZh: '数据库端口监听所有网卡且未被主机防火墙过滤',
      failEn: 'database ports listening on all interfaces and not filtered by the host firewall',
      passZh: '数据库端口均绑定到具体地址或被主机防火墙过滤',
      passEn: 'database ports are bound to specific addresses or filtered by the host firewall',
    },
    true,
  ),
};
