import { Type, type Static } from '@sinclair/typebox';
import { Lit, Nullable, Opt } from '../../platform/schema.ts';
import { INVALID_ID_POLICIES, TRANSFORMS } from '../../../engines/transform/index.ts';

export const SOURCE_KINDS = ['savings', 'card', 'loan', 'wealth', 'housing_fund', 'corporate', 'settlement', 'manual', 'other'] as const;
export const CONNECTORS = ['file', 'postgres'] as const;
export const ENCODINGS = ['auto', 'utf8', 'gb18030', 'gbk'] as const;
export const QUARANTINE_STATUSES = ['open', 'resolved', 'discarded', 'superseded'] as const;

const Str = (max: number, min = 0) => Type.String({ maxLength: max, minLength: min });
const Text = (max: number) => Type.String({ minLength: 1, maxLength: max, pattern: '\\S' });
const CODE = Type.String({ pattern: '^[A-Za-z][A-Za-z0-9_]{1,39}$' });

/** Per canonical field, how far this source is trusted (0–100): survivorship (I2) prefers the most trusted. */
const FieldTrust = Type.Record(Type.String({ pattern: '^[a-z][a-z0-9_.]{0,59}$' }), Type.Integer({ minimum: 0, maximum: 100 }), { maxProperties: 60 });

export const SourceInput = Type.Object({
  code: CODE,
  name: Text(100),
  nameEn: Opt(Str(200)),
  kind: Lit(SOURCE_KINDS),
  owner: Opt(Nullable(Str(100))),
  valueRank: Opt(Type.Integer({ minimum: 0, maximum: 100 })),
  fieldTrust: Opt(FieldTrust),
  description: Opt(Nullable(Str(2000))),
}, { additionalProperties: false });
export type SourceInput = Static<typeof SourceInput>;

export const SourcePatch = Type.Partial(Type.Omit(SourceInput, ['code']), { additionalProperties: false });
export type SourcePatch = Static<typeof SourcePatch>;

const CodeTable = Type.Object({
  name: Opt(Type.Object({ zh: Str(100), en: Str(100) })),
  match: Opt(Lit(['exact', 'contains'] as const)),
  entries: Type.Record(Type.String({ maxLength: 200 }), Type.String({ maxLength: 200 }), { maxProperties: 5000 }),
  otherwise: Opt(Lit(['reject', 'keep', 'blank', 'default'] as const)),
  defaultValue: Opt(Str(200)),
}, { additionalProperties: false });

const FieldMapping = Type.Object({
  field: Str(80, 1),
  column: Opt(Str(200)),
  value: Opt(Str(200)),
  transforms: Opt(Type.Array(Lit(TRANSFORMS), { maxItems: 12 })),
  codeTable: Opt(Str(60)),
  required: Opt(Type.Boolean()),
}, { additionalProperties: false });

export const MappingBody = Type.Object({
  recordKey: Type.Array(Str(200, 1), { maxItems: 5 }),
  fields: Type.Array(FieldMapping, { maxItems: 80 }),
  codeTables: Type.Record(Type.String({ pattern: '^[a-z][a-z0-9_]{0,59}$' }), CodeTable, { maxProperties: 50 }),
  /** Resident IDs and USCCs that fail their check: quarantine the row (default) or keep the record, the number marked unverified. */
  invalidIds: Opt(Lit(INVALID_ID_POLICIES)),
}, { additionalProperties: false });

export const MappingInput = Type.Object({ mapping: MappingBody, note: Opt(Nullable(Str(500))) }, { additionalProperties: false });
export type MappingInput = Static<typeof MappingInput>;

const editableInterface = {
  name: Text(100),
  encoding: Opt(Lit(ENCODINGS)),
  delimiter: Opt(Type.String({ minLength: 1, maxLength: 1 })),
  pgUrl: Opt(Nullable(Type.String({ pattern: '^postgres(ql)?://', maxLength: 1000 }))),
  pgQuery: Opt(Nullable(Str(20000))),
  watermarkColumn: Opt(Nullable(Str(100))),
  watermark: Opt(Nullable(Str(200))),
  cron: Opt(Nullable(Str(100))),
  landingDir: Opt(Nullable(Str(500))),
  landingPattern: Opt(Nullable(Str(200))),
  landingFlag: Opt(Nullable(Str(20))),
  enabled: Opt(Type.Boolean()),
  ownerUserId: Opt(Nullable(Type.Integer({ minimum: 1 }))),
  description: Opt(Nullable(Str(2000))),
};

export const InterfaceInput = Type.Object({
  code: CODE,
  sourceCode: Str(40, 1),
  connector: Lit(CONNECTORS),
  ...editableInterface,
  mapping: Opt(MappingBody),
}, { additionalProperties: false });
export type InterfaceInput = Static<typeof InterfaceInput>;

export const InterfacePatch = Type.Partial(Type.Object(editableInterface), { additionalProperties: false });
export type InterfacePatch = Static<typeof InterfacePatch>;

export const IdParams = Type.Object({ id: Type.Integer({ minimum: 1 }) });
export const CodeParams = Type.Object({ code: Str(40, 1) });
export const VersionParams = Type.Object({ id: Type.Integer({ minimum: 1 }), version: Type.Integer({ minimum: 1 }) });
export const ExportQuery = Type.Object({ format: Opt(Lit(['json', 'xlsx'] as const)) });
export const PageQuery = Type.Object({ page: Opt(Type.Integer({ minimum: 1 })), pageSize: Opt(Type.Integer({ minimum: 1, maximum: 500 })) });
export const ListInterfacesQuery = Type.Object({ sourceCode: Opt(Str(40)) });

export const QuarantineQuery = Type.Object({
  status: Opt(Lit(QUARANTINE_STATUSES)),
  loadId: Opt(Type.Integer({ minimum: 1 })),
  rule: Opt(Str(60)),
  page: Opt(Type.Integer({ minimum: 1 })),
  pageSize: Opt(Type.Integer({ minimum: 1, maximum: 500 })),
});
export type QuarantineQuery = Static<typeof QuarantineQuery>;

export const UnverifiedQuery = Type.Object({
  loadId: Opt(Type.Integer({ minimum: 1 })),
  rule: Opt(Str(60)),
  page: Opt(Type.Integer({ minimum: 1 })),
  pageSize: Opt(Type.Integer({ minimum: 1, maximum: 500 })),
});
export type UnverifiedQuery = Static<typeof UnverifiedQuery>;

export const QuarantineFix = Type.Object({
  raw: Type.Record(Type.String({ maxLength: 200 }), Type.String({ maxLength: 4000 }), { maxProperties: 500 }),
}, { additionalProperties: false });
// An empty note is refused by the service, naming the field and the rule in both languages.
export const QuarantineDiscard = Type.Object({ note: Str(500) }, { additionalProperties: false });
// An empty `ids` is refused by the service (400 `ids` rule `minItems`, in both languages): it names no row.
export const ResubmitInput = Type.Object({ ids: Opt(Type.Array(Type.Integer({ minimum: 1 }), { maxItems: 10000 })) }, { additionalProperties: false });

export const UploadQuery = Type.Object({ encoding: Opt(Lit(ENCODINGS)) });
