/**
 * Sweeps over the whole API, for tests that hold every route to a rule (bad input, data scope, masking, audit): the
 * routes as the OpenAPI document lists them, a plausible body for a schema, a signed-in session without the login
 * route, and a count of the rows written.
 */
import { sql } from 'kysely';
import type { FastifyInstance } from 'fastify';
import { newToken, sha256 } from '../platform/auth.ts';
import type { TestContext } from './context.ts';

export type Operation = { method: string; path: string; params: string[]; query: string[]; hasBody: boolean };

function operationsOf(spec: { paths: Record<string, Record<string, { parameters?: { in: string; name: string }[]; requestBody?: unknown }>> }): Operation[] {
  const out: Operation[] = [];
  for (const [path, methods] of Object.entries(spec.paths)) {
    for (const [method, op] of Object.entries(methods)) {
      const params = (op.parameters ?? []).filter((p) => p.in === 'path').map((p) => p.name);
      const query = (op.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name);
      out.push({ method: method.toUpperCase(), path, params, query, hasBody: !!op.requestBody || ['POST', 'PUT', 'PATCH'].includes(method.toUpperCase()) });
    }
  }
  return out;
}

export type Schema = { type?: string | string[]; enum?: unknown[]; const?: unknown; format?: string; minLength?: number; minimum?: number; minItems?: number;
  properties?: Record<string, Schema>; required?: string[]; items?: Schema; anyOf?: Schema[]; oneOf?: Schema[] };

/**
 * A plausible value for a schema (required properties only), so a request gets past validation to its handler;
 * `hints` gives the value of a property by name wherever it appears (ids of the fixtures' org units and users).
 */
export function sample(s: Schema | undefined, hints: Record<string, unknown> = {}, depth = 0): unknown {
  if (!s || depth > 6) return null;
  if (s.const !== undefined) return s.const;
  if (s.enum?.length) return s.enum.find((v) => v !== null) ?? null;
  if (s.anyOf ?? s.oneOf) return sample((s.anyOf ?? s.oneOf)!.find((x) => x.type !== 'null'), hints, depth + 1);
  const type = Array.isArray(s.type) ? s.type.find((t) => t !== 'null') : s.type;
  switch (type) {
    case 'string':
      // Times ahead (reminders must be), dates behind (births must be).
      return s.format === 'date' ? '2026-01-02' : s.format === 'date-time' ? '2030-01-02T03:04:05Z' : s.format === 'email' ? 'a@example.com' : 'x'.repeat(Math.max(1, s.minLength ?? 1));
    case 'integer':
    case 'number':
      return s.minimum !== undefined && s.minimum > 1 ? s.minimum : 1;
    case 'boolean':
      return false;
    case 'array':
      return s.minItems ? Array.from({ length: s.minItems }, () => sample(s.items, hints, depth + 1)) : [];
    case 'object':
      return Object.fromEntries((s.required ?? []).map((k) => [k, k in hints ? hints[k] : sample(s.properties?.[k], hints, depth + 1)]));
    default:
      return null;
  }
}

/** Hints for sample(): the small bank's org units, users and customers under the names the API gives them. */
export function bankHints(bank: { orgs: Record<string, number>; users: Record<string, number>; customers: Record<string, string> }): Record<string, unknown> {
  const cm = bank.users.cm_a;
  return {
    orgId: bank.orgs.subA, parentId: bank.orgs.branchA, managerId: cm, ownerId: cm, assigneeId: cm, userId: cm, toManagerId: bank.users.cm_a2,
    relatedCustomerNo: bank.customers.company, otherCustomerNo: bank.customers.wangFang, personCustomerNo: bank.customers.zhangWei, typeCode: 'personal_resident',
    customerNos: [bank.customers.zhangWei], toManagerIds: [bank.users.cm_a2], userIds: [cm], productCode: 'WM_STABLE',
  };
}

/** The body schema of an operation, if it takes JSON. */
export const bodySchema = (spec: any, op: Operation): Schema | undefined => spec.paths[op.path]?.[op.method.toLowerCase()]?.requestBody?.content?.['application/json']?.schema;

/** A session written straight into the table: the sweep itself trips the login route's rate limit. */
export async function sessionCookie(ctx: TestContext, userId: number) {
  const token = newToken();
  await sql`INSERT INTO session (id_hash, user_id, expires_at) VALUES (${sha256(token)}, ${userId}, now() + interval '1 hour')`.execute(ctx.db);
  return `banyan_session=${token}`;
}

export const fill = (path: string, value: string) => path.replace(/\{[^}]+\}/g, encodeURIComponent(value));

/** zhangWei's ID number, mobile and address line as seedSmallBank stores them: in an answer, they are shown in clear. */
export const CLEAR_PERSONAL_DATA = ['11010519491231002X', '13812345678', '金融大街 1 号'];

/** A GET of an operation about a customer: its number in the path or the query, and its name as the search where taken. */
export function customerGetUrl(op: Operation, customerNo: string, name: string): string {
  const query = [op.query.includes('customerNo') ? `customerNo=${customerNo}` : '', op.query.includes('q') ? `q=${encodeURIComponent(name)}` : ''].filter(Boolean).join('&');
  return `${fill(op.path.replace('{customerNo}', customerNo), '1')}${query ? `?${query}` : ''}`;
}

/** Every route the OpenAPI document lists (the app's own; none hidden from it), and the document. */
export function documentedOperations(app: FastifyInstance): { spec: any; ops: Operation[] } {
  const spec = (app as unknown as { swagger: () => any }).swagger();
  return { spec, ops: operationsOf(spec) };
}

/**
 * Counts every row inserted, changed or deleted in any table but the audit log's and the sessions' (a trigger on
 * each, in this test database only); rowsWritten reads the count. A row rewritten with its own values is no change.
 */
export async function installWriteCounter(ctx: TestContext) {
  await sql`CREATE TABLE test_writes (n bigint NOT NULL); INSERT INTO test_writes VALUES (0);
CREATE FUNCTION test_count_write() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
  -- A row rewritten with the values it had (an upsert of the same settings) changed nothing.
  IF TG_OP = 'UPDATE' AND (to_jsonb(NEW) - 'updated_at') = (to_jsonb(OLD) - 'updated_at') THEN RETURN NULL; END IF;
  UPDATE test_writes SET n = n + 1;
  RETURN NULL;
END $$;
DO $$ DECLARE t text; BEGIN
  FOR t IN SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename NOT IN ('audit_log', 'audit_chain_head', 'session', 'test_writes') LOOP
    EXECUTE format('CREATE TRIGGER test_count_write AFTER INSERT OR UPDATE OR DELETE ON %I FOR EACH ROW EXECUTE FUNCTION test_count_write()', t);
  END LOOP;
END $$`.execute(ctx.db);
}

export async function rowsWritten(ctx: TestContext): Promise<number> {
  return Number((await sql<{ n: string }>`SELECT n FROM test_writes`.execute(ctx.db)).rows[0]!.n);
}
