import type { SectionData, SectionName } from '@weian/shared';
import { api, type ApiClient } from './client.js';
import { call, handleError, type ApiError } from './errors.js';

type Out<F extends (...args: never[]) => Promise<unknown>> = Awaited<ReturnType<F>>;
export type HostPage = Out<ApiClient['hosts']['list']['query']>;
export type HostSummary = HostPage['items'][number];
export type HostListInput = Exclude<Parameters<ApiClient['hosts']['list']['query']>[0], void | undefined>;
export type HostDetail = Out<ApiClient['hosts']['get']['query']>;
export type HostReceipt = Out<ApiClient['hosts']['reports']['query']>[number];
/**
 * The report's sections in display order. Kept here rather than imported from @weian/shared,
 * whose entry point would bring zod into the bundle; the type below fails if shared adds one.
 */
export const SECTIONS = ['device', 'patches', 'ports', 'backups', 'security'] as const satisfies readonly SectionName[];
type MissingSection = Exclude<SectionName, (typeof SECTIONS)[number]>;
/** @public exported only so that the compile-time check above is not an unused variable. */
export const sectionsComplete: [MissingSection] extends [never] ? true : MissingSection = true;

export type StoredSection = HostDetail['sections'][SectionName];
export interface HostChange {
  hostId: string;
  institutionCode: string;
  at: string;
  reason: string;
}
export type LiveState = 'connecting' | 'open' | 'idle';

/** The host calls the dashboard makes; stores take this interface so their logic can be tested alone. */
export interface HostsApi {
  list(input: HostListInput): Promise<HostPage>;
  get(hostId: string): Promise<HostDetail>;
  reports(hostId: string): Promise<HostReceipt[]>;
  live(handlers: { onChange(ev: HostChange): void; onState(s: LiveState): void; onError(e: ApiError): void }): () => void;
}

export const hostsApi: HostsApi = {
  list: (input) => call(() => api().hosts.list.query(input)),
  get: (hostId) => call(() => api().hosts.get.query({ hostId })),
  reports: (hostId) => call(() => api().hosts.reports.query({ hostId })),
  live(handlers) {
    const sub = api().hosts.live.subscribe(undefined, {
      onData: handlers.onChange,
      // tRPC's "pending" means connected and waiting for data.
      onConnectionStateChange: (s) => handlers.onState(s.state === 'pending' ? 'open' : s.state),
      // A subscription refused for a lost session ends the session like any other call.
      onError: (e) => handlers.onError(handleError(e)),
    });
    return () => sub.unsubscribe();
  },
};

/**
 * A section's data with its type. The server validated it with the shared schema on ingest,
 * so the cast states the wire contract rather than guessing.
 */
export function sectionData<K extends SectionName>(section: StoredSection | undefined, _name: K): SectionData[K] | null {
  return section?.status === 'ok' ? (section.data as SectionData[K]) : null;
}

export type HostFindings = Awaited<ReturnType<ApiClient['hosts']['findings']['query']>>;
export const hostFindingsApi = (hostId: string) => call(() => api().hosts.findings.query({ hostId }));
/** The hosts of one institution (an institution has tens, not thousands). */
export const hostsOfInstitution = (institutionCode: string) => call(() => api().hosts.list.query({ institutionCode, limit: 1000, offset: 0 })).then((p) => p.items);
