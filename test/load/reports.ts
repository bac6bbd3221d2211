import { join } from 'node:path';
import { collectReport, localConfig, replayRunner, sectionHash, toDelta } from '@weian/agent';
import { newReportId, REPORT_SCHEMA_VERSION, SECTION_NAMES, type Report, type SectionName } from '@weian/shared';
import { REPO } from '../helpers/paths.js';

/** Real captures (Linux and Windows hosts): reports start from what the real collectors make of them. */
export const FIXTURES = ['debian12', 'centos7', 'kylin-v10', 'uos-garbled', 'windows2012r2', 'windows2016', 'windows2022'] as const;

export type FullReport = Report;

/** Counties of Zhejiang (GB/T 2260) that simulated institutions are spread over; codes the server's table lacks are skipped by users. */
export const ZHEJIANG_COUNTIES = [
  '330102',
  '330105',
  '330106',
  '330108',
  '330109',
  '330110',
  '330111',
  '330112',
  '330122',
  '330127',
  '330182',
  '330203',
  '330205',
  '330206',
  '330211',
  '330212',
  '330225',
  '330226',
  '330281',
  '330282',
  '330302',
  '330303',
  '330304',
  '330324',
  '330381',
  '330382',
  '330402',
  '330411',
  '330421',
  '330481',
  '330502',
  '330503',
  '330521',
  '330602',
  '330603',
  '330604',
  '330624',
  '330681',
  '330702',
  '330703',
  '330723',
  '330781',
  '330782',
  '330802',
  '330803',
  '330822',
  '330881',
  '330902',
  '330903',
  '331002',
  '331003',
  '331004',
  '331081',
  '331102',
  '331121',
  '331181',
];

/** One full report per fixture, through the agent's real collectors and a replay of the capture. */
export async function fixtureReports(): Promise<FullReport[]> {
  return Promise.all(FIXTURES.map(async (name) => collectReport({ runner: await replayRunner(join(REPO, 'agent', 'fixtures', name)), config: localConfig({ agentId: 'fixture' }) })));
}

/** A small deterministic PRNG, so a run with the same seed sends the same reports. */
export function prng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 2 ** 32;
  };
}

type Sections = Report['sections'];
const COMMON_PORTS = [22, 80, 443, 1433, 1521, 3306, 3389, 5432, 5985, 6379, 8080, 8443, 9000, 9200, 27017, 445, 139, 21, 23, 161];

function withHash<K extends SectionName>(section: Sections[K]): Sections[K] {
  return section.status === 'ok' ? ({ ...section, hash: sectionHash(section.data) } as Sections[K]) : section;
}

/**
 * A simulated host: its own hostname, a few more or fewer listening ports, its own pending updates.
 * `drift` changes one volatile section (new updates, a port opened), as real hosts do now and then.
 */
export class SimulatedHost {
  private sections: Sections;
  private acknowledged: Partial<Record<SectionName, string>> = {};
  private generation = 0;
  constructor(
    base: FullReport,
    readonly index: number,
    private readonly random: () => number,
  ) {
    const s = structuredClone(base.sections);
    if (s.device.status === 'ok') s.device.data = { ...s.device.data, hostname: `loadgen-${index.toString().padStart(6, '0')}`, machineId: null };
    this.sections = s;
    this.vary('ports');
    this.vary('patches');
    for (const name of SECTION_NAMES) (this.sections as Record<SectionName, Sections[SectionName]>)[name] = withHash(this.sections[name]);
  }

  get hostname(): string {
    return this.sections.device.status === 'ok' ? this.sections.device.data.hostname : `loadgen-${this.index}`;
  }

  private vary(name: 'ports' | 'patches') {
    const r = this.random;
    if (name === 'ports' && this.sections.ports.status === 'ok') {
      const listeners = this.sections.ports.data.listeners.slice(0, 20);
      const extra = Math.floor(r() * 10);
      for (let i = 0; i < extra; i++) {
        const port = r() < 0.5 ? COMMON_PORTS[Math.floor(r() * COMMON_PORTS.length)]! : 10_000 + Math.floor(r() * 50_000);
        listeners.push({ protocol: 'tcp', address: '0.0.0.0', port, pid: 1000 + Math.floor(r() * 30_000), process: 'java', bind: 'wildcard', publicExposure: false, service: null, category: null });
      }
      this.sections.ports = { ...this.sections.ports, data: { listeners } };
    }
    if (name === 'patches' && this.sections.patches.status === 'ok') {
      const d = this.sections.patches.data;
      const pending = d.pending.slice(0, Math.floor(r() * 20));
      const extra = Math.floor(r() * 5);
      for (let i = 0; i < extra; i++)
        pending.push({ name: `pkg-${this.generation}-${i}-${Math.floor(r() * 1e6)}`, installedVersion: '1.0', availableVersion: `1.${this.generation + 1}`, security: r() < 0.3 });
      this.sections.patches = { ...this.sections.patches, data: { ...d, pending, pendingCount: pending.length, securityCount: pending.filter((p) => p.security).length } };
    }
  }

  drift() {
    this.generation += 1;
    const which = this.random() < 0.7 ? 'patches' : 'ports';
    this.vary(which);
    (this.sections as Record<SectionName, Sections[SectionName]>)[which] = withHash(this.sections[which]);
  }

  /** The next report as the agent sends it: unchanged sections as hashes once the server holds them. */
  next(agentId: string, collectedAt: Date, forceFull: readonly SectionName[] = []): Report {
    const full: Report = {
      schema: REPORT_SCHEMA_VERSION,
      reportId: newReportId(collectedAt.getTime()),
      agentId,
      agentVersion: 'loadgen',
      collectedAt: collectedAt.toISOString(),
      sections: this.sections,
    } as Report;
    return toDelta(full, this.acknowledged, forceFull);
  }

  /** After an acknowledgement: what the server now holds, and what it asks to have again. */
  acknowledge(sent: Report, resend: readonly SectionName[]) {
    for (const name of SECTION_NAMES) {
      const s = sent.sections[name];
      if (resend.includes(name)) delete this.acknowledged[name];
      else if (s.status === 'ok' || s.status === 'unchanged') this.acknowledged[name] = s.hash;
    }
  }
}
