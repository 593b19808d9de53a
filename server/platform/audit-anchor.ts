import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/database.ts';
import { StartupError } from '../config.ts';
import { ensureDir, homeError } from '../db/embedded.ts';
import type { JobSpec } from './jobs.ts';
import { AUDIT_CHAINS, genesisHash } from './audit.ts';

/**
 * Keyed checkpoints of the audit log. The hash chains show an edited or inserted row, but whoever can rewrite the
 * database can also delete a whole chain, or a chain's newest rows and roll its head back, and leave chains that
 * verify. An anchor records every chain's (seq, hash) at one moment with an HMAC whose key is a file under
 * BANYAN_HOME (`audit-key`), which the database cannot read: verify then finds each anchored row still there, or
 * reports it; an anchor cannot be forged or edited without the key. Anchors chain (id, prev_mac), and the host that
 * writes one notes its id and MAC in `BANYAN_HOME/audit-anchor`, so deleting the newest anchors shows too (on that host).
 */

export const AUDIT_KEY_FILE = 'audit-key';
export const LAST_ANCHOR_FILE = 'audit-anchor';

/**
 * The anchor key of this installation: `<home>/audit-key` (32 random bytes, hex, mode 0600), created on first use —
 * unless `create` is false (anchors exist, so a key was made before: this BANYAN_HOME is not where it is).
 */
