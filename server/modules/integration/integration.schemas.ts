import { Type, type Static } from '@sinclair/typebox';
import { Lit, Nullable, Opt } from '../../platform/schema.ts';

const CustomerNo = Type.String({ pattern: '^\\d{1,20}$' });
const Note = Type.String({ maxLength: 500 });

export const IdParams = Type.Object({ id: Type.Integer({ minimum: 1 }) });

export const ReviewQuery = Type.Object({
  status: Opt(Lit(['pending', 'confirmed', 'rejected'] as const)),
  mine: Opt(Type.Boolean()),
  page: Opt(Type.Integer({ minimum: 1, maximum: 10_000 })),
  pageSize: Opt(Type.Integer({ minimum: 1, maximum: 200 })),
}, { additionalProperties: false });
export type ReviewQuery = Static<typeof ReviewQuery>;

export const DecisionBody = Type.Object({
  decision: Lit(['confirm', 'reject'] as const),
  note: Opt(Note),
  survivorNo: Opt(CustomerNo),
  overrideConflict: Opt(Type.Boolean()),
  /** The pair as the reviewer saw it (customer numbers A and B, and the review's `version`): a pair changed since is refused (409). */
  aNo: Opt(CustomerNo),
  bNo: Opt(CustomerNo),
  version: Opt(Type.String({ maxLength: 40 })),
}, { additionalProperties: false });

export const ProposeBody = Type.Object({
  customerNo: CustomerNo,
  otherCustomerNo: CustomerNo,
  note: Opt(Note),
}, { additionalProperties: false });

export const MergeBody = Type.Object({
  survivorNo: CustomerNo,
  mergedNo: CustomerNo,
  reason: Type.String({ minLength: 1, maxLength: 500 }),
  overrideConflict: Opt(Type.Boolean()),
}, { additionalProperties: false });

export const UnmergeBody = Type.Object({ reason: Type.String({ minLength: 1, maxLength: 500 }) }, { additionalProperties: false });

export const MergeQuery = Type.Object({ customerNo: Opt(CustomerNo) }, { additionalProperties: false });

export const ModelPatch = Type.Object({
  matchThreshold: Opt(Type.Number({ exclusiveMinimum: 0, exclusiveMaximum: 1 })),
  reviewThreshold: Opt(Type.Number({ exclusiveMinimum: 0, exclusiveMaximum: 1 })),
  weights: Opt(Type.Array(Type.Object({
    comparison: Type.String({ maxLength: 60 }), level: Type.String({ maxLength: 60 }), weight: Nullable(Type.Number({ minimum: -50, maximum: 50 })),
    /** Persons and companies each have their own comparison of some fields (cn.id, cn.mobile …): which one (absent: both). */
    kind: Opt(Lit(['person', 'org'] as const)),
  }, { additionalProperties: false }), { maxItems: 200 })),
  sourceOrder: Opt(Nullable(Type.Array(Type.String({ maxLength: 40 }), { maxItems: 50 }))),
  note: Opt(Note),
}, { additionalProperties: false });

/** A saved version of the match model (1, 2 …; the built-in default is no saved version). */
export const VersionParams = Type.Object({ version: Type.Integer({ minimum: 1, maximum: 2_147_483_647 }) }, { additionalProperties: false });

export const ResolveBody = Type.Object({ recordIds: Type.Array(Type.Integer({ minimum: 1 }), { minItems: 1, maxItems: 10_000 }) }, { additionalProperties: false });

export const FailedQuery = Type.Object({
  page: Opt(Type.Integer({ minimum: 1, maximum: 10_000 })),
  pageSize: Opt(Type.Integer({ minimum: 1, maximum: 200 })),
}, { additionalProperties: false });

/** Records resolved again at once, in the request: a page's worth at most. */
export const RetryBody = Type.Object({ recordIds: Type.Array(Type.Integer({ minimum: 1 }), { minItems: 1, maxItems: 200 }) }, { additionalProperties: false });

export const EstimateQuery = Type.Object({ limit: Opt(Type.Integer({ minimum: 1, maximum: 50 })) }, { additionalProperties: false });

/** Detaching a source record from its customer: why, and the customer it joins (absent: a new customer from the record alone). */
export const DetachBody = Type.Object({
  reason: Type.String({ minLength: 1, maxLength: 500 }),
  targetCustomerNo: Opt(CustomerNo),
}, { additionalProperties: false });
