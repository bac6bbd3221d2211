import { describe, expect, it } from 'vitest';
import type { Alert, AlertChange } from '../api/alerts.js';
import { feedItems } from './alertFeed.js';

const alert = (id: string, over: Partial<Alert> = {}) => ({ id, severity: 'critical', status: 'open', regionCode: '330106', updatedAt: '2026-12-01T00:00:00.000Z', ...over }) as Alert;
const change = (a: Alert, kind: AlertChange['change'], at: string): AlertChange => ({ change: kind, regionCode: a.regionCode, institutionCode: 'I1', at, alert: a });

describe('the overview alert feed', () => {
  it('shows the open critical/high alerts it loaded while nothing has happened live', () => {
    const items = feedItems([], [alert('a1'), alert('a2', { severity: 'high' })], '330106', 12);
    expect(items.map((i) => [i.alert.id, i.change])).toEqual([
      ['a1', 'open'],
      ['a2', 'open'],
    ]);
  });

  it('puts live changes first and shows an alert once, by its latest change', () => {
    const resolved = change(alert('a2', { status: 'resolved' }), 'resolved', '2026-12-06T08:00:00.000Z');
    const opened = change(alert('n1'), 'opened', '2026-12-06T08:01:00.000Z');
    const items = feedItems([opened, resolved], [alert('a1'), alert('a2')], '330106', 12);
    expect(items.map((i) => [i.alert.id, i.change])).toEqual([
      ['n1', 'opened'],
      ['a2', 'resolved'],
      ['a1', 'open'],
    ]);
    expect(feedItems([opened, resolved], [alert('a1'), alert('a2')], '330106', 2)).toHaveLength(2);
  });

  it('keeps to the region on screen (a city covers its counties)', () => {
    const other = alert('x', { regionCode: '330108' });
    expect(feedItems([change(other, 'opened', '2026-12-06T08:00:00.000Z')], [other, alert('a1')], '330106', 12).map((i) => i.alert.id)).toEqual(['a1']);
    expect(feedItems([], [other, alert('a1')], '330100', 12).map((i) => i.alert.id)).toEqual(['x', 'a1']);
  });

  it('takes a county whose code ends in 0 as that county alone, not as a prefix of its neighbours', () => {
    const own = alert('own', { regionCode: '110110' });
    const neighbour = alert('next', { regionCode: '110111' });
    expect(feedItems([], [own, neighbour], '110110', 12).map((i) => i.alert.id)).toEqual(['own']);
  });
});
