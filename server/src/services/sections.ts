import { createHash } from 'node:crypto';
import { canonicalJson, SECTION_NAMES, type HostSections, type SectionName } from '@weian/shared';
import type { HostSectionsTable } from '../storage/schema.js';

/** A stored section as the rules (and the host page) see it; `collectedAt` says how fresh. */
export type StoredSection =
  | (({ status: 'ok'; hash: string; data: unknown; warnings: string[] } | { status: 'error'; error: { code: string; message: string } } | { status: 'unsupported'; reason: string | null }) & {
      collectedAt: string;
    })
  | { status: 'missing' };

export function toStoredSection(row: HostSectionsTable | undefined): StoredSection {
  if (!row) return { status: 'missing' };
  const extra = row.error ? (JSON.parse(row.error) as Record<string, unknown>) : {};
  if (row.status === 'ok') return { status: 'ok', hash: row.hash!, data: JSON.parse(row.data!), warnings: (extra.warnings as string[] | undefined) ?? [], collectedAt: row.collected_at };
  if (row.status === 'error') return { status: 'error', error: extra as { code: string; message: string }, collectedAt: row.collected_at };
  return { status: 'unsupported', reason: (extra.reason as string | undefined) ?? null, collectedAt: row.collected_at };
}

/** Sections as stored; those in `known` (the ones the caller just wrote, data in hand) are taken from there, not parsed again. */
export function storedSections(rows: HostSectionsTable[], known: KnownSections = {}): Record<SectionName, StoredSection> {
  const byName = new Map(rows.map((r) => [r.section, r]));
  return Object.fromEntries(SECTION_NAMES.map((n) => [n, known[n] ?? toStoredSection(byName.get(n))])) as Record<SectionName, StoredSection>;
}
export type KnownSections = Partial<Record<SectionName, StoredSection>>;
/** All of a host's sections, when `known` has them all. */
export const allKnown = (known: KnownSections): Record<SectionName, StoredSection> | null => (SECTION_NAMES.every((n) => known[n]) ? (known as Record<SectionName, StoredSection>) : null);

/** The rule engine's view: the same states, without the storage details. */
export function toHostSections(sections: Record<SectionName, StoredSection>): HostSections {
  return Object.fromEntries(
    SECTION_NAMES.map((n) => {
      const s = sections[n];
      const state =
        s.status === 'ok'
          ? { status: 'ok', data: s.data, hash: s.hash, warnings: s.warnings }
          : s.status === 'error'
            ? { status: 'error', error: s.error }
            : s.status === 'unsupported'
              ? { status: 'unsupported', ...(s.reason ? { reason: s.reason } : {}) }
              : { status: 'missing' };
      return [n, state];
    }),
  ) as HostSections;
}

/**
 * A section as an agent sends it: the hash is over the data's canonical JSON, computed as the agent
 * does. Delta sync depends on it: the server keeps a section whose hash it already holds.
 */
export function okSection<T>(data: T): { status: 'ok'; hash: string; data: T } {
  return { status: 'ok', hash: createHash('sha256').update(canonicalJson(data)).digest('hex'), data };
}
