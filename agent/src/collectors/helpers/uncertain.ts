import type { Uncertain } from '@weian/shared';

/**
 * Fields a collector read but cannot vouch for. Each flag also becomes a warning, so that a person
 * reading the host page sees it; the server's rules read the flag (never the warning's words).
 */
export class UncertainFields {
  readonly flags: Uncertain[] = [];
  constructor(private readonly warnings: string[]) {}
  flag(field: string, code: 'no-security-classification' | 'partial-list' | 'garbled' | 'command-failed' | 'vendor-default-unknown' | 'not-readable', reason: string): void {
    if (this.flags.some((f) => f.field === field && f.reason === reason)) return;
    this.flags.push({ field, code, reason });
    if (!this.warnings.includes(reason)) this.warnings.push(reason);
  }
  /** `{ uncertain }` to spread into section data, or nothing: a section without flags hashes as before. */
  get part(): { uncertain?: Uncertain[] } {
    return this.flags.length ? { uncertain: this.flags.slice(0, 32) } : {};
  }
}
