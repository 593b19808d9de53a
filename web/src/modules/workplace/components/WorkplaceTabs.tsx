import { Tabs } from 'antd';
import { useLocation, useNavigate } from 'react-router';
import { useTranslation } from 'react-i18next';
import { useAuth } from '../../../app/auth.tsx';

const TABS = ['notices', 'manage', 'calendar', 'journal', 'reminders', 'notes'] as const;
const PATH: Record<(typeof TABS)[number], string> = {
  notices: '/workplace/notices',
  manage: '/workplace/notices/manage',
  calendar: '/workplace/calendar',
  journal: '/workplace/journal',
  reminders: '/workplace/reminders',
  notes: '/workplace/notes',
};

/** The workplace's own navigation: one side-menu entry, the parts as tabs across the top of each page. */
export function WorkplaceTabs() {
  const { t } = useTranslation();
  const { can } = useAuth();
  const location = useLocation();
  const navigate = useNavigate();
  const visible = TABS.filter((k) => k !== 'manage' || can('notice:publish'));
  const active = [...visible].sort((a, b) => PATH[b].length - PATH[a].length).find((k) => location.pathname.startsWith(PATH[k])) ?? 'notices';
  return (
    <Tabs
      size="small"
      activeKey={active}
      onChange={(k) => navigate(PATH[k as (typeof TABS)[number]])}
      items={visible.map((k) => ({ key: k, label: <span data-testid={`wp-tab-${k}`}>{t(`workplace.tabs.${k}`)}</span> }))}
      style={{ marginBottom: 8 }}
    />
  );
}
