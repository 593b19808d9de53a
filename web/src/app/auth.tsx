import { createContext, useCallback, useContext, useMemo, type ReactNode } from 'react';
import { useQuery, useQueryClient, type QueryClient } from '@tanstack/react-query';
import { api, ApiError } from './http.ts';

export type Permission =
  | 'customer:read'
  | 'customer:write'
  | 'customer:assign'
  | 'customer:export'
  | 'pii:view'
  | 'pii:unmask'
  | 'admin:org'
  | 'admin:user'
  | 'admin:role'
  | 'audit:read'
  | 'audit:export'
  | 'team:supervise'
  | 'sales:plan'
  | 'service:handle'
  | 'service:supervise'
  | 'product:manage'
  | 'notice:publish'
  | 'integration:review'
  | 'integration:manage'
  | 'interface:manage';

export type DataScope = 'own' | 'org' | 'subtree' | 'all';

export type Me = {
  id: number;
  username: string;
  displayName: string;
  orgId: number;
  orgName: string;
  orgNameEn: string;
  roleCode: string;
  roleName: string;
  roleNameEn: string;
  dataScope: DataScope;
  permissions: string[];
  /** An administrator set the password: the user changes it before anything else (the API refuses the rest). */
  mustChangePassword?: boolean;
};

type AuthValue = {
  user: Me | null;
  loading: boolean;
  /** Set when the session probe failed for a reason other than "not signed in" (e.g. server down). */
  error: Error | null;
  retry: () => void;
  login: (username: string, password: string) => Promise<Me>;
  logout: () => Promise<void>;
  can: (permission: Permission) => boolean;
};

const AuthContext = createContext<AuthValue | null>(null);

export const ME_KEY = ['auth', 'me'] as const;

/** Null when nobody is signed in; other failures stay errors so a server outage is not mistaken for "logged out". */
async function fetchMe(): Promise<Me | null> {
  try {
    return await api<Me>('/api/auth/me', { allow401: true });
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) return null;
    throw e;
  }
}

/**
 * Data cached for a previous user must not leak into the next session. The session query itself stays:
 * removing it would detach the provider's observer and leave it showing the old answer.
 */
function forgetOthers(qc: QueryClient): void {
  qc.removeQueries({ predicate: (q) => q.queryKey[0] !== ME_KEY[0] });
}

export function AuthProvider({ children }: { children: ReactNode }) {
  const qc = useQueryClient();
  const me = useQuery({ queryKey: ME_KEY, queryFn: fetchMe, staleTime: 5 * 60_000, retry: false });
  const user = me.data ?? null;

  const login = useCallback(
    async (username: string, password: string) => {
      const r = await api<{ user: Me }>('/api/auth/login', { method: 'POST', body: { username, password }, allow401: true });
      qc.setQueryData(ME_KEY, r.user);
      forgetOthers(qc);
      return r.user;
    },
    [qc],
  );

  const logout = useCallback(async () => {
    try {
      await api<void>('/api/auth/logout', { method: 'POST', allow401: true });
    } finally {
      qc.setQueryData(ME_KEY, null);
      forgetOthers(qc);
    }
  }, [qc]);

  const can = useCallback((p: Permission) => !!user?.permissions.includes(p), [user]);

  const value = useMemo<AuthValue>(
    () => ({ user, loading: me.isPending, error: me.error, retry: () => void me.refetch(), login, logout, can }),
    [user, me.isPending, me.error, me.refetch, login, logout, can],
  );
  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}

export function useAuth(): AuthValue {
  const v = useContext(AuthContext);
  if (!v) throw new Error('useAuth must be used inside <AuthProvider>');
  return v;
}
