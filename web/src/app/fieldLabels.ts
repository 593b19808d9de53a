/**
 * Server messages name fields by their request paths ("identities.0.idNo: is already registered…",
 * "q：长度不能超过 100"). A person knows fields by their labels: these put the label in the path's place, or —
 * where the form has no label for it — leave the path out, never showing the path itself.
 */
export type Path = (string | number)[];
export type LabelOf = (path: Path) => string | null | undefined;

const SEPARATORS = ['：', ': ', ':'];

const toPath = (field: string): Path => field.split('.').map((p) => (/^\d+$/.test(p) ? Number(p) : p));

/** `message` with a leading "path: " of one of `fields` replaced by the field's label (or dropped when it has none). */
export function withFieldLabels(message: string, fields: { field: string }[], labelOf: LabelOf): string {
  for (const { field } of [...fields].sort((a, b) => b.field.length - a.field.length)) {
    for (const sep of SEPARATORS) {
      if (!message.startsWith(field + sep)) continue;
      const rest = message.slice(field.length + sep.length).trimStart();
      const label = labelOf(toPath(field));
      return label ? `${label}${sep.trim() === '：' ? '：' : ': '}${rest}` : rest;
    }
  }
  return message;
}

/** One field error for a list above a form: "label: message", or the message alone when the field has no label. */
export function issueText(issue: { field: string; message: string }, labelOf: LabelOf): string {
  const label = labelOf(toPath(issue.field));
  return label ? `${label}: ${issue.message}` : issue.message;
}

/** The label of a path's last named part from `labels` (list indexes skipped): identities.0.idNo → labels.idNo. */
export function lastPartLabel(labels: (name: string) => string | null | undefined): LabelOf {
  return (path) => {
    const name = [...path].reverse().find((p): p is string => typeof p === 'string');
    return name ? labels(name) : null;
  };
}

