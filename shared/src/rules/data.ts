import { DATA_CATEGORY_LABELS, holdsPersonalInfo, isImportant, type DataRegister, type DataRegisterEntry } from '../dataRegister.js';
import { isLive } from '../deadlines.js';
import { combine, fail, notApplicable, pass, unknown, type InstitutionChecks } from './check.js';
import { yearly } from './governance.js';
import type { CheckResult } from './types.js';
import type { InstitutionCheckInput } from './inputs.js';

/**
 * Data-security duties (《数据安全法》, 《医疗卫生机构数据安全和个人信息保护管理办法（试行）》) judged
 * on the data register. No register entered: unknown, since nobody has said what data is held.
 */
type DataRuleId = 'INST-DATA-IMPORTANT-LEVEL' | 'INST-DATA-FILING' | 'INST-DATA-RISK-ASSESSMENT' | 'INST-PI-AUDIT' | 'INST-DATA-MEETING';

const NO_REGISTER = unknown('尚未录入数据目录，无法判断', 'no data register entered yet, so this cannot be judged', { reason: 'no-data-register' });
const importantEntries = (r: DataRegister) => r.entries.filter((e) => isImportant(e.level));
const entryLabel = (e: DataRegisterEntry) => DATA_CATEGORY_LABELS[e.category];

/** Judged only where the register says the duty applies; `applies` picks the entries that make it apply. */
function whereRegister(
  input: InstitutionCheckInput,
  applies: (r: DataRegister) => readonly DataRegisterEntry[],
  none: CheckResult,
  judge: (held: readonly DataRegisterEntry[], register: DataRegister) => CheckResult,
): CheckResult {
  const register = input.dataRegister ?? null;
  if (register === null) return NO_REGISTER;
  const held = applies(register);
  return held.length === 0 ? none : judge(held, register);
}
const NO_IMPORTANT = notApplicable('数据目录中没有重要数据或核心数据', 'the data register lists no important or core data');

export const dataChecks: InstitutionChecks<DataRuleId> = {
  'INST-DATA-IMPORTANT-LEVEL': (input, t, now) =>
    whereRegister(input, importantEntries, NO_IMPORTANT, (held) => {
      const systems = new Map(input.systems.filter((s) => isLive(s, now)).map((s) => [s.id, s]));
      const items = held.flatMap((e) => {
        const label = entryLabel(e);
        if (e.systemIds.length === 0)
          return [{ label: label.zh, result: unknown(`${label.zh}：未登记存放在哪个定级对象`, `${label.en}: no MLPS system recorded as holding it`, { reason: 'no-system', category: e.category }) }];
        return e.systemIds.map((id) => {
          const s = systems.get(id);
          if (!s)
            return { label: id, result: unknown(`${label.zh}：定级对象 ${id} 不在用或不存在`, `${label.en}: MLPS system ${id} is not live or unknown`, { reason: 'unknown-system', system: id }) };
          const data = { category: e.category, level: e.level, system: s.id, mlpsLevel: s.level, minLevel: t.minLevel };
          if (s.level === null)
            return { label: s.name, result: unknown(`${label.zh}存放于未定级的 ${s.name}`, `${label.en} is held in ${s.name}, which is not graded`, { ...data, reason: 'ungraded' }) };
          return s.level < t.minLevel
            ? {
                label: s.name,
                result: fail(
                  `${label.zh}（${e.level === 'core' ? '核心' : '重要'}数据）存放于 ${s.level} 级的 ${s.name}，低于 ${t.minLevel} 级`,
                  `${label.en} (${e.level} data) is held in ${s.name} at level ${s.level}, below level ${t.minLevel}`,
                  data,
                ),
              }
            : { label: s.name, result: pass(`${label.zh}存放于 ${s.level} 级的 ${s.name}`, `${label.en} is held in ${s.name} at level ${s.level}`, data) };
        });
      });
      return combine(items, NO_IMPORTANT);
    }),

  'INST-DATA-FILING': (input) =>
    whereRegister(input, importantEntries, NO_IMPORTANT, (held, r) => {
      const categories = held.map((e) => e.category);
      if (r.importantDataFiledOn === null)
        return fail(
          `持有重要数据（${held.map((e) => entryLabel(e).zh).join('、')}），未向卫生健康主管部门报送重要数据目录`,
          `important data held (${held.map((e) => entryLabel(e).en).join(', ')}) and the catalogue was not filed with the local health department`,
          { categories },
        );
      return pass(
        `重要数据目录已于 ${r.importantDataFiledOn} 报送（回执 ${r.importantDataReceipt ?? '—'}）`,
        `important-data catalogue filed on ${r.importantDataFiledOn} (receipt ${r.importantDataReceipt ?? '—'})`,
        { categories, filedOn: r.importantDataFiledOn, receipt: r.importantDataReceipt },
      );
    }),

  'INST-DATA-RISK-ASSESSMENT': (input, t, now) => whereRegister(input, importantEntries, NO_IMPORTANT, () => yearly('data-risk-assessment')(input, t, now)),

  'INST-PI-AUDIT': (input, t, now) =>
    whereRegister(
      input,
      (r) => r.entries.filter((e) => holdsPersonalInfo(e.volume)),
      notApplicable('数据目录中没有个人信息', 'the data register lists no personal information'),
      () => yearly('pi-audit')(input, t, now),
    ),

  // Every institution holds patients' data: the meeting is owed whatever the register says.
  'INST-DATA-MEETING': (input, t, now) => yearly('data-security-meeting')(input, t, now),
};
