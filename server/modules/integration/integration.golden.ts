import type { Db, IdType } from '../../db/database.ts';
import { nameGrams, namePinyin } from '../../../engines/identity/index.ts';
import { audit, diff, SYSTEM_ACTOR, type Actor } from '../../platform/audit.ts';
import * as repo from './integration.repository.ts';
import { goldenRecord, type Chosen, type GoldenField, type SurvivorRecord } from './integration.survivorship.ts';

/** Writes the golden record (survivorship's choice) into the customer data centre, with lineage per field. */

const ID_TYPES: IdType[] = ['resident_id', 'uscc', 'passport', 'hk_macao_permit', 'taiwan_permit', 'foreign_permanent', 'business_license', 'other'];
/** Extract codes the interfaces may pass through unmapped. */
const ID_TYPE_ALIASES: Record<string, IdType> = { ID_CARD: 'resident_id', USCC: 'uscc', PASSPORT: 'passport' };

export function idTypeOf(t: string | null | undefined): IdType {
  if (!t) return 'other';
  if ((ID_TYPES as string[]).includes(t)) return t as IdType;
  return ID_TYPE_ALIASES[t.toUpperCase()] ?? 'other';
}

const SCALAR_COLUMN: Partial<Record<GoldenField, 'name' | 'gender' | 'birth_date' | 'employer' | 'occupation' | 'nationality'>> = {
  name: 'name', gender: 'gender', birth_date: 'birth_date', employer: 'employer', occupation: 'occupation', nationality: 'nationality',
};
const PERSON_ONLY = new Set<GoldenField>(['gender', 'birth_date']);

/**
 * A linked record as survivorship weighs it. An ID number a load kept unverified (it fails its check; the mapping's
 * `invalidIds: 'keep'`) is no value for the golden record: a customer's identity documents are verified ones only — the
 * number a bank reports, screens and checks due diligence against — so it never becomes (or outranks) one. It stays
 * on the source record, marked, for matching and for a data steward to correct at the source.
 */
export function toSurvivor(r: repo.RecordRow): SurvivorRecord {
  const a = (r.attributes ?? {}) as Record<string, unknown>;
  const s = (v: unknown) => (v == null || v === '' ? null : String(v));
  const verified = r.id_issue == null;
  return {
    id: r.id, sourceCode: r.source_code, fieldTrust: (r.field_trust ?? {}) as Record<string, number>, valueRank: r.value_rank,
    updatedAt: r.source_updated_at ?? r.updated_at, idType: verified ? r.id_type : null,
    values: {
      name: r.name, id_no: verified ? r.id_no : null, mobile: r.mobile, email: r.email, birth_date: r.birth_date, gender: r.gender, address: r.address,
      employer: r.employer ?? s(a.employer), occupation: s(a.occupation), nationality: s(a.nationality), income_fen: s(a.income_fen ?? a.incomeFen), legal_rep: r.legal_rep,
    },
  };
}

/** What one golden-record write changed, so a merge can put it back exactly. */
export type GoldenChange = {
  before: Record<string, unknown>;
  after: Record<string, unknown>;
  created: { table: 'customer_identity' | 'customer_contact' | 'customer_address'; id: number }[];
  primary: { table: 'customer_identity' | 'customer_contact' | 'customer_address'; id: number; from: boolean }[];
  lineageBefore: Awaited<ReturnType<typeof repo.lineageOf>>;
};

type Row = { id: number; value: string; is_primary: boolean };

/**
 * Recomputes and writes the golden record of one customer from all its linked source records. Audited as an
 * update of the customer when a value changes. Returns what changed.
 */
type Lineage = Awaited<ReturnType<typeof repo.lineageOf>>;
type Customer = Awaited<ReturnType<typeof repo.lockCustomers>>[number];

/** The customer's rows of one kind (identities `i`, contacts `c` of a kind, addresses `a`). */
function rowsOf(profile: Awaited<ReturnType<typeof repo.profileRowsOf>>, t: string, kind?: string): Row[] {
  return profile.filter((p) => p.t === t && (!kind || p.kind === kind)).map((p) => ({ id: p.id, value: p.value, is_primary: p.is_primary }));
}
const primaryOf = (rows: Row[]) => rows.find((r) => r.is_primary) ?? rows[0];

