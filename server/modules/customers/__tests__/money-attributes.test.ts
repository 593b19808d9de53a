import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, login, type TestContext } from '../../../test/context.ts';
import { PASSWORD, seedSmallBank } from '../../../test/fixtures.ts';
import { up as moneyAttributes } from '../../../db/migrations/0031_money_attributes.ts';

// Registered capital is kept in fen and was asked for in fen ("注册资本(分)") while shown in yuan: 5,000,000 typed for
// ¥5M became ¥50,000. It is a money attribute now: entered and shown in yuan, still stored as integer fen.

let ctx: TestContext;
let cookie: string;

beforeAll(async () => {
  ctx = await createTestContext();
  await seedSmallBank(ctx.db);
  cookie = await login(ctx.app, 'cm_a', PASSWORD);
});
afterAll(() => ctx?.close());

describe('money attributes', () => {
  it('the corporate type offers registered capital as money labelled in yuan, once', async () => {
    const meta = (await ctx.app.inject({ url: '/api/customers/meta', headers: { cookie } })).json();
    const corporate = meta.types.find((t: { code: string }) => t.code === 'corporate');
    const def = corporate.attributeSchema.find((a: { key: string }) => a.key === 'registered_capital_fen');
    expect(def).toEqual({ key: 'registered_capital_fen', label: '注册资本(元)', labelEn: 'Registered capital (CNY)', type: 'money' });
    expect(JSON.stringify(meta.types)).not.toContain('(分)');
  });

  it('¥5,000,000 is saved as 500000000 fen and read back so; a fraction of a fen or a negative amount is refused naming the field', async () => {
    const post = (registered: unknown) => ctx.app.inject({
      method: 'POST', url: '/api/customers', headers: { cookie },
      payload: { typeCode: 'corporate_sme', name: `资本测试${String(registered)}`, attributes: { registered_capital_fen: registered } },
    });
    const ok = await post(500_000_000);
    expect(ok.statusCode, ok.body).toBe(201);
    expect(ok.json().attributes.registered_capital_fen).toBe(500_000_000);
    for (const [bad, rule] of [[12.5, 'money'], [-100, 'min'], ['5000000', 'money']] as const) {
      const res = await post(bad);
      expect(res.statusCode, String(bad)).toBe(400);
      expect(res.json().error.fields).toContainEqual(expect.objectContaining({ field: 'attributes.registered_capital_fen', rule }));
    }
  });

  it('the migration turns fen-labelled integer attributes of any type into money and leaves stored values alone', async () => {
    const schema = [{ key: 'turnover_fen', label: '年营业额（分）', labelEn: 'Turnover (fen)', type: 'integer' }, { key: 'staff_count', label: '员工人数', labelEn: 'Staff', type: 'integer' }];
    await sql`INSERT INTO customer_type (code, parent_id, party, name, name_en, attribute_schema)
      VALUES ('corporate_test', (SELECT id FROM customer_type WHERE code = 'corporate'), 'organization', '测试', 'Test', ${JSON.stringify(schema)}::jsonb)`.execute(ctx.db);
    const held = await ctx.db.selectFrom('customer').select(['id', 'attributes']).where('party', '=', 'organization').execute();
    await moneyAttributes(ctx.db);
    const t = await ctx.db.selectFrom('customer_type').select('attribute_schema').where('code', '=', 'corporate_test').executeTakeFirstOrThrow();
    expect(t.attribute_schema).toEqual([
      { key: 'turnover_fen', label: '年营业额(元)', labelEn: 'Turnover (CNY)', type: 'money' },
      { key: 'staff_count', label: '员工人数', labelEn: 'Staff', type: 'integer' },
    ]);
    const after = await ctx.db.selectFrom('customer').select(['id', 'attributes']).where('party', '=', 'organization').execute();
    expect(after).toEqual(held);
  });
});
