import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, download, toQuery } from '../../app/http.ts';
import type { DataScope, Permission } from '../../app/auth.tsx';

// Hand-written from docs/api-contract.md until the OpenAPI types are generated.

export type OrgKind = 'head' | 'branch' | 'subbranch' | 'department';
/**
 * What may be added under a unit of each kind, as the server enforces: head office → branch → sub-branch, departments
 * under the first two. There is one head office, made at installation.
 */
export const CHILD_KINDS: Record<OrgKind, OrgKind[]> = { head: ['branch', 'department'], branch: ['subbranch', 'department'], subbranch: [], department: [] };
export type OrgUnit = {
  id: number;
  parentId: number | null;
  code: string;
  name: string;
  nameEn: string;
  kind: OrgKind;
  path: string;
  /** Only for those who administer units or users; the pickers of everyone else get names and codes alone. */
  userCount?: number;
  customerCount?: number;
};
export type OrgInput = { parentId: number; code: string; name: string; nameEn: string; kind: OrgKind };
/** `parentId` moves the unit, with everything below it, under another parent. */
export type OrgPatch = { name?: string; nameEn?: string; parentId?: number };

export type UserStatus = 'active' | 'disabled';
export type ManagerLevel = 'junior' | 'intermediate' | 'senior';
export const MANAGER_LEVELS: ManagerLevel[] = ['junior', 'intermediate', 'senior'];
export type AdminUser = {
  id: number;
  username: string;
  displayName: string;
  orgId: number;
  orgName: string;
  orgNameEn: string;
  roleCode: string;
  roleName: string;
  roleNameEn: string;
  status: UserStatus;
  managerLevel: ManagerLevel | null;
  email: string | null;
  mobile: string | null;
  /** Set only while a lock-out is in force. */
  lockedUntil: string | null;
  createdAt: string;
};
export type UserQuery = { q?: string; orgId?: number; page: number; pageSize: number };
export type UserInput = {
  username: string;
  displayName: string;
  password: string;
  orgId: number;
  roleCode: string;
  managerLevel?: ManagerLevel | null;
  email?: string | null;
  mobile?: string | null;
};
export type UserPatch = Partial<Omit<UserInput, 'username' | 'password'>> & { status?: UserStatus; moveCustomers?: boolean };

export type Role = {
  id: number;
  code: string;
  name: string;
  nameEn: string;
  dataScope: DataScope;
  permissions: Permission[];
  builtin: boolean;
  userCount: number;
};
export const DATA_SCOPES: DataScope[] = ['own', 'org', 'subtree', 'all'];
export type RoleInput = { code: string; name: string; nameEn: string; dataScope: DataScope; permissions: Permission[] };
export type RolePatch = Partial<Omit<RoleInput, 'code'>>;

export type AuditEntry = {
  id: number;
  at: string;
  actorName: string;
  action: string;
  entity: string;
  entityId: string | null;
  customerNo: string | null;
  customerName: string | null;
  fields: string[] | null;
  changes: unknown;
  ip: string | null;
};
export type AuditFilters = { actor?: string; customerNo?: string; action?: string; from?: string; to?: string };
export type AuditQuery = AuditFilters & { page: number; pageSize: number };

export const adminKeys = {
  orgs: ['admin', 'orgs'] as const,
  users: (q: UserQuery) => ['admin', 'users', q] as const,
  roles: ['admin', 'roles'] as const,
  audit: (q: AuditQuery) => ['admin', 'audit', q] as const,
};

