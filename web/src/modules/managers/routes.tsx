import { DashboardOutlined } from '@ant-design/icons';
import { Empty } from 'antd';
import type { WebModule } from '../../app/routing.tsx';
import { guard } from '../../app/routing.tsx';
import { en, zh } from './locales.ts';

export const managersModule: WebModule = {
  routes: [{ path: 'workbench', element: guard('customer:read', <Empty />) }],
  menu: [{ path: '/workbench', permission: 'customer:read', labelKey: 'managers.menu', icon: <DashboardOutlined />, order: 10 }],
  locales: { zh, en },
};
