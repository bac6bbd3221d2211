import { regionWithin } from '@weian/shared';
import type { Alert, AlertChange } from '../api/alerts.js';

/** One line of the overview's alert feed: a live change, or an alert already open when the page loaded. */
export interface FeedItem {
  key: string;
  alert: Alert;
  /** A live change, or 'open' for an alert that was open before the page loaded. */
  change: AlertChange['change'] | 'open';
  at: string;
}

/** The feed starts with the alerts of these severities open when the page loads. */
export const FEED_OPEN_SEVERITIES = ['critical', 'high'] as const;

/**
 * The feed: live changes newest first, then the open critical/high alerts the page loaded with
 * (so that the panel is never empty while such alerts are open). An alert that changed live is
 * shown once, by its change.
 */
export function feedItems(live: AlertChange[], open: Alert[], regionCode: string, max: number): FeedItem[] {
  const changed = live.filter((f) => regionWithin(f.regionCode, regionCode));
  const seen = new Set(changed.map((f) => f.alert.id));
  return [
    ...changed.map((f) => ({ key: `${f.alert.id}-${f.at}-${f.change}`, alert: f.alert, change: f.change, at: f.at })),
    ...open.filter((a) => !seen.has(a.id) && regionWithin(a.regionCode, regionCode)).map((a) => ({ key: `${a.id}-open`, alert: a, change: 'open' as const, at: a.updatedAt })),
  ].slice(0, max);
}
