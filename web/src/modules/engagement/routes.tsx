import { RiseOutlined } from '@ant-design/icons';
import { Empty } from 'antd';
import type { WebModule } from '../../app/routing.tsx';
import { guard } from '../../app/routing.tsx';
import { en, zh } from './locales.ts';

export const engagementModule: WebModule = {
  routes: [{ path: 'sales', element: guard('customer:read', <Empty />) }],
  menu: [{ path: '/sales', permission: 'customer:read', labelKey: 'engagement.menu', icon: <RiseOutlined />, order: 30 }],
  locales: { zh, en },
};
