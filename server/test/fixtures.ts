import { sql } from 'kysely';
import { normDate, syntheticRecords } from '../../engines/matching/index.ts';
import type { Db } from '../db/database.ts';
import { SYSTEM_ACTOR } from '../platform/audit.ts';
import { authenticate, type CurrentUser } from '../platform/auth.ts';
import { createOrg, createUser } from '../modules/admin/admin.service.ts';
import { getHeadOffice, insertHeadOffice } from '../modules/admin/admin.repository.ts';
import * as customers from '../modules/customers/customers.service.ts';
import type { CustomerInput } from '../modules/customers/customers.schemas.ts';
import type { FastifyRequest } from 'fastify';

export const PASSWORD = 'Passw0rd-test';

/**
 * A small bank for API tests: head office → branches A and B → one sub-branch each; a user for
 * every role; a few customers owned by `cm_a` (sub-branch A1) and `cm_b` (sub-branch B1).
 */
export async function seedSmallBank(db: Db) {
  const hq = (await getHeadOffice(db))?.id ?? (await db.transaction().execute((trx) => insertHeadOffice(trx)));
  const org = async (parentId: number, code: string, name: string, kind: 'branch' | 'subbranch') => (await createOrg(db, SYSTEM_ACTOR, { parentId, code, name, nameEn: code, kind })).id;
  const branchA = await org(hq, 'BJ', '北京分行', 'branch');
  const branchB = await org(hq, 'SH', '上海分行', 'branch');
  const subA = await org(branchA, 'BJ01', '北京海淀支行', 'subbranch');
  const subB = await org(branchB, 'SH01', '上海浦东支行', 'subbranch');
  const users: Record<string, number> = {};
  for (const [username, roleCode, orgId] of [
    ['admin', 'admin', hq], ['hq', 'head_manager', hq], ['bm_a', 'branch_manager', branchA], ['cm_a', 'customer_manager', subA],
    ['cm_a2', 'customer_manager', subA], ['cm_b', 'customer_manager', subB], ['agent', 'service_agent', hq], ['auditor', 'auditor', hq],
  ] as const) {
    users[username] = (await createUser(db, SYSTEM_ACTOR, { username, displayName: username, password: PASSWORD, orgId, roleCode })).id;
  }
  const as = async (username: string) => (await authenticateAs(db, users[username]))!;
  const make = async (username: string, input: CustomerInput) => (await customers.create(db, await as(username), { userId: users[username], username, ip: null }, input)).customerNo;
  const zhangWei = await make('cm_a', {
    typeCode: 'personal_resident', name: '张伟', status: 'active',
    identities: [{ idType: 'resident_id', idNo: '11010519491231002X' }],
    contacts: [{ kind: 'mobile', value: '138 1234 5678', isPrimary: true }, { kind: 'email', value: 'zhangwei@example.com' }],
    addresses: [{ kind: 'home', province: '北京市', city: '北京市', district: '西城区', line: '金融大街 1 号' }],
  });
  const wangFang = await make('cm_b', {
    typeCode: 'personal_resident', name: '王芳', status: 'active',
    identities: [{ idType: 'resident_id', idNo: '440524188001010014' }],
    contacts: [{ kind: 'mobile', value: '+86 139 0000 1111' }],
  });
  const company = await make('cm_a', {
    typeCode: 'corporate_sme', name: '北京榕树科技有限公司', status: 'active',
    identities: [{ idType: 'uscc', idNo: '91350100M000100Y43' }], attributes: { sme_size: 'small' },
  });
  return { orgs: { hq, branchA, branchB, subA, subB }, users, customers: { zhangWei, wangFang, company }, as };
}

/** The CurrentUser a session of `userId` would resolve to. */
export async function authenticateAs(db: Db, userId: number): Promise<CurrentUser | null> {
  const { newToken, sha256 } = await import('../platform/auth.ts');
  const token = newToken();
  await sql`INSERT INTO session (id_hash, user_id, expires_at) VALUES (${sha256(token)}, ${userId}, now() + interval '1 hour')`.execute(db);
  return authenticate(db, { headers: {}, cookies: { banyan_session: token } } as unknown as FastifyRequest, 60);
}

const SOURCES = ['core_savings', 'credit_card', 'personal_loan', 'wealth', 'corporate_core', 'corporate_loan', 'settlement'];
/** Synthetic records like data/er/cn-dev, inserted pending in one statement per 5,000; returns each record's entity. */
export async function loadSyntheticRecords(db: Db, n: number, seed: number): Promise<Map<string, string>> {
  await sql`INSERT INTO source_system (code, name, name_en) SELECT c, c, c FROM unnest(${SOURCES}::text[]) c ON CONFLICT (code) DO NOTHING`.execute(db);
  const recs = syntheticRecords(n, seed);
  for (let i = 0; i < recs.length; i += 5_000) {
    const rows = recs.slice(i, i + 5_000).map((r) => {
      const birth = r.birthDate ? normDate(r.birthDate) : '';
      return {
        ...r, record_key: r.id, id_type: r.idType || null, id_no: r.idNo || null, legal_rep: r.legalRep || null,
        birth_date: /^\d{4}-\d{2}-\d{2}$/.test(birth) && birth >= '1900' && new Date(birth).toISOString().startsWith(birth) ? birth : null,
        gender: r.gender === 'M' || r.gender === 'F' ? r.gender : null,
      };
    });
    await sql`INSERT INTO source_record (source_code, record_key, kind, name, id_type, id_no, mobile, email, birth_date, gender, address, employer, legal_rep, content_hash, source_updated_at)
      SELECT source, record_key, kind, nullif(name, ''), id_type, id_no, nullif(mobile, ''), nullif(email, ''), birth_date, gender, nullif(address, ''), nullif(employer, ''), legal_rep,
        sha256(convert_to(record_key, 'UTF8')), '2026-11-01T00:00:00Z'
      FROM json_to_recordset(${JSON.stringify(rows)}::json) AS x(source text, record_key text, kind text, name text, id_type text, id_no text, mobile text, email text,
        birth_date date, gender text, address text, employer text, legal_rep text)`.execute(db);
  }
  return new Map(recs.map((r) => [r.id, r.entity]));
}
