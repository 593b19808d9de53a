import { DashboardOutlined, SolutionOutlined, TeamOutlined } from '@ant-design/icons';
import type { WebModule } from '../../app/routing.tsx';
import { guard, page } from '../../app/routing.tsx';
import { en, zh } from './locales.ts';

const Workbench = page(() => import('./components/Workbench.tsx'), 'Workbench');
const TeamView = page(() => import('./components/TeamView.tsx'), 'TeamView');
const ManagerAdmin = page(() => import('./components/ManagerAdmin.tsx'), 'ManagerAdmin');

export const managersModule: WebModule = {
  routes: [
    { path: 'workbench', element: guard('customer:read', <Workbench />) },
    { path: 'team', element: guard('team:supervise', <TeamView />) },
    { path: 'managers', element: guard('team:supervise', <ManagerAdmin />) },
  ],
  menu: [
    { path: '/workbench', permission: 'customer:read', labelKey: 'managers.menu', icon: <DashboardOutlined />, order: 10 },
    { path: '/team', permission: 'team:supervise', labelKey: 'managers.teamMenu', icon: <TeamOutlined />, order: 12 },
    { path: '/managers', permission: 'team:supervise', labelKey: 'managers.adminMenu', icon: <SolutionOutlined />, order: 14 },
  ],
  locales: { zh, en },
};
