import type { SectionData, SectionName } from '@weian/shared';
import type { Runner } from '../runner.js';
import type { AgentConfig } from '../config.js';
import type { MemoStore } from './helpers/memo.js';

export interface CollectContext {
  runner: Runner;
  config: AgentConfig;
  now: () => Date;
  /** Aborted when the collector's timeout passes. */
  signal: AbortSignal;
  /** Where expensive reads are remembered (default: in memory, for this runner only). */
  memo?: MemoStore;
  /**
   * True on the live host only: the credential check (issue 24) may read /etc/shadow directly, never
   * through the runner, so that no capture holds a hash. A replay leaves it unset.
   */
  liveSecrets?: boolean;
}

/**
 * What a collector returns. Collectors never throw for partial failure: they return what they
 * could read plus warnings. `unsupported` is an honest "this OS has no such thing" with a reason.
 */
export type CollectOutcome<K extends SectionName> = { status: 'ok'; data: SectionData[K]; warnings?: string[] } | { status: 'unsupported'; reason: string };

export interface Collector<K extends SectionName = SectionName> {
  readonly section: K;
  /** Default 20 s; a collector past it yields an `error` section and the rest of the report still goes. */
  readonly timeoutMs?: number;
  collect(ctx: CollectContext): Promise<CollectOutcome<K>>;
}

/** Thrown by a collector when it cannot produce the section at all: becomes `{status:"error", error:{code,message}}`. */
export class CollectError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}
