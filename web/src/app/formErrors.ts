import type { FormInstance } from 'antd';
import { ApiError, toNamePath, type FieldIssue } from './http.ts';

type Path = (string | number)[];

/**
 * Puts a 400's field errors under the matching form fields. `place` may rename a server path to the
 * form's own (or return null when the form has no such field); errors it cannot place are returned
 * so the caller can list them above the form.
 */
export function applyFieldErrors<T>(form: FormInstance<T>, err: unknown, place: (path: Path) => Path | null = (p) => p): FieldIssue[] {
  if (!(err instanceof ApiError) || !err.fields.length) return [];
  const byPath = new Map<string, { name: Path; errors: string[] }>();
  const unplaced: FieldIssue[] = [];
  for (const f of err.fields) {
    const name = place(toNamePath(f.field));
    if (!name) {
      unplaced.push(f);
      continue;
    }
    const key = JSON.stringify(name);
    const entry = byPath.get(key) ?? { name, errors: [] };
    entry.errors.push(f.message);
    byPath.set(key, entry);
  }
  form.setFields([...byPath.values()] as never);
  return unplaced;
}

/**
 * Puts a 400's field errors under their form fields; true when something is left to tell another way (an error
 * that is not about fields, or fields the form does not have): `if (placeErrors(form, e)) message.error(errorText(e))`.
 */
export function placeErrors<T>(form: FormInstance<T>, err: unknown, place?: (path: Path) => Path | null): boolean {
  const unplaced = applyFieldErrors(form, err, place);
  return !(err instanceof ApiError) || !err.fields.length || unplaced.length > 0;
}
