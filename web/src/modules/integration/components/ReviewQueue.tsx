import { useMemo, useState } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { App, Button, Card, Space, Switch, Table, Tabs, Tag, Typography, type TableProps } from 'antd';
import { DownloadOutlined, HistoryOutlined, MergeCellsOutlined } from '@ant-design/icons';
import { useTranslation } from 'react-i18next';
import { useAuth } from '../../../app/auth.tsx';
import { download, errorText, toQuery } from '../../../app/http.ts';
import { formatDateTime, formatFen } from '../../../app/format.ts';
import { useReviews, type ReviewItem, type ReviewQuery, type ReviewStatus } from '../api.ts';
import { pct, ReviewStatusTag, ZoneTag } from './IntegrationTags.tsx';
import { ProposeMergeModal } from './ProposeMergeModal.tsx';

const STATUSES: ReviewStatus[] = ['pending', 'confirmed', 'rejected'];

/** The merge review queue (I5): mine first, key customers first (by AUM); filters live in the URL. */
export function ReviewQueue() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const [params, setParams] = useSearchParams();
  const [proposing, setProposing] = useState(false);
  const [exporting, setExporting] = useState(false);
  const { can } = useAuth();
  const { message } = App.useApp();
  const query: ReviewQuery = useMemo(() => ({
    status: (STATUSES as string[]).includes(params.get('status') ?? '') ? (params.get('status') as ReviewStatus) : 'pending',
    mine: params.get('mine') === '1' || undefined,
    page: Math.max(1, Number(params.get('page')) || 1),
    pageSize: 50,
  }), [params]);
  const list = useReviews(query);
  const set = (k: string, v: string | undefined) => {
    const next = new URLSearchParams(params);
    if (v) next.set(k, v);
    else next.delete(k);
    if (k !== 'page') next.delete('page');
    setParams(next, { replace: true });
  };
  const customer = (c: ReviewItem['a']) => (
    <Space direction="vertical" size={0} style={{ whiteSpace: 'nowrap' }}>
      <Link to={`/customers/${c.customerNo}`} onClick={(e) => e.stopPropagation()}>{c.name}</Link>
      <Typography.Text type="secondary" style={{ fontSize: 12 }}>{c.customerNo} · {formatFen(c.aumFen, true)}</Typography.Text>
    </Space>
  );
  const columns: TableProps<ReviewItem>['columns'] = [
    { title: t('integration.queue.priority'), dataIndex: 'priorityFen', width: 130, align: 'right', render: (v: number) => formatFen(v, true) },
    { title: t('integration.detail.sideA'), key: 'a', width: 200, render: (_: unknown, r) => customer(r.a) },
    { title: t('integration.detail.sideB'), key: 'b', width: 200, render: (_: unknown, r) => customer(r.b) },
    { title: t('integration.queue.probability'), dataIndex: 'probability', width: 100, align: 'right', render: pct },
    { title: t('integration.queue.zone'), dataIndex: 'zone', width: 110, render: (z: ReviewItem['zone'], r) => <Space size={2}><ZoneTag zone={z} />{r.conflict && <Tag color="red">{t('integration.queue.conflict')}</Tag>}</Space> },
    { title: t('integration.queue.manager'), dataIndex: 'managerName', width: 120, render: (v: string | null, r) => <Space size={2}>{v ?? '—'}{r.mine && <Tag color="blue">✓</Tag>}</Space> },
    { title: t('integration.queue.createdAt'), dataIndex: 'createdAt', width: 150, render: (v: string) => formatDateTime(v) },
    ...(query.status === 'pending' ? [] : [
      { title: t('integration.queue.decidedBy'), dataIndex: 'decidedBy', width: 100, render: (v: string | null) => v ?? '—' },
      { title: t('integration.queue.decidedAt'), dataIndex: 'decidedAt', width: 150, render: (v: string | null) => formatDateTime(v) },
    ]),
    { title: '', key: 'status', width: 110, render: (_: unknown, r) => <ReviewStatusTag status={r.status} /> },
  ];
  return (
    <Card
      size="small"
      title={t('integration.queue.title')}
      extra={
        <Space>
          <Space size={4}>
            <Switch size="small" checked={!!query.mine} onChange={(v) => set('mine', v ? '1' : undefined)} data-testid="review-mine" />
            {t('integration.queue.mine')}
          </Space>
          {can('customer:export') && (
            <Button icon={<DownloadOutlined />} loading={exporting} data-testid="review-export" onClick={async () => {
              setExporting(true);
              try {
                await download(`/api/integration/reviews/export${toQuery({ status: query.status, mine: query.mine })}`, 'merge-reviews.xlsx');
              } catch (err) {
                void message.error(errorText(err));
              } finally {
                setExporting(false);
              }
            }}>{t('integration.queue.export')}</Button>
          )}
          <Button icon={<HistoryOutlined />} onClick={() => navigate('/integration/merges')}>{t('integration.queue.merges')}</Button>
          <Button type="primary" icon={<MergeCellsOutlined />} onClick={() => setProposing(true)} data-testid="review-propose">{t('integration.queue.propose')}</Button>
        </Space>
      }
    >
      <Tabs
        size="small"
        activeKey={query.status}
        onChange={(k) => set('status', k === 'pending' ? undefined : k)}
        items={[
          { key: 'pending', label: t('integration.queue.tabPending') },
          { key: 'confirmed', label: t('integration.queue.tabConfirmed') },
          { key: 'rejected', label: t('integration.queue.tabRejected') },
        ]}
      />
      {list.isError && <Typography.Text type="danger">{errorText(list.error)}</Typography.Text>}
      <Table<ReviewItem>
        size="small"
        rowKey="id"
        loading={list.isFetching}
        dataSource={list.data?.items}
        columns={columns}
        scroll={{ x: 'max-content' }}
        locale={{ emptyText: t('integration.queue.empty') }}
        onRow={(r) => ({ onClick: () => navigate(`/integration/reviews/${r.id}`), style: { cursor: 'pointer' } })}
        pagination={{ current: query.page, pageSize: query.pageSize, total: list.data?.total ?? 0, showSizeChanger: false, onChange: (p) => set('page', String(p)) }}
        data-testid="review-queue"
      />
      <ProposeMergeModal open={proposing} onClose={() => setProposing(false)} />
    </Card>
  );
}
