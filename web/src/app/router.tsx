import type { ReactNode } from 'react';
import { createBrowserRouter, Navigate, useLocation } from 'react-router';
import { Button, Result, Spin } from 'antd';
import { useTranslation } from 'react-i18next';
import { useAuth, type Permission } from './auth.tsx';
import { Layout } from './Layout.tsx';
import { MODULES } from './modules.ts';
import { guard, page } from './routing.tsx';
import { LoginPage } from '../pages/LoginPage.tsx';
import { NotFound } from '../pages/NotFound.tsx';

const CustomersPage = page(() => import('../pages/CustomersPage.tsx'), 'CustomersPage');
const CustomerDetailPage = page(() => import('../pages/CustomerDetailPage.tsx'), 'CustomerDetailPage');
const CustomerNewPage = page(() => import('../pages/CustomerNewPage.tsx'), 'CustomerNewPage');
const CustomerEditPage = page(() => import('../pages/CustomerEditPage.tsx'), 'CustomerEditPage');
const OrgPage = page(() => import('../pages/OrgPage.tsx'), 'OrgPage');
const UsersPage = page(() => import('../pages/UsersPage.tsx'), 'UsersPage');
const RolesPage = page(() => import('../pages/RolesPage.tsx'), 'RolesPage');
const AuditPage = page(() => import('../pages/AuditPage.tsx'), 'AuditPage');

function RequireAuth({ children }: { children: ReactNode }) {
  const { t } = useTranslation();
  const { user, loading, error, retry } = useAuth();
  const location = useLocation();
  if (loading) return <Spin style={{ display: 'block', marginTop: 120 }} />;
  if (error) {
    return (
      <Result
        status="warning"
        title={t('common.loadFailed')}
        subTitle={error.message}
        extra={<Button onClick={retry}>{t('common.retry')}</Button>}
      />
    );
  }
  if (!user) return <Navigate to={`/login?next=${encodeURIComponent(location.pathname + location.search)}`} replace />;
  return <>{children}</>;
}

/** Everyone lands on the first page they may open: the workbench for front-office staff, admin pages for administrators. */
function Home() {
  const { can } = useAuth();
  const first: [Permission, string][] = [
    ...MODULES.flatMap((m) => m.menu).filter((e) => e.order < 20).map((e): [Permission, string] => [e.permission, e.path]),
    ['customer:read', '/customers'],
    ['admin:org', '/admin/orgs'],
    ['admin:user', '/admin/users'],
    ['admin:role', '/admin/roles'],
    ['audit:read', '/admin/audit'],
  ];
  const to = first.find(([p]) => can(p))?.[1] ?? '/customers';
  return <Navigate to={to} replace />;
}

export const router = createBrowserRouter([
  { path: '/login', element: <LoginPage /> },
  {
    path: '/',
    element: (
      <RequireAuth>
        <Layout />
      </RequireAuth>
    ),
    children: [
      { index: true, element: <Home /> },
      { path: 'customers', element: guard('customer:read', <CustomersPage />) },
      { path: 'customers/new', element: guard('customer:write', <CustomerNewPage />) },
      { path: 'customers/:customerNo', element: guard('customer:read', <CustomerDetailPage />) },
      { path: 'customers/:customerNo/edit', element: guard('customer:write', <CustomerEditPage />) },
      { path: 'admin/orgs', element: guard('admin:org', <OrgPage />) },
      { path: 'admin/users', element: guard('admin:user', <UsersPage />) },
      { path: 'admin/roles', element: guard('admin:role', <RolesPage />) },
      { path: 'admin/audit', element: guard('audit:read', <AuditPage />) },
      ...MODULES.flatMap((m) => m.routes),
      { path: '*', element: <NotFound /> },
    ],
  },
]);
