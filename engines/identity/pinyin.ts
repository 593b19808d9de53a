/** Name → pinyin search keys, using pinyin-pro (pure library) with surname readings for the leading characters. */
import { pinyin } from 'pinyin-pro';

export type NamePinyin = { full: string; initials: string };

/**
 * Full tone-less pinyin and initials of a personal name, e.g. namePinyin('单田芳') → { full: 'shantianfang', initials: 'stf' }.
 * Non-Chinese letters/digits are kept lower-cased (each run contributes its first character to `initials`);
 * other characters (spaces, ·, punctuation) are dropped; ü is written as v (吕 → 'lv').
 */
export function namePinyin(name: string): NamePinyin {
  const tokens = pinyin(name.trim(), {
    toneType: 'none',
    mode: 'surname',
    surname: 'head',
    type: 'all',
    nonZh: 'consecutive',
    v: true,
  });
  let full = '';
  let initials = '';
  for (const t of tokens) {
    if (t.isZh && t.pinyin) {
      const p = t.pinyin.toLowerCase();
      full += p;
      initials += p[0];
    } else {
      for (const run of t.origin.toLowerCase().match(/[a-z0-9]+/g) ?? []) {
        full += run;
        initials += run[0];
      }
    }
  }
  return { full, initials };
}
