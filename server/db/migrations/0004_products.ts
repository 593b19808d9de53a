import { sql, type Kysely } from 'kysely';

/**
 * Products (S5): the catalogue's attributes and life cycle, documents, sales scripts (营销话术), and
 * account maturities (time deposits, wealth products, loans) for maturity reminders.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
-- Risk ratings belong to investment products only (B3); wealth and funds must carry one (service rule).
ALTER TABLE product
  ADD COLUMN status          text NOT NULL DEFAULT 'active' CHECK (status IN ('active','suspended','retired')),
  ADD COLUMN description     text,
  ADD COLUMN attributes      jsonb NOT NULL DEFAULT '{}',
  ADD COLUMN term_days       integer CHECK (term_days > 0),
  ADD COLUMN min_amount_fen  bigint CHECK (min_amount_fen >= 0),
  -- Annual rate in percent: interest for deposits and loans, performance benchmark for wealth products.
  ADD COLUMN rate_pct        numeric(9,4) CHECK (rate_pct >= 0 AND rate_pct < 100),
  ADD COLUMN launch_on       date,
  ADD COLUMN retire_on       date,
  ADD COLUMN target_segment  text,
  ADD COLUMN issuer          text,
  ADD COLUMN version         integer NOT NULL DEFAULT 1,
  ADD COLUMN created_at      timestamptz NOT NULL DEFAULT now(),
  ADD COLUMN updated_at      timestamptz NOT NULL DEFAULT now(),
  ADD CONSTRAINT product_risk_investment_only CHECK (risk_rating IS NULL OR category IN ('wealth','fund','insurance')),
  ADD CONSTRAINT product_dates_order CHECK (retire_on IS NULL OR launch_on IS NULL OR retire_on >= launch_on);
CREATE INDEX product_category_idx ON product (category, status);

CREATE TABLE product_document (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  product_code  text NOT NULL REFERENCES product(code),
  title         text NOT NULL,
  kind          text NOT NULL CHECK (kind IN ('prospectus','contract','risk_disclosure','brochure','faq','training','other')),
  url           text,
  body          text,
  version       text NOT NULL DEFAULT '1.0',
  created_by    integer REFERENCES app_user(id),
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now(),
  CHECK (url IS NOT NULL OR body IS NOT NULL)
);
CREATE INDEX product_document_product_idx ON product_document (product_code);

CREATE TABLE product_script (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  product_code  text NOT NULL REFERENCES product(code),
  title         text NOT NULL,
  content       text NOT NULL,
  scenario      text NOT NULL DEFAULT 'general' CHECK (scenario IN ('general','phone','visit','counter','objection','maturity','wechat')),
  audience      text,
  created_by    integer REFERENCES app_user(id),
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX product_script_product_idx ON product_script (product_code);

-- When a time deposit, wealth product or loan falls due. Reminders ask "maturities within N days
-- for these customers" (customer_id first) or bank-wide by date; closed accounts never remind.
ALTER TABLE account ADD COLUMN maturity_on date;
CREATE INDEX account_customer_maturity_idx ON account (customer_id, maturity_on) WHERE maturity_on IS NOT NULL AND status <> 'closed';
CREATE INDEX account_maturity_idx ON account (maturity_on) WHERE maturity_on IS NOT NULL AND status <> 'closed';
-- Holders of a product (detail, association analysis).
CREATE INDEX account_product_customer_idx ON account (product_code, customer_id) WHERE status <> 'closed';
`.execute(db);

  // The catalogue 0002 started: terms, rates and minimums of its products.
  const details: [string, number | null, number | null, string | null, string, string][] = [
    ['DEP_CURRENT', null, 100, '0.1500', '随存随取，按季结息。', '全部客户'],
    ['DEP_TIME_1Y', 365, 5000, '1.4500', '整存整取一年期，到期自动转存。', '稳健储蓄客户'],
    ['DEP_TIME_3Y', 1095, 5000, '1.9500', '整存整取三年期，到期自动转存。', '中老年稳健客户'],
    ['DEP_LARGE_CD', 1095, 20_000_000, '2.1500', '个人大额存单，20 万元起存，可转让。', '金卡及以上客户'],
    ['CARD_DEBIT', null, null, null, '一类账户借记卡。', '全部个人客户'],
    ['CARD_CREDIT', null, null, null, '标准信用卡，最长 50 天免息期。', '25–60 岁在职客户'],
    ['LOAN_MORTGAGE', 9125, null, '3.1000', '个人住房按揭贷款，最长 30 年。', '购房客户'],
    ['LOAN_CONSUMER', 1095, 1_000_000, '3.6500', '个人消费贷款，用于装修、教育、旅游等。', '代发工资客户'],
    ['WM_STABLE', 182, 100_000, '2.8000', '固定收益类理财，半年定期开放，业绩比较基准 2.6%–3.0%。', '风险承受能力 C2 及以上'],
    ['WM_GROWTH', 364, 100_000, '4.5000', '混合类理财，一年定期开放，可投资权益资产。', '风险承受能力 C4 及以上'],
    ['FUND_MMF', null, 100, '1.6000', '货币市场基金，T+0 快速赎回。', '全部客户'],
    ['CORP_SETTLE', null, null, '0.2000', '单位基本存款账户及一般存款账户。', '对公客户'],
    ['CORP_TIME', 365, 1_000_000, '1.5500', '单位定期存款，一年期。', '对公客户'],
    ['CORP_WORKING_CAPITAL', 365, 10_000_000, '3.4500', '流动资金贷款，一年期。', '中小微企业'],
  ];
  for (const [code, term, min, rate, desc, segment] of details) {
    await sql`UPDATE product SET term_days = ${term}, min_amount_fen = ${min}, rate_pct = ${rate}::numeric, description = ${desc},
      target_segment = ${segment}, launch_on = DATE '2015-01-01' WHERE code = ${code} AND description IS NULL`.execute(db);
  }

  type Seed = {
    code: string; name: string; name_en: string; category: string; risk: string | null; asset: boolean; term: number | null;
    min: number | null; rate: string | null; desc: string; segment: string; issuer?: string; attrs?: Record<string, unknown>;
  };
  const more: Seed[] = [
    { code: 'DEP_NOTICE_7D', name: '七天通知存款', name_en: '7-day notice deposit', category: 'deposit', risk: null, asset: true, term: 7, min: 5_000_000, rate: '1.0000', desc: '5 万元起存，支取前七天通知。', segment: '短期闲置资金客户' },
    { code: 'DEP_TIME_6M', name: '六个月定期存款', name_en: '6-month time deposit', category: 'deposit', risk: null, asset: true, term: 182, min: 5000, rate: '1.3000', desc: '整存整取六个月。', segment: '稳健储蓄客户' },
    { code: 'DEP_TIME_5Y', name: '五年期定期存款', name_en: '5-year time deposit', category: 'deposit', risk: null, asset: true, term: 1825, min: 5000, rate: '2.0000', desc: '整存整取五年期。', segment: '中老年稳健客户' },
    { code: 'CARD_CREDIT_PLATINUM', name: '白金信用卡', name_en: 'Platinum credit card', category: 'card', risk: null, asset: false, term: null, min: null, rate: null, desc: '高额度，机场贵宾厅、道路救援等权益。', segment: '白金及以上客户', attrs: { annual_fee_fen: 100_000 } },
    { code: 'LOAN_CAR', name: '个人汽车贷款', name_en: 'Car loan', category: 'loan', risk: null, asset: false, term: 1825, min: 5_000_000, rate: '3.8000', desc: '购车贷款，最长 5 年，首付不低于 20%。', segment: '25–50 岁在职客户' },
    { code: 'LOAN_BUSINESS', name: '个人经营贷款', name_en: 'Business loan for individuals', category: 'loan', risk: null, asset: false, term: 1095, min: 10_000_000, rate: '3.5000', desc: '个体工商户及小微企业主经营用途贷款。', segment: '个体工商户、企业主' },
    { code: 'WM_CASH', name: '现金管理类理财', name_en: 'Cash-management wealth product', category: 'wealth', risk: 'R1', asset: true, term: null, min: 100, rate: '1.9000', desc: '每日开放申赎，T+1 到账。', segment: '全部客户', issuer: '榕树理财有限责任公司' },
    { code: 'WM_FIXED_1Y', name: '固收增强一年封闭理财', name_en: '1-year closed fixed-income plus', category: 'wealth', risk: 'R2', asset: true, term: 365, min: 100_000, rate: '3.2000', desc: '封闭期一年，主投债券，不超过 10% 权益资产。', segment: '风险承受能力 C2 及以上', issuer: '榕树理财有限责任公司' },
    { code: 'WM_EQUITY', name: '权益精选理财', name_en: 'Equity select wealth product', category: 'wealth', risk: 'R5', asset: true, term: 730, min: 100_000, rate: null, desc: '权益类理财，净值波动较大。', segment: '风险承受能力 C5', issuer: '榕树理财有限责任公司' },
    { code: 'FUND_BOND', name: '纯债基金', name_en: 'Pure bond fund', category: 'fund', risk: 'R2', asset: true, term: null, min: 100, rate: null, desc: '代销纯债型基金。', segment: '风险承受能力 C2 及以上', issuer: '代销基金公司' },
    { code: 'FUND_INDEX', name: '沪深 300 指数基金', name_en: 'CSI 300 index fund', category: 'fund', risk: 'R4', asset: true, term: null, min: 100, rate: null, desc: '代销被动指数基金，适合定投。', segment: '风险承受能力 C4 及以上', issuer: '代销基金公司' },
    { code: 'FUND_EQUITY', name: '股票型基金', name_en: 'Equity fund', category: 'fund', risk: 'R5', asset: true, term: null, min: 100, rate: null, desc: '代销主动管理股票型基金。', segment: '风险承受能力 C5', issuer: '代销基金公司' },
    { code: 'INS_ANNUITY', name: '养老年金保险（代销）', name_en: 'Pension annuity insurance (agency)', category: 'insurance', risk: null, asset: true, term: 3650, min: 1_000_000, rate: null, desc: '代理销售的年金保险，十年交费。', segment: '40–60 岁客户', issuer: '合作保险公司' },
    { code: 'INS_UNIT_LINKED', name: '投资连结保险（代销）', name_en: 'Unit-linked insurance (agency)', category: 'insurance', risk: 'R4', asset: true, term: 1825, min: 5_000_000, rate: null, desc: '代理销售的投连险，账户价值随投资表现波动。', segment: '风险承受能力 C4 及以上', issuer: '合作保险公司' },
    { code: 'CORP_CASH_MGMT', name: '企业现金管理', name_en: 'Corporate cash management', category: 'other', risk: null, asset: true, term: null, min: null, rate: null, desc: '资金归集、账户管理、银企直联。', segment: '集团客户' },
  ];
  for (const p of more) {
    await sql`INSERT INTO product (code, name, name_en, category, risk_rating, is_asset, term_days, min_amount_fen, rate_pct, description, target_segment, issuer, attributes, launch_on)
      VALUES (${p.code}, ${p.name}, ${p.name_en}, ${p.category}, ${p.risk}, ${p.asset}, ${p.term}, ${p.min}, ${p.rate}::numeric, ${p.desc}, ${p.segment},
              ${p.issuer ?? null}, ${JSON.stringify(p.attrs ?? {})}::jsonb, DATE '2020-01-01')
      ON CONFLICT (code) DO NOTHING`.execute(db);
  }

  // A starting set of sales scripts and documents, so managers have something to work from.
  const scripts: [string, string, string, string, string | null][] = [
    ['WM_STABLE', '到期转购稳享理财', 'maturity', '王先生/女士您好，您在我行的定期存款将于近日到期。我行稳享理财为固定收益类产品（风险等级 R2），半年开放一次，业绩比较基准 2.6%–3.0%，起点 1,000 元。到期后可以考虑部分转购，既保持稳健，又比定期收益更有竞争力。需要我为您做一次风险测评吗？', '定期存款到期客户'],
    ['WM_STABLE', '客户担心理财亏损', 'objection', '理解您的顾虑。稳享理财主要投资债券、存单等固定收益资产，风险等级 R2，净值波动较小；但理财不保本，过往业绩不代表未来表现。您可以先用一部分资金体验，其余保留在存款中。', null],
    ['WM_GROWTH', '进取理财电话邀约', 'phone', '您好，我是您的客户经理。近期我行推出进取理财（风险等级 R4），适合风险承受能力 C4 及以上、投资期限一年以上的客户。根据您的风险测评结果，这款产品在您的可投范围内，方便时我为您详细介绍？', '风险承受能力 C4 及以上'],
    ['DEP_LARGE_CD', '大额存单推荐', 'counter', '您账户里的活期资金较多，可以考虑我行大额存单：20 万元起存，三年期利率高于普通定期，并且可以转让，急用钱时不必提前支取损失利息。', '金卡及以上客户'],
    ['FUND_MMF', '闲钱理财', 'wechat', '活期资金放着收益低？货币基金 100 元起投，T+0 快速赎回，适合日常零钱管理。', null],
    ['LOAN_MORTGAGE', '房贷客户交叉营销', 'visit', '感谢您选择我行办理房贷。为方便还款，建议您开通借记卡自动扣款；我行信用卡可享装修分期优惠，需要的话我帮您一并办理。', '按揭贷款客户'],
  ];
  for (const [code, title, scenario, content, audience] of scripts) {
    await sql`INSERT INTO product_script (product_code, title, content, scenario, audience) VALUES (${code}, ${title}, ${content}, ${scenario}, ${audience})`.execute(db);
  }
  const docs: [string, string, string, string][] = [
    ['WM_STABLE', '稳享理财产品说明书', 'prospectus', '本产品为固定收益类、非保本浮动收益型理财产品，风险等级 R2（中低）。投资范围：国债、地方政府债、金融债、同业存单及高等级信用债。开放周期：每 182 天开放一次申购赎回。'],
    ['WM_STABLE', '理财产品风险揭示书', 'risk_disclosure', '理财非存款、产品有风险、投资须谨慎。本产品不保证本金和收益，可能因市场风险、信用风险、流动性风险等导致收益波动甚至本金损失。'],
    ['WM_GROWTH', '进取理财产品说明书', 'prospectus', '本产品为混合类理财产品，风险等级 R4（中高），权益资产投资比例不超过 40%。适合风险承受能力 C4 及以上的投资者。'],
    ['DEP_LARGE_CD', '大额存单常见问题', 'faq', '问：大额存单可以提前支取吗？答：可以部分或全部提前支取，提前支取部分按活期利率计息；也可在我行平台转让。'],
  ];
  for (const [code, title, kind, body] of docs) {
    await sql`INSERT INTO product_document (product_code, title, kind, body) VALUES (${code}, ${title}, ${kind}, ${body})`.execute(db);
  }
}

export async function down(): Promise<void> {
  throw new Error('Banyan migrations are forward-only');
}
