// Client-side checks run before submit. They are the very rules the server applies: the pure
// identity engine is shared, so the form and the API can never disagree.
import { validateResidentId } from '../../../../engines/identity/cn-id.ts';
import { normalizeMobile } from '../../../../engines/identity/phone.ts';

/** Strips the spaces and dashes people type into phone numbers, e.g. '138-0013 8000' → '13800138000'. */
export function compactPhone(v: string): string {
  return v.replace(/[\s-]/g, '');
}

/** Mainland mobile, optionally prefixed +86/0086/86, e.g. isMobile('+86 138-0013-8000') === true. */
export function isMobile(v: string): boolean {
  return normalizeMobile(v).ok;
}

/** Resident ID (GB 11643): 18 characters with the check character, or an old 15-digit one, e.g. isResidentId('11010519491231002X') === true. */
export function isResidentId(v: string): boolean {
  return validateResidentId(v).ok;
}

/** Deliberately loose (one @, a dot in the domain): the server has the final word. */
export function isEmail(v: string): boolean {
  return /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(v.trim());
}
