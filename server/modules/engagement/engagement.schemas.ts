import { Type, type Static } from '@sinclair/typebox';
import { Lit, Nullable, Opt } from '../../platform/schema.ts';
import {
  ACTIVITY_STATUSES, ACTIVITY_TYPES, CONTACT_CHANNELS, OPPORTUNITY_STATUSES, PRIORITIES, REQUIREMENT_STATUSES, SALES_METHODS, SEVERITIES,
  TARGET_METRICS, TARGET_PERIODS, URGENCIES,
} from './engagement.table.ts';

const Str = (max: number, min = 0) => Type.String({ maxLength: max, minLength: min });
const Text = (max: number) => Type.String({ minLength: 1, maxLength: max, pattern: '\\S' });
const DateStr = Type.String({ format: 'date' });
const DateTimeStr = Type.String({ format: 'date-time' });
const Id = Type.Integer({ minimum: 1 });
const Fen = Type.Integer({ minimum: 0, maximum: 9_000_000_000_000_000 });
const CustomerNo = Type.String({ pattern: '^\\d{1,20}$' });

export const RECORD_KINDS = ['contact', 'activity', 'opportunity', 'requirement'] as const;
export type RecordKind = (typeof RECORD_KINDS)[number];

export const LinkRef = Type.Object({ kind: Lit(RECORD_KINDS), id: Id }, { additionalProperties: false });
export type LinkRef = Static<typeof LinkRef>;
const Links = Opt(Type.Array(LinkRef, { maxItems: 20 }));

export const IdParams = Type.Object({ id: Id });
export const CustomerNoParams = Type.Object({ customerNo: CustomerNo });

const Paging = {
  page: Opt(Type.Integer({ minimum: 1, maximum: 100000 })),
  pageSize: Opt(Type.Integer({ minimum: 1, maximum: 200 })),
};
const Common = {
  customerNo: Opt(CustomerNo),
  ownerId: Opt(Id),
  orgId: Opt(Id),
  from: Opt(DateStr),
  to: Opt(DateStr),
};

export const ContactInput = Type.Object({
  customerNo: CustomerNo,
  ownerId: Opt(Id),
  channel: Lit(CONTACT_CHANNELS),
  startedAt: DateTimeStr,
  endedAt: Opt(Nullable(DateTimeStr)),
  summary: Text(200),
  content: Opt(Nullable(Str(5000))),
  connected: Opt(Type.Boolean()),
  links: Links,
}, { additionalProperties: false });
export type ContactInput = Static<typeof ContactInput>;
export const ContactPatch = Type.Object({
  ownerId: Opt(Id),
  channel: Opt(Lit(CONTACT_CHANNELS)),
  startedAt: Opt(DateTimeStr),
  endedAt: Opt(Nullable(DateTimeStr)),
  summary: Opt(Text(200)),
  content: Opt(Nullable(Str(5000))),
  connected: Opt(Type.Boolean()),
}, { additionalProperties: false });
export type ContactPatch = Static<typeof ContactPatch>;
export const ContactQuery = Type.Object({ ...Common, channel: Opt(Lit(CONTACT_CHANNELS)), ...Paging }, { additionalProperties: false });
export type ContactQuery = Static<typeof ContactQuery>;

export const ActivityInput = Type.Object({
  customerNo: CustomerNo,
  ownerId: Opt(Id),
  type: Lit(ACTIVITY_TYPES),
  status: Opt(Lit(ACTIVITY_STATUSES)),
  priority: Opt(Lit(PRIORITIES)),
  startsAt: DateTimeStr,
  endsAt: Opt(Nullable(DateTimeStr)),
  completed: Opt(Type.Boolean()),
  costFen: Opt(Fen),
  description: Text(2000),
  remarks: Opt(Nullable(Str(2000))),
  links: Links,
}, { additionalProperties: false });
export type ActivityInput = Static<typeof ActivityInput>;
export const ActivityPatch = Type.Object({
  ownerId: Opt(Id),
  type: Opt(Lit(ACTIVITY_TYPES)),
  status: Opt(Lit(ACTIVITY_STATUSES)),
  priority: Opt(Lit(PRIORITIES)),
  startsAt: Opt(DateTimeStr),
  endsAt: Opt(Nullable(DateTimeStr)),
  completed: Opt(Type.Boolean()),
  costFen: Opt(Fen),
  description: Opt(Text(2000)),
  remarks: Opt(Nullable(Str(2000))),
}, { additionalProperties: false });
export type ActivityPatch = Static<typeof ActivityPatch>;
export const ActivityQuery = Type.Object({
  ...Common, type: Opt(Lit(ACTIVITY_TYPES)), status: Opt(Lit(ACTIVITY_STATUSES)), completed: Opt(Type.Boolean()), ...Paging,
}, { additionalProperties: false });
export type ActivityQuery = Static<typeof ActivityQuery>;

