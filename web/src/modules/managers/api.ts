import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, download, toQuery } from '../../app/http.ts';

// Hand-written from server/modules/managers/managers.routes.ts until the OpenAPI types are generated.

export type Fen = number | string;
export type Page<T> = { items: T[]; total: number; page: number; pageSize: number };
export type ManagerLevel = 'junior' | 'intermediate' | 'senior';
export type ReminderKind = 'birthday' | 'maturity' | 'dormant' | 'service_due' | 'follow_up' | 'custom';
export type ReportKind = 'weekly_plan' | 'weekly_summary' | 'monthly_plan' | 'monthly_summary';
export type TransferStatus = 'pending' | 'approved' | 'rejected' | 'cancelled';

export const LEVELS: ManagerLevel[] = ['junior', 'intermediate', 'senior'];
export const REPORT_KINDS: ReportKind[] = ['weekly_plan', 'weekly_summary', 'monthly_plan', 'monthly_summary'];
export const REMINDER_KINDS: ReminderKind[] = ['birthday', 'maturity', 'dormant', 'service_due', 'follow_up', 'custom'];

export type Manager = { id: number; username: string; displayName: string; orgId: number; orgName: string; orgNameEn: string | null; managerLevel: ManagerLevel | null };
export type Profile = {
  userId: number; username: string; displayName: string; status: string; orgId: number; orgName: string; orgNameEn: string; level: ManagerLevel;
  recognizedOn: string | null; specialities: string[]; maxCustomers: number | null; remarks: string | null; customerCount: number; aumFen: Fen; updatedAt: string | null;
};
export type ProfileInput = { level: ManagerLevel; recognizedOn?: string | null; specialities?: string[]; maxCustomers?: number | null; remarks?: string | null };

export type TrendPoint = { month: string; asOf: string; aumFen: Fen | null; depositsFen: Fen | null; loansFen: Fen | null };
export type Target = { metric: string; period: 'month' | 'quarter' | 'year'; periodStart: string; target: string; actual: number; ratio: number | null };
export type Performance = {
  managerId: number; displayName: string; asOf: string; balancesAsOf: string;
  /** When the customer counts, AUM and new customers were counted (the morning's book snapshot); null: live. */
  bookAsOf: string | null;
  customers: number; aumFen: Fen; depositsFen: Fen; loansFen: Fen; byCategory: Record<string, Fen>;
  newCustomers: { month: number; quarter: number; year: number };
  sales: Record<'month' | 'quarter' | 'year', { amountFen: Fen; count: number }>;
  targets: Target[]; trend: TrendPoint[];
};

