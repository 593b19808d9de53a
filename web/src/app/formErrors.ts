import { useEffect, useRef } from 'react';
import type { FormInstance } from 'antd';
import { useLang } from './useLang.ts';
import { ApiError, issueMessage, toNamePath, type FieldIssue } from './http.ts';

type Path = (string | number)[];

/** The server's errors each form shows under its fields, kept whole (both languages) for a language switch. */
const placedByForm = new WeakMap<object, { name: Path; issue: FieldIssue }[]>();

/**
 * Puts a 400's field errors under the matching form fields. `place` may rename a server path to the
 * form's own (or return null when the form has no such field); errors it cannot place are returned
 * so the caller can list them above the form.
 */
export function applyFieldErrors<T>(form: FormInstance<T>, err: unknown, place: (path: Path) => Path | null = (p) => p): FieldIssue[] {
  if (!(err instanceof ApiError) || !err.fields.length) return [];
  const byPath = new Map<string, { name: Path; errors: string[] }>();
  const unplaced: FieldIssue[] = [];
  // Only fields the form has: an error set on a name no Form.Item shows would vanish unseen.
  const known = new Set(form.getFieldsError().map((e) => JSON.stringify(e.name)));
  for (const f of err.fields) {
    const name = place(toNamePath(f.field));
    if (!name || !known.has(JSON.stringify(name))) {
      unplaced.push(f);
      continue;
    }
    const key = JSON.stringify(name);
    const entry = byPath.get(key) ?? { name, errors: [] };
    entry.errors.push(issueMessage(f));
    byPath.set(key, entry);
  }
  form.setFields([...byPath.values()] as never);
  placedByForm.set(form, err.fields.filter((f) => !unplaced.includes(f)).map((f) => ({ name: place(toNamePath(f.field))!, issue: f })));
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

/**
 * Keeps a form's error messages in the UI language: after a switch, the fields showing an error are validated
 * again (their rules' messages are made at render, so now in the new language) and the server's errors placed
 * under fields are shown again in the new language. Call once in every form component: useFormLanguage(form).
 */
export function useFormLanguage<T>(form: FormInstance<T>): void {
  const { lang } = useLang();
  const shown = useRef(lang);
  useEffect(() => {
    if (shown.current === lang) return;
    shown.current = lang;
    const withErrors = form.getFieldsError().filter((f) => f.errors.length).map((f) => f.name);
    if (!withErrors.length) return;
    const keys = new Set(withErrors.map((n) => JSON.stringify(n)));
    const server = (placedByForm.get(form) ?? []).filter((p) => keys.has(JSON.stringify(p.name)));
    void form.validateFields(withErrors as never).catch(() => undefined).then(() => {
      if (!server.length) return;
      const byName = new Map<string, { name: Path; errors: string[] }>();
      for (const { name, issue } of server) {
        const k = JSON.stringify(name);
        const entry = byName.get(k) ?? { name, errors: form.getFieldError(name as never) };
        entry.errors.push(issueMessage(issue));
        byName.set(k, entry);
      }
      form.setFields([...byName.values()] as never);
    });
  }, [lang]);
}