export const OpportunityProductInput = Type.Object({ productCode: Str(40, 1), amountFen: Type.Integer({ minimum: 1, maximum: 9_000_000_000_000_000 }) }, { additionalProperties: false });
export const OpportunityInput = Type.Object({
  customerNo: CustomerNo,
  ownerId: Opt(Id),
  pipelineId: Opt(Id),
  stageId: Opt(Id),
  // Wider than 0..100 in the schema so the service can answer with its own rule name for the range.
  probability: Opt(Type.Integer()),
  expectedValueFen: Opt(Fen),
  salesMethod: Opt(Nullable(Lit(SALES_METHODS))),
  startsOn: Opt(DateStr),
  endsOn: Opt(Nullable(DateStr)),
  summary: Text(200),
  content: Opt(Nullable(Str(5000))),
  products: Opt(Type.Array(OpportunityProductInput, { maxItems: 20 })),
  links: Links,
}, { additionalProperties: false });
export type OpportunityInput = Static<typeof OpportunityInput>;
export const OpportunityPatch = Type.Object({
  ownerId: Opt(Id),
  stageId: Opt(Id),
  probability: Opt(Type.Integer()),
  expectedValueFen: Opt(Fen),
  salesMethod: Opt(Nullable(Lit(SALES_METHODS))),
  startsOn: Opt(DateStr),
  endsOn: Opt(Nullable(DateStr)),
  summary: Opt(Text(200)),
  content: Opt(Nullable(Str(5000))),
  lostReason: Opt(Nullable(Str(500))),
  products: Opt(Type.Array(OpportunityProductInput, { maxItems: 20 })),
}, { additionalProperties: false });
export type OpportunityPatch = Static<typeof OpportunityPatch>;
export const StageMove = Type.Object({ stageId: Id, lostReason: Opt(Nullable(Str(500))) }, { additionalProperties: false });
export const OpportunityQuery = Type.Object({
  ...Common, pipelineId: Opt(Id), stageId: Opt(Id), status: Opt(Lit(OPPORTUNITY_STATUSES)), q: Opt(Str(100)), ...Paging,
}, { additionalProperties: false });
export type OpportunityQuery = Static<typeof OpportunityQuery>;
export const BoardQuery = Type.Object({ pipelineId: Id, ownerId: Opt(Id), orgId: Opt(Id) }, { additionalProperties: false });

export const RequirementInput = Type.Object({
  customerNo: CustomerNo,
  ownerId: Opt(Id),
  summary: Text(200),
  content: Opt(Nullable(Str(5000))),
  status: Opt(Lit(REQUIREMENT_STATUSES)),
  subStatus: Opt(Nullable(Str(40))),
  severity: Opt(Lit(SEVERITIES)),
  urgency: Opt(Lit(URGENCIES)),
  startsOn: Opt(DateStr),
  endsOn: Opt(Nullable(DateStr)),
  links: Links,
}, { additionalProperties: false });
export type RequirementInput = Static<typeof RequirementInput>;
export const RequirementPatch = Type.Object({
  ownerId: Opt(Id),
  summary: Opt(Text(200)),
  content: Opt(Nullable(Str(5000))),
  status: Opt(Lit(REQUIREMENT_STATUSES)),
  subStatus: Opt(Nullable(Str(40))),
  severity: Opt(Lit(SEVERITIES)),
  urgency: Opt(Lit(URGENCIES)),
  startsOn: Opt(DateStr),
  endsOn: Opt(Nullable(DateStr)),
}, { additionalProperties: false });
export type RequirementPatch = Static<typeof RequirementPatch>;
export const RequirementQuery = Type.Object({
  ...Common, status: Opt(Lit(REQUIREMENT_STATUSES)), severity: Opt(Lit(SEVERITIES)), ...Paging,
}, { additionalProperties: false });
export type RequirementQuery = Static<typeof RequirementQuery>;

