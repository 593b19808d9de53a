import { Type, type Static } from '@sinclair/typebox';
import { Lit, Nullable, Opt } from '../../platform/schema.ts';
import { CHANNELS, OUTBOUND_KINDS, OUTBOUND_OUTCOMES, PRIORITIES, REQUEST_KINDS, REQUEST_STATUSES } from './service.table.ts';

const Str = (max: number, min = 0) => Type.String({ maxLength: max, minLength: min });
/** Text that must hold something besides blanks. */
const Text = (max: number) => Type.String({ minLength: 1, maxLength: max, pattern: '\\S' });
const DateStr = Type.String({ format: 'date' });
const DateTime = Type.String({ format: 'date-time' });
const CustomerNo = Type.String({ pattern: '^\\d{1,20}$' });
const Code = Type.String({ pattern: '^[A-Za-z0-9_.-]{1,40}$' });
const Paging = {
  page: Opt(Type.Integer({ minimum: 1, maximum: 100000 })),
  pageSize: Opt(Type.Integer({ minimum: 1, maximum: 200 })),
};

export const ReqNoParams = Type.Object({ reqNo: Type.String({ pattern: '^SR\\d{8,20}$' }) });
export const IdParams = Type.Object({ id: Type.Integer({ minimum: 1 }) });
export const CodeParams = Type.Object({ code: Code });
export const PriorityParams = Type.Object({ code: Lit(PRIORITIES) });
export const UserIdParams = Type.Object({ userId: Type.Integer({ minimum: 1 }) });

export const CreateRequestBody = Type.Object({
  customerNo: CustomerNo,
  kind: Lit(REQUEST_KINDS),
  categoryCode: Opt(Nullable(Code)),
  priority: Lit(PRIORITIES),
  channel: Lit(CHANNELS),
  subject: Text(200),
  description: Opt(Str(4000)),
  queueCode: Opt(Nullable(Code)),
  assigneeId: Opt(Nullable(Type.Integer({ minimum: 1 }))),
}, { additionalProperties: false });
export type CreateRequestBody = Static<typeof CreateRequestBody>;

export const RequestQuery = Type.Object({
  q: Opt(Str(100)),
  status: Opt(Lit(REQUEST_STATUSES)),
  open: Opt(Type.Boolean()),
  kind: Opt(Lit(REQUEST_KINDS)),
  priority: Opt(Lit(PRIORITIES)),
  categoryCode: Opt(Code),
  channel: Opt(Lit(CHANNELS)),
  assigneeId: Opt(Type.Integer({ minimum: 1 })),
  queueCode: Opt(Code),
  customerNo: Opt(CustomerNo),
  breached: Opt(Type.Boolean()),
  escalated: Opt(Type.Boolean()),
  mine: Opt(Type.Boolean()),
  from: Opt(DateStr),
  to: Opt(DateStr),
  ...Paging,
}, { additionalProperties: false });
export type RequestQuery = Static<typeof RequestQuery>;

export const ArchiveQuery = Type.Object({
  q: Opt(Str(100)),
  kind: Opt(Lit(REQUEST_KINDS)),
  categoryCode: Opt(Code),
  from: Opt(DateStr),
  to: Opt(DateStr),
  ...Paging,
}, { additionalProperties: false });
export type ArchiveQuery = Static<typeof ArchiveQuery>;

export const SimilarQuery = Type.Object({
  kind: Lit(REQUEST_KINDS),
  categoryCode: Opt(Code),
  subject: Opt(Str(200)),
  description: Opt(Str(4000)),
}, { additionalProperties: false });

export const AssignBody = Type.Object({
  assigneeId: Opt(Nullable(Type.Integer({ minimum: 1 }))),
  queueCode: Opt(Nullable(Code)),
  note: Opt(Str(1000)),
}, { additionalProperties: false });
export type AssignBody = Static<typeof AssignBody>;

export const NoteBody = Type.Object({ note: Text(4000) }, { additionalProperties: false });
export const OptionalNoteBody = Type.Object({ note: Opt(Str(1000)) }, { additionalProperties: false });

export const ResolveBody = Type.Object({
  resolution: Text(4000),
  rootCause: Opt(Nullable(Str(2000))),
  preventiveAction: Opt(Nullable(Str(2000))),
}, { additionalProperties: false });
export type ResolveBody = Static<typeof ResolveBody>;

export const CloseBody = Type.Object({
  satisfaction: Opt(Nullable(Type.Integer({ minimum: 1, maximum: 5 }))),
  satisfactionNote: Opt(Nullable(Str(1000))),
}, { additionalProperties: false });
export type CloseBody = Static<typeof CloseBody>;

export const ReopenBody = Type.Object({ reason: Text(1000) }, { additionalProperties: false });

export const ArchivePatch = Type.Object({
  rootCause: Text(2000),
  preventiveAction: Text(2000),
}, { additionalProperties: false });

export const DashboardQuery = Type.Object({ soonMinutes: Opt(Type.Integer({ minimum: 1, maximum: 7 * 24 * 60 })) }, { additionalProperties: false });

// ---- settings

