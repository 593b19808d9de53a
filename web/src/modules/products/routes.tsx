import { AppstoreOutlined, HeatMapOutlined } from '@ant-design/icons';
import type { WebModule } from '../../app/routing.tsx';
import { guard, page } from '../../app/routing.tsx';
import { en, zh } from './locales.ts';

const ProductList = page(() => import('./components/ProductList.tsx'), 'ProductList');
const ProductDetail = page(() => import('./components/ProductDetail.tsx'), 'ProductDetail');
const SegmentMatrix = page(() => import('./components/SegmentMatrix.tsx'), 'SegmentMatrix');
const CustomerHoldingsPage = page(() => import('./components/CustomerHoldings.tsx'), 'CustomerHoldingsPage');

export const productsModule: WebModule = {
  routes: [
    { path: 'products', element: guard('customer:read', <ProductList />) },
    // Before :code, so "matrix" is never read as a product code.
    { path: 'products/matrix', element: guard('customer:read', <SegmentMatrix />) },
    { path: 'products/holdings/:customerNo', element: guard('customer:read', <CustomerHoldingsPage />) },
    { path: 'products/:code', element: guard('customer:read', <ProductDetail />) },
  ],
  menu: [
    { path: '/products', permission: 'customer:read', labelKey: 'products.menu', icon: <AppstoreOutlined />, order: 50 },
    { path: '/products/matrix', permission: 'customer:read', labelKey: 'products.matrixMenu', icon: <HeatMapOutlined />, order: 51 },
  ],
  locales: { zh, en },
};