export const LinkBody = Type.Object({ kind: Lit(RECORD_KINDS), id: Id }, { additionalProperties: false });
export const LinkParams = Type.Object({ id: Id, otherKind: Lit(RECORD_KINDS), otherId: Id });

export const TimelineQuery = Type.Object({
  before: Opt(Type.String({ maxLength: 200, pattern: '^[A-Za-z0-9_-]+$' })),
  limit: Opt(Type.Integer({ minimum: 1, maximum: 100 })),
}, { additionalProperties: false });

export const StageInput = Type.Object({
  id: Opt(Id),
  code: Type.String({ minLength: 1, maxLength: 40, pattern: '^[a-z][a-z0-9_]*$' }),
  name: Text(60),
  nameEn: Text(60),
  probability: Type.Integer(),
  isWon: Opt(Type.Boolean()),
  isLost: Opt(Type.Boolean()),
}, { additionalProperties: false });
export type StageInput = Static<typeof StageInput>;
export const PipelineInput = Type.Object({
  code: Type.String({ minLength: 1, maxLength: 40, pattern: '^[a-z][a-z0-9_]*$' }),
  name: Text(60),
  nameEn: Text(60),
  party: Opt(Nullable(Lit(['person', 'organization'] as const))),
  stages: Type.Array(StageInput, { minItems: 2, maxItems: 20 }),
}, { additionalProperties: false });
export type PipelineInput = Static<typeof PipelineInput>;
export const PipelinePatch = Type.Object({
  name: Opt(Text(60)),
  nameEn: Opt(Text(60)),
  active: Opt(Type.Boolean()),
  stages: Opt(Type.Array(StageInput, { minItems: 2, maxItems: 20 })),
}, { additionalProperties: false });
export type PipelinePatch = Static<typeof PipelinePatch>;

export const FunnelQuery = Type.Object({ pipelineId: Id, ownerId: Opt(Id), orgId: Opt(Id) }, { additionalProperties: false });

export const TargetInput = Type.Object({
  userId: Id,
  period: Lit(TARGET_PERIODS),
  periodStart: DateStr,
  metric: Lit(TARGET_METRICS),
  target: Type.Number({ minimum: 0, maximum: 1e15 }),
}, { additionalProperties: false });
export type TargetInput = Static<typeof TargetInput>;
export const TargetQuery = Type.Object({
  period: Opt(Lit(TARGET_PERIODS)), periodStart: Opt(DateStr), userId: Opt(Id), orgId: Opt(Id),
}, { additionalProperties: false });
export type TargetQuery = Static<typeof TargetQuery>;

export const CommissionRuleInput = Type.Object({
  productCode: Str(40, 1),
  rateBp: Opt(Nullable(Type.Integer({ minimum: 0, maximum: 10000 }))),
  fixedFen: Opt(Nullable(Fen)),
  effectiveFrom: DateStr,
  effectiveTo: Opt(Nullable(DateStr)),
}, { additionalProperties: false });
export type CommissionRuleInput = Static<typeof CommissionRuleInput>;
export const CommissionRulePatch = Type.Object({ effectiveTo: Nullable(DateStr) }, { additionalProperties: false });

export const SalesQuery = Type.Object({ ...Common, productCode: Opt(Str(40)), ...Paging }, { additionalProperties: false });
export type SalesQuery = Static<typeof SalesQuery>;
export const MySalesQuery = Type.Object({ from: Opt(DateStr), to: Opt(DateStr) }, { additionalProperties: false });
