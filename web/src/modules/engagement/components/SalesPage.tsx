import { lazy, Suspense, type ReactNode } from 'react';
import { useNavigate, useParams } from 'react-router';
import { Card, Skeleton, Tabs } from 'antd';
import { useTranslation } from 'react-i18next';
import { PipelineBoard } from './PipelineBoard.tsx';
import { RecordList } from './RecordList.tsx';
import { SalesRecords } from './SalesRecords.tsx';
import { SalesSettings } from './SalesSettings.tsx';
import { SalesTargets } from './SalesTargets.tsx';

// echarts is large: only the funnel tab loads it.
const SalesFunnel = lazy(async () => ({ default: (await import('./SalesFunnel.tsx')).SalesFunnel }));

const TABS = ['board', 'opportunities', 'contacts', 'activities', 'requirements', 'funnel', 'targets', 'sales', 'settings'] as const;
type Tab = (typeof TABS)[number];

/** The sales workspace (S2.3): pipeline board, record lists, funnel, targets, sales & commission, settings. */
export function SalesPage() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const { tab } = useParams();
  const active: Tab = TABS.includes(tab as Tab) ? (tab as Tab) : 'board';
  const content: Record<Tab, () => ReactNode> = {
    board: () => <PipelineBoard />,
    opportunities: () => <RecordList kind="opportunity" />,
    contacts: () => <RecordList kind="contact" />,
    activities: () => <RecordList kind="activity" />,
    requirements: () => <RecordList kind="requirement" />,
    funnel: () => <Suspense fallback={<Skeleton active />}><SalesFunnel /></Suspense>,
    targets: () => <SalesTargets />,
    sales: () => <SalesRecords />,
    settings: () => <SalesSettings />,
  };
  return (
    <Card size="small">
      <Tabs
        size="small"
        activeKey={active}
        onChange={(k) => navigate(`/sales/${k}`)}
        destroyOnHidden
        items={TABS.map((k) => ({ key: k, label: <span data-testid={`eng-tab-${k}`}>{t(`engagement.tabs.${k}`)}</span>, children: k === active ? content[k]() : null }))}
      />
    </Card>
  );
}
