import { ApiOutlined, DatabaseOutlined } from '@ant-design/icons';
import type { WebModule } from '../../app/routing.tsx';
import { guard, page } from '../../app/routing.tsx';
import { en, zh } from './locales.ts';

const InterfaceList = page(() => import('./components/InterfaceList.tsx'), 'InterfaceList');
const InterfaceDetail = page(() => import('./components/InterfaceDetail.tsx'), 'InterfaceDetail');
const SourcesPage = page(() => import('./components/SourcesPage.tsx'), 'SourcesPage');

/** Data interface platform: sources, mappings, loads with progress, quarantine. */
export const interfacesModule: WebModule = {
  routes: [
    { path: 'interfaces', element: guard('interface:manage', <InterfaceList />) },
    // Before :id, so "sources" is never read as an interface id.
    { path: 'interfaces/sources', element: guard('interface:manage', <SourcesPage />) },
    { path: 'interfaces/:id', element: guard('interface:manage', <InterfaceDetail />) },
  ],
  menu: [
    { path: '/interfaces', permission: 'interface:manage', labelKey: 'interfaces.menu', icon: <ApiOutlined />, order: 80 },
    { path: '/interfaces/sources', permission: 'interface:manage', labelKey: 'interfaces.sourcesMenu', icon: <DatabaseOutlined />, order: 81 },
  ],
  locales: { zh, en },
};
