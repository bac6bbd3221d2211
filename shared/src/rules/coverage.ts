import { fail, pass, unknown, type InstitutionChecks } from './check.js';

export const coverageChecks: InstitutionChecks<'INST-COVERAGE'> = {
  'INST-COVERAGE': (input, t) => {
    const { registered, reporting } = input.coverage;
    if (registered === 0) return unknown('机构尚未登记任何主机', 'no host registered for the institution', { reason: 'no-hosts' });
    const ratio = reporting / registered;
    const pct = (r: number) => `${Math.round(r * 1000) / 10}%`;
    const data = { registered, reporting, ratio: Math.round(ratio * 1000) / 1000, minRatio: t.minRatio };
    return ratio < t.minRatio
      ? fail(
          `${registered} 台主机中 ${reporting} 台按时报告（${pct(ratio)}），低于 ${pct(t.minRatio)}`,
          `${reporting} of ${registered} hosts reporting (${pct(ratio)}), under ${pct(t.minRatio)}`,
          data,
        )
      : pass(`${registered} 台主机中 ${reporting} 台按时报告（${pct(ratio)}）`, `${reporting} of ${registered} hosts reporting (${pct(ratio)})`, data);
  },
};
