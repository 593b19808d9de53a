import { createHash } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import { prepared, type Database } from '../db/database.ts';
import { verifyAnchors, writeAnchorIn, noteAnchor, type AnchorCheck, type AnchorWrite } from './audit-anchor.ts';

/** Who did something, and from where. */
export type Actor = { userId: number | null; username: string; ip: string | null };

export const SYSTEM_ACTOR: Actor = { userId: null, username: 'system', ip: null };

export type AuditEntry = {
  /** create | update | delete | read | unmask | export | login | login_failed | logout | transfer … */
  action: string;
  entity: string;
  entityId?: string | number | null;
  customerId?: number | null;
  /** The fields read or changed. */
  fields?: string[];
  /** For writes: { field: { from, to } }; for others, any detail worth keeping. */
  changes?: unknown;
};

/**
 * Audit rows are appended to one of this many hash chains, picked by transaction id. A chain's head row stays
 * locked until its transaction commits, and a commit waits for its WAL flush: with 16 chains at 64 connections most
 * backends queued on a head (Lock:transactionid), and the 360° view's statement ran at 1,113 tps; at 128, 1,768 tps.
 * Heads are rows of audit_chain_head (migrations 0001 and 0016); each chain verifies on its own.
 */
export const AUDIT_CHAINS = 128;

