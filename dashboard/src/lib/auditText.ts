/**
 * An audit entry in words for people: the action's name instead of its code (auth.login → 登录),
 * who acted, and the details as "field：value" pairs instead of raw JSON. Codes the messages do
 * not know yet (a new action, a new field) are shown as they are rather than hidden.
 */
export interface Translate {
  t: (key: string) => string;
  te: (key: string) => boolean;
}

/** The message key of a code: dots would nest, so every non-word character becomes _. */
export const codeKey = (code: string) => code.replace(/\W/g, '_');

const known = (i18n: Translate, group: string, code: string) => {
  const key = `auditLog.${group}.${codeKey(code)}`;
  return i18n.te(key) ? i18n.t(key) : null;
};

export const auditAction = (i18n: Translate, action: string) => known(i18n, 'actions', action) ?? action;
export const auditOutcome = (i18n: Translate, outcome: string) => known(i18n, 'outcomes', outcome) ?? outcome;

/** A person by name; the system, the command line and agents by what they are. */
export function auditActor(i18n: Translate, actor: { type: string; name: string }): string {
  if (actor.type === 'user') return actor.name;
  const kind = known(i18n, 'actors', actor.type) ?? actor.type;
  const name = actor.name === 'bootstrap' ? i18n.t('auditLog.bootstrap') : actor.name;
  return name ? `${kind}（${name}）` : kind;
}

const value = (i18n: Translate, field: string, v: unknown): string => {
  if (field === 'role' && typeof v === 'string' && i18n.te(`auth.roles.${v}`)) return i18n.t(`auth.roles.${v}`);
  if (field === 'reason' && typeof v === 'string') return known(i18n, 'reasons', v) ?? v;
  if (field === 'format' && typeof v === 'string') return v.toUpperCase();
  return typeof v === 'object' ? JSON.stringify(v) : String(v);
};

/** "主机编号：h_…；探针版本：0.1.0"; "—" when there is nothing to say. */
export function auditDetail(i18n: Translate, detail: unknown): string {
  if (detail !== null && typeof detail !== 'object') return String(detail);
  const pairs = Object.entries((detail ?? {}) as Record<string, unknown>)
    .filter(([, v]) => v !== null && v !== undefined && v !== '')
    .map(([k, v]) => `${known(i18n, 'fields', k) ?? k}：${value(i18n, k, v)}`);
  return pairs.length ? pairs.join('；') : i18n.t('auditLog.none');
}
