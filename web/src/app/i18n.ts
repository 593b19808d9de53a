import i18n from 'i18next';
import { initReactI18next } from 'react-i18next';
import dayjs from 'dayjs';
import 'dayjs/locale/zh-cn';
import { zhCN } from './locales/zh-CN.ts';
import { enUS } from './locales/en-US.ts';
import { MODULES } from './modules.ts';

export type Lang = 'zh' | 'en';

const STORAGE_KEY = 'banyan.lang';
const I18N_CODE: Record<Lang, string> = { zh: 'zh-CN', en: 'en-US' };

function storedLang(): Lang | null {
  try {
    const v = localStorage.getItem(STORAGE_KEY);
    return v === 'zh' || v === 'en' ? v : null;
  } catch {
    return null;
  }
}

/** The user's earlier choice, else Chinese when the browser asks for any zh variant, else English. */
export function detectLang(): Lang {
  const stored = storedLang();
  if (stored) return stored;
  const asked = typeof navigator !== 'undefined' ? navigator.language ?? '' : '';
  return asked.toLowerCase().startsWith('zh') ? 'zh' : 'en';
}

/** Everything outside i18next that follows the language: storage, the server's `lang` cookie, dayjs, <html lang>. */
function applyLang(lang: Lang): void {
  try {
    localStorage.setItem(STORAGE_KEY, lang);
  } catch {
    /* private mode: the cookie still carries the choice */
  }
  // The server reads this cookie to localise error messages.
  document.cookie = `lang=${lang}; path=/; max-age=31536000; SameSite=Lax`;
  dayjs.locale(lang === 'zh' ? 'zh-cn' : 'en');
  document.documentElement.lang = I18N_CODE[lang];
}

export function langOf(code: string | undefined): Lang {
  return code?.toLowerCase().startsWith('en') ? 'en' : 'zh';
}

export async function setLang(lang: Lang): Promise<void> {
  applyLang(lang);
  await i18n.changeLanguage(I18N_CODE[lang]);
}

const initial = detectLang();
applyLang(initial);

void i18n.use(initReactI18next).init({
  resources: {
    // Each module's strings sit under its own top-level key, so a shallow merge is enough.
    'zh-CN': { translation: Object.assign({}, zhCN, ...MODULES.map((m) => m.locales.zh)) },
    'en-US': { translation: Object.assign({}, enUS, ...MODULES.map((m) => m.locales.en)) },
  },
  lng: I18N_CODE[initial],
  fallbackLng: 'zh-CN',
  // Permission codes such as `customer:read` are keys; a colon must not mean "namespace".
  nsSeparator: false,
  interpolation: { escapeValue: false },
});

export { i18n };
