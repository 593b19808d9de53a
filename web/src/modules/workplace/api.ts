import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, download, toQuery } from '../../app/http.ts';

// Hand-written from server/modules/workplace/workplace.routes.ts until the OpenAPI types are generated.

export type Page<T> = { items: T[]; total: number; page: number; pageSize: number };
export type NoticePriority = 'normal' | 'important' | 'urgent';
export type NoticeState = 'published' | 'withdrawn' | 'scheduled' | 'expired';
export type Attachment = { name: string; url: string };

export type InboxItem = {
  id: number; title: string; priority: NoticePriority; pinned: boolean; publishAt: string; expireAt: string | null;
  attachmentCount: number; readAt: string | null; publisherName: string; orgName: string; orgNameEn: string;
};
export type Notice = {
  id: number; title: string; body: string; format: 'text' | 'markdown'; priority: NoticePriority; pinned: boolean; status: 'published' | 'withdrawn';
  orgIds: number[]; roles: string[]; attachments: Attachment[]; publishAt: string; expireAt: string | null; publisherName: string;
  orgName: string; orgNameEn: string; readAt?: string | null; addressed?: boolean; canManage?: boolean;
};
export type ManagedNotice = {
  id: number; title: string; priority: NoticePriority; pinned: boolean; state: NoticeState; publishAt: string; expireAt: string | null;
  orgIds: number[]; roles: string[]; publisherName: string; orgName: string; orgNameEn: string; audience: number; read: number; unread: number;
};
export type Reader = { userId: number; username: string; displayName: string; orgName: string; orgNameEn: string; roleName: string; roleNameEn: string; readAt: string | null };
export type NoticeInput = {
  title: string; body?: string; format?: 'text' | 'markdown'; priority?: NoticePriority; pinned?: boolean; orgIds?: number[]; roles?: string[];
  publishAt?: string | null; expireAt?: string | null; attachments?: Attachment[];
};
export type WorkplaceMeta = {
  orgs: { id: number; parentId: number | null; name: string; nameEn: string; publishable: boolean }[];
  roles: { code: string; name: string; nameEn: string }[];
};
export type Colleague = { id: number; username: string; displayName: string; orgName: string; orgNameEn: string };

export type CalendarEvent = {
  id: number; title: string; startsAt: string; endsAt: string; allDay: boolean; location: string | null; description: string | null;
  customerNo?: string; customerName?: string; ownerId: number; ownerName: string; shared: boolean; mine: boolean;
  shareOrgId: number | null; shareOrgName: string | null; shareOrgNameEn: string | null; shareUsers: { id: number; displayName: string }[]; remindAt: string | null;
};
export type EventInput = {
  title: string; startsAt: string; endsAt: string; allDay?: boolean; location?: string | null; description?: string | null;
  customerNo?: string | null; shareOrgId?: number | null; shareUserIds?: number[]; remindAt?: string | null;
};

export type JournalDay = { date: string; id: number | null; content: string; plan: string; updatedAt: string | null };
export type JournalWeek = {
  user: { id: number; username: string; displayName: string; orgName: string; orgNameEn: string };
  weekStart: string; weekEnd: string; editable: boolean; today: string; days: JournalDay[];
};
export type TeamMember = { userId: number; username: string; displayName: string; orgName: string; orgNameEn: string; roleName: string; roleNameEn: string; days: number; lastUpdated: string | null };

export type ReminderState = 'pending' | 'fired' | 'done';
export type Reminder = {
  id: number; title: string; note: string | null; remindAt: string; firedAt: string | null; seenAt: string | null; doneAt: string | null;
  state: ReminderState; calendarEventId: number | null; customerNo: string | null; customerName: string | null;
};
export type ReminderInput = { title: string; note?: string | null; remindAt: string; customerNo?: string | null };

export type Note = { id: number; title: string; content: string; tags: string[]; customerNo: string | null; customerName: string | null; createdAt: string; updatedAt: string };
export type NoteInput = { title: string; content?: string; tags?: string[]; customerNo?: string | null };

export type Home = { unreadNotices: number; notices: { id: number; title: string; priority: NoticePriority; pinned: boolean; publishAt: string; publisherName: string }[]; events: CalendarEvent[]; alerts: number };