/** What the customer holds now per golden field: its columns and its primary identity, mobile, e-mail and address. */
function currentValues(cust: Customer, profile: Awaited<ReturnType<typeof repo.profileRowsOf>>, lineage: Lineage): Partial<Record<GoldenField, string | null>> {
  const prev = new Map(lineage.map((l) => [l.field, l]));
  return {
    name: cust.name, gender: cust.gender, birth_date: cust.birth_date, employer: cust.employer, occupation: cust.occupation, nationality: cust.nationality,
    id_no: primaryOf(rowsOf(profile, 'i'))?.value ?? null, mobile: primaryOf(rowsOf(profile, 'c', 'mobile'))?.value ?? null,
    email: primaryOf(rowsOf(profile, 'c', 'email'))?.value ?? null, address: primaryOf(rowsOf(profile, 'a'))?.value ?? null,
    // Not held on the customer row: only lineage knows them, so they are never "manual".
    income_fen: prev.get('income_fen')?.value ?? null, legal_rep: prev.get('legal_rep')?.value ?? null,
  };
}

const goldenOf = (survivors: SurvivorRecord[], cust: Customer, current: Partial<Record<GoldenField, string | null>>, lineage: Lineage) =>
  goldenRecord(survivors, current, lineage.map((l) => ({ field: l.field, value: l.value, sourceCode: l.source_code })))
    .filter((g) => cust.party === 'person' || !PERSON_ONLY.has(g.field));

export async function applyGolden(trx: Db, actor: Actor, customerId: number): Promise<GoldenChange> {
  const [cust] = await repo.lockCustomers(trx, [customerId]);
  const records = await repo.recordsOfCustomers(trx, [customerId], 200);
  const lineage = await repo.lineageOf(trx, customerId);
  const profile = await repo.profileRowsOf(trx, customerId);
  const idRows = rowsOf(profile, 'i');
  const mobiles = rowsOf(profile, 'c', 'mobile');
  const emails = rowsOf(profile, 'c', 'email');
  const addrs = rowsOf(profile, 'a');
  const current = currentValues(cust, profile, lineage);
  const survivors = records.map(toSurvivor);
  const golden = goldenOf(survivors, cust, current, lineage);
  const change: GoldenChange = { before: {}, after: {}, created: [], primary: [], lineageBefore: lineage };

  // Scalars on the customer row.
  const patch: Record<string, unknown> = {};
  for (const g of golden) {
    const col = SCALAR_COLUMN[g.field];
    if (!col || g.rule === 'manual') continue;
    let v: string | null = g.value;
    if (col === 'gender' && v !== 'M' && v !== 'F') continue;
    if (col === 'birth_date' && !/^\d{4}-\d{2}-\d{2}$/.test(v)) continue;
    if ((cust as Record<string, unknown>)[col] !== v) {
      change.before[col] = (cust as Record<string, unknown>)[col];
      patch[col] = v;
      change.after[col] = v;
      if (col === 'name') {
        v = v.trim();
        const py = namePinyin(v);
        Object.assign(patch, { name: v, name_pinyin: py.full, name_initials: py.initials, name_grams: nameGrams(v) });
        Object.assign(change.before, { name_pinyin: cust.name_pinyin, name_initials: cust.name_initials, name_grams: cust.name_grams });
      }
    }
  }
  if (Object.keys(patch).length) await repo.updateCustomerColumns(trx, customerId, patch);

  // Rows: the golden value becomes (or stays) the primary; a source's best value is kept as a row even when a
  // manager's own value is the primary.
  const byField = new Map(golden.map((g) => [g.field, g]));
  const ensure = async (
    field: GoldenField, rows: Row[], table: GoldenChange['created'][number]['table'], insert: (value: string, primary: boolean) => Promise<number | undefined>,
  ) => {
    const g = byField.get(field);
    const fromSource = g && g.rule !== 'manual' ? g : survivors.length ? pickBest(field, survivors) : null;
    if (!fromSource) return;
    let row = rows.find((r) => r.value === fromSource.value);
    const hasPrimary = rows.some((r) => r.is_primary);
    if (!row) {
      const primary = !hasPrimary && g?.rule !== 'manual';
      const id = await insert(fromSource.value, primary);
      if (id === undefined) return;
      row = { id, value: fromSource.value, is_primary: primary };
      change.created.push({ table, id });
      change.after[field] = fromSource.value;
      rows.push(row);
    }
    if (g && g.rule !== 'manual' && !row.is_primary) {
      for (const r of rows) if (r.is_primary && r.id !== row.id) {
        await repo.setPrimary(trx, table, r.id, false);
        change.primary.push({ table, id: r.id, from: true });
        r.is_primary = false;
      }
      await repo.setPrimary(trx, table, row.id, true);
      change.primary.push({ table, id: row.id, from: false });
      row.is_primary = true;
      change.after[field] = row.value;
    }
  };
  const idRecord = byField.get('id_no')?.recordId;
  const idType = idTypeOf(records.find((r) => r.id === idRecord)?.id_type ?? records.find((r) => r.id_no)?.id_type);
  await ensure('id_no', idRows, 'customer_identity', async (value, primary) => {
    // An identity belongs to one customer bank-wide: held by another, it is a conflict for review, not a row here.
    const owner = await repo.identityOwner(trx, idType, value);
    if (owner !== undefined) return undefined;
    return repo.insertIdentity(trx, { customer_id: customerId, id_type: idType, id_no: value, is_primary: primary });
  });
  await ensure('mobile', mobiles, 'customer_contact', (value, primary) => repo.insertContact(trx, { customer_id: customerId, kind: 'mobile', value, is_primary: primary }));
  await ensure('email', emails, 'customer_contact', (value, primary) => repo.insertContact(trx, { customer_id: customerId, kind: 'email', value, is_primary: primary }));
  await ensure('address', addrs, 'customer_address', (value, primary) =>
    repo.insertAddress(trx, { customer_id: customerId, kind: cust.party === 'person' ? 'mailing' : 'business', line: value, is_primary: primary }));

  // Lineage tells where the customer's values came from: a number the customer does not hold (another customer
  // does) is no value of this customer's, so it has no lineage either; the 360° view and the lineage agree.
  const held = golden.filter((g) => g.field !== 'id_no' || idRows.some((r) => r.value === g.value));
  await repo.replaceLineage(trx, customerId, held.map((g) => ({
    field: g.field, value: g.value, source_code: g.sourceCode, source_record_id: g.recordId, rule: g.rule, trust: g.trust, candidates: g.candidates,
  })));
  const d = diff(change.before, change.after);
  if (d) {
    const sources = Object.fromEntries(golden.filter((g) => d.fields.includes(g.field) || d.fields.includes(SCALAR_COLUMN[g.field] ?? '')).map((g) => [g.field, g.sourceCode]));
    await audit(trx, actor, {
      action: 'update', entity: 'customer', entityId: cust.customer_no, customerId, fields: d.fields.filter((f) => !f.startsWith('name_')),
      changes: { ...Object.fromEntries(Object.entries(d.changes).filter(([k]) => !k.startsWith('name_'))), via: 'survivorship', sources },
    });
  }
  return change;
}