export const adminApi = {
  orgs: () => api<{ items: OrgUnit[] }>('/api/admin/orgs'),
  createOrg: (body: OrgInput) => api<{ id: number }>('/api/admin/orgs', { method: 'POST', body }),
  updateOrg: (id: number, body: OrgPatch) => api<void>(`/api/admin/orgs/${id}`, { method: 'PATCH', body }),
  deleteOrg: (id: number) => api<void>(`/api/admin/orgs/${id}`, { method: 'DELETE' }),
  users: (q: UserQuery) => api<{ items: AdminUser[]; total: number }>(`/api/admin/users${toQuery(q)}`),
  createUser: (body: UserInput) => api<{ id: number }>('/api/admin/users', { method: 'POST', body }),
  updateUser: (id: number, body: UserPatch) => api<void>(`/api/admin/users/${id}`, { method: 'PATCH', body }),
  resetPassword: (id: number, password: string) => api<void>(`/api/admin/users/${id}/reset-password`, { method: 'POST', body: { password } }),
  unlockUser: (id: number) => api<void>(`/api/admin/users/${id}/unlock`, { method: 'POST' }),
  roles: () => api<{ items: Role[]; permissions: Permission[] }>('/api/admin/roles'),
  createRole: (body: RoleInput) => api<{ id: number }>('/api/admin/roles', { method: 'POST', body }),
  updateRole: (id: number, body: RolePatch) => api<void>(`/api/admin/roles/${id}`, { method: 'PATCH', body }),
  audit: (q: AuditQuery) => api<{ items: AuditEntry[]; total: number; /** The bank's time zone (IANA), in which the date filter takes its days. */ timeZone?: string }>(`/api/admin/audit${toQuery(q)}`),
  exportAudit: (q: AuditFilters, fileName: string) => download(`/api/admin/audit/export${toQuery(q)}`, fileName),
};

export function useOrgs(enabled = true) {
  return useQuery({ queryKey: adminKeys.orgs, queryFn: adminApi.orgs, enabled, staleTime: 60_000 });
}

export function useUsers(q: UserQuery) {
  return useQuery({ queryKey: adminKeys.users(q), queryFn: () => adminApi.users(q), placeholderData: keepPreviousData });
}

export function useRoles(enabled = true) {
  return useQuery({ queryKey: adminKeys.roles, queryFn: adminApi.roles, enabled });
}

export function useAudit(q: AuditQuery) {
  return useQuery({ queryKey: adminKeys.audit(q), queryFn: () => adminApi.audit(q), placeholderData: keepPreviousData });
}

/** Admin writes answer with little or nothing, so every one simply refetches the lists it touches. */
function useAdminMutation<V, R>(fn: (v: V) => Promise<R>, invalidate: readonly (readonly string[])[]) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: fn,
    onSuccess: () => Promise.all(invalidate.map((k) => qc.invalidateQueries({ queryKey: k }))),
  });
}

export const useCreateOrg = () => useAdminMutation(adminApi.createOrg, [adminKeys.orgs]);
export const useUpdateOrg = () => useAdminMutation((v: { id: number } & OrgPatch) => adminApi.updateOrg(v.id, { name: v.name, nameEn: v.nameEn }), [adminKeys.orgs]);
// A move or a deletion changes which unit lists each user (and their scope): users and the signed-in user are refetched too.
export const useMoveOrg = () => useAdminMutation((v: { id: number; parentId: number }) => adminApi.updateOrg(v.id, { parentId: v.parentId }), [adminKeys.orgs, ['admin', 'users'], ['auth', 'me']]);
export const useDeleteOrg = () => useAdminMutation((id: number) => adminApi.deleteOrg(id), [adminKeys.orgs]);
// Users and org counts move together (a new user changes its unit's count).
export const useCreateUser = () => useAdminMutation(adminApi.createUser, [['admin', 'users'], adminKeys.orgs, adminKeys.roles]);
export const useUpdateUser = () =>
  useAdminMutation((v: { id: number; patch: UserPatch }) => adminApi.updateUser(v.id, v.patch), [['admin', 'users'], adminKeys.orgs, adminKeys.roles]);
export const useResetPassword = () => useAdminMutation((v: { id: number; password: string }) => adminApi.resetPassword(v.id, v.password), [['admin', 'users']]);
export const useUnlockUser = () => useAdminMutation((id: number) => adminApi.unlockUser(id), [['admin', 'users']]);
export const useCreateRole = () => useAdminMutation(adminApi.createRole, [adminKeys.roles]);
export const useUpdateRole = () => useAdminMutation((v: { id: number; patch: RolePatch }) => adminApi.updateRole(v.id, v.patch), [adminKeys.roles, ['auth', 'me']]);
