import type { ApiClient } from './client.js';

/** What a procedure answers, from the server's router type. */
export type Out<F extends (...args: never[]) => Promise<unknown>> = Awaited<ReturnType<F>>;
export type In<F extends (...args: never[]) => unknown> = Parameters<F>[0];
/** Text the server sends in both languages (rule titles, evidence, remediation). */
export interface Bilingual {
  zh: string;
  en: string;
}
export type Severity = 'critical' | 'high' | 'medium' | 'low';
export const SEVERITIES: readonly Severity[] = ['critical', 'high', 'medium', 'low'];
export type { ApiClient };
