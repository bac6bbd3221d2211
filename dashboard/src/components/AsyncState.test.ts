import { mount } from '@vue/test-utils';
import { describe, expect, it } from 'vitest';
import { ApiError } from '../api/errors.js';
import { i18n } from '../i18n/index.js';
import { emptyResource, type Resource } from '../lib/resource.js';
import AsyncState from './AsyncState.vue';

const render = (resource: Resource<unknown>, empty = false) =>
  mount(AsyncState, { props: { resource, empty, emptyText: '尚无主机' }, slots: { default: '<p class="content">内容</p>' }, global: { plugins: [i18n] } });
const withData = (data: unknown, error: ApiError | null = null): Resource<unknown> => ({ ...emptyResource(), data, error });

describe('AsyncState', () => {
  it('shows a skeleton until the first answer', () => {
    const w = render({ ...emptyResource(), loading: true });
    expect(w.find('[data-testid=state-loading]').exists()).toBe(true);
    expect(w.find('.content').exists()).toBe(false);
  });

  it('shows the error with a retry when nothing could be loaded', async () => {
    const w = render({ ...emptyResource(), error: new ApiError('network', 'Failed to fetch') });
    expect(w.find('[data-testid=state-error]').text()).toContain('无法连接服务器');
    await w.find('button').trigger('click');
    expect(w.emitted('retry')).toHaveLength(1);
  });

  it('shows the empty text for an empty answer', () => {
    const w = render(withData([]), true);
    expect(w.find('[data-testid=state-empty]').text()).toContain('尚无主机');
    expect(w.find('.content').exists()).toBe(false);
  });

  it('keeps showing loaded data when a refresh fails, with a warning', () => {
    const w = render(withData([1], new ApiError('server', 'internal server error')));
    expect(w.find('.content').exists()).toBe(true);
    expect(w.text()).toContain('刷新失败');
    expect(w.text()).toContain('服务器内部错误');
  });

  it('says a refusal in the user language, without the server words or a useless retry', () => {
    for (const kind of ['forbidden', 'notFound'] as const) {
      const w = render({ ...emptyResource(), error: new ApiError(kind, 'institution ZJ-GS-001 is not visible to you') });
      const shown = w.find('[data-testid=state-refused]').text();
      expect(shown).toContain(kind === 'forbidden' ? '不在您账号的管辖范围内' : '要查看的内容不存在');
      expect(shown).not.toContain('visible');
      expect(w.find('button').exists()).toBe(false);
    }
  });
});
