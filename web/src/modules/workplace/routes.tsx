import { NotificationOutlined } from '@ant-design/icons';
import { Navigate } from 'react-router';
import type { WebModule } from '../../app/routing.tsx';
import { guard, page } from '../../app/routing.tsx';
import { en, zh } from './locales.ts';

const NoticeInbox = page(() => import('./components/NoticeInbox.tsx'), 'NoticeInbox');
const NoticeManage = page(() => import('./components/NoticeManage.tsx'), 'NoticeManage');
const NoticeDetail = page(() => import('./components/NoticeDetail.tsx'), 'NoticeDetail');
const CalendarPage = page(() => import('./components/CalendarPage.tsx'), 'CalendarPage');
const JournalPage = page(() => import('./components/JournalPage.tsx'), 'JournalPage');
const RemindersPage = page(() => import('./components/RemindersPage.tsx'), 'RemindersPage');
const NotesPage = page(() => import('./components/NotesPage.tsx'), 'NotesPage');

export const workplaceModule: WebModule = {
  routes: [
    { path: 'workplace', element: <Navigate to="/workplace/notices" replace /> },
    { path: 'workplace/notices', element: guard('customer:read', <NoticeInbox />) },
    { path: 'workplace/notices/manage', element: guard('notice:publish', <NoticeManage />) },
    { path: 'workplace/notices/:id', element: guard('customer:read', <NoticeDetail />) },
    { path: 'workplace/calendar', element: guard('customer:read', <CalendarPage />) },
    { path: 'workplace/journal', element: guard('customer:read', <JournalPage />) },
    { path: 'workplace/reminders', element: guard('customer:read', <RemindersPage />) },
    { path: 'workplace/notes', element: guard('customer:read', <NotesPage />) },
  ],
  menu: [{ path: '/workplace', permission: 'customer:read', labelKey: 'workplace.menu', icon: <NotificationOutlined />, order: 60 }],
  locales: { zh, en },
};
