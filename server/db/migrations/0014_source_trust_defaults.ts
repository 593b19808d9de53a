import { sql, type Kysely } from 'kysely';

/**
 * The built-in source systems (0002) get what the registry asks of a source (I1, I2): their kind, how valuable
 * their customers are (cross-source integration starts from the highest, I4), and per field how far each is
 * trusted, so survivorship picks as the documents describe out of the box: the card system's mailing address (a
 * statement reaches it every month), the loan system's income and employer (vetted before lending), the core
 * system's identity (checked against the ID card at the counter), the corporate core's legal representative.
 * A field without a trust falls back to the source's value. Sources the bank has edited keep their settings:
 * only rows still at the 0008 defaults are touched.
 */
const DEFAULTS: Array<{ code: string; kind: string; value: number; trust: Record<string, number> }> = [
  { code: 'WEALTH', kind: 'wealth', value: 90, trust: { email: 80, mobile: 75, occupation: 75, income_fen: 70, address: 65 } },
  { code: 'CORP', kind: 'corporate', value: 85, trust: { name: 95, id_no: 95, legal_rep: 95, address: 85, mobile: 70 } },
  { code: 'CORE', kind: 'savings', value: 80, trust: { name: 90, id_no: 95, birth_date: 90, gender: 90, nationality: 85, mobile: 70, occupation: 60, address: 60, employer: 50, email: 50, income_fen: 40 } },
  { code: 'LOAN', kind: 'loan', value: 70, trust: { income_fen: 95, employer: 95, occupation: 90, id_no: 90, name: 85, address: 80, mobile: 80 } },
  { code: 'CARD', kind: 'card', value: 60, trust: { address: 95, email: 90, mobile: 85, id_no: 85, name: 80, employer: 75, occupation: 70, income_fen: 60 } },
];

export async function up(db: Kysely<any>): Promise<void> {
  for (const d of DEFAULTS) {
    await sql`UPDATE source_system SET kind = ${d.kind}, value_rank = ${d.value}, field_trust = ${JSON.stringify(d.trust)}::jsonb, updated_at = now()
      WHERE code = ${d.code} AND kind = 'other' AND value_rank = 50 AND field_trust = '{}'::jsonb`.execute(db);
  }
}