export type Reminder = {
  id: number; kind: ReminderKind; title: string; detail: Record<string, unknown>; dueOn: string; customerNo: string | null; customerName: string | null;
  doneAt: string | null; dismissedAt: string | null; createdAt: string;
};
export type MyCustomer = {
  customerNo: string; name: string; party: 'person' | 'organization'; status: string; levelCode: string | null; levelName: string | null; levelNameEn: string | null;
  aumFen: Fen; birthDate: string | null; lastContactAt: string | null; createdAt: string;
};
export type Task = { id: number; type: string; status: string; priority: string; startsAt: string; dueAt: string | null; description: string; customerNo: string; customerName: string };
export type Stage = {
  ownerId: number; stageId: number; stageCode: string; stageName: string; stageNameEn: string; pipelineName: string; pipelineNameEn: string;
  count: number; valueFen: Fen; weightedFen: Fen;
};
export type ContactLog = { id: number; channel: string; startedAt: string; summary: string; connected: boolean; customerNo: string; customerName: string };
export type Report = {
  id: number; userId: number; authorName: string; orgName: string; orgNameEn: string; kind: ReportKind; periodStart: string; content: string;
  submittedAt: string | null; createdAt: string; updatedAt: string; commentCount: number;
};
export type ReportDetail = Report & { comments: { id: number; userId: number; authorName: string; content: string; createdAt: string }[] };
export type Transfer = {
  id: number; customerNo: string; customerName: string; aumFen: Fen; fromManagerId: number | null; fromManagerName: string | null; toManagerId: number;
  toManagerName: string | null; reason: string; status: TransferStatus; requestedBy: number; requestedByName: string | null; createdAt: string;
  decidedBy: number | null; decidedByName: string | null; decidedAt: string | null; decisionNote: string | null;
};
export type Workbench = {
  user: { id: number; displayName: string; orgName: string; roleCode: string };
  today: string; reminderDays: number;
  /** When the book's counts and mix were taken (the daily snapshot, refreshed when customers move); null: counted live. */
  bookAsOf: string | null;
  customers: { total: number; items: MyCustomer[] };
  analysis: { byStatus: Record<string, number>; byLevel: { levelCode: string | null; levelName: string | null; levelNameEn: string | null; count: number; aumFen: Fen }[] };
  tasks: { total: number; totalCapped: boolean; overdue: number; items: Task[] };
  reminders: { total: number; totalCapped: boolean; items: Reminder[] };
  performance: Performance;
  pipeline: Stage[];
  worklog: ContactLog[];
  reports: Report[];
  transfers: { pending: number; items: Transfer[] };
  approvalsPending: number | null;
};
export type CustomerFilters = {
  q?: string; status?: string; levelCode?: string; party?: 'person' | 'organization'; aumMinFen?: number; aumMaxFen?: number;
  sort?: 'aum' | 'name' | 'createdAt' | 'customerNo'; order?: 'asc' | 'desc';
};
export type SavedView = { id: number; name: string; filters: CustomerFilters; createdAt: string };
export type TeamRow = {
  userId: number; username: string; displayName: string; orgId: number; orgName: string; orgNameEn: string; level: ManagerLevel | null;
  customers: number; aumFen: Fen; depositsFen: Fen; loansFen: Fen;
  contacts: { week: number; month: number }; activities: { week: number; month: number; doneMonth: number };
  pipeline: { count: number; valueFen: Fen; weightedFen: Fen }; salesMonth: { amountFen: Fen; count: number };
  overdue: { activities: number; service: number; reminders: number };
};
export type Team = { asOf: string; weekStart: string; monthStart: string; items: TeamRow[]; pendingTransfers: number; submittedReports: number };
export type AssignRule = {
  customerNos?: string[]; orgId?: number; typeCode?: string; party?: 'person' | 'organization'; status?: string; levelCode?: string;
  aumMinFen?: number; aumMaxFen?: number; unassignedOnly?: boolean; fromManagerId?: number;
};
export type AssignPreview = {
  count: number; aumFen: Fen; manager: { id: number; displayName: string; orgName: string };
  sample: { customerNo: string; name: string; aumFen: Fen; managerName: string | null; orgName: string }[];
};

const KEY = ['managers'] as const;