/** Golden fields a manager edits in Banyan: the customer's own columns, its primary identity, mobile, e-mail and address. */
const MANAGER_FIELDS: GoldenField[] = ['name', 'id_no', 'mobile', 'email', 'birth_date', 'gender', 'address', 'employer', 'occupation', 'nationality'];

/**
 * A manager's edit in the lineage at once (I6), not only at the next load: a field whose value is no longer the one
 * survivorship chose is a manager entry (`MANUAL`), as applyGolden would decide; a field set back to the sources'
 * value is theirs again; a field the customer no longer holds loses its row. Values are left as the manager saved
 * them. Customers entered by hand without any source record have no lineage and get none.
 */
export async function noteManagerEdits(trx: Db, customerId: number) {
  const [cust] = await repo.lockCustomers(trx, [customerId]);
  const records = await repo.recordsOfCustomers(trx, [customerId], 200);
  const lineage = await repo.lineageOf(trx, customerId);
  if (!cust || (!records.length && !lineage.length)) return;
  const profile = await repo.profileRowsOf(trx, customerId);
  const current = currentValues(cust, profile, lineage);
  const golden = new Map(goldenOf(records.map(toSurvivor), cust, current, lineage).map((g) => [g.field, g]));
  const prev = new Map(lineage.map((l) => [l.field, l]));
  for (const field of MANAGER_FIELDS) {
    const cur = current[field];
    const p = prev.get(field);
    if (cur == null || cur === '') {
      if (p) await repo.setLineageField(trx, customerId, field, null);
      continue;
    }
    const g = golden.get(field);
    // Survivorship would put another value there (a source's trust changed): that is the recompute's to write.
    if (!g || g.value !== cur) continue;
    if (p && p.value === g.value && p.source_code === g.sourceCode && p.rule === g.rule) continue;
    await repo.setLineageField(trx, customerId, field, { value: g.value, source_code: g.sourceCode, source_record_id: g.recordId, rule: g.rule, trust: g.trust, candidates: g.candidates });
  }
}

