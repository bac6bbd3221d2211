import { mount } from '@vue/test-utils';
import { describe, expect, it } from 'vitest';
import { h } from 'vue';
import { ApiError } from '../../api/errors.js';
import { i18n } from '../../i18n/index.js';
import RecordForms from './RecordForms.vue';

const render = (canEdit: boolean, error: ApiError | null) =>
  mount(RecordForms, {
    props: { canEdit, error, errorTestid: 'register-error' },
    slots: { default: () => h('form', { class: 'records-form' }) },
    global: { plugins: [i18n] },
  });

describe('RecordForms', () => {
  it('gives those who may edit the forms, and the others a read-only note instead', () => {
    const editor = render(true, null);
    expect(editor.find('.records-form').exists()).toBe(true);
    expect(editor.text()).not.toContain('监管部门只读');

    const reader = render(false, null);
    expect(reader.find('.records-form').exists()).toBe(false);
    expect(reader.text()).toContain('记录由机构填报，监管部门只读。');
  });

  it("shows the last change's error under the forms, in the user's words, with the server's kept for operators", () => {
    const w = render(true, new ApiError('network', 'fetch failed'));
    const alert = w.find('[data-testid=register-error]');
    expect(alert.exists()).toBe(true);
    expect(alert.text()).toContain('无法连接服务器');
    expect(alert.attributes('data-detail')).toBe('fetch failed');
    expect(render(true, null).find('[data-testid=register-error]').exists()).toBe(false);
  });
});
