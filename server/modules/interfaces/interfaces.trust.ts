import { GOLDEN_FIELDS, type GoldenField } from '../integration/integration.survivorship.ts';
import type { SOURCE_KINDS } from './interfaces.schemas.ts';

type Kind = (typeof SOURCE_KINDS)[number];

/**
 * How far a new source is trusted per field of the golden record (I2) when whoever registers it (the Sources page,
 * the API, `banyan import --create-source`) says nothing: by what kind of system it is. A source with no trust at all
 * is rated on every field by its customer value alone, so two such sources tie everywhere and the most recent record
 * wins. The built-in systems' profiles (migration 0014) are those of their kinds; a system of unknown kind is trusted
 * on identity (every bank system checks the ID at onboarding) more than on contacts (they go stale) and least on what
 * customers declare (employer, income). Every golden field is rated: an unrated one falls back to the value rank.
 */
export const DEFAULT_TRUST: Record<Kind, Record<GoldenField, number>> = {
  savings: { name: 90, id_no: 95, birth_date: 90, gender: 90, nationality: 85, mobile: 70, email: 50, address: 60, employer: 50, occupation: 60, income_fen: 40, legal_rep: 70 },
  card: { name: 80, id_no: 85, birth_date: 80, gender: 80, nationality: 70, mobile: 85, email: 90, address: 95, employer: 75, occupation: 70, income_fen: 60, legal_rep: 50 },
  loan: { name: 85, id_no: 90, birth_date: 85, gender: 85, nationality: 75, mobile: 80, email: 70, address: 80, employer: 95, occupation: 90, income_fen: 95, legal_rep: 80 },
  wealth: { name: 80, id_no: 85, birth_date: 80, gender: 80, nationality: 75, mobile: 75, email: 80, address: 65, employer: 60, occupation: 75, income_fen: 70, legal_rep: 60 },
  corporate: { name: 95, id_no: 95, birth_date: 50, gender: 50, nationality: 80, mobile: 70, email: 75, address: 85, employer: 40, occupation: 40, income_fen: 40, legal_rep: 95 },
  // Contributions are paid by the employer on a declared wage base: employer and income are what it knows best.
  housing_fund: { name: 85, id_no: 90, birth_date: 85, gender: 85, nationality: 70, mobile: 60, email: 50, address: 55, employer: 90, occupation: 70, income_fen: 85, legal_rep: 50 },
  // Payments and settlement: companies and their representatives, checked at account opening.
  settlement: { name: 85, id_no: 85, birth_date: 60, gender: 60, nationality: 65, mobile: 65, email: 65, address: 70, employer: 50, occupation: 50, income_fen: 40, legal_rep: 85 },
  manual: { name: 70, id_no: 70, birth_date: 70, gender: 70, nationality: 65, mobile: 60, email: 60, address: 60, employer: 55, occupation: 55, income_fen: 45, legal_rep: 60 },
  other: { name: 70, id_no: 70, birth_date: 70, gender: 70, nationality: 65, mobile: 50, email: 50, address: 50, employer: 40, occupation: 40, income_fen: 40, legal_rep: 50 },
};

/**
 * The trust a new source of this kind gets when none is given.
 * @example defaultTrust('card').address // 95
 */
export function defaultTrust(kind: string): Record<GoldenField, number> {
  const t = DEFAULT_TRUST[kind as Kind] ?? DEFAULT_TRUST.other;
  return Object.fromEntries(GOLDEN_FIELDS.map((f) => [f, t[f]])) as Record<GoldenField, number>;
}
