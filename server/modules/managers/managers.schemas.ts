import { Type, type Static } from '@sinclair/typebox';
import { Lit, Nullable, Opt } from '../../platform/schema.ts';

const Str = (max: number, min = 0) => Type.String({ maxLength: max, minLength: min });
const Text = (max: number) => Type.String({ minLength: 1, maxLength: max, pattern: '\\S' });
const DateStr = Type.String({ format: 'date' });
const Id = Type.Integer({ minimum: 1 });
const CustomerNo = Type.String({ pattern: '^\\d{1,20}$' });
const Fen = Type.Integer({ minimum: 0 });
const Page = { page: Opt(Type.Integer({ minimum: 1, maximum: 100000 })), pageSize: Opt(Type.Integer({ minimum: 1, maximum: 200 })) };

export const LEVELS = ['junior', 'intermediate', 'senior'] as const;
export const REMINDER_KINDS = ['birthday', 'maturity', 'dormant', 'service_due', 'follow_up', 'custom'] as const;
export const REPORT_KINDS = ['weekly_plan', 'weekly_summary', 'monthly_plan', 'monthly_summary'] as const;
export const TRANSFER_STATUSES = ['pending', 'approved', 'rejected', 'cancelled'] as const;

export const IdParams = Type.Object({ id: Id });
export const UserIdParams = Type.Object({ userId: Id });

export const ManagersQuery = Type.Object({ orgId: Opt(Id) }, { additionalProperties: false });

export const ProfileQuery = Type.Object({
  orgId: Opt(Id), level: Opt(Lit(LEVELS)), q: Opt(Str(50)), ...Page,
}, { additionalProperties: false });
export type ProfileQuery = Static<typeof ProfileQuery>;

export const ProfileBody = Type.Object({
  level: Lit(LEVELS),
  recognizedOn: Opt(Nullable(DateStr)),
  specialities: Opt(Type.Array(Text(40), { maxItems: 20 })),
  maxCustomers: Opt(Nullable(Type.Integer({ minimum: 1, maximum: 100000 }))),
  remarks: Opt(Nullable(Str(1000))),
}, { additionalProperties: false });
export type ProfileBody = Static<typeof ProfileBody>;

export const AssignRule = Type.Object({
  customerNos: Opt(Type.Array(CustomerNo, { minItems: 1, maxItems: 1000 })),
  orgId: Opt(Id),
  typeCode: Opt(Str(40, 1)),
  party: Opt(Lit(['person', 'organization'] as const)),
  status: Opt(Lit(['potential', 'active', 'dormant', 'churned'] as const)),
  levelCode: Opt(Str(40, 1)),
  aumMinFen: Opt(Fen),
  aumMaxFen: Opt(Fen),
  unassignedOnly: Opt(Type.Boolean()),
  fromManagerId: Opt(Id),
}, { additionalProperties: false });
export type AssignRule = Static<typeof AssignRule>;

export const AssignPreviewBody = Type.Object({ rule: AssignRule, managerId: Id }, { additionalProperties: false });
export type AssignPreviewBody = Static<typeof AssignPreviewBody>;

export const AssignBody = Type.Object({
  rule: AssignRule, managerId: Id, reason: Text(500),
  /** The count the user saw in the preview; if the matching set changed since, nothing is moved. */
  expectedCount: Opt(Type.Integer({ minimum: 0 })),
}, { additionalProperties: false });
export type AssignBody = Static<typeof AssignBody>;

export const TransferRequestBody = Type.Object({ customerNo: CustomerNo, toManagerId: Id, reason: Text(500) }, { additionalProperties: false });
export type TransferRequestBody = Static<typeof TransferRequestBody>;

export const TransferTargetsQuery = Type.Object({ customerNo: CustomerNo }, { additionalProperties: false });

export const TransferQuery = Type.Object({ status: Opt(Lit(TRANSFER_STATUSES)), mine: Opt(Type.Boolean()), ...Page }, { additionalProperties: false });
export type TransferQuery = Static<typeof TransferQuery>;

export const DecisionBody = Type.Object({ note: Opt(Nullable(Str(500))) }, { additionalProperties: false });

export const HandoverBody = Type.Object({
  toManagerIds: Type.Array(Id, { minItems: 1, maxItems: 50, uniqueItems: true }),
  reason: Text(500),
}, { additionalProperties: false });
export type HandoverBody = Static<typeof HandoverBody>;

export const PerformanceQuery = Type.Object({ months: Opt(Type.Integer({ minimum: 1, maximum: 24 })) }, { additionalProperties: false });

export const ReminderQuery = Type.Object({
  kind: Opt(Lit(REMINDER_KINDS)), state: Opt(Lit(['open', 'done', 'dismissed', 'all'] as const)), ...Page,
}, { additionalProperties: false });
export type ReminderQuery = Static<typeof ReminderQuery>;

export const ReminderStateBody = Type.Object({ state: Lit(['done', 'dismissed', 'open'] as const) }, { additionalProperties: false });

export const ReminderBody = Type.Object({
  title: Text(200), dueOn: DateStr, customerNo: Opt(Nullable(CustomerNo)),
}, { additionalProperties: false });
export type ReminderBody = Static<typeof ReminderBody>;

export const MyCustomerFilters = Type.Object({
  q: Opt(Str(50)),
  status: Opt(Lit(['potential', 'active', 'dormant', 'churned'] as const)),
  levelCode: Opt(Str(40)),
  party: Opt(Lit(['person', 'organization'] as const)),
  aumMinFen: Opt(Fen),
  aumMaxFen: Opt(Fen),
  sort: Opt(Lit(['aum', 'name', 'createdAt', 'customerNo'] as const)),
  order: Opt(Lit(['asc', 'desc'] as const)),
}, { additionalProperties: false });
export type MyCustomerFilters = Static<typeof MyCustomerFilters>;

export const MyCustomerQuery = Type.Object({ ...MyCustomerFilters.properties, ...Page }, { additionalProperties: false });
export type MyCustomerQuery = Static<typeof MyCustomerQuery>;

export const PageQuery = Type.Object({ ...Page }, { additionalProperties: false });

export const SavedViewBody = Type.Object({ name: Text(60), filters: MyCustomerFilters }, { additionalProperties: false });
export type SavedViewBody = Static<typeof SavedViewBody>;

export const TeamQuery = Type.Object({ orgId: Opt(Id) }, { additionalProperties: false });

export const ReportBody = Type.Object({
  kind: Lit(REPORT_KINDS), periodStart: DateStr, content: Text(20000), submit: Opt(Type.Boolean()),
}, { additionalProperties: false });
export type ReportBody = Static<typeof ReportBody>;

export const ReportQuery = Type.Object({
  userId: Opt(Id), kind: Opt(Lit(REPORT_KINDS)), submittedOnly: Opt(Type.Boolean()), ...Page,
}, { additionalProperties: false });
export type ReportQuery = Static<typeof ReportQuery>;

export const CommentBody = Type.Object({ content: Text(2000) }, { additionalProperties: false });
