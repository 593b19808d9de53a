import { sql, type Kysely } from 'kysely';
import { BUILTIN_ROLES } from '../../platform/permissions.ts';

/** Code tables every bank starts with: roles, customer types, tiers, relation types, systems, products. */
export async function up(db: Kysely<any>): Promise<void> {
  await db
    .insertInto('role')
    .values(BUILTIN_ROLES.map((r) => ({ code: r.code, name: r.name, name_en: r.nameEn, data_scope: r.dataScope, permissions: r.permissions, builtin: true })))
    .execute();

  const types: [string, string | null, 'person' | 'organization', string, string, unknown[]][] = [
    ['personal', null, 'person', '个人客户', 'Personal', []],
    ['personal_resident', 'personal', 'person', '境内居民', 'Resident individual', []],
    ['personal_nonresident', 'personal', 'person', '非居民个人', 'Non-resident individual', [{ key: 'visa_type', label: '签证类型', labelEn: 'Visa type', type: 'text' }]],
    ['personal_business', 'personal', 'person', '个体工商户', 'Sole proprietor', [{ key: 'business_license', label: '营业执照号', labelEn: 'Business licence no.', type: 'text' }]],
    ['corporate', null, 'organization', '公司客户', 'Corporate', [{ key: 'registered_capital_fen', label: '注册资本(分)', labelEn: 'Registered capital (fen)', type: 'integer' }, { key: 'staff_count', label: '员工人数', labelEn: 'Staff', type: 'integer' }]],
    ['corporate_large', 'corporate', 'organization', '大型企业', 'Large enterprise', []],
    ['corporate_sme', 'corporate', 'organization', '中小微企业', 'SME', [{ key: 'sme_size', label: '企业规模', labelEn: 'Size', type: 'enum', options: ['medium', 'small', 'micro'] }]],
    ['institutional', null, 'organization', '机构客户', 'Institutional', []],
    ['institutional_government', 'institutional', 'organization', '政府机关', 'Government body', []],
    ['institutional_public', 'institutional', 'organization', '事业单位', 'Public institution', []],
    ['interbank', null, 'organization', '同业客户', 'Interbank', [{ key: 'swift_bic', label: 'SWIFT代码', labelEn: 'SWIFT BIC', type: 'text' }]],
    ['interbank_bank', 'interbank', 'organization', '银行', 'Bank', []],
    ['interbank_nonbank', 'interbank', 'organization', '非银金融机构', 'Non-bank financial institution', []],
  ];
  for (const [code, parent, party, name, nameEn, attrs] of types) {
    await sql`INSERT INTO customer_type (code, parent_id, party, name, name_en, attribute_schema)
      VALUES (${code}, (SELECT id FROM customer_type WHERE code = ${parent}), ${party}, ${name}, ${nameEn}, ${JSON.stringify(attrs)}::jsonb)`.execute(db);
  }

  await db
    .insertInto('customer_level')
    .values([
      { code: 'standard', name: '普通', name_en: 'Standard', rank: 1, min_aum_fen: 0 },
      { code: 'gold', name: '金卡', name_en: 'Gold', rank: 2, min_aum_fen: 50_000_00 },
      { code: 'platinum', name: '白金', name_en: 'Platinum', rank: 3, min_aum_fen: 500_000_00 },
      { code: 'diamond', name: '钻石', name_en: 'Diamond', rank: 4, min_aum_fen: 3_000_000_00 },
      { code: 'private', name: '私人银行', name_en: 'Private banking', rank: 5, min_aum_fen: 6_000_000_00 },
    ])
    .execute();

  await db
    .insertInto('relation_type')
    .values([
      { code: 'spouse', name: '配偶', name_en: 'Spouse', inverse_name: '配偶', inverse_name_en: 'Spouse' },
      { code: 'parent', name: '父母', name_en: 'Parent of', inverse_name: '子女', inverse_name_en: 'Child of' },
      { code: 'family', name: '家庭成员', name_en: 'Family member', inverse_name: '家庭成员', inverse_name_en: 'Family member' },
      { code: 'group_parent', name: '集团母公司', name_en: 'Group parent of', inverse_name: '集团成员', inverse_name_en: 'Group member of' },
      { code: 'guarantor', name: '担保人', name_en: 'Guarantor for', inverse_name: '被担保人', inverse_name_en: 'Guaranteed by' },
      { code: 'legal_rep', name: '法定代表人', name_en: 'Legal representative of', inverse_name: '法定代表人为', inverse_name_en: 'Legal representative' },
      { code: 'actual_controller', name: '实际控制人', name_en: 'Actual controller of', inverse_name: '实际控制人为', inverse_name_en: 'Actually controlled by' },
      { code: 'shareholder', name: '股东', name_en: 'Shareholder of', inverse_name: '股东为', inverse_name_en: 'Has shareholder' },
      { code: 'contact_person', name: '联系人', name_en: 'Contact person for', inverse_name: '联系人为', inverse_name_en: 'Has contact person' },
    ])
    .execute();

  await db
    .insertInto('source_system')
    .values([
      { code: 'CORE', name: '核心储蓄系统', name_en: 'Core savings' },
      { code: 'CARD', name: '信用卡系统', name_en: 'Credit card' },
      { code: 'LOAN', name: '个人贷款系统', name_en: 'Personal loans' },
      { code: 'WEALTH', name: '理财系统', name_en: 'Wealth management' },
      { code: 'CORP', name: '对公核心系统', name_en: 'Corporate core' },
    ])
    .execute();

  await db
    .insertInto('product')
    .values([
      { code: 'DEP_CURRENT', name: '活期储蓄', name_en: 'Current savings', category: 'deposit', risk_rating: null, is_asset: true },
      { code: 'DEP_TIME_1Y', name: '一年期定期存款', name_en: '1-year time deposit', category: 'deposit', risk_rating: null, is_asset: true },
      { code: 'DEP_TIME_3Y', name: '三年期定期存款', name_en: '3-year time deposit', category: 'deposit', risk_rating: null, is_asset: true },
      { code: 'DEP_LARGE_CD', name: '大额存单', name_en: 'Large certificate of deposit', category: 'deposit', risk_rating: null, is_asset: true },
      { code: 'CARD_DEBIT', name: '借记卡', name_en: 'Debit card', category: 'card', risk_rating: null, is_asset: true },
      { code: 'CARD_CREDIT', name: '信用卡', name_en: 'Credit card', category: 'card', risk_rating: null, is_asset: false },
      { code: 'LOAN_MORTGAGE', name: '个人住房贷款', name_en: 'Home mortgage', category: 'loan', risk_rating: null, is_asset: false },
      { code: 'LOAN_CONSUMER', name: '个人消费贷款', name_en: 'Consumer loan', category: 'loan', risk_rating: null, is_asset: false },
      { code: 'WM_STABLE', name: '稳享理财', name_en: 'Stable wealth product', category: 'wealth', risk_rating: 'R2', is_asset: true },
      { code: 'WM_GROWTH', name: '进取理财', name_en: 'Growth wealth product', category: 'wealth', risk_rating: 'R4', is_asset: true },
      { code: 'FUND_MMF', name: '货币基金', name_en: 'Money-market fund', category: 'fund', risk_rating: 'R1', is_asset: true },
      { code: 'CORP_SETTLE', name: '对公结算账户', name_en: 'Corporate settlement account', category: 'deposit', risk_rating: null, is_asset: true },
      { code: 'CORP_TIME', name: '单位定期存款', name_en: 'Corporate time deposit', category: 'deposit', risk_rating: null, is_asset: true },
      { code: 'CORP_WORKING_CAPITAL', name: '流动资金贷款', name_en: 'Working-capital loan', category: 'loan', risk_rating: null, is_asset: false },
    ])
    .execute();

  // Masking patterns (JR/T 0171): how many leading/trailing characters stay visible.
  await db
    .insertInto('parameter')
    .values([
      { key: 'masking', value: JSON.stringify({ id_no: { keepFirst: 4, keepLast: 4 }, mobile: { keepFirst: 3, keepLast: 4 }, phone: { keepFirst: 3, keepLast: 2 }, email: { keepFirst: 2, keepLast: 0 }, address: { keepFirst: 6, keepLast: 0 }, account_no: { keepFirst: 6, keepLast: 4 } }), description: 'Masking of personal data by field (JR/T 0171)' },
    ])
    .execute();
}

export async function down(): Promise<void> {
  throw new Error('Banyan migrations are forward-only');
}
