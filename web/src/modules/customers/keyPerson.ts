import type { KeyPersonInput, KeyPersonRole } from './api.ts';
import { compactPhone } from './validation.ts';

/** What the add-key-person form holds; everything but role and name may be left empty. */
export type KeyPersonValues = {
  role: KeyPersonRole;
  name: string;
  idNo?: string | null;
  mobile?: string | null;
  sharePct?: number | null;
  personCustomerNo?: string | null;
};

const filled = (v: string | null | undefined) => (v && v.trim() ? v.trim() : undefined);

/**
 * The request body for the form's values: blanks left out, the ID upper-cased (a typed `x` is `X`),
 * separators dropped from the mobile, e.g. { mobile: '138-0013 8000' } → { mobile: '13800138000' }.
 */
export function toKeyPersonInput(v: KeyPersonValues): KeyPersonInput {
  const body: KeyPersonInput = { role: v.role, name: v.name.trim() };
  const idNo = filled(v.idNo);
  if (idNo) body.idNo = idNo.toUpperCase();
  const mobile = filled(v.mobile);
  if (mobile) body.mobile = compactPhone(mobile);
  if (v.sharePct !== null && v.sharePct !== undefined) body.sharePct = v.sharePct;
  const personCustomerNo = filled(v.personCustomerNo);
  if (personCustomerNo) body.personCustomerNo = personCustomerNo;
  return body;
}
