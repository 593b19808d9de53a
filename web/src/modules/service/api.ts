import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, download, toQuery } from '../../app/http.ts';

export const KINDS = ['enquiry', 'complaint', 'suggestion', 'report', 'care', 'statement'] as const;
export type Kind = (typeof KINDS)[number];
export const PRIORITIES = ['low', 'normal', 'high', 'urgent'] as const;
export type Priority = (typeof PRIORITIES)[number];
export const CHANNELS = ['counter', 'phone', 'email', 'web', 'sms', 'wechat', 'app', 'visit'] as const;
export type Channel = (typeof CHANNELS)[number];
export const STATUSES = ['open', 'in_progress', 'pending_customer', 'resolved', 'closed'] as const;
export type Status = (typeof STATUSES)[number];
export const OUTCOMES = ['reached', 'not_reached', 'satisfied', 'follow_up', 'declined'] as const;
export type Outcome = (typeof OUTCOMES)[number];

export type Named = { id: number; name: string | null };
export type Category = { code: string; parentCode: string | null; name: string; nameEn: string; kind: Kind | null; active: boolean; sortOrder: number };
export type Sla = { kind: Kind; priority: Priority; responseMinutes: number; resolutionMinutes: number };
export type Queue = { code: string; name: string; nameEn: string; orgId: number | null; active: boolean; members: { id: number; name: string; username: string }[] };
export type Skill = { code: string; name: string; nameEn: string };
export type ServiceMeta = {
  categories: Category[];
  priorities: { code: Priority; name: string; nameEn: string; rank: number; active: boolean }[];
  slas: Sla[];
  queues: Queue[];
  skills: Skill[];
};

export type SlaState = { breached: boolean; responseBreached: boolean; remainingMs: number | null };
export type ServiceRequest = {
  reqNo: string;
  kind: Kind;
  categoryCode: string | null;
  categoryName: string | null;
  categoryNameEn: string | null;
  priority: Priority;
  channel: Channel;
  status: Status;
  subject: string;
  description: string;
  customer: { customerNo: string; name: string };
  assignee: Named | null;
  queue: { code: string; name: string | null; nameEn: string | null } | null;
  org: { id: number; name: string; nameEn: string };
  responseDueAt: string;
  respondedAt: string | null;
  dueAt: string;
  breachedAt: string | null;
  escalatedAt: string | null;
  escalatedTo: Named | null;
  resolution: string | null;
  resolvedAt: string | null;
  closedAt: string | null;
  satisfaction: number | null;
  satisfactionNote: string | null;
  rootCause: string | null;
  preventiveAction: string | null;
  createdBy: Named;
  createdAt: string;
  updatedAt: string;
  sla: SlaState;
};
export type Step = { id: number; action: string; note: string | null; fromStatus: string | null; toStatus: string | null; user: string | null; toUser: string | null; queueCode: string | null; at: string };
export type SimilarCase = {
  reqNo: string;
  kind: Kind;
  categoryCode: string | null;
  categoryName: string | null;
  categoryNameEn: string | null;
  subject: string;
  status: Status;
  resolution: string | null;
  rootCause: string | null;
  preventiveAction: string | null;
  resolvedAt: string | null;
  satisfaction: number | null;
  score: number;
};
export type RequestDetail = ServiceRequest & {
  steps: Step[];
  similar: SimilarCase[];
  can: Record<'assign' | 'take' | 'respond' | 'wait' | 'resolve' | 'close' | 'reopen' | 'archive', boolean>;
};
export type Page<T> = { items: T[]; total: number; page: number; pageSize: number };

export type RequestFilters = {
  q?: string;
  status?: Status;
  open?: boolean;
  kind?: Kind;
  priority?: Priority;
  breached?: boolean;
  mine?: boolean;
  customerNo?: string;
};
export type RequestQuery = RequestFilters & { page: number; pageSize: number };

export type CreateRequestInput = {
  customerNo: string;
  kind: Kind;
  categoryCode?: string | null;
  priority: Priority;
  channel: Channel;
  subject: string;
  description?: string;
  queueCode?: string | null;
  assigneeId?: number | null;
};

type Counts = { open: number; dueSoon: number; breached: number; escalated: number };
export type Dashboard = {
  now: string;
  soonMinutes: number;
  totals: Counts & { escalatedToMe: number; unassigned: number };
  byAssignee: (Counts & { id: number | null; name: string | null })[];
  byQueue: (Counts & { code: string | null; name: string | null; nameEn: string | null })[];
  byTeam: (Counts & { id: number; name: string; nameEn: string })[];
  items: ServiceRequest[];
};

export type Outbound = {
  id: number;
  kind: 'care_call' | 'visit';
  purpose: string;
  plannedAt: string;
  status: 'planned' | 'done' | 'cancelled';
  doneAt: string | null;
  outcome: Outcome | null;
  outcomeNote: string | null;
  customer: { customerNo: string; name: string };
  owner: Named;
  reqNo: string | null;
};
export type OutboundQuery = { status?: string; kind?: string; page: number; pageSize: number };

export type Candidate = { id: number; name: string; username: string; orgName: string; orgNameEn: string; level: number; onLeave: boolean; busy: boolean; load: number; near: boolean; available: boolean };
export type Dispatch = {
  id: number;
  skill: { code: string; name: string; nameEn: string };
  startsAt: string;
  endsAt: string;
  address: string;
  task: string;
  status: 'dispatched' | 'done' | 'cancelled';
  outcome: string | null;
  doneAt: string | null;
  customer: { customerNo: string; name: string };
  assignee: Named;
  reqNo: string | null;
};
export type Staff = { id: number; username: string; name: string; orgName: string; orgNameEn: string; roleName: string; roleNameEn: string; skills: { code: string; level: number }[] };