export const SlaBody = Type.Object({
  items: Type.Array(Type.Object({
    kind: Lit(REQUEST_KINDS),
    priority: Lit(PRIORITIES),
    responseMinutes: Type.Integer({ minimum: 1, maximum: 525600 }),
    resolutionMinutes: Type.Integer({ minimum: 1, maximum: 525600 }),
  }, { additionalProperties: false }), { minItems: 1, maxItems: 24 }),
}, { additionalProperties: false });
export type SlaBody = Static<typeof SlaBody>;

export const CategoryBody = Type.Object({
  code: Code,
  parentCode: Opt(Nullable(Code)),
  name: Text(100),
  nameEn: Text(100),
  kind: Opt(Nullable(Lit(REQUEST_KINDS))),
  sortOrder: Opt(Type.Integer({ minimum: 0, maximum: 100000 })),
}, { additionalProperties: false });
export type CategoryBody = Static<typeof CategoryBody>;

export const CategoryPatch = Type.Object({
  name: Opt(Text(100)),
  nameEn: Opt(Text(100)),
  kind: Opt(Nullable(Lit(REQUEST_KINDS))),
  active: Opt(Type.Boolean()),
  sortOrder: Opt(Type.Integer({ minimum: 0, maximum: 100000 })),
}, { additionalProperties: false });
export type CategoryPatch = Static<typeof CategoryPatch>;

export const PriorityPatch = Type.Object({
  name: Opt(Text(40)),
  nameEn: Opt(Text(40)),
  rank: Opt(Type.Integer({ minimum: 1, maximum: 100 })),
  active: Opt(Type.Boolean()),
}, { additionalProperties: false });
export type PriorityPatch = Static<typeof PriorityPatch>;

export const QueueBody = Type.Object({
  code: Code,
  name: Text(100),
  nameEn: Text(100),
  orgId: Opt(Nullable(Type.Integer({ minimum: 1 }))),
}, { additionalProperties: false });
export type QueueBody = Static<typeof QueueBody>;

export const MembersBody = Type.Object({ userIds: Type.Array(Type.Integer({ minimum: 1 }), { maxItems: 500 }) }, { additionalProperties: false });

// ---- outbound

export const OutboundQuery = Type.Object({
  status: Opt(Lit(['planned', 'done', 'cancelled'] as const)),
  kind: Opt(Lit(OUTBOUND_KINDS)),
  ownerId: Opt(Type.Integer({ minimum: 1 })),
  customerNo: Opt(CustomerNo),
  from: Opt(DateStr),
  to: Opt(DateStr),
  ...Paging,
}, { additionalProperties: false });
export type OutboundQuery = Static<typeof OutboundQuery>;

export const OutboundBody = Type.Object({
  customerNo: CustomerNo,
  kind: Lit(OUTBOUND_KINDS),
  purpose: Text(500),
  plannedAt: DateTime,
  ownerId: Opt(Type.Integer({ minimum: 1 })),
  reqNo: Opt(Nullable(Type.String({ pattern: '^SR\\d{8,20}$' }))),
}, { additionalProperties: false });
export type OutboundBody = Static<typeof OutboundBody>;

export const OutboundRecordBody = Type.Object({
  outcome: Lit(OUTBOUND_OUTCOMES),
  note: Opt(Str(2000)),
  doneAt: Opt(DateTime),
}, { additionalProperties: false });
export type OutboundRecordBody = Static<typeof OutboundRecordBody>;

// ---- dispatch

export const SkillsBody = Type.Object({
  skills: Type.Array(Type.Object({ code: Code, level: Type.Integer({ minimum: 1, maximum: 5 }) }, { additionalProperties: false }), { maxItems: 50 }),
}, { additionalProperties: false });

export const LeaveBody = Type.Object({ startsAt: DateTime, endsAt: DateTime, reason: Opt(Str(500)) }, { additionalProperties: false });

export const CandidatesQuery = Type.Object({
  skill: Code,
  startsAt: DateTime,
  endsAt: DateTime,
  customerNo: Opt(CustomerNo),
}, { additionalProperties: false });
export type CandidatesQuery = Static<typeof CandidatesQuery>;

export const DispatchBody = Type.Object({
  customerNo: CustomerNo,
  reqNo: Opt(Nullable(Type.String({ pattern: '^SR\\d{8,20}$' }))),
  assigneeId: Type.Integer({ minimum: 1 }),
  skill: Code,
  startsAt: DateTime,
  endsAt: DateTime,
  address: Opt(Str(300)),
  task: Text(1000),
}, { additionalProperties: false });
export type DispatchBody = Static<typeof DispatchBody>;

export const DispatchRecordBody = Type.Object({
  status: Lit(['done', 'cancelled'] as const),
  outcome: Text(2000),
}, { additionalProperties: false });
export type DispatchRecordBody = Static<typeof DispatchRecordBody>;

export const DispatchQuery = Type.Object({
  status: Opt(Lit(['dispatched', 'done', 'cancelled'] as const)),
  assigneeId: Opt(Type.Integer({ minimum: 1 })),
  from: Opt(DateStr),
  to: Opt(DateStr),
  ...Paging,
}, { additionalProperties: false });
export type DispatchQuery = Static<typeof DispatchQuery>;
