import { RULE_DATA_BY_ID, type RuleId } from '@weian/shared';

/** Alert rules that are not in the rule catalogue: they come from the server's own observations. */
export const OFFLINE_RULE = 'AGENT-OFFLINE';
export const IDENTITY_RULE = 'HOST-IDENTITY-CONFLICT';
/** A rectification item verified by data fails again before its notice closes. */
export const NOTICE_REOPENED_RULE = 'NOTICE-ITEM-REOPENED';
/** Rectification notices past their deadline and not closed (one alert per institution). */
export const NOTICE_OVERDUE_RULE = 'NOTICE-OVERDUE';
/** Incident duties (ids as in the regulation catalogue): a 较大-or-above report filed late; a summary report overdue. */
export const INCIDENT_LATE_RULE = 'INST-INCIDENT-LATE';
export const INCIDENT_SUMMARY_RULE = 'INST-INCIDENT-SUMMARY';
/** Sustained failed sign-ins on one account (services/signInAlerts.ts). */
export const SIGN_IN_RULE = 'AUTH-SUSTAINED-FAILURES';
const OWN_RULES: Record<string, { zh: string; en: string }> = {
  [OFFLINE_RULE]: { zh: '探针离线', en: 'Agent offline' },
  [IDENTITY_RULE]: { zh: '主机身份冲突（疑似克隆）', en: 'Host identity conflict (likely a clone)' },
  [NOTICE_OVERDUE_RULE]: { zh: '整改通知逾期未办结', en: 'Rectification notice overdue' },
  [NOTICE_REOPENED_RULE]: { zh: '整改项复发（已核验后再次不合规）', en: 'Rectification item failing again after verification' },
  [INCIDENT_LATE_RULE]: { zh: '网络安全事件未按时上报', en: 'Incident reported after its deadline' },
  [INCIDENT_SUMMARY_RULE]: { zh: '事件总结报告逾期未提交', en: 'Incident summary report overdue' },
  [SIGN_IN_RULE]: { zh: '账号持续登录失败（疑似猜测密码）', en: 'Sustained failed sign-ins on an account (likely password guessing)' },
};

/** The title an alert shows: the catalogue's for rule findings, ours for the server's own alert rules. */
export const ruleTitle = (ruleId: string) => OWN_RULES[ruleId] ?? RULE_DATA_BY_ID[ruleId as RuleId]?.title ?? { zh: ruleId, en: ruleId };