/** JSON with sorted keys, so the same content always hashes the same. */
export function canonical(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (typeof value === 'object') {
    const keys = Object.keys(value as object).filter((k) => (value as Record<string, unknown>)[k] !== undefined).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

type Hashed = {
  chain: number; seq: number; at: Date; actor_id: number | null; actor_name: string; action: string; entity: string;
  entity_id: string | null; customer_id: number | null; fields: string[]; changes: unknown; ip: string | null;
};

function contentOf(r: Hashed): string {
  return canonical([r.chain, r.seq, r.at, r.actor_id, r.actor_name, r.action, r.entity, r.entity_id, r.customer_id, r.fields, r.changes ?? null, r.ip]);
}

/**
 * Appends one audit row inside the caller's transaction. The chain is picked from the transaction
 * id, so one transaction holds at most one chain head and concurrent writers cannot deadlock.
 */
export async function audit(trx: Kysely<Database>, actor: Actor, entry: AuditEntry): Promise<void> {
  const at = new Date();
  const base = {
    at,
    actor_id: actor.userId,
    actor_name: actor.username,
    action: entry.action,
    entity: entry.entity,
    entity_id: entry.entityId == null ? null : String(entry.entityId),
    customer_id: entry.customerId ?? null,
    fields: entry.fields ?? [],
    changes: entry.changes ?? null,
    ip: actor.ip,
  };
  // The row's content starts with its chain and sequence number, known only once the head is locked:
  // the head is advanced and the content hashed in SQL (the rest of the canonical text comes from
  // here), so the whole append is one round trip, one fixed statement, and the head's lock is taken
  // as late as possible. prev_hash keeps the head's hash before this row for the INSERT.
  const rest = contentOf({ ...base, chain: 0, seq: 0 }).slice('[0,0,'.length);
  await sql`${sql.raw(prepared('audit_append'))}
    WITH h AS (
      UPDATE audit_chain_head SET last_seq = last_seq + 1, prev_hash = last_hash,
        last_hash = sha256(last_hash || convert_to('[' || chain || ',' || (last_seq + 1) || ',' || ${rest}::text, 'UTF8'))
      WHERE chain = (txid_current() % ${AUDIT_CHAINS})::int
      RETURNING chain, last_seq, prev_hash, last_hash
    )
    INSERT INTO audit_log (chain, seq, at, actor_id, actor_name, action, entity, entity_id, customer_id, fields, changes, ip, prev_hash, hash)
    SELECT chain, last_seq, ${at}, ${base.actor_id}, ${base.actor_name}, ${base.action}, ${base.entity}, ${base.entity_id},
           ${base.customer_id}, ${base.fields}, ${base.changes === null ? null : JSON.stringify(base.changes)}::jsonb, ${base.ip}, prev_hash, last_hash
    FROM h`.execute(trx);
}

/**
 * Appends many rows to this transaction's chain at once (a bulk export's reads, a bulk resolution's writes): the head
 * locked once, each row hashed exactly as audit() hashes it, inserted a few thousand at a time.
 */
export async function auditMany(trx: Kysely<Database>, actor: Actor, entries: (AuditEntry & { customerId: number | null })[]): Promise<void> {
  if (!entries.length) return;
  const head = (await sql<{ chain: number; last_seq: string; last_hash: Buffer }>`
    SELECT chain, last_seq, last_hash FROM audit_chain_head WHERE chain = (txid_current() % ${AUDIT_CHAINS})::int FOR UPDATE`.execute(trx)).rows[0]!;
  const at = new Date();
  let prev = head.last_hash;
  let beforeLast = prev;
  let seq = Number(head.last_seq);
  for (let i = 0; i < entries.length; i += 5000) {
    const rows = entries.slice(i, i + 5000).map((e) => {
      const r: Hashed = {
        chain: head.chain, seq: ++seq, at, actor_id: actor.userId, actor_name: actor.username, action: e.action, entity: e.entity,
        entity_id: e.entityId == null ? null : String(e.entityId), customer_id: e.customerId, fields: e.fields ?? [], changes: e.changes ?? null, ip: actor.ip,
      };
      const hash = createHash('sha256').update(prev).update(contentOf(r)).digest();
      const row = { ...r, at: at.toISOString(), prev_hash: prev.toString('hex'), hash: hash.toString('hex') };
      beforeLast = prev;
      prev = hash;
      return row;
    });
    await sql`INSERT INTO audit_log (chain, seq, at, actor_id, actor_name, action, entity, entity_id, customer_id, fields, changes, ip, prev_hash, hash)
      SELECT chain, seq, at, actor_id, actor_name, action, entity, entity_id, customer_id, fields, changes, ip, decode(prev_hash, 'hex'), decode(hash, 'hex')
      FROM json_to_recordset(${JSON.stringify(rows)}::json) AS x(chain int, seq bigint, at timestamptz, actor_id int, actor_name text, action text, entity text,
        entity_id text, customer_id bigint, fields text[], changes jsonb, ip text, prev_hash text, hash text)`.execute(trx);
  }
  await sql`UPDATE audit_chain_head SET last_seq = ${seq}, prev_hash = ${beforeLast}, last_hash = ${prev} WHERE chain = ${head.chain}`.execute(trx);
}

/**
 * The audit append of a read, as two CTEs for the very statement that does the read, when that
 * statement also looks the customer up: `from` names its CTE holding the customer's `id` (no row
 * there: nothing is appended). Same chain, sequence, content and hash as audit(); the read and its
 * audit row are one statement, so one round trip and nothing to roll back between them.
 * @example sql`WITH cu AS (SELECT id FROM customer WHERE …), ${auditReadCtes(actor, entry, 'cu')} SELECT … FROM cu …`
 */
export function auditReadCtes(actor: Actor, entry: Omit<AuditEntry, 'customerId'>, from: string) {
  const at = new Date();
  const entityId = entry.entityId == null ? null : String(entry.entityId);
  const changes = entry.changes ?? null;
  // contentOf's canonical array, split around the two values only SQL knows (sequence, customer id).
  const before = [at, actor.userId, actor.username, entry.action, entry.entity, entityId].map(canonical).join(',');
  const after = `${[entry.fields ?? [], changes, actor.ip].map(canonical).join(',')}]`;
  const cu = sql.table(from);
  return sql`audit_head AS (
      UPDATE audit_chain_head SET last_seq = last_seq + 1, prev_hash = last_hash,
        last_hash = sha256(last_hash || convert_to('[' || chain || ',' || (last_seq + 1) || ',' || ${before}::text || ',' || (SELECT id FROM ${cu}) || ',' || ${after}::text, 'UTF8'))
      WHERE chain = (txid_current() % ${AUDIT_CHAINS})::int AND EXISTS (SELECT 1 FROM ${cu})
      RETURNING chain, last_seq, prev_hash, last_hash
    ), audit_row AS (
      INSERT INTO audit_log (chain, seq, at, actor_id, actor_name, action, entity, entity_id, customer_id, fields, changes, ip, prev_hash, hash)
      SELECT chain, last_seq, ${at}, ${actor.userId}, ${actor.username}, ${entry.action}, ${entry.entity}, ${entityId},
             (SELECT id FROM ${cu}), ${entry.fields ?? []}, ${changes === null ? null : JSON.stringify(changes)}::jsonb, ${actor.ip}, prev_hash, last_hash
      FROM audit_head
    )`;
}

/** Field-level before/after of the keys present in `after`; undefined when nothing changed. */
export function diff(before: Record<string, unknown>, after: Record<string, unknown>): { fields: string[]; changes: Record<string, { from: unknown; to: unknown }> } | undefined {
  const changes: Record<string, { from: unknown; to: unknown }> = {};
  for (const [k, to] of Object.entries(after)) {
    if (to === undefined) continue;
    const from = before[k] ?? null;
    if (canonical(from) !== canonical(to ?? null)) changes[k] = { from, to: to ?? null };
  }
  const fields = Object.keys(changes);
  return fields.length ? { fields, changes } : undefined;
}

export type VerifyResult = {
  ok: boolean;
  /** Audit rows checked. */
  checked: number;
  /** What is wrong, each with where (chain, seq, id); at most MAX_PROBLEMS, then a line saying how many more. */
  problems: string[];
  /** Anchors checked (keyed checkpoints, platform/audit-anchor.ts), when a key was given. */
  anchors?: AnchorCheck;
  /** The anchor written from the very snapshot verified (options.anchor), when the log was intact. */
  anchorWrite?: AnchorWrite;
};

export type VerifyOptions = {
  anchorKey?: Buffer;
  home?: string;
  /** With anchorKey: an intact log is anchored at this time, from the snapshot just verified (the rows checked, no newer). */
  anchorAt?: Date;
  /** Rows read per statement (default 5000). */
  pageSize?: number;
};

const MAX_PROBLEMS = 1000;

/** The hash a chain starts from (its seq 1 row's prev_hash). */
export const genesisHash = (chain: number) => createHash('sha256').update(`banyan-audit-genesis-${chain}`).digest();

/**
 * Walks every row of audit_log in (chain, seq) order, a few thousand at a time, and recomputes every hash: an edited,
 * removed or inserted row shows, as do rows of a chain that cannot exist (outside 0..AUDIT_CHAINS-1, or without a
 * head), gaps in a chain, a missing head and a head that does not match its chain's last row. With `anchorKey`, also
 * the anchors (verifyAnchors): a chain deleted, or cut back with its head, since an anchor was written shows.
 */
export async function verifyAudit(
  db: Kysely<Database>,
  onProgress?: (checked: number) => void | Promise<void>,
  options: VerifyOptions = {},
): Promise<VerifyResult> {
  // Heads, rows and anchors read from one snapshot: rows audited while the walk runs (it takes minutes on a big log)
  // are neither seen nor expected, so a busy server's log verifies intact; the anchor then covers what was verified.
  let result: VerifyResult | undefined;
  try {
    await db.transaction().setIsolationLevel('repeatable read').execute(async (trx) => {
      result = await verifyIn(trx, onProgress, options);
      if (result.ok && options.anchorKey && options.anchorAt) result.anchorWrite = await writeAnchorIn(trx, options.anchorKey, options.anchorAt);
    });
  } catch (err) {
    // Another process (the server's anchor job) wrote an anchor after this snapshot: that one stands, none written now.
    const code = (err as { code?: string }).code;
    if (!result?.ok || result.anchorWrite || (code !== '40001' && code !== '23505')) throw err;
    result.anchorWrite = { written: false, id: null, problems: [] };
  }
  const w = result!.anchorWrite;
  if (w?.written && options.home) await noteAnchor(db, options.home, w.id!);
  return result!;
}

async function verifyIn(db: Kysely<Database>, onProgress: ((checked: number) => void | Promise<void>) | undefined, options: VerifyOptions): Promise<VerifyResult> {
  const problems: string[] = [];
  let more = 0;
  const report = (p: string) => (problems.length < MAX_PROBLEMS ? problems.push(p) : more++);
  let checked = 0;
  // One row per chain (AUDIT_CHAINS of them, unless rows were forged).
  const heads = new Map((await db.selectFrom('audit_chain_head').selectAll().execute()).map((h) => [h.chain, h]));
  for (const chain of heads.keys()) if (!Number.isInteger(chain) || chain < 0 || chain >= AUDIT_CHAINS) report(`chain ${chain}: a head of a chain outside 0..${AUDIT_CHAINS - 1}`);
  for (let c = 0; c < AUDIT_CHAINS; c++) if (!heads.has(c)) report(`chain ${c}: its head is missing (deleted)`);

  type Walk = { chain: number; prev: Buffer; expectSeq: number; lastSeq: number; lastPrev: Buffer | null; lastId: number | null };
  const seen = new Set<number>();
  const finish = (w: Walk) => {
    seen.add(w.chain);
    const head = heads.get(w.chain);
    if (!head) return;
    const last = w.lastSeq > 0 ? `the chain's last row (seq ${w.lastSeq}, id ${w.lastId})` : 'the chain, which has no rows';
    if (w.lastSeq !== Number(head.last_seq)) report(`chain ${w.chain}: head says seq ${head.last_seq}, ${last} does not`);
    else if (!w.prev.equals(head.last_hash)) report(`chain ${w.chain}: head hash does not match ${last}`);
    else if (w.lastSeq > 0 && head.prev_hash && w.lastPrev && !head.prev_hash.equals(w.lastPrev)) report(`chain ${w.chain}: head's prev_hash does not match ${last}`);
  };
  let walk: Walk | undefined;
  let cursor: { chain: number; seq: number; id: number } | undefined;
  for (;;) {
    let q = db
      .selectFrom('audit_log')
      .select(['id', 'chain', 'seq', 'at', 'actor_id', 'actor_name', 'action', 'entity', 'entity_id', 'customer_id', 'fields', 'changes', 'ip', 'prev_hash', 'hash']);
    // Keyset over (chain, seq, id): the (chain, seq) index serves it; id keeps duplicates apart should the index be gone.
    if (cursor) q = q.where(sql<boolean>`(chain, seq, id) > (${cursor.chain}, ${cursor.seq}, ${cursor.id})`);
    const rows = await q.orderBy('chain').orderBy('seq').orderBy('id').limit(options.pageSize ?? 5000).execute();
    if (!rows.length) break;
    for (const r of rows) {
      const seq = Number(r.seq);
      const at = `chain ${r.chain} seq ${seq} (id ${r.id})`;
      if (!walk || walk.chain !== r.chain) {
        if (walk) finish(walk);
        walk = { chain: r.chain, prev: genesisHash(r.chain), expectSeq: 1, lastSeq: 0, lastPrev: null, lastId: null };
        if (r.chain < 0 || r.chain >= AUDIT_CHAINS) report(`${at}: a row of a chain outside 0..${AUDIT_CHAINS - 1} — forged`);
        else if (!heads.has(r.chain)) report(`${at}: a row of a chain without a head`);
      }
      if (seq < walk.expectSeq) report(`${at}: seq repeated or out of order (expected ${walk.expectSeq})`);
      else if (seq !== walk.expectSeq) report(`chain ${r.chain} seq ${walk.expectSeq}..${seq - 1}: rows missing (before id ${r.id})`);
      if (!r.prev_hash.equals(walk.prev)) report(`${at}: link to the previous row is broken`);
      const hash = createHash('sha256').update(r.prev_hash).update(contentOf({ ...r, seq, changes: r.changes ?? null } as Hashed)).digest();
      if (!hash.equals(r.hash)) report(`${at}: content does not match its hash`);
      walk.prev = r.hash;
      walk.lastPrev = r.prev_hash;
      walk.expectSeq = seq + 1;
      walk.lastSeq = seq;
      walk.lastId = Number(r.id);
      checked++;
    }
    const lastRow = rows[rows.length - 1]!;
    cursor = { chain: lastRow.chain, seq: Number(lastRow.seq), id: Number(lastRow.id) };
    await onProgress?.(checked);
  }
  if (walk) finish(walk);
  // Chains without a single row: their head must still be at the start.
  for (const chain of heads.keys()) if (!seen.has(chain)) finish({ chain, prev: genesisHash(chain), expectSeq: 1, lastSeq: 0, lastPrev: null, lastId: null });

  let anchors: AnchorCheck | undefined;
  if (options.anchorKey) {
    anchors = await verifyAnchors(db, options.anchorKey, options.home);
    for (const p of anchors.problems) report(p);
  }
  if (more) problems.push(`… and ${more} more`);
  return { ok: problems.length === 0, checked, problems, ...(anchors ? { anchors } : {}) };
}
