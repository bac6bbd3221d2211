import { describe, expect, it } from 'vitest';
import { FIXTURE_NOW as NOW, healthyDevice, healthyHost, healthyInstitution } from './rules/fixtures.js';
import { DEFAULT_SETTINGS, evaluateHost, evaluateInstitution } from './rules/index.js';
import { compareNames, countFailing, gradeOf, hostScore, institutionScore, rankInstitutions, type RankingRow } from './scoring.js';
import { regionScore } from './regionFigures.js';
import type { RiskException } from './schemas/records.js';
import type { CheckStatus } from './rules/types.js';

/**
 * The healthy fixture host (Debian 12, level-3 system) has 20 host rules; on Linux without the
 * region's anti-malware requirement HOST-AV-MISSING and HOST-AV-STALE do not apply: 18 count.
 *   critical ×3  (OS-EOL, PORT-REMOTE-PUBLIC, PORT-RISKY-PUBLIC)                     3 × 10 = 30
 *   high     ×9  (PATCH-SECURITY, PORT-PLAINTEXT, FIREWALL-OFF, SSH-ROOT-PASSWORD,
 *                 BACKUP-NONE, BACKUP-STALE, BACKUP-FAILED, BACKUP-OFFSITE (high at
 *                 level 3), AGENT-SILENT)                                             9 ×  5 = 45
 *   medium   ×5  (PATCH-STALE, PORT-DB-WILDCARD, AUDIT-OFF, TIME-UNSYNCED, RESTORE-TEST) 5 × 2 = 10
 *   low      ×1  (REBOOT-PENDING)                                                     1 ×  1 =  1
 *                                                                          possible weight = 86
 */
const rdpExposed = () =>
  healthyHost((d) =>
    d.ports.listeners.push({ protocol: 'tcp', address: '0.0.0.0', port: 3389, pid: 9, process: 'xrdp', bind: 'wildcard', publicExposure: true, service: 'rdp', category: 'remote-management' }),
  );
const centos7 = (exceptions: RiskException[] = []) => healthyHost((d) => void (d.device = healthyDevice({ distro: 'CentOS Linux', release: '7.9.2009', id: 'centos' })), { exceptions });

describe('host score', () => {
  it('healthy host: 100 / 100 = 100', () => {
    expect(hostScore(evaluateHost(healthyHost(), DEFAULT_SETTINGS, NOW), NOW)).toMatchObject({ score: 100, earned: 100, possible: 100, capped: false });
  });

  it('worked example: a failing critical rule caps the host at 59', () => {
    // RDP listens on 0.0.0.0 of a host with a public address: HOST-PORT-REMOTE-PUBLIC (critical, 10) fails.
    // Ratio: (100 − 10) / 100 = 90 %  →  a failing critical caps it at 59.
    const s = hostScore(evaluateHost(rdpExposed(), DEFAULT_SETTINGS, NOW), NOW);
    expect(s).toMatchObject({ earned: 90, possible: 100, capped: true, score: 59 });
    expect(gradeOf(s.score!).letter).toBe('D');
  });

  it('a failing high rule lowers the ratio without the cap', () => {
    // Firewall off (high, 5): (100 − 5) / 100 = 95
    const s = hostScore(
      evaluateHost(
        healthyHost((d) => void (d.security.firewall.active = false)),
        DEFAULT_SETTINGS,
        NOW,
      ),
      NOW,
    );
    expect(s).toMatchObject({ earned: 95, possible: 100, score: 95, capped: false });
  });

  it('unknown never raises a score: it weighs exactly like a failure in the ratio', () => {
    const base = evaluateHost(healthyHost(), DEFAULT_SETTINGS, NOW);
    const perfect = hostScore(base, NOW).score!;
    for (const [i, f] of base.entries()) {
      if (f.status === 'not-applicable') continue;
      const as = (status: CheckStatus) =>
        hostScore(
          base.map((g, j) => (j === i ? { ...g, status } : g)),
          NOW,
        );
      const unknownScore = as('unknown');
      expect(unknownScore.score!, f.ruleId).toBeLessThan(perfect);
      expect(unknownScore.earned, f.ruleId).toBe(as('fail').earned);
      // …and an unknown critical caps like a failing one: hiding an exposed port never pays.
      if (f.severity === 'critical') expect(unknownScore.score, f.ruleId).toBe(as('fail').score);
    }
    // Firewall state unreadable: (100 − 5) / 100 = 95, the same as firewall off, never 100.
    expect(
      hostScore(
        evaluateHost(
          healthyHost((d) => void (d.security.firewall.active = null)),
          DEFAULT_SETTINGS,
          NOW,
        ),
        NOW,
      ).score,
    ).toBe(95);
    // A host that never reported: everything that needs data is unknown.
    const silent = evaluateHost(
      {
        ...healthyHost(undefined, { lastReportAt: null }),
        sections: { device: { status: 'missing' }, patches: { status: 'missing' }, ports: { status: 'missing' }, backups: { status: 'missing' }, security: { status: 'missing' } },
      },
      DEFAULT_SETTINGS,
      NOW,
    );
    expect(hostScore(silent, NOW).score).toBe(0);
  });

  it('an exception leaves the finding out until it expires, then it counts again', () => {
    const exc: RiskException = {
      id: 'x1',
      subject: { kind: 'host', id: 'h1' },
      ruleId: 'HOST-OS-EOL',
      reason: 'PACS certified on CentOS 7 only; isolated VLAN',
      approver: '信息科 王主任',
      expiresOn: '2026-03-31',
    };
    const findings = evaluateHost(centos7([exc]), DEFAULT_SETTINGS, NOW);
    // Until 2026-03-31 (China): HOST-OS-EOL (critical 10) is excluded: 90 / 90 = 100, and no cap.
    expect(hostScore(findings, NOW)).toMatchObject({ earned: 90, possible: 90, score: 100, capped: false });
    expect(hostScore(findings, new Date('2026-03-31T15:59:00Z')).score).toBe(100); // 23:59 on the 31st
    // From 2026-04-01 00:00 China time the stored finding counts again: 90 / 100 = 90, capped at 59.
    expect(hostScore(findings, new Date('2026-03-31T16:00:00Z'))).toMatchObject({ earned: 90, possible: 100, score: 59, capped: true });
    // Failing counts for rankings follow the same rule.
    expect(countFailing(findings, NOW).critical).toBe(0);
    expect(countFailing(findings, new Date('2026-04-01T02:00:00Z')).critical).toBe(1);
  });
});

