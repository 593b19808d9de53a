import { useState, type ReactNode } from 'react';
import { Button, Card, Empty, Space, Tabs, Tag, Timeline, Typography } from 'antd';
import { PlusOutlined } from '@ant-design/icons';
import { useTranslation } from 'react-i18next';
import { useAuth } from '../../../app/auth.tsx';
import { formatDateTime, formatFen } from '../../../app/format.ts';
import { useLang } from '../../../app/useLang.ts';
import { useTimeline, type RecordKind, type TimelineItem } from '../api.ts';
import { RecordDrawer, type Opened } from './RecordDrawer.tsx';
import { RecordList } from './RecordList.tsx';
import { RecordModal } from './RecordModal.tsx';

const TAB_OF: { kind: RecordKind; tab: string }[] = [
  { kind: 'contact', tab: 'contacts' }, { kind: 'activity', tab: 'activities' }, { kind: 'opportunity', tab: 'opportunities' }, { kind: 'requirement', tab: 'requirements' },
];

/** The customer's contacts, activities, opportunities and requirements on the 360° page, with quick "log / new" buttons. */
export function CustomerEngagement({ customerNo }: { customerNo: string }) {
  const { t } = useTranslation();
  const { can } = useAuth();
  const [creating, setCreating] = useState<RecordKind | null>(null);
  const [opened, setOpened] = useState<Opened>(null);
  const buttons: [RecordKind, string][] = [
    ['contact', 'engagement.actions.logContact'], ['activity', 'engagement.actions.newActivity'], ['opportunity', 'engagement.actions.newOpportunity'],
    ['requirement', 'engagement.actions.newRequirement'],
  ];
  return (
    <Card
      size="small"
      title={t('engagement.msg.engagement')}
      data-testid="c360-engagement"
      extra={can('customer:write') && (
        <Space wrap>
          {buttons.map(([k, label]) => (
            <Button key={k} size="small" icon={<PlusOutlined />} onClick={() => setCreating(k)} data-testid={`c360-new-${k}`}>{t(label)}</Button>
          ))}
        </Space>
      )}
    >
      <Tabs
        size="small"
        destroyOnHidden
        items={TAB_OF.map(({ kind, tab }) => ({
          key: kind,
          label: <span data-testid={`c360-tab-${kind}`}>{t(`engagement.tabs.${tab}`)}</span>,
          children: <RecordList kind={kind} customerNo={customerNo} compact />,
        }))}
      />
      {creating && <RecordModal kind={creating} open onClose={() => setCreating(null)} customerNo={customerNo} onSaved={(r) => setOpened({ kind: creating, id: r.id })} />}
      <RecordDrawer opened={opened} onClose={() => setOpened(null)} onOpen={setOpened} />
    </Card>
  );
}

const COLOR: Record<TimelineItem['kind'], string> = { audit: 'gray', contact: 'blue', activity: 'cyan', opportunity: 'green', requirement: 'orange' };

/** The merged timeline (profile changes, contacts, activities, opportunities, requirements), newest first, paged by cursor. */
export function CustomerTimeline({ customerNo, describeChanges }: { customerNo: string; describeChanges: (e: TimelineItem) => ReactNode }) {
  const { t } = useTranslation();
  const { pick } = useLang();
  const q = useTimeline(customerNo);
  const [opened, setOpened] = useState<Opened>(null);
  const items = q.data?.pages.flatMap((p) => p.items) ?? [];
  const line = (e: TimelineItem): ReactNode => {
    switch (e.kind) {
      case 'audit':
        return <>{`${e.actor} · ${t(`auditAction.${e.action}`, { defaultValue: e.action ?? '' })}`} {describeChanges(e)}</>;
      case 'contact':
        return `${t(`engagement.channel.${e.channel}`)}${e.connected === false ? ' ✗' : ''} · ${e.summary} · ${e.owner}`;
      case 'activity':
        return `${t(`engagement.activityType.${e.type}`)} · ${e.summary} · ${t(`engagement.activityStatus.${e.status}`)} · ${e.owner}`;
      case 'opportunity':
        return `${e.oppNo} ${e.summary} · ${pick(e.stage, e.stageEn)} · ${formatFen(e.expectedValueFen ?? 0, true)} · ${e.owner}`;
      default:
        return `${e.summary} · ${t(`engagement.reqStatus.${e.status}`)} · ${e.owner}`;
    }
  };
  return (
    <div data-testid="c360-timeline">
      {items.length === 0 && !q.isPending && <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} />}
      <Timeline
        items={items.map((e) => ({
          key: `${e.kind}-${e.id}`,
          color: COLOR[e.kind],
          children: (
            <Space direction="vertical" size={0} data-testid={`c360-timeline-${e.kind}`}>
              <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                {formatDateTime(e.at)} <Tag style={{ marginLeft: 4 }}>{t(`engagement.kind.${e.kind}`)}</Tag>
              </Typography.Text>
              {e.kind === 'audit' ? <span>{line(e)}</span> : <Typography.Link onClick={() => setOpened({ kind: e.kind as RecordKind, id: e.id })}>{line(e)}</Typography.Link>}
            </Space>
          ),
        }))}
      />
      {q.hasNextPage ? (
        <Button size="small" loading={q.isFetchingNextPage} onClick={() => void q.fetchNextPage()} data-testid="c360-timeline-more">{t('engagement.actions.loadMore')}</Button>
      ) : items.length > 0 && <Typography.Text type="secondary">{t('engagement.msg.noMore')}</Typography.Text>}
      <RecordDrawer opened={opened} onClose={() => setOpened(null)} onOpen={setOpened} />
    </div>
  );
}