const W = '/api/workplace';

export const workplaceApi = {
  inbox: (q: { q?: string; unread?: boolean; page: number; pageSize: number }) => api<Page<InboxItem> & { unread: number }>(`${W}/notices${toQuery(q)}`),
  notice: (id: number) => api<Notice>(`${W}/notices/${id}`),
  readAll: () => api<{ marked: number }>(`${W}/notices/read-all`, { method: 'POST' }),
  managed: (q: { q?: string; status?: NoticeState; page: number; pageSize: number }) => api<Page<ManagedNotice>>(`${W}/notices/manage${toQuery(q)}`),
  exportManaged: (q: { q?: string; status?: NoticeState }, name: string) => download(`${W}/notices/manage/export${toQuery(q)}`, name),
  createNotice: (body: NoticeInput) => api<Notice>(`${W}/notices`, { method: 'POST', body }),
  updateNotice: (id: number, body: Partial<NoticeInput>) => api<Notice>(`${W}/notices/${id}`, { method: 'PATCH', body }),
  withdrawNotice: (id: number) => api<Notice>(`${W}/notices/${id}/withdraw`, { method: 'POST' }),
  readers: (id: number, q: { read?: boolean; page: number; pageSize: number }) =>
    api<Page<Reader> & { audience: number; read: number; unread: number }>(`${W}/notices/${id}/readers${toQuery(q)}`),
  exportReaders: (id: number, name: string) => download(`${W}/notices/${id}/readers/export`, name),
  meta: () => api<WorkplaceMeta>(`${W}/meta`),
  colleagues: (q: string) => api<{ items: Colleague[] }>(`${W}/colleagues${toQuery({ q })}`),

  calendar: (from: string, to: string) => api<{ items: CalendarEvent[] }>(`${W}/calendar${toQuery({ from, to })}`),
  exportCalendar: (from: string, to: string, name: string) => download(`${W}/calendar/export${toQuery({ from, to })}`, name),
  createEvent: (body: EventInput) => api<CalendarEvent>(`${W}/calendar/events`, { method: 'POST', body }),
  updateEvent: (id: number, body: Partial<EventInput>) => api<CalendarEvent>(`${W}/calendar/events/${id}`, { method: 'PATCH', body }),
  deleteEvent: (id: number) => api<void>(`${W}/calendar/events/${id}`, { method: 'DELETE' }),

  journal: (week: string, userId?: number) => api<JournalWeek>(`${W}/journal${toQuery({ week, userId })}`),
  saveJournal: (date: string, body: { content?: string; plan?: string }) => api<JournalDay>(`${W}/journal/${date}`, { method: 'PUT', body }),
  team: (week: string, page: number, pageSize: number) => api<Page<TeamMember> & { weekStart: string; weekEnd: string }>(`${W}/journal/team${toQuery({ week, page, pageSize })}`),
  exportJournal: (from: string, to: string, userId: number | undefined, name: string) => download(`${W}/journal/export${toQuery({ from, to, userId })}`, name),

  alerts: () => api<{ count: number; items: Reminder[] }>(`${W}/alerts`),
  seen: (ids?: number[]) => api<{ marked: number }>(`${W}/alerts/seen`, { method: 'POST', body: ids ? { ids } : {} }),
  reminders: (q: { status?: ReminderState; page: number; pageSize: number }) => api<Page<Reminder>>(`${W}/reminders${toQuery(q)}`),
  exportReminders: (status: ReminderState | undefined, name: string) => download(`${W}/reminders/export${toQuery({ status })}`, name),
  createReminder: (body: ReminderInput) => api<Reminder>(`${W}/reminders`, { method: 'POST', body }),
  updateReminder: (id: number, body: Partial<ReminderInput>) => api<Reminder>(`${W}/reminders/${id}`, { method: 'PATCH', body }),
  doneReminder: (id: number, done: boolean) => api<Reminder>(`${W}/reminders/${id}/done`, { method: 'POST', body: { done } }),
  deleteReminder: (id: number) => api<void>(`${W}/reminders/${id}`, { method: 'DELETE' }),

  notes: (q: { q?: string; tag?: string; page: number; pageSize: number }) => api<Page<Note> & { tags: { tag: string; count: number }[] }>(`${W}/notes${toQuery(q)}`),
  exportNotes: (q: { q?: string; tag?: string }, name: string) => download(`${W}/notes/export${toQuery(q)}`, name),
  createNote: (body: NoteInput) => api<Note>(`${W}/notes`, { method: 'POST', body }),
  updateNote: (id: number, body: Partial<NoteInput>) => api<Note>(`${W}/notes/${id}`, { method: 'PATCH', body }),
  deleteNote: (id: number) => api<void>(`${W}/notes/${id}`, { method: 'DELETE' }),

  home: (from: string, to: string) => api<Home>(`${W}/home${toQuery({ from, to })}`),
};

