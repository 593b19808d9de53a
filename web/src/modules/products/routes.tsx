import { AppstoreOutlined } from '@ant-design/icons';
import { Empty } from 'antd';
import type { WebModule } from '../../app/routing.tsx';
import { guard } from '../../app/routing.tsx';
import { en, zh } from './locales.ts';

export const productsModule: WebModule = {
  routes: [{ path: 'products', element: guard('customer:read', <Empty />) }],
  menu: [{ path: '/products', permission: 'customer:read', labelKey: 'products.menu', icon: <AppstoreOutlined />, order: 50 }],
  locales: { zh, en },
};