describe('institution score', () => {
  it('worked example: three hosts and the governance records', () => {
    // Technical: H1 = the RDP-exposed host, 59 (level 3, weight 2); H2 = healthy host, 100 (no MLPS system, weight 1);
    // H3 = 70 (level 2, weight 1).  (2×59 + 100 + 70) / (2 + 1 + 1) = 288 / 4 = 72.0
    const h1 = hostScore(evaluateHost(rdpExposed(), DEFAULT_SETTINGS, NOW), NOW).score;
    const h2 = hostScore(evaluateHost(healthyHost(undefined, { mlpsLevel: null }), DEFAULT_SETTINGS, NOW), NOW).score;
    expect([h1, h2]).toEqual([59, 100]);
    // Governance at 2026-03-16: the last drill was 2025-01-10 (due 2026-01-10: fails, medium 2) and no
    // training is recorded (fails, low 1). INST-COVERAGE is left to the coverage part. Weights:
    //   UNGRADED high 5, FILING high 5, EVALUATION critical 10 (level 3), PRELAUNCH medium 2,
    //   LEADERSHIP medium 2, SELF-INSPECTION high 5, DRILL medium 2, DATA-INVENTORY medium 2,
    //   TRAINING low 1, PERMISSION-REVIEW low 1, DATA-IMPORTANT-LEVEL critical 10, DATA-FILING high 5,
    //   DATA-RISK-ASSESSMENT high 5, PI-AUDIT medium 2, DATA-MEETING medium 2   possible = 59
    //   earned = 59 − 2 − 1 = 56;  56 / 59 = 94.92 % → 94.9
    // No public address registered: the outside-in rules are not applicable and add nothing; nor do the
    // supervision rules, with no open notice and no self-inspection deadline set by the region.
    const inst = healthyInstitution({ coverage: { registered: 3, reporting: 2 }, outside: null, rectification: [], selfInspections: [] });
    inst.governance = [...inst.governance.filter((r) => r.kind !== 'emergency-drill' && r.kind !== 'training'), { kind: 'emergency-drill', date: '2025-01-10' }];
    const findings = evaluateInstitution(inst, DEFAULT_SETTINGS, NOW);
    // Coverage: 2 of 3 hosts reported in the last 24 h: 66.67 % → 66.7
    // Score: 0.6 × 72.0 + 0.3 × 94.9 + 0.1 × 66.7 = 43.2 + 28.47 + 6.67 = 78.34 → 78.3, grade C 合格
    const s = institutionScore(
      {
        hosts: [
          { score: h1, mlpsLevel: 3 },
          { score: h2, mlpsLevel: null },
          { score: 70, mlpsLevel: 2 },
        ],
        findings,
        coverage: inst.coverage,
      },
      DEFAULT_SETTINGS.weights,
      NOW,
    );
    expect(s).toMatchObject({ technical: 72, governance: 94.9, coverage: 66.7, score: 78.3 });
    expect(s.grade).toMatchObject({ letter: 'C', zh: '合格' });
  });

  it('no hosts and no records is 0, not a pass; the region is the plain mean', () => {
    expect(institutionScore({ hosts: [], findings: [], coverage: { registered: 0, reporting: 0 } }, DEFAULT_SETTINGS.weights, NOW).score).toBe(0);
    // (77.3 + 92 + 60.2) / 3 = 229.5 / 3 = 76.5
    expect(regionScore([77.3, 92, 60.2])).toBe(76.5);
    expect(regionScore([])).toBeNull();
  });

  it('grades at the boundaries', () => {
    expect([90, 89.9, 80, 79.9, 60, 59.9].map((s) => gradeOf(s).letter)).toEqual(['A', 'B', 'B', 'C', 'C', 'D']);
    expect([gradeOf(95).zh, gradeOf(85).zh, gradeOf(65).zh, gradeOf(10).zh]).toEqual(['优秀', '良好', '合格', '不合格']);
  });
});

