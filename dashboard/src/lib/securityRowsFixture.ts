import type { SecurityData } from '@weian/shared';
import { i18n } from '../i18n/index.js';

/** For the host page's row tests: the least security section the schema needs, each test adding the part it is about. */
export const SECURITY_BASE = {
  firewall: { active: true, product: null },
  antimalware: { running: true, product: null, signatureUpdatedAt: null },
  timeSync: { synchronized: true, service: null },
  audit: { active: true, service: null },
  ssh: null,
} satisfies SecurityData;

/** The Chinese catalogue's t(), with values when given. */
export const translate = (key: string, values?: Record<string, unknown>) => (values ? i18n.global.t(key, values) : i18n.global.t(key));