export const managersApi = {
  workbench: () => api<Workbench>('/api/workbench'),
  myCustomers: (q: CustomerFilters & { page: number; pageSize: number }) => api<Page<MyCustomer>>(`/api/workbench/customers${toQuery(q)}`),
  exportMyCustomers: (q: CustomerFilters) => download(`/api/workbench/customers/export${toQuery(q)}`, 'my-customers.xlsx'),
  views: () => api<{ items: SavedView[] }>('/api/workbench/views'),
  saveView: (name: string, filters: CustomerFilters) => api<SavedView>('/api/workbench/views', { method: 'POST', body: { name, filters } }),
  deleteView: (id: number) => api<void>(`/api/workbench/views/${id}`, { method: 'DELETE' }),
  reminders: (q: { kind?: ReminderKind; state?: string; page?: number; pageSize?: number }) => api<Page<Reminder>>(`/api/workbench/reminders${toQuery(q)}`),
  exportReminders: () => download('/api/workbench/reminders/export', 'reminders.xlsx'),
  exportTransfers: (status?: TransferStatus) => download(`/api/managers/transfer-requests/export${toQuery({ status })}`, 'transfer-requests.xlsx'),
  exportReports: (kind?: ReportKind) => download(`/api/managers/reports/export${toQuery({ kind, submittedOnly: true })}`, 'reports.xlsx'),
  setReminder: (id: number, state: 'done' | 'dismissed' | 'open') => api(`/api/workbench/reminders/${id}/state`, { method: 'POST', body: { state } }),
  addReminder: (body: { title: string; dueOn: string; customerNo?: string | null }) => api<{ id: number }>('/api/workbench/reminders', { method: 'POST', body }),
  managers: () => api<{ items: Manager[] }>('/api/managers'),
  profiles: (q: { orgId?: number; level?: ManagerLevel; q?: string; page: number; pageSize: number }) => api<Page<Profile>>(`/api/managers/profiles${toQuery(q)}`),
  exportProfiles: (q: { level?: ManagerLevel; q?: string }) => download(`/api/managers/profiles/export${toQuery(q)}`, 'managers.xlsx'),
  updateProfile: (userId: number, body: ProfileInput) => api<Profile>(`/api/managers/profiles/${userId}`, { method: 'PUT', body }),
  performance: (userId: number) => api<Performance>(`/api/managers/${userId}/performance`),
  previewAssign: (rule: AssignRule, managerId: number) => api<AssignPreview>('/api/managers/assignments/preview', { method: 'POST', body: { rule, managerId } }),
  assign: (body: { rule: AssignRule; managerId: number; reason: string; expectedCount?: number }) =>
    api<{ moved: number; customerNos: string[]; skipped: string[] }>('/api/managers/assignments', { method: 'POST', body }),
  handover: (userId: number, body: { toManagerIds: number[]; reason: string }) =>
    api<{ moved: number; distribution: { managerId: number; displayName: string; count: number; aumFen: Fen }[]; cancelledRequests: number }>(`/api/managers/${userId}/handover`, { method: 'POST', body }),
  transfers: (q: { status?: TransferStatus; mine?: boolean; page: number; pageSize: number }) => api<Page<Transfer>>(`/api/managers/transfer-requests${toQuery(q)}`),
  requestTransfer: (body: { customerNo: string; toManagerId: number; reason: string }) => api<Transfer>('/api/managers/transfer-requests', { method: 'POST', body }),
  decide: (id: number, decision: 'approve' | 'reject', note?: string) => api<Transfer>(`/api/managers/transfer-requests/${id}/${decision}`, { method: 'POST', body: { note: note ?? null } }),
  cancelTransfer: (id: number) => api<Transfer>(`/api/managers/transfer-requests/${id}/cancel`, { method: 'POST' }),
  team: () => api<Team>('/api/managers/team'),
  exportTeam: () => download('/api/managers/team/export', 'team.xlsx'),
  reports: (q: { userId?: number; kind?: ReportKind; submittedOnly?: boolean; page: number; pageSize: number }) => api<Page<Report>>(`/api/managers/reports${toQuery(q)}`),
  report: (id: number) => api<ReportDetail>(`/api/managers/reports/${id}`),
  saveReport: (body: { kind: ReportKind; periodStart: string; content: string; submit?: boolean }) => api<ReportDetail>('/api/managers/reports', { method: 'PUT', body }),
  comment: (id: number, content: string) => api<ReportDetail>(`/api/managers/reports/${id}/comments`, { method: 'POST', body: { content } }),
};

export const useWorkbench = () => useQuery({ queryKey: [...KEY, 'workbench'], queryFn: managersApi.workbench });
export const useMyCustomers = (q: CustomerFilters & { page: number; pageSize: number }) =>
  useQuery({ queryKey: [...KEY, 'my-customers', q], queryFn: () => managersApi.myCustomers(q), placeholderData: keepPreviousData });
export const useViews = () => useQuery({ queryKey: [...KEY, 'views'], queryFn: managersApi.views });
export const useManagers = (enabled = true) => useQuery({ queryKey: [...KEY, 'list'], queryFn: managersApi.managers, enabled });
export const useProfiles = (q: { level?: ManagerLevel; q?: string; page: number; pageSize: number }) =>
  useQuery({ queryKey: [...KEY, 'profiles', q], queryFn: () => managersApi.profiles(q), placeholderData: keepPreviousData });
export const usePerformance = (userId: number | null) =>
  useQuery({ queryKey: [...KEY, 'performance', userId], queryFn: () => managersApi.performance(userId!), enabled: userId !== null });
export const useTransfers = (q: { status?: TransferStatus; mine?: boolean; page: number; pageSize: number }) =>
  useQuery({ queryKey: [...KEY, 'transfers', q], queryFn: () => managersApi.transfers(q), placeholderData: keepPreviousData });
export const useTeam = () => useQuery({ queryKey: [...KEY, 'team'], queryFn: managersApi.team });
export const useReports = (q: { userId?: number; kind?: ReportKind; submittedOnly?: boolean; page: number; pageSize: number }) =>
  useQuery({ queryKey: [...KEY, 'reports', q], queryFn: () => managersApi.reports(q), placeholderData: keepPreviousData });
export const useReport = (id: number | null) => useQuery({ queryKey: [...KEY, 'report', id], queryFn: () => managersApi.report(id!), enabled: id !== null });
/** Refreshes every managers query after a write. */
export function useManagersMutation<A, R>(fn: (a: A) => Promise<R>) {
  const qc = useQueryClient();
  return useMutation({ mutationFn: fn, onSuccess: () => qc.invalidateQueries({ queryKey: KEY }) });
}