/** Every workplace query key starts with this, so a write can refresh them all (lists, counts, bell, home widgets). */
export const WP_KEY = 'workplace';

export function useWorkplaceInvalidate() {
  const qc = useQueryClient();
  return () => qc.invalidateQueries({ queryKey: [WP_KEY] });
}

/** A mutation that refreshes every workplace query once it succeeds. */
export function useWpMutation<A, R>(fn: (a: A) => Promise<R>) {
  const invalidate = useWorkplaceInvalidate();
  return useMutation({ mutationFn: fn, onSuccess: () => void invalidate() });
}

export const useInbox = (q: Parameters<typeof workplaceApi.inbox>[0]) =>
  useQuery({ queryKey: [WP_KEY, 'inbox', q], queryFn: () => workplaceApi.inbox(q), placeholderData: keepPreviousData });
export const useNotice = (id: number) => useQuery({ queryKey: [WP_KEY, 'notice', id], queryFn: () => workplaceApi.notice(id), retry: false });
export const useManaged = (q: Parameters<typeof workplaceApi.managed>[0]) =>
  useQuery({ queryKey: [WP_KEY, 'managed', q], queryFn: () => workplaceApi.managed(q), placeholderData: keepPreviousData });
export const useReaders = (id: number, q: { read?: boolean; page: number; pageSize: number }, enabled: boolean) =>
  useQuery({ queryKey: [WP_KEY, 'readers', id, q], queryFn: () => workplaceApi.readers(id, q), enabled, placeholderData: keepPreviousData });
export const useWorkplaceMeta = (enabled = true) => useQuery({ queryKey: [WP_KEY, 'meta'], queryFn: workplaceApi.meta, staleTime: 10 * 60_000, enabled });
export const useColleagues = (q: string, enabled: boolean) => useQuery({ queryKey: [WP_KEY, 'colleagues', q], queryFn: () => workplaceApi.colleagues(q), enabled });
export const useCalendar = (from: string, to: string) =>
  useQuery({ queryKey: [WP_KEY, 'calendar', from, to], queryFn: () => workplaceApi.calendar(from, to), placeholderData: keepPreviousData });
export const useJournal = (week: string, userId?: number) =>
  useQuery({ queryKey: [WP_KEY, 'journal', week, userId], queryFn: () => workplaceApi.journal(week, userId), retry: false });
export const useTeam = (week: string, page: number, pageSize: number, enabled: boolean) =>
  useQuery({ queryKey: [WP_KEY, 'team', week, page, pageSize], queryFn: () => workplaceApi.team(week, page, pageSize), enabled, placeholderData: keepPreviousData });
/** The bell polls: fired reminders appear without a reload. */
export const useAlerts = () => useQuery({ queryKey: [WP_KEY, 'alerts'], queryFn: workplaceApi.alerts, refetchInterval: 60_000 });
export const useReminders = (q: Parameters<typeof workplaceApi.reminders>[0]) =>
  useQuery({ queryKey: [WP_KEY, 'reminders', q], queryFn: () => workplaceApi.reminders(q), placeholderData: keepPreviousData });
export const useNotes = (q: Parameters<typeof workplaceApi.notes>[0]) =>
  useQuery({ queryKey: [WP_KEY, 'notes', q], queryFn: () => workplaceApi.notes(q), placeholderData: keepPreviousData });
export const useHome = (from: string, to: string) =>
  useQuery({ queryKey: [WP_KEY, 'home', from, to], queryFn: () => workplaceApi.home(from, to), refetchInterval: 120_000 });
