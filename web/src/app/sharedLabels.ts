import { i18n } from './i18n.ts';
import type { LabelOf } from './fieldLabels.ts';

/**
 * The shared label table: `fieldLabel.<name>` (app locales), then the audit log's field names. A path with a
 * list index and no label of its own for the row names the row by its number: items.8.responseMinutes →
 * "第 9 行 · 响应时限" / "row 9 · Response time".
 */
export const sharedLabelOf: LabelOf = (path) => {
  const name = [...path].reverse().find((p): p is string => typeof p === 'string');
  if (!name) return null;
  const label = i18n.t(`fieldLabel.${name}`, { defaultValue: '' }) || i18n.t(`auditField.${name}`, { defaultValue: '' }) || null;
  const index = path.findIndex((p) => typeof p === 'number');
  if (index < 0) return label;
  const row = i18n.t('fieldLabel.row', { n: (path[index] as number) + 1 });
  return label ? `${row} · ${label}` : row;
};

/** `labelOf` where it knows the path, else the shared table. */
export function combineLabels(labelOf?: LabelOf): LabelOf {
  return (path) => labelOf?.(path) || sharedLabelOf(path);
}