export function auditKey(home: string, { create = true } = {}): Buffer {
  const file = path.join(home, AUDIT_KEY_FILE);
  if (!create && !fs.existsSync(file)) {
    // A BANYAN_HOME that cannot be used at all is said as such (the key's absence would be the lesser news).
    ensureDir(home, home);
    throw new StartupError(`The audit anchors' key was not found at ${file}: the anchors were signed with a key kept under the BANYAN_HOME of the host that wrote them; set BANYAN_HOME to that folder (with a new key no anchor would verify)`
      + `（未在 ${file} 找到审计锚点密钥：请把 BANYAN_HOME 设为保存该密钥的目录）`);
  }
  if (!fs.existsSync(file)) ensureDir(home, home);
  try {
    fs.writeFileSync(file, `${randomBytes(32).toString('hex')}\n`, { flag: 'wx', mode: 0o600 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw homeError(home, err);
  }
  const text = fs.readFileSync(file, 'utf8').trim();
  if (!/^[0-9a-f]{64}$/.test(text)) throw new StartupError(`${file} is not an audit key (64 hex digits expected)（${file} 不是审计密钥）`);
  return Buffer.from(text, 'hex');
}

type AnchorRow = { id: string; at: Date; seqs: string[]; hashes: Buffer[]; prev_mac: Buffer | null; mac: Buffer };

function macOf(key: Buffer, a: { id: string | number; at: Date; seqs: (string | number)[]; hashes: Buffer[]; prev_mac: Buffer | null }): Buffer {
  const h = createHmac('sha256', key).update(`banyan-audit-anchor-v1|${a.id}|${a.at.toISOString()}|${a.seqs.length}|`);
  h.update(a.prev_mac ?? Buffer.alloc(0));
  for (let c = 0; c < a.seqs.length; c++) {
    const seq = Buffer.alloc(8);
    seq.writeBigInt64BE(BigInt(a.seqs[c]!));
    h.update(seq).update(a.hashes[c] ?? Buffer.alloc(0));
  }
  return h.digest();
}

const macValid = (key: Buffer, a: AnchorRow) => {
  const want = macOf(key, a);
  return want.length === a.mac.length && timingSafeEqual(want, a.mac);
};

const short = (b: Buffer | null | undefined) => (b ? b.toString('hex').slice(0, 16) : 'none');

/** Anchored rows of one anchor that the log no longer holds as anchored (deleted, rolled back, rewritten). */
async function missingPoints(db: Kysely<Database>, anchorId: string) {
  return (await sql<{ chain: number; seq: string; hash: Buffer; id: string | null; found: Buffer | null }>`
    SELECT (p.ord - 1)::int AS chain, p.seq, p.hash, l.id, l.hash AS found
    FROM audit_anchor a CROSS JOIN LATERAL unnest(a.seqs, a.hashes) WITH ORDINALITY AS p(seq, hash, ord)
    LEFT JOIN audit_log l ON l.chain = (p.ord - 1)::int AND l.seq = p.seq
    WHERE a.id = ${anchorId} AND p.seq > 0 AND l.hash IS DISTINCT FROM p.hash
    ORDER BY p.ord`.execute(db)).rows;
}

const describeMissing = (anchor: { id: string; at: Date }, m: { chain: number; seq: string; hash: Buffer; id: string | null; found: Buffer | null }) =>
  m.id === null
    ? `chain ${m.chain} seq ${m.seq}: anchor ${anchor.id} (${anchor.at.toISOString()}) holds this row (hash ${short(m.hash)}…), the log has no such row — deleted, or the chain rolled back`
    : `chain ${m.chain} seq ${m.seq} (id ${m.id}): anchor ${anchor.id} (${anchor.at.toISOString()}) holds hash ${short(m.hash)}…, the row has ${short(m.found)}… — rows replaced`;

export type AnchorWrite = { written: boolean; id: number | null; problems: string[] };

/**
 * Writes an anchor of every chain's current (seq, hash), unless nothing was appended since the last one. Refuses
 * (problems, nothing written) when the newest anchor's MAC is wrong or its rows are gone, or a head does not match
 * its chain's row: a new anchor must never bless a log that was cut back. Idempotent; one writer at a time.
 */
/** Whether any anchor was ever written: then a key was made before, and a missing one is this BANYAN_HOME's fault. */
export async function hasAnchors(db: Kysely<Database>): Promise<boolean> {
  return (await sql`SELECT 1 FROM audit_anchor LIMIT 1`.execute(db)).rows.length > 0;
}

export async function writeAuditAnchor(db: Kysely<Database>, key: Buffer, now = new Date(), home?: string): Promise<AnchorWrite> {
  const result = await db.transaction().execute((trx) => writeAnchorIn(trx, key, now));
  if (result.written && home) await noteAnchor(db, home, result.id!);
  return result;
}

/**
 * writeAuditAnchor inside the caller's transaction: `banyan audit verify` anchors from the repeatable-read snapshot it
 * verified. (An anchor another process committed after that snapshot makes the insert fail: 40001 or 23505.)
 */
export async function writeAnchorIn(trx: Kysely<Database>, key: Buffer, now = new Date()): Promise<AnchorWrite> {
  await sql`SELECT pg_advisory_xact_lock(hashtext('banyan.audit_anchor'))`.execute(trx);
  const last = (await sql<AnchorRow>`SELECT id, at, seqs, hashes, prev_mac, mac FROM audit_anchor ORDER BY id DESC LIMIT 1`.execute(trx)).rows[0];
  const problems: string[] = [];
  if (last && !macValid(key, last)) problems.push(`anchor ${last.id} (${last.at.toISOString()}): its MAC does not verify with this key — forged or altered`);
  if (last) for (const m of await missingPoints(trx, last.id)) problems.push(describeMissing(last, m));
  // One statement, one snapshot: each head with the row it names.
  const heads = (await sql<{ chain: number; last_seq: string; last_hash: Buffer; found: Buffer | null }>`
    SELECT h.chain, h.last_seq, h.last_hash, l.hash AS found
    FROM generate_series(0, ${AUDIT_CHAINS - 1}) g(chain)
    LEFT JOIN audit_chain_head h ON h.chain = g.chain
    LEFT JOIN audit_log l ON l.chain = h.chain AND l.seq = h.last_seq
    ORDER BY g.chain`.execute(trx)).rows;
  const seqs: string[] = [];
  const hashes: Buffer[] = [];
  heads.forEach((h, c) => {
    if (h.chain === null) return void problems.push(`chain ${c}: no head`);
    const seq = Number(h.last_seq);
    if (seq > 0 ? !h.found?.equals(h.last_hash) : !h.last_hash.equals(genesisHash(c))) problems.push(`chain ${c}: head (seq ${seq}) does not match its chain`);
    if (last && seq < Number(last.seqs[c] ?? 0)) problems.push(`chain ${c}: head at seq ${seq}, behind anchor ${last.id} (seq ${last.seqs[c]})`);
    seqs.push(String(seq));
    hashes.push(h.last_hash);
  });
  if (problems.length) return { written: false, id: null, problems };
  if (last && last.seqs.length === seqs.length && last.seqs.every((s, c) => String(s) === seqs[c])) return { written: false, id: Number(last.id), problems };
  const anchor = { id: String(last ? Number(last.id) + 1 : 1), at: now, seqs, hashes, prev_mac: last?.mac ?? null };
  const mac = macOf(key, anchor);
  await sql`INSERT INTO audit_anchor (id, at, seqs, hashes, prev_mac, mac)
    VALUES (${anchor.id}, ${now}, ${seqs}::bigint[], ${hashes}::bytea[], ${anchor.prev_mac}, ${mac})`.execute(trx);
  return { written: true, id: Number(anchor.id), problems };
}

/** Notes the anchor just written in BANYAN_HOME (verifyAnchors then finds the newest ones deleted). */
export async function noteAnchor(db: Kysely<Database>, home: string, id: number): Promise<void> {
  noteLastAnchor(home, id, await anchorMac(db, id));
}

async function anchorMac(db: Kysely<Database>, id: number): Promise<Buffer> {
  return (await sql<{ mac: Buffer }>`SELECT mac FROM audit_anchor WHERE id = ${id}`.execute(db)).rows[0]!.mac;
}

function noteLastAnchor(home: string, id: number, mac: Buffer) {
  const file = path.join(home, LAST_ANCHOR_FILE);
  const prev = readLastAnchor(home);
  if (prev && prev.id >= id) return;
  fs.writeFileSync(`${file}.tmp`, `${JSON.stringify({ id, mac: mac.toString('hex') })}\n`, { mode: 0o600 });
  fs.renameSync(`${file}.tmp`, file);
}

function readLastAnchor(home: string): { id: number; mac: string } | null {
  try {
    const v = JSON.parse(fs.readFileSync(path.join(home, LAST_ANCHOR_FILE), 'utf8'));
    return Number.isInteger(v?.id) && typeof v?.mac === 'string' ? v : null;
  } catch {
    return null;
  }
}

export type AnchorCheck = { anchors: number; newest: { id: number; at: Date } | null; problems: string[] };

/**
 * Checks every anchor's MAC and link to the one before, that no chain went backwards from one anchor to the next,
 * and that the log still holds every row the newest anchor names (each anchor was written only once its
 * predecessor's rows were found, so the newest stands for all). Streams the anchors; memory stays bounded.
 */
export async function verifyAnchors(db: Kysely<Database>, key: Buffer, home?: string): Promise<AnchorCheck> {
  const problems: string[] = [];
  let prev: AnchorRow | undefined;
  let anchors = 0;
  let after = '0';
  for (;;) {
    const rows = (await sql<AnchorRow>`SELECT id, at, seqs, hashes, prev_mac, mac FROM audit_anchor WHERE id > ${after} ORDER BY id LIMIT 500`.execute(db)).rows;
    if (!rows.length) break;
    for (const a of rows) {
      anchors++;
      const where = `anchor ${a.id} (${a.at.toISOString()})`;
      if (!macValid(key, a)) problems.push(`${where}: its MAC does not verify with the key — forged or altered (or ${AUDIT_KEY_FILE} is not this installation's key)`);
      if (prev) {
        if (Number(a.id) !== Number(prev.id) + 1) problems.push(`anchors ${Number(prev.id) + 1}..${Number(a.id) - 1} are missing`);
        if (!a.prev_mac?.equals(prev.mac)) problems.push(`${where}: does not link to anchor ${prev.id}`);
        for (let c = 0; c < Math.min(a.seqs.length, prev.seqs.length); c++) {
          const s = Number(a.seqs[c]);
          const p = Number(prev.seqs[c]);
          if (s < p || (s === p && !a.hashes[c]!.equals(prev.hashes[c]!))) problems.push(`chain ${c}: ${where} has seq ${s} (hash ${short(a.hashes[c])}…), anchor ${prev.id} had seq ${p} (hash ${short(prev.hashes[c])}…)`);
        }
      } else if (Number(a.id) !== 1 || a.prev_mac) problems.push(`anchors 1..${Number(a.id) - 1} are missing`);
      prev = a;
    }
    after = prev!.id;
  }
  if (prev) for (const m of await missingPoints(db, prev.id)) problems.push(describeMissing(prev, m));
  const noted = home ? readLastAnchor(home) : null;
  if (noted) {
    const at = path.join(home!, LAST_ANCHOR_FILE);
    const held = (await sql<{ mac: Buffer }>`SELECT mac FROM audit_anchor WHERE id = ${noted.id}`.execute(db)).rows[0];
    if (!held) problems.push(`anchor ${noted.id}, written from this host (${at}), is missing — the newest anchors were deleted`);
    else if (held.mac.toString('hex') !== noted.mac) problems.push(`anchor ${noted.id} is not the one written from this host (${at}) — replaced`);
  }
  return { anchors, newest: prev ? { id: Number(prev.id), at: prev.at } : null, problems };
}

/** Every 5 minutes, an anchor of the audit log (signed with the key under BANYAN_HOME); refusals reach the server log. */
export function auditAnchorJob(home: () => string, log: (m: string) => void = (m) => console.log(`[banyan] ${m}`)): JobSpec {
  return {
    name: 'audit.anchor',
    cron: '*/5 * * * *',
    runAtStart: true,
    run: async (db, now) => {
      const h = home();
      const r = await writeAuditAnchor(db, auditKey(h), now, h);
      if (r.problems.length) log(`audit: no anchor written, the audit log looks tampered — run banyan audit verify:\n  ${r.problems.slice(0, 20).join('\n  ')}`);
      return r;
    },
  };
}
