import { useCallback } from 'react';
import { useTranslation } from 'react-i18next';
import { langOf, setLang, type Lang } from './i18n.ts';

/**
 * The current language plus `pick`, which chooses between the zh and en versions of a name the server
 * sends (falling back to Chinese when the English one is blank).
 */
export function useLang(): { lang: Lang; setLang: (l: Lang) => Promise<void>; pick: (zh: string | null | undefined, en: string | null | undefined) => string } {
  const { i18n } = useTranslation();
  const lang = langOf(i18n.language);
  const pick = useCallback(
    (zh: string | null | undefined, en: string | null | undefined) => (lang === 'en' && en ? en : (zh ?? en ?? '')),
    [lang],
  );
  return { lang, setLang, pick };
}
