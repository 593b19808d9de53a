import { keepPreviousData, useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, download, toQuery } from '../../app/http.ts';

// Hand-written from server/modules/engagement/engagement.schemas.ts until the OpenAPI types are generated.

export type RecordKind = 'contact' | 'activity' | 'opportunity' | 'requirement';
export const RECORD_KINDS: RecordKind[] = ['contact', 'activity', 'opportunity', 'requirement'];
export const KIND_PATH: Record<RecordKind, string> = { contact: 'contacts', activity: 'activities', opportunity: 'opportunities', requirement: 'requirements' };

export const CHANNELS = ['visit', 'phone', 'email', 'sms', 'wechat', 'counter', 'web'] as const;
export type Channel = (typeof CHANNELS)[number];
export const ACTIVITY_TYPES = ['visit', 'call', 'meeting', 'email', 'event', 'task', 'other'] as const;
export const ACTIVITY_STATUSES = ['planned', 'in_progress', 'done', 'cancelled'] as const;
export const PRIORITIES = ['low', 'normal', 'high', 'urgent'] as const;
export const OPPORTUNITY_STATUSES = ['open', 'won', 'lost'] as const;
export const SALES_METHODS = ['face_to_face', 'phone', 'online', 'event', 'referral', 'cross_sell', 'other'] as const;
export const REQUIREMENT_STATUSES = ['new', 'analysing', 'in_progress', 'fulfilled', 'closed', 'rejected'] as const;
export const SEVERITIES = ['low', 'medium', 'high', 'critical'] as const;
export const URGENCIES = ['low', 'normal', 'high', 'urgent'] as const;
export const TARGET_PERIODS = ['month', 'quarter', 'year'] as const;
export const TARGET_METRICS = ['sales_amount', 'new_customers', 'aum', 'deposits', 'loans', 'products_sold'] as const;
export const MONEY_METRICS: string[] = ['sales_amount', 'aum', 'deposits', 'loans'];

export type LinkRef = { kind: RecordKind; id: number };
export type LinkedRecord = LinkRef & { title: string; at: string; status: string };
type Owned = { id: number; customerNo: string; customerName: string; ownerId: number; ownerName: string; createdAt: string; updatedAt: string };

export type Contact = Owned & { channel: Channel; startedAt: string; endedAt: string | null; summary: string; content: string | null; connected: boolean };
export type Activity = Owned & {
  type: string; status: string; priority: string; startsAt: string; endsAt: string | null; completed: boolean; completedAt: string | null;
  costFen: number; description: string; remarks: string | null;
};
export type OpportunityProduct = { productCode: string; name: string; nameEn: string; category: string; amountFen: number };
export type Opportunity = Owned & {
  oppNo: string; pipelineId: number; pipelineName: string; pipelineNameEn: string; stageId: number; stageCode: string; stageName: string; stageNameEn: string;
  status: 'open' | 'won' | 'lost'; probability: number; expectedValueFen: number; salesMethod: string | null; startsOn: string; endsOn: string | null;
  summary: string; content: string | null; wonAt: string | null; lostReason: string | null; products: OpportunityProduct[];
};
export type Requirement = Owned & {
  summary: string; content: string | null; status: string; subStatus: string | null; severity: string; urgency: string; startsOn: string; endsOn: string | null;
};
export type Sale = {
  id: number; customerNo: string; customerName: string; ownerId: number; ownerName: string; productCode: string; productName: string; productNameEn: string;
  amountFen: number; soldOn: string; opportunityId: number | null; oppNo: string | null; commissionFen: number;
};
export type WithLinks<T> = T & { links: LinkedRecord[] };
export type OpportunityDetail = WithLinks<Opportunity> & { sales: { id: number; productCode: string; amountFen: number; soldOn: string; commissionFen: number }[] };
export type RecordOf = { contact: Contact; activity: Activity; opportunity: Opportunity; requirement: Requirement };

export type Page<T> = { items: T[]; total: number; totalCapped?: boolean; page: number; pageSize: number };
export type Stage = { id: number; code: string; name: string; nameEn: string; position: number; probability: number; isWon: boolean; isLost: boolean };
export type Pipeline = { id: number; code: string; name: string; nameEn: string; party: 'person' | 'organization' | null; active: boolean; stages: Stage[] };
export type Product = { code: string; name: string; nameEn: string; category: string };
export type Meta = { pipelines: Pipeline[]; products: Product[] };

export type BoardStage = Stage & { count: number; valueFen: number; cards: Opportunity[] };
export type Board = { pipeline: { id: number; code: string; name: string; nameEn: string }; stages: BoardStage[] };
export type Funnel = {
  pipeline: { id: number; name: string; nameEn: string };
  stages: (Stage & { count: number; valueFen: number; weightedFen: number })[];
  totals: { openCount: number; openValueFen: number; weightedFen: number; wonCount: number; wonValueFen: number; lostCount: number };
};
export type Target = {
  id: number; userId: number; userName: string; period: string; periodStart: string; periodEnd: string; metric: string; money: boolean;
  target: string; actual: string; attainmentPct: number | null;
};
export type CommissionRule = {
  id: number; productCode: string; productName: string; productNameEn: string; rateBp: number | null; fixedFen: number | null; effectiveFrom: string; effectiveTo: string | null;
};
export type MySales = {
  from: string; to: string;
  items: { productCode: string; name: string; nameEn: string; count: number; amountFen: number; commissionFen: number }[];
  totals: { count: number; amountFen: number; commissionFen: number };
};

