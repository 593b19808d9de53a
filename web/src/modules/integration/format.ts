/** Pure formatting of the integration screens' values (no React), so the rules are tested on their own. */
import { pickBilingual } from '../../app/bilingual.ts';
import { withFieldLabels } from '../../app/fieldLabels.ts';

type T = (key: string, params?: Record<string, unknown>) => string;

/**
 * A weight with two decimals and its sign; a weight that rounds to zero is 0.00, never -0.00.
 * @example weightText(-0.001) // '0.00'
 */
export function weightText(w: number, signed = false): string {
  const r = Math.round(w * 100) / 100;
  if (r === 0) return '0.00';
  return signed && r > 0 ? `+${r.toFixed(2)}` : r.toFixed(2);
}

/**
 * The engine's conflict, in the user's language. The server stores it as the engine says it
 * (`different valid resident_id numbers`, `same valid uscc number, different name`); unknown text is shown as it is.
 * @example conflictText(t, 'different valid resident_id numbers') // '两个不同的有效居民身份证号码'
 */
export function conflictText(t: T, conflict: string): string {
  const kind = (k: string) => t(`integration.idKind.${k}`, { defaultValue: k });
  let m = /^different valid (\w+) numbers$/.exec(conflict);
  if (m) return t('integration.conflict.differentId', { kind: kind(m[1]!) });
  m = /^same valid (\w+) number, different name$/.exec(conflict);
  if (m) return t('integration.conflict.sameIdOtherName', { kind: kind(m[1]!) });
  return conflict;
}

/** Merge reasons the system writes itself, bilingual as stored: shown in the user's language. */
const SYSTEM_REASONS: Record<string, string> = { '审核确认 / confirmed in review': 'integration.merges.reasonReview' };

export function mergeReasonText(t: T, reason: string): string {
  const key = SYSTEM_REASONS[reason];
  if (key) return t(key);
  const m = /^撤销合并 \/ unmerged: (.*)$/s.exec(reason);
  return m ? t('integration.merges.reasonUnmerged', { reason: m[1] }) : reason;
}

/** Which kind of ID conflict the engine's text names: different valid numbers, or one number under two names. */
export function conflictKind(conflict: string | null | undefined): 'differentId' | 'sameIdOtherName' | null {
  if (!conflict) return null;
  return /^same valid \w+ number, different name$/.test(conflict) ? 'sameIdOtherName' : 'differentId';
}

/** A note or reason the system may have stored in both languages ("撤销合并 / unmerged: …"), in the user's. */
export function bilingualNote(t: T, lang: 'zh' | 'en', note: string | null | undefined): string {
  if (!note) return '';
  const own = mergeReasonText(t, note);
  return own !== note ? own : pickBilingual(note, lang);
}

/** Request fields the integration screens send, by the labels the screens show for them. */
const FIELD_LABELS: Record<string, string> = {
  customerNo: 'integration.propose.customerNo', otherCustomerNo: 'integration.propose.otherCustomerNo', survivorNo: 'integration.detail.survivor',
  mergedNo: 'integration.merges.merged', reason: 'integration.merges.reason', note: 'integration.detail.note',
};

/**
 * A server error as the integration screens show it: the field's label in the place of its request path
 * ("otherCustomerNo：不能与自己合并" → "另一客户号：不能与自己合并"); a field without a label is left out.
 */
export function integrationErrorText(t: T, err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const fields = (err as { fields?: { field: string }[] }).fields ?? [];
  return withFieldLabels(err.message, fields, (path) => {
    const key = FIELD_LABELS[String(path[path.length - 1])];
    return key ? t(key) : null;
  });
}
