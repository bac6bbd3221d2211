import { ageDays, DAY_MS, fail, fmtDays, listText, notApplicable, pass, unknown, type InstitutionCheck, type InstitutionChecks } from './check.js';
import type { OutsideIn } from './inputs.js';

/**
 * Outside-in rules (issue 24): what the region's scanner saw open on the institution's registered
 * public targets. A port counts while it was seen in its target's latest complete round (every port
 * of the list), so a mapping that was closed stops failing at the next round. With no target
 * registered there is nothing to judge (not applicable, as the methodology says); a target whose
 * latest complete round is missing or too old leaves the rule unknown unless a port already fails it.
 */

type ExtRule = 'EXT-REMOTE-ADMIN' | 'EXT-DATABASE' | 'EXT-PORT-RISKY' | 'EXT-PLAINTEXT';
const NAMES: Record<ExtRule, { zh: string; en: string }> = {
  'EXT-REMOTE-ADMIN': { zh: '远程管理端口', en: 'remote-management port' },
  'EXT-DATABASE': { zh: '数据库或缓存端口', en: 'database or cache port' },
  'EXT-PORT-RISKY': { zh: '高危端口', en: 'high-risk port' },
  'EXT-PLAINTEXT': { zh: '明文协议或明文登录页', en: 'plaintext protocol or login page' },
};

const day = (d: Date) => d.toISOString().slice(0, 10);

/** The ports open now: seen at or after the target's latest complete round, and within the age window. */
export function openExposures(outside: OutsideIn, ruleId: string, maxRoundAgeDays: number, now: Date): OutsideIn['exposures'] {
  const roundOf = new Map(outside.targets.map((t) => [t.value, t.scannedAt]));
  return outside.exposures.filter((e) => {
    if (!e.rules.includes(ruleId) || ageDays(e.lastSeen, now) > maxRoundAgeDays) return false;
    const round = roundOf.get(e.target);
    // A port seen before the latest complete round was not seen in it: closed since.
    return !round || e.lastSeen.getTime() >= round.getTime();
  });
}

const extCheck =
  (ruleId: ExtRule): InstitutionCheck<ExtRule> =>
  (input, t, now) => {
    const outside = input.outside;
    const name = NAMES[ruleId];
    if (!outside || outside.targets.length === 0)
      return notApplicable('机构未登记公网地址，无外部扫描结果', 'no public address registered for the institution, so nothing is scanned from outside', { reason: 'no-targets' });
    const open = openExposures(outside, ruleId, t.maxRoundAgeDays, now);
    if (open.length) {
      const items = open.map((e) => `${e.address}:${e.port}${e.host ? ` → ${e.host}` : ''}`);
      const first = new Date(Math.min(...open.map((e) => e.firstSeen.getTime())));
      return fail(`${name.zh}可从互联网访问：${listText(items)}（最早发现于 ${day(first)}）`, `${name.en} open to the Internet: ${listText(items)} (first seen ${day(first)})`, {
        ports: open.map((e) => ({ address: e.address, port: e.port, host: e.host, firstSeen: e.firstSeen.toISOString(), lastSeen: e.lastSeen.toISOString() })),
      });
    }
    const stale = outside.targets.filter((x) => !x.scannedAt || now.getTime() - x.scannedAt.getTime() > t.maxRoundAgeDays * DAY_MS);
    if (stale.length) {
      const never = stale.filter((x) => !x.scannedAt).map((x) => x.value);
      return unknown(
        `${listText(stale.map((x) => x.value))} 近 ${fmtDays(t.maxRoundAgeDays)} 天内没有完整的外部扫描${never.length ? `（${listText(never)} 从未扫描）` : ''}`,
        `no complete outside scan of ${listText(stale.map((x) => x.value))} in the last ${fmtDays(t.maxRoundAgeDays)} days${never.length ? ` (${listText(never)} never scanned)` : ''}`,
        { reason: 'scan-stale', targets: stale.map((x) => ({ value: x.value, scannedAt: x.scannedAt?.toISOString() ?? null })) },
      );
    }
    const last = new Date(Math.min(...outside.targets.map((x) => x.scannedAt!.getTime())));
    return pass(
      `${outside.targets.length} 个公网地址的最近一轮扫描（不早于 ${day(last)}）未发现${name.zh}`,
      `the latest scan rounds of ${outside.targets.length} public target(s) (none older than ${day(last)}) found no ${name.en}`,
      { targets: outside.targets.length },
    );
  };

export const exposureChecks: InstitutionChecks<ExtRule> = {
  'EXT-REMOTE-ADMIN': extCheck('EXT-REMOTE-ADMIN'),
  'EXT-DATABASE': extCheck('EXT-DATABASE'),
  'EXT-PORT-RISKY': extCheck('EXT-PORT-RISKY'),
  'EXT-PLAINTEXT': extCheck('EXT-PLAINTEXT'),
};