export type TimelineItem = {
  kind: 'audit' | RecordKind; id: number; at: string;
  // audit
  actor?: string; action?: string; entity?: string; fields?: string[]; changes?: unknown;
  /** Names of what the changes refer to by id or code, keyed "field:value" (org_id:5, manager_id:70, typeCode:spouse). */
  refs?: Record<string, { zh: string; en: string }>;
  // records
  summary?: string; channel?: string; status?: string; owner?: string; type?: string; oppNo?: string; stage?: string; stageEn?: string;
  expectedValueFen?: string; severity?: string; connected?: boolean;
};

export type ListFilters = { customerNo?: string; ownerId?: number; orgId?: number; from?: string; to?: string; page?: number; pageSize?: number; [k: string]: string | number | boolean | undefined };

export type ContactInput = { customerNo: string; channel: Channel; startedAt: string; endedAt?: string | null; summary: string; content?: string | null; connected?: boolean; links?: LinkRef[] };
export type ActivityInput = {
  customerNo: string; type: string; status?: string; priority?: string; startsAt: string; endsAt?: string | null; completed?: boolean; costFen?: number;
  description: string; remarks?: string | null; links?: LinkRef[];
};
export type OpportunityInput = {
  customerNo: string; pipelineId?: number; stageId?: number; probability?: number; expectedValueFen?: number; salesMethod?: string | null; startsOn?: string;
  endsOn?: string | null; summary: string; content?: string | null; products?: { productCode: string; amountFen: number }[]; links?: LinkRef[];
};
export type RequirementInput = {
  customerNo: string; summary: string; content?: string | null; status?: string; subStatus?: string | null; severity?: string; urgency?: string;
  startsOn?: string; endsOn?: string | null; links?: LinkRef[];
};
export type InputOf = { contact: ContactInput; activity: ActivityInput; opportunity: OpportunityInput; requirement: RequirementInput };

export const engagementApi = {
  meta: () => api<Meta>('/api/engagement/meta'),
  list: <K extends RecordKind>(kind: K, f: ListFilters) => api<Page<RecordOf[K]>>(`/api/${KIND_PATH[kind]}${toQuery(f)}`),
  get: <K extends RecordKind>(kind: K, id: number) => api<WithLinks<RecordOf[K]>>(`/api/${KIND_PATH[kind]}/${id}`),
  create: <K extends RecordKind>(kind: K, body: InputOf[K]) => api<WithLinks<RecordOf[K]>>(`/api/${KIND_PATH[kind]}`, { method: 'POST', body }),
  update: <K extends RecordKind>(kind: K, id: number, body: Partial<InputOf[K]> & Record<string, unknown>) =>
    api<WithLinks<RecordOf[K]>>(`/api/${KIND_PATH[kind]}/${id}`, { method: 'PATCH', body }),
  export: (kind: RecordKind | 'sale', f: ListFilters, fileName: string) => download(`/api/${kind === 'sale' ? 'sales' : KIND_PATH[kind]}/export${toQuery({ ...f, page: undefined, pageSize: undefined })}`, fileName),
  link: (from: LinkRef, to: LinkRef) => api<{ links: LinkedRecord[] }>(`/api/${KIND_PATH[from.kind]}/${from.id}/links`, { method: 'POST', body: to }),
  unlink: (from: LinkRef, to: LinkRef) => api<void>(`/api/${KIND_PATH[from.kind]}/${from.id}/links/${to.kind}/${to.id}`, { method: 'DELETE' }),
  moveStage: (id: number, stageId: number, lostReason?: string) => api<OpportunityDetail>(`/api/opportunities/${id}/stage`, { method: 'POST', body: { stageId, lostReason } }),
  board: (q: { pipelineId: number; ownerId?: number; orgId?: number }) => api<Board>(`/api/opportunities/board${toQuery(q)}`),
  funnel: (q: { pipelineId: number; ownerId?: number; orgId?: number }) => api<Funnel>(`/api/sales/funnel${toQuery(q)}`),
  timeline: (customerNo: string, before?: string) =>
    api<{ items: TimelineItem[]; nextCursor: string | null }>(`/api/customers/${encodeURIComponent(customerNo)}/timeline${toQuery({ before, limit: 20 })}`),
  pipelines: () => api<{ items: Pipeline[] }>('/api/pipelines'),
  savePipeline: (id: number | null, body: Record<string, unknown>) =>
    id ? api<Pipeline>(`/api/pipelines/${id}`, { method: 'PATCH', body }) : api<Pipeline>('/api/pipelines', { method: 'POST', body }),
  targets: (q: { period?: string; periodStart?: string; userId?: number }) => api<{ items: Target[] }>(`/api/sales/targets${toQuery(q)}`),
  setTarget: (body: { userId: number; period: string; periodStart: string; metric: string; target: number }) => api<{ id: number }>('/api/sales/targets', { method: 'PUT', body }),
  deleteTarget: (id: number) => api<void>(`/api/sales/targets/${id}`, { method: 'DELETE' }),
  commissionRules: () => api<{ items: CommissionRule[] }>('/api/sales/commission-rules'),
  addCommissionRule: (body: { productCode: string; rateBp?: number | null; fixedFen?: number | null; effectiveFrom: string; effectiveTo?: string | null }) =>
    api<{ id: number }>('/api/sales/commission-rules', { method: 'POST', body }),
  endCommissionRule: (id: number, effectiveTo: string | null) => api<void>(`/api/sales/commission-rules/${id}`, { method: 'PATCH', body: { effectiveTo } }),
  sales: (f: ListFilters) => api<Page<Sale> & { sums: { amountFen: number; commissionFen: number } }>(`/api/sales${toQuery(f)}`),
  mySales: (q: { from?: string; to?: string }) => api<MySales>(`/api/sales/mine${toQuery(q)}`),
  staff: () => api<{ items: { id: number; displayName: string; orgName: string }[] }>('/api/managers'),
};

