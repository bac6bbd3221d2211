import { mount } from '@vue/test-utils';
import { describe, expect, it } from 'vitest';
import { h } from 'vue';
import type { StoredSection } from '../api/hosts.js';
import { i18n } from '../i18n/index.js';
import SectionFrame from './SectionFrame.vue';

const render = (section: StoredSection | undefined) =>
  mount(SectionFrame, {
    props: { section, name: 'backups' as const },
    slots: { default: ({ data }: { data: unknown }) => h('div', { class: 'content' }, JSON.stringify(data)) },
    global: { plugins: [i18n] },
  });

describe('SectionFrame', () => {
  it('shows the content of a collected section, with its warnings and time in China time', () => {
    const w = render({ status: 'ok', hash: 'x', data: { configured: false, jobs: [] }, warnings: ['restic not found'], collectedAt: '2026-11-23T01:00:00.000Z' });
    expect(w.find('.content').text()).toBe('{"configured":false,"jobs":[]}');
    expect(w.text()).toContain('restic not found');
    expect(w.text()).toContain('2026-11-23 09:00:00');
  });

  it('says why a section is missing: error with its code, unsupported with its reason, or not reported', () => {
    const err = render({ status: 'error', error: { code: 'TIMEOUT', message: 'apt-get timed out' }, collectedAt: '2026-11-23T01:00:00.000Z' });
    expect(err.find('.content').exists()).toBe(false);
    expect(err.text()).toContain('采集失败');
    expect(err.text()).toContain('TIMEOUT: apt-get timed out');

    const unsupported = render({ status: 'unsupported', reason: 'not on Windows', collectedAt: '2026-11-23T01:00:00.000Z' });
    expect(unsupported.text()).toContain('不支持采集');
    expect(unsupported.text()).toContain('not on Windows');
    expect(render({ status: 'unsupported', reason: null, collectedAt: '2026-11-23T01:00:00.000Z' }).text()).toContain('未说明原因');

    const missing = render({ status: 'missing' });
    expect(missing.text()).toContain('尚未上报');
    expect(missing.attributes('data-status')).toBe('missing');
  });
});
