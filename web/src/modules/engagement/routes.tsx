import { RiseOutlined } from '@ant-design/icons';
import type { WebModule } from '../../app/routing.tsx';
import { guard, page } from '../../app/routing.tsx';
import { en, zh } from './locales.ts';

const SalesPage = page(() => import('./components/SalesPage.tsx'), 'SalesPage');

export const engagementModule: WebModule = {
  routes: [
    { path: 'sales', element: guard('customer:read', <SalesPage />) },
    { path: 'sales/:tab', element: guard('customer:read', <SalesPage />) },
  ],
  menu: [{ path: '/sales', permission: 'customer:read', labelKey: 'engagement.menu', icon: <RiseOutlined />, order: 30 }],
  locales: { zh, en },
};
