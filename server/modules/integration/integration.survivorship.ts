import type { LineageRule } from './integration.table.ts';

/**
 * Survivorship (I2), pure: per canonical field, the value of the most trusted source for that field, then the
 * most recent record, then the most complete one. A manager's own value (I6) is the `MANUAL` source with top
 * trust: a current value that survivorship did not put there is kept.
 */

/** Canonical fields the golden record is built from, named as in `source_system.field_trust`. */
export const GOLDEN_FIELDS = [
  'name', 'id_no', 'mobile', 'email', 'birth_date', 'gender', 'address', 'employer', 'occupation', 'nationality', 'income_fen', 'legal_rep',
] as const;
export type GoldenField = (typeof GOLDEN_FIELDS)[number];

export const MANUAL_SOURCE = 'MANUAL';
export const MANUAL_TRUST = 100;

/** One linked source record with what survivorship needs of its source system. */
export type SurvivorRecord = {
  id: number;
  sourceCode: string;
  /** Trust of the source per field (0–100); missing fields fall back to `valueRank`. */
  fieldTrust: Record<string, number>;
  valueRank: number;
  /** source_updated_at, else the record's updated_at. */
  updatedAt: Date;
  values: Partial<Record<GoldenField, string | null>>;
  /** Extra for identity: the record's id type. */
  idType?: string | null;
};

export type Chosen = {
  field: GoldenField;
  value: string;
  sourceCode: string;
  recordId: number | null;
  rule: LineageRule;
  trust: number;
  candidates: number;
};

/** Non-null fields of a record: the completeness tie-break. */
function filled(r: SurvivorRecord): number {
  return Object.values(r.values).filter((v) => v != null && v !== '').length;
}

export function trustOf(r: SurvivorRecord, field: string): number {
  const t = r.fieldTrust[field];
  return typeof t === 'number' && Number.isFinite(t) ? t : r.valueRank;
}

/**
 * The winning value of one field among the records, with the rule that decided it.
 * @example pickField('address', [card, loan]) // { value: card's address, sourceCode: 'CARD', rule: 'trust', … }
 */
export function pickField(field: GoldenField, records: SurvivorRecord[]): Chosen | null {
  const withValue = records.filter((r) => r.values[field] != null && String(r.values[field]).trim() !== '');
  if (!withValue.length) return null;
  const ranked = [...withValue].sort((a, b) =>
    trustOf(b, field) - trustOf(a, field) || b.updatedAt.getTime() - a.updatedAt.getTime() || filled(b) - filled(a) || String(b.values[field]).length - String(a.values[field]).length || a.id - b.id);
  const best = ranked[0];
  const value = String(best.values[field]).trim();
  // Which criterion separated the winner from the runner-up that holds a different value.
  const rival = ranked.find((r) => String(r.values[field]).trim() !== value);
  let rule: LineageRule = withValue.length > 1 ? 'agreed' : 'only';
  if (rival) {
    if (trustOf(best, field) !== trustOf(rival, field)) rule = 'trust';
    else if (best.updatedAt.getTime() !== rival.updatedAt.getTime()) rule = 'recency';
    else rule = 'completeness';
  }
  return { field, value, sourceCode: best.sourceCode, recordId: best.id, rule, trust: trustOf(best, field), candidates: withValue.length };
}

export type LineageNow = { field: string; value: string | null; sourceCode: string };

/**
 * The golden record. `current` = what the customer holds now per field (null = empty); `lineage` = what
 * survivorship chose last time. A current value that differs from the last choice (or that was there before any
 * choice) was entered by a person and wins as `MANUAL`, unless it equals the sources' choice anyway.
 */
export function goldenRecord(records: SurvivorRecord[], current: Partial<Record<GoldenField, string | null>>, lineage: LineageNow[]): Chosen[] {
  const last = new Map(lineage.map((l) => [l.field, l]));
  const out: Chosen[] = [];
  for (const field of GOLDEN_FIELDS) {
    const chosen = pickField(field, records);
    const cur = current[field];
    const prev = last.get(field);
    const manual = cur != null && cur !== '' && (!prev || prev.sourceCode === MANUAL_SOURCE || prev.value !== cur);
    if (manual && (!chosen || chosen.value !== cur)) {
      out.push({ field, value: cur, sourceCode: MANUAL_SOURCE, recordId: null, rule: 'manual', trust: MANUAL_TRUST, candidates: (chosen?.candidates ?? 0) + 1 });
    } else if (chosen) {
      out.push(chosen);
    }
  }
  return out;
}
