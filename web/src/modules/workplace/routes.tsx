import { NotificationOutlined } from '@ant-design/icons';
import { Empty } from 'antd';
import type { WebModule } from '../../app/routing.tsx';
import { guard } from '../../app/routing.tsx';
import { en, zh } from './locales.ts';

export const workplaceModule: WebModule = {
  routes: [{ path: 'workplace', element: guard('customer:read', <Empty />) }],
  menu: [{ path: '/workplace', permission: 'customer:read', labelKey: 'workplace.menu', icon: <NotificationOutlined />, order: 60 }],
  locales: { zh, en },
};
