import { sql, type Kysely } from 'kysely';

/**
 * The built-in source systems (0002) get what the registry asks of a source (I1, I2): their kind, how valuable
 * their customers are (cross-source integration starts from the highest, I4), and per field how far each is
 * trusted, so survivorship picks as the documents describe out of the box: the card system's mailing address (a
 * statement reaches it every month), the loan system's income and employer (vetted before lending), the core
 * system's identity (checked against the ID card at the counter), the corporate core's legal representative.
 * Every golden field has its trust: a field without one would fall back to the source's customer value, and the
 * wealth system (the most valuable customers, 90) would then win every field it was not rated on, names included.
 * Sources the bank has edited keep their settings: only rows still at the 0008 defaults are touched.
 */
const DEFAULTS: Array<{ code: string; kind: string; value: number; trust: Record<string, number> }> = [
  { code: 'WEALTH', kind: 'wealth', value: 90, trust: { name: 80, id_no: 85, birth_date: 80, gender: 80, nationality: 75, mobile: 75, email: 80, address: 65, employer: 60, occupation: 75, income_fen: 70, legal_rep: 60 } },
  { code: 'CORP', kind: 'corporate', value: 85, trust: { name: 95, id_no: 95, birth_date: 50, gender: 50, nationality: 80, mobile: 70, email: 75, address: 85, employer: 40, occupation: 40, income_fen: 40, legal_rep: 95 } },
  { code: 'CORE', kind: 'savings', value: 80, trust: { name: 90, id_no: 95, birth_date: 90, gender: 90, nationality: 85, mobile: 70, email: 50, address: 60, employer: 50, occupation: 60, income_fen: 40, legal_rep: 70 } },
  { code: 'LOAN', kind: 'loan', value: 70, trust: { name: 85, id_no: 90, birth_date: 85, gender: 85, nationality: 75, mobile: 80, email: 70, address: 80, employer: 95, occupation: 90, income_fen: 95, legal_rep: 80 } },
  { code: 'CARD', kind: 'card', value: 60, trust: { name: 80, id_no: 85, birth_date: 80, gender: 80, nationality: 70, mobile: 85, email: 90, address: 95, employer: 75, occupation: 70, income_fen: 60, legal_rep: 50 } },
];

/** The fields survivorship weighs (GOLDEN_FIELDS at the time of writing; a migration never changes). */
const GOLDEN = ['name', 'id_no', 'mobile', 'email', 'birth_date', 'gender', 'address', 'employer', 'occupation', 'nationality', 'income_fen', 'legal_rep'];

export async function up(db: Kysely<any>): Promise<void> {
  // Trust used to be keyed by mapping targets ("attributes.income_fen", "accounts", "kind"): survivorship reads the
  // golden record's field names, so income, occupation and nationality could not be trusted at all. Keys are
  // renamed to those names; the ones no survivorship weighs are dropped.
  await sql`UPDATE source_system SET field_trust = coalesce((
      SELECT jsonb_object_agg(k, v) FROM (SELECT regexp_replace(e.key, '^attributes\.', '') AS k, e.value AS v FROM jsonb_each(field_trust) e) x
      WHERE k = ANY(${GOLDEN}::text[])), '{}'::jsonb)
    WHERE field_trust <> '{}'::jsonb`.execute(db);
  for (const d of DEFAULTS) {
    await sql`UPDATE source_system SET kind = ${d.kind}, value_rank = ${d.value}, field_trust = ${JSON.stringify(d.trust)}::jsonb, updated_at = now()
      WHERE code = ${d.code} AND kind = 'other' AND value_rank = 50 AND field_trust = '{}'::jsonb`.execute(db);
  }
}
