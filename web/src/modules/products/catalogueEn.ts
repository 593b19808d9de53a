/**
 * English for the texts the product catalogue ships with (migration 0004 stores them in Chinese only). A text
 * a person typed, or changed since, has no entry and is shown as it is.
 */
const SEGMENTS: Record<string, string> = {
  全部客户: 'All customers',
  全部个人客户: 'All individual customers',
  稳健储蓄客户: 'Conservative savers',
  中老年稳健客户: 'Conservative middle-aged and older customers',
  '金卡及以上客户': 'Gold card and above',
  '25–60 岁在职客户': 'Employed, aged 25–60',
  '25–50 岁在职客户': 'Employed, aged 25–50',
  购房客户: 'Home buyers',
  代发工资客户: 'Payroll customers',
  '风险承受能力 C2 及以上': 'Risk tolerance C2 and above',
  '风险承受能力 C4 及以上': 'Risk tolerance C4 and above',
  '风险承受能力 C5': 'Risk tolerance C5',
  对公客户: 'Corporate customers',
  中小微企业: 'Small and micro enterprises',
  短期闲置资金客户: 'Customers with short-term idle funds',
  '白金及以上客户': 'Platinum and above',
  '个体工商户、企业主': 'Sole proprietors and business owners',
  '40–60 岁客户': 'Aged 40–60',
  集团客户: 'Group customers',
};

const DESCRIPTIONS: Record<string, string> = {
  '随存随取，按季结息。': 'Deposit and withdraw at any time; interest paid quarterly.',
  '整存整取一年期，到期自动转存。': 'One-year lump-sum time deposit, rolled over at maturity.',
  '整存整取三年期，到期自动转存。': 'Three-year lump-sum time deposit, rolled over at maturity.',
  '个人大额存单，20 万元起存，可转让。': 'Personal large-denomination CD from CNY 200,000; transferable.',
  '一类账户借记卡。': 'Class I account debit card.',
  '标准信用卡，最长 50 天免息期。': 'Standard credit card with up to 50 interest-free days.',
  '个人住房按揭贷款，最长 30 年。': 'Residential mortgage, up to 30 years.',
  '个人消费贷款，用于装修、教育、旅游等。': 'Personal consumer loan for renovation, education, travel and the like.',
  '固定收益类理财，半年定期开放，业绩比较基准 2.6%–3.0%。': 'Fixed-income wealth product, open every six months, benchmark 2.6%–3.0%.',
  '混合类理财，一年定期开放，可投资权益资产。': 'Mixed wealth product, open yearly, may hold equities.',
  '货币市场基金，T+0 快速赎回。': 'Money-market fund with T+0 redemption.',
  '单位基本存款账户及一般存款账户。': 'Corporate basic and general deposit accounts.',
  '单位定期存款，一年期。': 'Corporate one-year time deposit.',
  '流动资金贷款，一年期。': 'One-year working-capital loan.',
  '5 万元起存，支取前七天通知。': 'From CNY 50,000; give seven days’ notice before withdrawal.',
  '整存整取六个月。': 'Six-month lump-sum time deposit.',
  '整存整取五年期。': 'Five-year lump-sum time deposit.',
  '高额度，机场贵宾厅、道路救援等权益。': 'High limit, with airport lounges, roadside assistance and more.',
  '购车贷款，最长 5 年，首付不低于 20%。': 'Car purchase loan, up to 5 years, at least 20% down.',
  '个体工商户及小微企业主经营用途贷款。': 'Business loan for sole proprietors and small-business owners.',
  '每日开放申赎，T+1 到账。': 'Subscribe and redeem daily; funds arrive T+1.',
  '封闭期一年，主投债券，不超过 10% 权益资产。': 'One-year closed period, mainly bonds, at most 10% equities.',
  '权益类理财，净值波动较大。': 'Equity wealth product; the net value moves a lot.',
  '代销纯债型基金。': 'Pure bond fund sold on behalf of a fund company.',
  '代销被动指数基金，适合定投。': 'Passive index fund sold on agency; suits regular investing.',
  '代销主动管理股票型基金。': 'Actively managed equity fund sold on agency.',
  '代理销售的年金保险，十年交费。': 'Annuity insurance sold on agency, ten years of premiums.',
  '代理销售的投连险，账户价值随投资表现波动。': 'Unit-linked insurance sold on agency; the account value follows the investments.',
  '资金归集、账户管理、银企直联。': 'Cash pooling, account management and bank–enterprise direct connection.',
};

const of = (table: Record<string, string>) => (text: string | null | undefined, lang: 'zh' | 'en'): string | null =>
  text == null ? null : lang === 'en' ? (table[text.trim()] ?? text) : text;

/** A product's target segment in `lang`: targetSegmentIn('全部客户', 'en') === 'All customers'. */
export const targetSegmentIn = of(SEGMENTS);
/** A product's description in `lang` (the catalogue's own texts; anything else as it is). */
export const descriptionIn = of(DESCRIPTIONS);