describe('ranking', () => {
  it('worked example with ties: score, then critical, then high, then name in Chinese collation', () => {
    const row = (name: string, score: number, critical: number, high: number): RankingRow => ({ name, score, failing: { critical, high, medium: 0, low: 0 } });
    const ranked = rankInstitutions([
      row('甲县人民医院', 85, 0, 2),
      row('北湖社区卫生服务中心', 70, 0, 0),
      row('乙县中医院', 85, 0, 1),
      row('丙县妇幼保健院', 85, 1, 0),
      row('安康医院', 70, 0, 0),
      row('丁市第一人民医院', 92, 2, 5),
    ]);
    // 92 first despite its failures (score decides first). Three at 85: 乙 (0 critical, 1 high) before
    // 甲 (0, 2 high) before 丙 (1 critical). Two at 70 equal on every count: by name, 安 (ān) before
    // 北 (běi) in pinyin order, although U+5317 北 sorts before U+5B89 安 by code point; they share rank 5.
    expect(ranked.map((r) => [r.position, r.rank, r.name])).toEqual([
      [1, 1, '丁市第一人民医院'],
      [2, 2, '乙县中医院'],
      [3, 3, '甲县人民医院'],
      [4, 4, '丙县妇幼保健院'],
      [5, 5, '安康医院'],
      [6, 5, '北湖社区卫生服务中心'],
    ]);
  });

  it('orders names without a polyphonic place name exactly as localeCompare with zh-CN does', () => {
    const names = [
      '北湖社区卫生服务中心',
      '安康医院',
      '西湖区第三人民医院',
      '西溪街道社区卫生服务中心',
      '长期护理院',
      '重庆路卫生院',
      'ABC 医院',
      'abc 医院',
      '第10卫生院',
      '第9卫生院',
      '"中心"卫生院',
      '',
      '拱墅区中医院\n（新院区）',
      '=HYPERLINK("x")',
      '<script>',
      '𠮷野家诊所',
      '乐陵市人民医院',
    ];
    const byLocale = [...names].sort((a, b) => a.localeCompare(b, 'zh-CN'));
    expect([...names].sort(compareNames)).toEqual(byLocale);
    for (const a of names) for (const b of names) expect(Math.sign(compareNames(a, b))).toBe(Math.sign(a.localeCompare(b, 'zh-CN')));
  });
});

describe('the tie-break after the score', () => {
  it('counts failing findings only, as the exports show them: an unknown critical costs its cap in the score, not a place among equals', () => {
    const unknownCritical = [
      { status: 'unknown' as const, severity: 'critical' as const, exception: null },
      ...Array.from({ length: 9 }, () => ({ status: 'pass' as const, severity: 'critical' as const, exception: null })),
    ];
    const failingCritical = [
      { status: 'fail' as const, severity: 'critical' as const, exception: null },
      ...Array.from({ length: 9 }, () => ({ status: 'pass' as const, severity: 'critical' as const, exception: null })),
    ];
    // Both capped at 59: equal scores.
    expect([hostScore(unknownCritical, NOW).score, hostScore(failingCritical, NOW).score]).toEqual([59, 59]);
    const rows = [
      { code: 'F', name: '安康医院', score: 59, failing: countFailing(failingCritical, NOW) },
      { code: 'U', name: '北湖医院', score: 59, failing: countFailing(unknownCritical, NOW) },
    ];
    // The unknown one shows 0 failing criticals in the export, so it ranks first, and the order can be checked from the file.
    expect(rankInstitutions(rows).map((r) => [r.code, r.rank, r.failing.critical])).toEqual([
      ['U', 1, 0],
      ['F', 2, 1],
    ]);
  });
});
