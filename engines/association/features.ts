/**
 * A customer as a set of items for association analysis: segment items (party, level, age band,
 * AUM band, risk tolerance) and one `holds:<product>` item per product held. Pure.
 * The bands are data so that SQL aggregates (see products.repository) bucket exactly the same way.
 */

/** An item: `<dimension>:<value>`, e.g. 'level:gold', 'age:40-49', 'holds:DEP_LARGE_CD'. */
export type Item = string;

export type SegmentDimension = 'party' | 'level' | 'age' | 'aum' | 'risk';
export const SEGMENT_DIMENSIONS: readonly SegmentDimension[] = ['party', 'level', 'age', 'aum', 'risk'];

/** Age bands by lower bound in whole years (ascending); the label is the item's value. */
export const AGE_BANDS: readonly { from: number; label: string }[] = [
  { from: 0, label: '<30' },
  { from: 30, label: '30-39' },
  { from: 40, label: '40-49' },
  { from: 50, label: '50-59' },
  { from: 60, label: '60+' },
];

/** AUM bands by lower bound in fen (ascending): 50k, 500k and 3m CNY mirror the usual tier steps. */
export const AUM_BANDS: readonly { fromFen: number; label: string }[] = [
  { fromFen: 0, label: '<50k' },
  { fromFen: 5_000_000, label: '50k-500k' },
  { fromFen: 50_000_000, label: '500k-3m' },
  { fromFen: 300_000_000, label: '3m+' },
];

export type CustomerFacts = {
  party: 'person' | 'organization';
  levelCode: string | null;
  /** YYYY-MM-DD; persons only. */
  birthDate: string | null;
  aumFen: number;
  riskTolerance: string | null;
  /** Codes of the products held (open accounts). */
  products: readonly string[];
};

/** Whole years between a birth date and a day, both YYYY-MM-DD: ageOn('1980-07-01', '2026-06-30') === 45. */
export function ageOn(birthDate: string, on: string): number {
  const [by, bm, bd] = birthDate.split('-').map(Number) as [number, number, number];
  const [y, m, d] = on.split('-').map(Number) as [number, number, number];
  return y - by - (m < bm || (m === bm && d < bd) ? 1 : 0);
}

/** ageBand(45) === '40-49' */
export function ageBand(age: number): string {
  let label = AGE_BANDS[0]!.label;
  for (const b of AGE_BANDS) if (age >= b.from) label = b.label;
  return label;
}

/** aumBand(60_000_000) === '500k-3m' */
export function aumBand(aumFen: number): string {
  let label = AUM_BANDS[0]!.label;
  for (const b of AUM_BANDS) if (aumFen >= b.fromFen) label = b.label;
  return label;
}

/**
 * The items of one customer on a given day.
 * @example featuresOf({ party: 'person', levelCode: 'gold', birthDate: '1980-05-01', aumFen: 8_000_000, riskTolerance: 'C3', products: ['DEP_CURRENT'] }, '2026-06-30')
 * // ['party:person', 'level:gold', 'age:40-49', 'aum:50k-500k', 'risk:C3', 'holds:DEP_CURRENT']
 */
export function featuresOf(c: CustomerFacts, on: string): Item[] {
  const items: Item[] = [`party:${c.party}`, `level:${c.levelCode ?? 'none'}`];
  if (c.party === 'person' && c.birthDate) items.push(`age:${ageBand(ageOn(c.birthDate, on))}`);
  items.push(`aum:${aumBand(c.aumFen)}`);
  if (c.party === 'person') items.push(`risk:${c.riskTolerance ?? 'none'}`);
  for (const p of [...new Set(c.products)].sort()) items.push(`holds:${p}`);
  return items;
}

/** Splits an item into its dimension and value: splitItem('holds:WM_STABLE') → ['holds', 'WM_STABLE']. */
export function splitItem(item: Item): [string, string] {
  const i = item.indexOf(':');
  return i < 0 ? [item, ''] : [item.slice(0, i), item.slice(i + 1)];
}