const req = (reqNo: string) => `/api/service/requests/${encodeURIComponent(reqNo)}`;

export const serviceApi = {
  meta: () => api<ServiceMeta>('/api/service/meta'),
  list: (q: RequestQuery) => api<Page<ServiceRequest>>(`/api/service/requests${toQuery(q)}`),
  export: (q: RequestFilters, name: string) => download(`/api/service/requests/export${toQuery(q)}`, name),
  get: (reqNo: string) => api<RequestDetail>(req(reqNo)),
  create: (body: CreateRequestInput) => api<RequestDetail>('/api/service/requests', { method: 'POST', body }),
  similar: (q: { kind: Kind; categoryCode?: string; subject?: string; description?: string }) => api<{ items: SimilarCase[] }>(`/api/service/requests/similar${toQuery(q)}`),
  action: (reqNo: string, action: string, body: unknown) => api<RequestDetail>(`${req(reqNo)}/${action}`, { method: 'POST', body }),
  archivePatch: (reqNo: string, body: { rootCause: string; preventiveAction: string }) =>
    api<RequestDetail>(`/api/service/archive/${encodeURIComponent(reqNo)}`, { method: 'PATCH', body }),
  archive: (q: { q?: string; kind?: Kind; page: number; pageSize: number }) => api<Page<ServiceRequest>>(`/api/service/archive${toQuery(q)}`),
  dashboard: (soonMinutes: number) => api<Dashboard>(`/api/service/dashboard${toQuery({ soonMinutes })}`),
  saveSlas: (items: Sla[]) => api<ServiceMeta>('/api/service/slas', { method: 'PUT', body: { items } }),
  outbound: (q: OutboundQuery) => api<Page<Outbound>>(`/api/service/outbound${toQuery(q)}`),
  exportOutbound: (q: Omit<OutboundQuery, 'page' | 'pageSize'>, name: string) => download(`/api/service/outbound/export${toQuery(q)}`, name),
  planOutbound: (body: { customerNo: string; kind: string; purpose: string; plannedAt: string }) => api<Outbound>('/api/service/outbound', { method: 'POST', body }),
  recordOutbound: (id: number, body: { outcome: Outcome; note?: string }) => api<Outbound>(`/api/service/outbound/${id}/record`, { method: 'POST', body }),
  cancelOutbound: (id: number) => api<Outbound>(`/api/service/outbound/${id}/cancel`, { method: 'POST', body: {} }),
  staff: () => api<{ items: Staff[] }>('/api/service/staff'),
  setSkills: (userId: number, skills: { code: string; level: number }[]) => api<{ items: Staff[] }>(`/api/service/staff/${userId}/skills`, { method: 'PUT', body: { skills } }),
  addLeave: (userId: number, body: { startsAt: string; endsAt: string; reason?: string }) => api<{ id: number }>(`/api/service/staff/${userId}/leaves`, { method: 'POST', body }),
  candidates: (q: { skill: string; startsAt: string; endsAt: string; customerNo?: string }) => api<{ items: Candidate[] }>(`/api/service/dispatch/candidates${toQuery(q)}`),
  dispatches: (q: { status?: string; page: number; pageSize: number }) => api<Page<Dispatch>>(`/api/service/dispatches${toQuery(q)}`),
  exportDispatches: (name: string) => download('/api/service/dispatches/export', name),
  dispatch: (body: { customerNo: string; assigneeId: number; skill: string; startsAt: string; endsAt: string; task: string; address?: string; reqNo?: string }) =>
    api<Dispatch>('/api/service/dispatches', { method: 'POST', body }),
  recordDispatch: (id: number, body: { status: 'done' | 'cancelled'; outcome: string }) => api<Dispatch>(`/api/service/dispatches/${id}/record`, { method: 'POST', body }),
};

export const serviceKeys = {
  meta: ['service', 'meta'] as const,
  list: (q: RequestQuery) => ['service', 'list', q] as const,
  detail: (reqNo: string) => ['service', 'detail', reqNo] as const,
};

export function useServiceMeta() {
  return useQuery({ queryKey: serviceKeys.meta, queryFn: serviceApi.meta, staleTime: 5 * 60_000 });
}

export function useRequests(q: RequestQuery) {
  return useQuery({ queryKey: serviceKeys.list(q), queryFn: () => serviceApi.list(q), placeholderData: keepPreviousData, refetchInterval: 60_000 });
}

export function useRequest(reqNo: string) {
  return useQuery({ queryKey: serviceKeys.detail(reqNo), queryFn: () => serviceApi.get(reqNo), refetchInterval: 60_000 });
}

/** One handling action; the answer is the fresh detail, and lists and the dashboard are stale. */
export function useRequestAction(reqNo: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({ action, body }: { action: string; body?: unknown }) =>
      action === 'archive' ? serviceApi.archivePatch(reqNo, body as { rootCause: string; preventiveAction: string }) : serviceApi.action(reqNo, action, body),
    onSuccess: (d) => {
      qc.setQueryData(serviceKeys.detail(reqNo), d);
      void qc.invalidateQueries({ queryKey: ['service', 'list'] });
      void qc.invalidateQueries({ queryKey: ['service', 'dashboard'] });
    },
  });
}
