/**
 * An audit row's changes as a reader takes them (audit log): keys by their labels, object values as
 * "label n, label n" (a merge's `moved {"match_key":5,…}` → "匹配键 5, 来源记录 1"), texts stored in both languages
 * ("审核确认 / confirmed in review") in the reader's, empty values left out. Pure, so it is tested without a page.
 */
import { pickBilingual } from '../../app/bilingual.ts';
import { formatValue, isEmptyValue } from '../../app/format.ts';

export type NameOf = (code: string) => string;

/** One value: objects and lists spelt out by `name`, empty parts omitted. */
export function auditValueText(v: unknown, name: NameOf, lang: 'zh' | 'en'): string {
  if (typeof v === 'string') return pickBilingual(v, lang) || formatValue(v);
  if (typeof v === 'boolean') return lang === 'zh' ? (v ? '是' : '否') : v ? 'Yes' : 'No';
  if (Array.isArray(v)) {
    const parts = v.filter((x) => !isEmptyValue(x)).map((x) => (x && typeof x === 'object' && !Array.isArray(x) ? `(${auditValueText(x, name, lang)})` : auditValueText(x, name, lang)));
    return parts.length ? parts.join(lang === 'zh' ? '、' : ', ') : formatValue(null);
  }
  if (v && typeof v === 'object') {
    const parts = Object.entries(v as Record<string, unknown>).filter(([, x]) => !isEmptyValue(x)).map(([k, x]) => {
      const inner = auditValueText(x, name, lang);
      return `${name(k)} ${x && typeof x === 'object' ? `(${inner})` : inner}`;
    });
    return parts.length ? parts.join(', ') : formatValue(null);
  }
  return formatValue(v);
}

/** The rows of a change set: each key by its label with its value, or its from → to; empty ones left out. */
export function auditRows(changes: Record<string, unknown>, name: NameOf, lang: 'zh' | 'en'): { key: string; label: string; from?: string; to: string }[] {
  const out: { key: string; label: string; from?: string; to: string }[] = [];
  for (const [k, v] of Object.entries(changes)) {
    if (isEmptyValue(v)) continue;
    const diff = v !== null && typeof v === 'object' && !Array.isArray(v) && ('from' in v || 'to' in v) ? (v as { from?: unknown; to?: unknown }) : null;
    if (diff) out.push({ key: k, label: name(k), from: auditValueText(diff.from, name, lang), to: auditValueText(diff.to, name, lang) });
    else out.push({ key: k, label: name(k), to: auditValueText(v, name, lang) });
  }
  return out;
}
