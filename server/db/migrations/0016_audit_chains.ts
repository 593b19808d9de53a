import { sql, type Kysely } from 'kysely';

/**
 * 128 audit chains instead of 16 (AUDIT_CHAINS in platform/audit.ts): a chain's head is locked from its append to
 * the commit's WAL flush, and 16 heads queued most of 64 concurrent audited reads behind each other. The new chains
 * start from their own genesis hash, as 0001's did; chains 0–15 go on where they are.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
INSERT INTO audit_chain_head (chain, last_hash)
  SELECT g, sha256(convert_to('banyan-audit-genesis-' || g, 'UTF8')) FROM generate_series(16, 127) g
ON CONFLICT (chain) DO NOTHING;
`.execute(db);
}