/** A source's trust (per field, or value rank) changed, in the same transaction: its customers' golden records are to be recomputed. */
export const sourceTrustChanged = (trx: Db, sourceCode: string) => repo.markSurvivorshipStale(trx, sourceCode);

/**
 * Recomputes the golden records a change of source trust (per field, or value rank) leaves out of date (job
 * `integration.survivorship`): of every source marked stale, each customer holding one of its records whose
 * lineage was chosen before the change, one transaction each, audited as applyGolden does. It works from the
 * database alone — a customer recomputed since the change is done — so a run stopped by its deadline or a restart
 * goes on where it was, and two runs at once do each customer once. The mark is cleared when none is left.
 */
export async function recomputeStaleGolden(db: Db, opts: { batch?: number; deadline?: number; log?: (m: string) => void; signal?: AbortSignal } = {}) {
  const { batch = 500, deadline = Infinity, log, signal } = opts;
  const total = { recomputed: 0, changed: 0, failed: 0, sources: [] as string[] };
  for (const s of await repo.staleSources(db)) {
    const n = { recomputed: 0, changed: 0, failed: 0 };
    let after = 0;
    let told = Date.now();
    const progress = () => `integration: survivorship for ${s.code} (trust changed ${s.since}): records up to no. ${after}, ${n.recomputed} golden records recomputed, ${n.changed} changed`;
    for (;;) {
      if (Date.now() > deadline || signal?.aborted) {
        log?.(`${progress()}; ${signal?.aborted ? 'the server is stopping' : 'time is up'}, the next run goes on`);
        return total;
      }
      const b = await repo.staleCustomersOfSource(db, s.code, s.since, after, batch);
      if (b.last === null) break;
      after = b.last;
      for (const id of b.customerIds) {
        try {
          const change = await db.transaction().execute(async (trx) => {
            await repo.lockCustomers(trx, [id]);
            // Recomputed meanwhile (by another run, or a load of one of its records): done.
            return (await repo.lineageChosenBefore(trx, id, s.since)) ? applyGolden(trx, SYSTEM_ACTOR, id) : null;
          });
          if (!change) continue;
          n.recomputed++;
          if (Object.keys(change.after).length || change.primary.length) n.changed++;
        } catch (err) {
          n.failed++;
          log?.(`integration: survivorship for ${s.code}: customer id ${id} could not be recomputed: ${err instanceof Error ? err.message : String(err)}`);
        }
      }
      if (Date.now() - told > 10_000) {
        log?.(progress());
        told = Date.now();
      }
    }
    total.recomputed += n.recomputed;
    total.changed += n.changed;
    total.failed += n.failed;
    // A customer that failed keeps the mark: the next run tries it again.
    if (n.failed) {
      log?.(`${progress()}; ${n.failed} failed, tried again at the next run`);
      continue;
    }
    await repo.clearSurvivorshipStale(db, s.code, s.since);
    total.sources.push(s.code);
    log?.(`${progress()}; done`);
  }
  return total;
}

function pickBest(field: GoldenField, records: SurvivorRecord[]): Chosen | null {
  return goldenRecord(records, {}, []).find((g) => g.field === field) ?? null;
}

/** Puts back what one golden-record write changed (for unmerge): rows it created, primaries it moved, values it set. */
export async function revertGolden(trx: Db, customerId: number, c: GoldenChange) {
  const [cust] = await repo.lockCustomers(trx, [customerId]);
  for (const table of ['customer_identity', 'customer_contact', 'customer_address'] as const) {
    await repo.deleteRows(trx, table, c.created.filter((x) => x.table === table).map((x) => x.id));
  }
  for (const p of [...c.primary].reverse()) await repo.setPrimary(trx, p.table, p.id, p.from);
  // A value set by the merge is put back unless someone changed it since.
  const patch: Record<string, unknown> = {};
  for (const [col, before] of Object.entries(c.before)) {
    if (col.startsWith('name_')) continue;
    if (col in c.after && (cust as Record<string, unknown>)[col] === c.after[col]) {
      patch[col] = before;
      if (col === 'name') Object.assign(patch, { name_pinyin: c.before.name_pinyin, name_initials: c.before.name_initials, name_grams: c.before.name_grams });
    }
  }
  if (Object.keys(patch).length) await repo.updateCustomerColumns(trx, customerId, patch);
  await repo.replaceLineage(trx, customerId, c.lineageBefore.map((l) => ({
    field: l.field, value: l.value, source_code: l.source_code, source_record_id: l.source_record_id, rule: l.rule, trust: l.trust, candidates: l.candidates,
  })));
}
