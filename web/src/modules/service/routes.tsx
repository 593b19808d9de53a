import { CustomerServiceOutlined } from '@ant-design/icons';
import { Empty } from 'antd';
import type { WebModule } from '../../app/routing.tsx';
import { guard } from '../../app/routing.tsx';
import { en, zh } from './locales.ts';

export const serviceModule: WebModule = {
  routes: [{ path: 'service', element: guard('service:handle', <Empty />) }],
  menu: [{ path: '/service', permission: 'service:handle', labelKey: 'service.menu', icon: <CustomerServiceOutlined />, order: 40 }],
  locales: { zh, en },
};