export const engagementKeys = {
  all: ['engagement'] as const,
  meta: ['engagement', 'meta'] as const,
  list: (kind: RecordKind | 'sale', f: ListFilters) => ['engagement', 'list', kind, f] as const,
  record: (kind: RecordKind, id: number) => ['engagement', 'record', kind, id] as const,
  timeline: (customerNo: string) => ['engagement', 'timeline', customerNo] as const,
};

export function useEngagementMeta() {
  return useQuery({ queryKey: engagementKeys.meta, queryFn: engagementApi.meta, staleTime: 60_000 });
}

export function useRecords<K extends RecordKind>(kind: K, f: ListFilters, enabled = true) {
  return useQuery({ queryKey: engagementKeys.list(kind, f), queryFn: () => engagementApi.list(kind, f), placeholderData: keepPreviousData, enabled });
}

export function useRecord<K extends RecordKind>(kind: K, id: number | null) {
  return useQuery({ queryKey: engagementKeys.record(kind, id ?? 0), queryFn: () => engagementApi.get(kind, id!), enabled: !!id });
}

/** Every engagement write may change lists, boards, funnels, the timeline and linked records: refresh them all. */
export function useInvalidateEngagement() {
  const qc = useQueryClient();
  return () => void qc.invalidateQueries({ queryKey: engagementKeys.all });
}

export function useCreateRecord<K extends RecordKind>(kind: K) {
  const refresh = useInvalidateEngagement();
  return useMutation({ mutationFn: (body: InputOf[K]) => engagementApi.create(kind, body), onSuccess: refresh });
}

export function useUpdateRecord<K extends RecordKind>(kind: K, id: number) {
  const refresh = useInvalidateEngagement();
  return useMutation({ mutationFn: (body: Partial<InputOf[K]> & Record<string, unknown>) => engagementApi.update(kind, id, body), onSuccess: refresh });
}

export function useLink() {
  const refresh = useInvalidateEngagement();
  return useMutation({ mutationFn: ({ from, to }: { from: LinkRef; to: LinkRef }) => engagementApi.link(from, to), onSuccess: refresh });
}

export function useUnlink() {
  const refresh = useInvalidateEngagement();
  return useMutation({ mutationFn: ({ from, to }: { from: LinkRef; to: LinkRef }) => engagementApi.unlink(from, to), onSuccess: refresh });
}

export function useMoveStage() {
  const refresh = useInvalidateEngagement();
  return useMutation({ mutationFn: ({ id, stageId, lostReason }: { id: number; stageId: number; lostReason?: string }) => engagementApi.moveStage(id, stageId, lostReason), onSuccess: refresh });
}

export function useBoard(q: { pipelineId?: number; ownerId?: number; orgId?: number }) {
  return useQuery({ queryKey: ['engagement', 'board', q], queryFn: () => engagementApi.board({ ...q, pipelineId: q.pipelineId! }), enabled: !!q.pipelineId });
}

export function useFunnel(q: { pipelineId?: number; ownerId?: number; orgId?: number }) {
  return useQuery({ queryKey: ['engagement', 'funnel', q], queryFn: () => engagementApi.funnel({ ...q, pipelineId: q.pipelineId! }), enabled: !!q.pipelineId });
}

export function useTimeline(customerNo: string) {
  return useInfiniteQuery({
    queryKey: engagementKeys.timeline(customerNo),
    queryFn: ({ pageParam }) => engagementApi.timeline(customerNo, pageParam),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
}

export function useStaff(enabled: boolean) {
  return useQuery({ queryKey: ['managers', 'staff'], queryFn: engagementApi.staff, enabled, staleTime: 5 * 60_000 });
}
