import { createHash, randomFillSync } from 'node:crypto';
import { REPORT_SCHEMA_VERSION, SECTION_NAMES, canonicalJson, newReportId, type Report, type SectionEnvelope, type SectionName } from '@weian/shared';
import { collectors as defaultCollectors, CollectError, type CollectContext, type Collector } from './collectors/index.js';
import type { MemoStore } from './collectors/helpers/memo.js';
import type { AgentConfig } from './config.js';
import type { Runner } from './runner.js';
import { checkedSection } from './selfCheck.js';
import { AGENT_VERSION } from './version.js';
import { withoutNul } from './withoutNul.js';

export const sectionHash = (data: unknown) => createHash('sha256').update(canonicalJson(data)).digest('hex');

const DEFAULT_TIMEOUT_MS = 20_000;

async function runOne<K extends SectionName>(collector: Collector<K>, ctx: Omit<CollectContext, 'signal'>): Promise<SectionEnvelope<K>> {
  const ac = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timeoutMs = collector.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      ac.abort();
      reject(new CollectError('timeout', `the ${collector.section} collector did not finish within ${timeoutMs} ms`));
    }, timeoutMs);
  });
  try {
    // Every section passes here: what the server would refuse (NUL) is dropped before it is hashed.
    const outcome = withoutNul(await Promise.race([collector.collect({ ...ctx, signal: ac.signal }), timeout]));
    if (outcome.status === 'unsupported') return { status: 'unsupported', reason: outcome.reason };
    return checkedSection(collector.section, { status: 'ok', hash: sectionHash(outcome.data), data: outcome.data, ...(outcome.warnings?.length ? { warnings: outcome.warnings.slice(0, 32) } : {}) });
  } catch (e) {
    const code = e instanceof CollectError ? e.code : 'collector-failed';
    const message = withoutNul((e instanceof Error ? e.message : String(e)).slice(0, 4000));
    return { status: 'error', error: { code, message } };
  } finally {
    clearTimeout(timer);
  }
}

export interface CollectOptions {
  runner: Runner;
  config: AgentConfig;
  now?: () => Date;
  collectors?: Partial<{ [K in SectionName]: Collector<K> }>;
  /** Where expensive reads are remembered between collections (default: in memory, per runner). */
  memo?: MemoStore;
  /** The live host: see CollectContext.liveSecrets. */
  liveSecrets?: boolean;
}

/** Runs every collector (concurrently, each with its timeout) and assembles a full report. */
export async function collectReport({ runner, config, now = () => new Date(), collectors = {}, memo, liveSecrets }: CollectOptions): Promise<Report> {
  const all = { ...defaultCollectors, ...collectors } as { [K in SectionName]: Collector<K> };
  const collectedAt = now().toISOString();
  const entries = await Promise.all(SECTION_NAMES.map(async (name) => [name, await runOne(all[name], { runner, config, now, memo, liveSecrets })] as const));
  return {
    schema: REPORT_SCHEMA_VERSION,
    reportId: newReportId(Date.parse(collectedAt), randomFillSync),
    agentId: config.agentId,
    agentVersion: AGENT_VERSION,
    collectedAt,
    sections: Object.fromEntries(entries) as Report['sections'],
  };
}

export { toDelta } from './delta.js';
