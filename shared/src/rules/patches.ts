import { chinaDate } from '../calendar.js';
import { eolFor } from '../eol.js';
import { ageDays, couldNotTell, fail, fmtDays, listText, pass, sectionData, unknown, type HostChecks } from './check.js';

export const patchChecks: HostChecks<'HOST-OS-EOL' | 'HOST-PATCH-SECURITY' | 'HOST-PATCH-STALE' | 'HOST-REBOOT-PENDING'> = {
  'HOST-OS-EOL': (input, _t, now) => {
    const device = sectionData('device', input.sections.device);
    if (!device.ok) return device.result;
    const os = device.data.os;
    const label = `${os.distro} ${os.release}`.trim();
    const eol = eolFor(os);
    if (!eol) return unknown(`终止支持日期表中没有该操作系统：${label}`, `the end-of-life table does not know this OS: ${label}`, { reason: 'os-not-in-table', os: label });
    if (eol.date === null && eol.notAfter && chinaDate(now) > eol.notAfter)
      return fail(`${eol.name} 最迟已于 ${eol.notAfter} 停止安全支持（${eol.sourceZh}）`, `${eol.name} reached end of life on ${eol.notAfter} at the latest (${eol.source})`, {
        os: eol.name,
        notAfter: eol.notAfter,
        source: eol.source,
      });
    if (eol.date === null)
      return unknown(`${eol.name} 的终止支持日期尚未核实（${eol.sourceZh}）`, `no verified end-of-life date for ${eol.name} (${eol.source})`, { reason: 'eol-date-unverified', os: eol.name });
    const data = { os: eol.name, eolDate: eol.date, source: eol.source };
    // Past EOL from the day after the published last day of support, China time.
    return chinaDate(now) > eol.date
      ? fail(`${eol.name} 已于 ${eol.date} 停止安全支持`, `${eol.name} reached end of life on ${eol.date}`, data)
      : pass(`${eol.name} 支持至 ${eol.date}`, `${eol.name} is supported until ${eol.date}`, data);
  },

  'HOST-PATCH-SECURITY': (input, t, now) => {
    const patches = sectionData('patches', input.sections.patches);
    if (!patches.ok) return patches.result;
    // The region's setting: where the repositories do not mark security fixes, every pending update may be one.
    const allAsSecurity = patches.data.securityCount === null && t.pendingAsSecurity === true;
    const security = patches.data.pending.filter((u) => u.security || allAsSecurity);
    // The agent reports what is pending now; how long is the server's memory. Not seen before = seen now.
    const overdue = security
      .map((u) => ({ name: u.name, days: ageDays(input.securityUpdateFirstSeen.get(u.name) ?? now, now) }))
      .filter((u) => u.days > t.maxPendingDays)
      .sort((a, b) => b.days - a.days);
    // A fail stands on the updates that are known to be security fixes; a pass needs them all told apart.
    if (overdue.length === 0 && patches.data.securityCount === null && !allAsSecurity) return couldNotTell('哪些待装更新是安全更新', 'which pending updates are security updates', 'securityCount');
    const counted = allAsSecurity ? { zh: '（本地区设置：无法区分时所有待装更新均视为安全更新）', en: ' (region setting: every pending update counted as a security update)' } : { zh: '', en: '' };
    if (overdue.length === 0)
      return pass(
        `${security.length ? `${security.length} 个安全更新待装，均未超过 ${t.maxPendingDays} 天` : '没有待装的安全更新'}${counted.zh}`,
        `${security.length ? `${security.length} security updates pending, none longer than ${t.maxPendingDays} days` : 'no security update pending'}${counted.en}`,
        { pending: security.length, pendingAsSecurity: allAsSecurity },
      );
    const names = overdue.map((u) => u.name);
    const oldest = fmtDays(overdue[0]!.days);
    return fail(
      `${overdue.length} 个安全更新待装超过 ${t.maxPendingDays} 天（最久 ${oldest} 天）：${listText(names)}${counted.zh}`,
      `${overdue.length} security updates pending over ${t.maxPendingDays} days (oldest ${oldest} days): ${listText(names)}${counted.en}`,
      { overdue: names.slice(0, 100), oldestDays: Number(oldest), pendingAsSecurity: allAsSecurity },
    );
  },

  'HOST-PATCH-STALE': (input, t, now) => {
    const patches = sectionData('patches', input.sections.patches);
    if (!patches.ok) return patches.result;
    const last = patches.data.lastPatchedAt;
    if (last === null) return couldNotTell('最近一次打补丁的时间', 'when the host was last patched', 'lastPatchedAt');
    const days = ageDays(last, now);
    const data = { lastPatchedAt: last, days: Number(fmtDays(days)) };
    return days > t.maxDaysSincePatch
      ? fail(`最近一次打补丁在 ${fmtDays(days)} 天前，超过 ${t.maxDaysSincePatch} 天`, `last patched ${fmtDays(days)} days ago, over ${t.maxDaysSincePatch}`, data)
      : pass(`最近一次打补丁在 ${fmtDays(days)} 天前`, `last patched ${fmtDays(days)} days ago`, data);
  },

  'HOST-REBOOT-PENDING': (input, t, now) => {
    const patches = sectionData('patches', input.sections.patches);
    if (!patches.ok) return patches.result;
    const { rebootRequired, rebootRequiredSince, lastPatchedAt } = patches.data;
    if (rebootRequired === null) return couldNotTell('是否需要重启', 'whether a reboot is required', 'rebootRequired');
    if (!rebootRequired) return pass('无需重启', 'no reboot required');
    // Without a start time, the last patch bounds it: the update that needs the reboot came no later.
    const since = rebootRequiredSince ?? lastPatchedAt;
    const days = since === null ? null : ageDays(since, now);
    if (days === null || (rebootRequiredSince === null && days <= t.maxPendingDays)) return couldNotTell('需要重启已持续多久', 'how long the reboot has been pending', 'rebootRequiredSince');
    const data = { since, days: Number(fmtDays(days)), estimated: rebootRequiredSince === null };
    return days > t.maxPendingDays
      ? fail(`补丁待重启已 ${fmtDays(days)} 天，超过 ${t.maxPendingDays} 天`, `reboot pending for ${fmtDays(days)} days, over ${t.maxPendingDays}`, data)
      : pass(`补丁待重启 ${fmtDays(days)} 天，未超过 ${t.maxPendingDays} 天`, `reboot pending for ${fmtDays(days)} days, within ${t.maxPendingDays}`, data);
  },
};
