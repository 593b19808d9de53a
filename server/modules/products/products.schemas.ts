import { Type, type Static } from '@sinclair/typebox';
import { Lit, Nullable, Opt } from '../../platform/schema.ts';

export const CATEGORIES = ['deposit', 'loan', 'card', 'wealth', 'fund', 'insurance', 'other'] as const;
export const RISK_RATINGS = ['R1', 'R2', 'R3', 'R4', 'R5'] as const;
export const PRODUCT_STATUSES = ['active', 'suspended', 'retired'] as const;
export const DOCUMENT_KINDS = ['prospectus', 'contract', 'risk_disclosure', 'brochure', 'faq', 'training', 'other'] as const;
export const SCRIPT_SCENARIOS = ['general', 'phone', 'visit', 'counter', 'objection', 'maturity', 'wechat'] as const;
export const MATRIX_DIMENSIONS = ['level', 'type', 'age', 'aum', 'party', 'risk'] as const;

const Str = (max: number, min = 0) => Type.String({ maxLength: max, minLength: min });
const Text = (max: number) => Type.String({ minLength: 1, maxLength: max, pattern: '\\S' });
const DateStr = Type.String({ format: 'date' });
/** Product codes as the business systems send them: capitals, digits, underscores. */
const CODE_PATTERN = '^[A-Z][A-Z0-9_]{1,39}$';
/** Rates travel as decimal text (percent, up to 4 places), never as floats. */
const RatePct = Type.String({ pattern: '^\\d{1,2}(\\.\\d{1,4})?$' });

const editable = {
  name: Opt(Text(100)),
  nameEn: Opt(Str(200)),
  riskRating: Opt(Nullable(Lit(RISK_RATINGS))),
  isAsset: Opt(Type.Boolean()),
  status: Opt(Lit(PRODUCT_STATUSES)),
  description: Opt(Nullable(Str(4000))),
  // Values are checked in the service: a union here would be coerced (false → "false") by the validator.
  attributes: Opt(Type.Record(Type.String({ pattern: '^[a-z][a-z0-9_]{0,39}$' }), Type.Unknown(), { maxProperties: 40 })),
  termDays: Opt(Nullable(Type.Integer({ minimum: 1, maximum: 36_500 }))),
  minAmountFen: Opt(Nullable(Type.Integer({ minimum: 0, maximum: 1e15 }))),
  ratePct: Opt(Nullable(RatePct)),
  launchOn: Opt(Nullable(DateStr)),
  retireOn: Opt(Nullable(DateStr)),
  targetSegment: Opt(Nullable(Str(200))),
  issuer: Opt(Nullable(Str(200))),
};

export const ProductInput = Type.Object({
  ...editable,
  code: Type.String({ pattern: CODE_PATTERN }),
  name: Text(100),
  category: Lit(CATEGORIES),
}, { additionalProperties: false });
export type ProductInput = Static<typeof ProductInput>;

export const ProductPatch = Type.Object({
  ...editable,
  category: Opt(Lit(CATEGORIES)),
  version: Opt(Type.Integer({ minimum: 1 })),
}, { additionalProperties: false });
export type ProductPatch = Static<typeof ProductPatch>;

export const ListQuery = Type.Object({
  q: Opt(Str(100)),
  category: Opt(Lit(CATEGORIES)),
  riskRating: Opt(Lit(RISK_RATINGS)),
  status: Opt(Lit(PRODUCT_STATUSES)),
  page: Opt(Type.Integer({ minimum: 1, maximum: 100_000 })),
  pageSize: Opt(Type.Integer({ minimum: 1, maximum: 200 })),
}, { additionalProperties: false });
export type ListQuery = Static<typeof ListQuery>;

export const CodeParams = Type.Object({ code: Type.String({ pattern: CODE_PATTERN }) });
export const ItemParams = Type.Object({ code: Type.String({ pattern: CODE_PATTERN }), id: Type.Integer({ minimum: 1 }) });
export const CustomerNoParams = Type.Object({ customerNo: Type.String({ pattern: '^\\d{1,20}$' }) });

export const DocumentInput = Type.Object({
  title: Text(200),
  kind: Lit(DOCUMENT_KINDS),
  url: Opt(Nullable(Type.String({ maxLength: 1000, pattern: '^https?://\\S+$' }))),
  body: Opt(Nullable(Str(20_000))),
  version: Opt(Text(20)),
}, { additionalProperties: false });
export type DocumentInput = Static<typeof DocumentInput>;
export const DocumentPatch = Type.Partial(DocumentInput, { additionalProperties: false });
export type DocumentPatch = Static<typeof DocumentPatch>;

export const ScriptInput = Type.Object({
  title: Text(200),
  content: Text(10_000),
  scenario: Opt(Lit(SCRIPT_SCENARIOS)),
  audience: Opt(Nullable(Str(200))),
}, { additionalProperties: false });
export type ScriptInput = Static<typeof ScriptInput>;
export const ScriptPatch = Type.Partial(ScriptInput, { additionalProperties: false });
export type ScriptPatch = Static<typeof ScriptPatch>;

export const ProspectsQuery = Type.Object({
  limit: Opt(Type.Integer({ minimum: 1, maximum: 200 })),
  /** Fewest customers a rule must cover. */
  minCount: Opt(Type.Integer({ minimum: 1, maximum: 100_000 })),
}, { additionalProperties: false });
export type ProspectsQuery = Static<typeof ProspectsQuery>;

export const MatrixQuery = Type.Object({
  dimension: Opt(Lit(MATRIX_DIMENSIONS)),
  category: Opt(Lit(CATEGORIES)),
}, { additionalProperties: false });
export type MatrixQuery = Static<typeof MatrixQuery>;
