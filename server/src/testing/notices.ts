import type { IssueNoticeInput } from '@weian/shared';

/** A notice to one institution with one free-text item, 10 working days: what tests about evidence and documents start from. */
export const textNotice = (institutionCode: string, item: { title: string; requirement: string }): IssueNoticeInput => ({
  title: '关于限期整改网络安全问题的通知',
  requirement: '请于期限内完成整改并反馈',
  severity: 'high',
  due: { workingDays: 10 },
  target: { kind: 'institution', institutionCode },
  items: [{ kind: 'text', ...item }],
});
