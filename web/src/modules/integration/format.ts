/** Pure formatting of the integration screens' values (no React), so the rules are tested on their own. */

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
