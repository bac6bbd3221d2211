import { createI18n } from 'vue-i18n';
import en from './en.js';
import zhCN, { type MessageSchema } from './zh-CN.js';

export const LOCALES = ['zh-CN', 'en'] as const;
export type Locale = (typeof LOCALES)[number];
const STORAGE_KEY = 'weian.locale';

const isLocale = (v: unknown): v is Locale => LOCALES.includes(v as Locale);

/** zh-CN unless the user chose otherwise on this browser. */
function initialLocale(): Locale {
  try {
    const saved = localStorage.getItem(STORAGE_KEY);
    if (isLocale(saved)) return saved;
  } catch {
    // Storage may be unavailable (private mode, policies): the default is fine.
  }
  return 'zh-CN';
}

export const i18n = createI18n<[MessageSchema], Locale, false>({
  legacy: false,
  locale: initialLocale(),
  fallbackLocale: 'zh-CN',
  messages: { 'zh-CN': zhCN, en },
});

export function setLocale(locale: Locale): void {
  i18n.global.locale.value = locale;
  document.documentElement.lang = locale;
  try {
    localStorage.setItem(STORAGE_KEY, locale);
  } catch {
    // Not remembered across visits; still switched now.
  }
}

/** Picks the current language's side of a text the server sends in both (rule titles, remediation). */
export function bilingual(text: { zh: string; en: string } | null | undefined): string {
  if (!text) return '';
  return i18n.global.locale.value === 'en' ? text.en : text.zh;
}
