import { Suspense, useState, type ReactNode } from 'react';
import { Link, Outlet, useLocation, useNavigate } from 'react-router';
import { Layout as AntLayout, Button, Dropdown, Menu, Space, Spin, Typography, theme, type MenuProps } from 'antd';
import {
  ApartmentOutlined,
  AuditOutlined,
  DownOutlined,
  KeyOutlined,
  LogoutOutlined,
  SafetyCertificateOutlined,
  SettingOutlined,
  TeamOutlined,
  UserOutlined,
} from '@ant-design/icons';
import { useTranslation } from 'react-i18next';
import { useAuth, type Permission } from './auth.tsx';
import { useLang } from './useLang.ts';
import { LanguageSwitch } from './LanguageSwitch.tsx';
import { ChangePasswordModal } from './ChangePasswordModal.tsx';
import { MODULES } from './modules.ts';
import { WorkplaceBell } from '../modules/workplace/components/WorkplaceBell.tsx';

type Entry = { path: string; permission: Permission; label: string; icon: ReactNode; order?: number };

export function Layout() {
  const { t } = useTranslation();
  const { user, can, logout } = useAuth();
  const { pick } = useLang();
  const location = useLocation();
  const navigate = useNavigate();
  const { token } = theme.useToken();
  const [collapsed, setCollapsed] = useState(false);
  const [pwOpen, setPwOpen] = useState(false);
  const forced = !!user?.mustChangePassword;

  // Customers sit between the workbench (order 10) and the other front-office modules.
  const customers: Entry = { path: '/customers', permission: 'customer:read', label: t('app.menu.customers'), icon: <TeamOutlined />, order: 20 };
  const modules: Entry[] = [customers, ...MODULES.flatMap((m) => m.menu).map((e): Entry => ({ ...e, label: t(e.labelKey) }))].sort((a, b) => (a.order ?? 0) - (b.order ?? 0));
  const admin: Entry[] = [
    { path: '/admin/orgs', permission: 'admin:org', label: t('app.menu.orgs'), icon: <ApartmentOutlined /> },
    { path: '/admin/users', permission: 'admin:user', label: t('app.menu.users'), icon: <UserOutlined /> },
    { path: '/admin/roles', permission: 'admin:role', label: t('app.menu.roles'), icon: <SafetyCertificateOutlined /> },
    { path: '/admin/audit', permission: 'audit:read', label: t('app.menu.audit'), icon: <AuditOutlined /> },
  ];
  const toItem = (e: Entry) => ({ key: e.path, icon: e.icon, label: <Link to={e.path}>{e.label}</Link> });
  const visibleAdmin = admin.filter((e) => can(e.permission));
  const items: MenuProps['items'] = [
    ...modules.filter((e) => can(e.permission)).map(toItem),
    ...(visibleAdmin.length ? [{ key: 'admin', icon: <SettingOutlined />, label: t('app.menu.admin'), children: visibleAdmin.map(toItem) }] : []),
  ];
  const selected = [...modules, ...admin].find((e) => location.pathname === e.path || location.pathname.startsWith(`${e.path}/`));

  const userMenu: MenuProps['items'] = [
    { key: 'password', icon: <KeyOutlined />, label: t('app.changePassword'), onClick: () => setPwOpen(true) },
    { type: 'divider' },
    {
      key: 'logout',
      icon: <LogoutOutlined />,
      label: <span data-testid="logout">{t('app.logout')}</span>,
      onClick: () => {
        void logout().finally(() => navigate('/login', { replace: true }));
      },
    },
  ];

  return (
    <AntLayout style={{ minHeight: '100vh' }}>
      <AntLayout.Sider theme="light" collapsible collapsed={collapsed} onCollapse={setCollapsed} breakpoint="lg" width={224} style={{ borderRight: `1px solid ${token.colorBorderSecondary}` }}>
        <div style={{ height: 48, display: 'flex', alignItems: 'center', justifyContent: 'center', fontWeight: 600, fontSize: 16 }}>
          <Link to="/">{collapsed ? t('app.shortTitle').slice(0, 1) : t('app.title')}</Link>
        </div>
        <Menu mode="inline" items={items} selectedKeys={selected ? [selected.path] : []} defaultOpenKeys={['admin']} />
      </AntLayout.Sider>
      <AntLayout>
        <AntLayout.Header
          style={{
            background: token.colorBgContainer,
            borderBottom: `1px solid ${token.colorBorderSecondary}`,
            padding: '0 16px',
            height: 48,
            lineHeight: '48px',
            display: 'flex',
            justifyContent: 'flex-end',
          }}
        >
          <Space size="middle">
            {user && (
              <Typography.Text type="secondary" data-testid="user-info">
                {pick(user.orgName, user.orgNameEn || user.orgName)} · {pick(user.roleName, user.roleNameEn)}
              </Typography.Text>
            )}
            {!forced && <WorkplaceBell />}
            <LanguageSwitch />
            <Dropdown menu={{ items: userMenu }} trigger={['click']}>
              <Button type="text" data-testid="user-menu" icon={<UserOutlined />}>
                {user?.displayName} <DownOutlined />
              </Button>
            </Dropdown>
          </Space>
        </AntLayout.Header>
        <AntLayout.Content style={{ padding: 16 }}>
          {/* Until an administrator-set password is changed, the API refuses everything else: no page opens. */}
          {forced ? null : (
            <Suspense fallback={<Spin style={{ display: 'block', marginTop: 64 }} />}>
              <Outlet />
            </Suspense>
          )}
        </AntLayout.Content>
      </AntLayout>
      <ChangePasswordModal open={pwOpen || forced} forced={forced} onClose={() => setPwOpen(false)} />
    </AntLayout>
  );
}
