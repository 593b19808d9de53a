import { CustomerServiceOutlined, DashboardOutlined } from '@ant-design/icons';
import type { WebModule } from '../../app/routing.tsx';
import { guard, page } from '../../app/routing.tsx';
import { en, zh } from './locales.ts';

const RequestList = page(() => import('./components/RequestList.tsx'), 'RequestList');
const RequestForm = page(() => import('./components/RequestForm.tsx'), 'RequestForm');
const RequestDetail = page(() => import('./components/RequestDetail.tsx'), 'RequestDetail');
const ServiceDashboard = page(() => import('./components/ServiceDashboard.tsx'), 'ServiceDashboard');
const OutboundPage = page(() => import('./components/OutboundPage.tsx'), 'OutboundPage');
const DispatchPage = page(() => import('./components/DispatchPage.tsx'), 'DispatchPage');
const ArchivePage = page(() => import('./components/ArchivePage.tsx'), 'ArchivePage');
const SlaSettings = page(() => import('./components/SlaSettings.tsx'), 'SlaSettings');

export const serviceModule: WebModule = {
  routes: [
    { path: 'service', element: guard('customer:read', <RequestList />) },
    { path: 'service/new', element: guard('service:handle', <RequestForm />) },
    { path: 'service/requests/:reqNo', element: guard('customer:read', <RequestDetail />) },
    { path: 'service/dashboard', element: guard('service:supervise', <ServiceDashboard />) },
    { path: 'service/outbound', element: guard('customer:read', <OutboundPage />) },
    { path: 'service/dispatch', element: guard('service:supervise', <DispatchPage />) },
    { path: 'service/archive', element: guard('customer:read', <ArchivePage />) },
    { path: 'service/settings', element: guard('service:supervise', <SlaSettings />) },
  ],
  menu: [
    { path: '/service', permission: 'service:handle', labelKey: 'service.menu', icon: <CustomerServiceOutlined />, order: 40 },
    { path: '/service/dashboard', permission: 'service:supervise', labelKey: 'service.menuDashboard', icon: <DashboardOutlined />, order: 41 },
  ],
  locales: { zh, en },
};
