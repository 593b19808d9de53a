/** Mainland mobile numbers and e-mail addresses: normalisation + loose validation. Pure. */

export type ContactResult = { ok: true; value: string } | { ok: false; rule: 'format' };

const MOBILE_RE = /^1[3-9]\d{9}$/;

/** Normalise a mainland mobile to +86 form, e.g. normalizeMobile('0086 138-1234-5678') → { ok: true, value: '+8613812345678' }. */
export function normalizeMobile(input: string): ContactResult {
  if (typeof input !== 'string') return { ok: false, rule: 'format' };
  let s = input.replace(/[\s\-()]/g, '');
  if (s.startsWith('+86')) s = s.slice(3);
  else if (s.startsWith('0086')) s = s.slice(4);
  else if (s.length === 13 && s.startsWith('86')) s = s.slice(2);
  if (!MOBILE_RE.test(s)) return { ok: false, rule: 'format' };
  return { ok: true, value: `+86${s}` };
}

const LOCAL_RE = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/;
const LABEL_RE = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
const TLD_RE = /^(?:[a-z]{2,63}|xn--[a-z0-9-]{1,59})$/;

/** Validate an e-mail address (trimmed, domain lower-cased), e.g. validateEmail(' Li.Lei@Example.COM ') → { ok: true, value: 'Li.Lei@example.com' }. */
export function validateEmail(input: string): ContactResult {
  if (typeof input !== 'string') return { ok: false, rule: 'format' };
  const s = input.trim();
  if (s.length > 254) return { ok: false, rule: 'format' };
  const at = s.lastIndexOf('@');
  if (at <= 0) return { ok: false, rule: 'format' };
  const local = s.slice(0, at);
  const domain = s.slice(at + 1).toLowerCase();
  if (local.length > 64 || !LOCAL_RE.test(local)) return { ok: false, rule: 'format' };
  const labels = domain.split('.');
  if (labels.length < 2 || !labels.every((l) => LABEL_RE.test(l)) || !TLD_RE.test(labels[labels.length - 1]!)) {
    return { ok: false, rule: 'format' };
  }
  return { ok: true, value: `${local}@${domain}` };
}
