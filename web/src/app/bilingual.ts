/**
 * Some texts the server stores in both languages at once, as "中文 / English" (e.g. a manager change's reason
 * "新建客户 / new customer"). Such a text shows only the part of the current language; any other text — one
 * typed by a person, which may well contain a slash — is shown as it is.
 */
export function pickBilingual(text: string | null | undefined, lang: 'zh' | 'en'): string {
  if (!text) return text ?? '';
  const m = /^([^/]*[\u3400-\u9fff][^/]*) \/ ([^/\u3400-\u9fff]*[A-Za-z][^/\u3400-\u9fff]*)$/.exec(text);
  if (!m) return text;
  return (lang === 'zh' ? m[1] : m[2])!.trim();
}
