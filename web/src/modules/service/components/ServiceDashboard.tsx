import { useState } from 'react';
import { Link } from 'react-router';
import { Card, Col, InputNumber, Row, Space, Statistic, Table, Typography, type TableProps } from 'antd';
import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { useAuth } from '../../../app/auth.tsx';
import { formatDateTime } from '../../../app/format.ts';
import { useLang } from '../../../app/useLang.ts';
import { serviceApi, type Dashboard, type Priority, type ServiceRequest, type Status } from '../api.ts';
import { PriorityTag, ServiceNav, SlaTimer, StatusTag } from './ServiceCommon.tsx';

type Counts = { open: number; dueSoon: number; breached: number; escalated: number };

/** Live timeliness: refreshes itself every 15 seconds; the timers tick every second in between. */
export function ServiceDashboard() {
  const { t } = useTranslation();
  const { pick } = useLang();
  const { user } = useAuth();
  const [soon, setSoon] = useState(60);
  const q = useQuery({ queryKey: ['service', 'dashboard', soon], queryFn: () => serviceApi.dashboard(soon), refetchInterval: 15_000, refetchIntervalInBackground: false });
  const d = q.data;

  const countCols = <T extends Counts>(): TableProps<T>['columns'] => [
    { title: t('service.dashboard.open'), dataIndex: 'open', align: 'right' },
    { title: t('service.dashboard.dueSoon'), dataIndex: 'dueSoon', align: 'right', render: (v: number) => (v ? <Typography.Text type="warning">{v}</Typography.Text> : v) },
    { title: t('service.dashboard.breached'), dataIndex: 'breached', align: 'right', render: (v: number) => (v ? <Typography.Text type="danger" strong>{v}</Typography.Text> : v) },
    { title: t('service.dashboard.escalated'), dataIndex: 'escalated', align: 'right' },
  ];

  const itemCols: TableProps<ServiceRequest>['columns'] = [
    { title: t('service.fields.reqNo'), dataIndex: 'reqNo', width: 170, render: (v: string) => <Link to={`/service/requests/${v}`}>{v}</Link> },
    { title: t('service.fields.subject'), dataIndex: 'subject', ellipsis: true },
    { title: t('service.fields.customer'), key: 'c', width: 120, render: (_, r) => r.customer.name },
    { title: t('service.fields.kind'), dataIndex: 'kind', width: 80, render: (v: string) => t(`service.kind.${v}`) },
    { title: t('service.fields.priority'), dataIndex: 'priority', width: 70, render: (v: Priority) => <PriorityTag priority={v} /> },
    { title: t('service.fields.status'), dataIndex: 'status', width: 100, render: (v: Status) => <StatusTag status={v} /> },
    { title: t('service.fields.assignee'), key: 'a', width: 90, render: (_, r) => r.assignee?.name ?? '—' },
    { title: t('service.fields.escalatedTo'), key: 'e', width: 90, render: (_, r) => (r.escalatedTo ? <Typography.Text type="danger" data-testid="dashboard-escalated-to">{r.escalatedTo.name}</Typography.Text> : '—') },
    { title: t('service.fields.dueAt'), dataIndex: 'dueAt', width: 150, render: (v: string) => formatDateTime(v) },
    { title: t('service.fields.sla'), key: 'sla', width: 190, render: (_, r) => <SlaTimer r={r} /> },
  ];

  const totals = d?.totals;
  return (
    <>
      <ServiceNav />
      <Card
        size="small"
        title={t('service.dashboard.title')}
        extra={
          <Space>
            <Typography.Text type="secondary">{t('service.dashboard.soonWindow')}</Typography.Text>
            <InputNumber size="small" min={5} max={1440} value={soon} onChange={(v) => v && setSoon(v)} />
            {d && <Typography.Text type="secondary">{t('service.dashboard.refreshed', { time: formatDateTime(d.now) })}</Typography.Text>}
          </Space>
        }
        loading={q.isLoading}
      >
        <Row gutter={12} data-testid="dashboard-totals">
          {([
            ['open', totals?.open, undefined], ['dueSoon', totals?.dueSoon, '#d48806'], ['breached', totals?.breached, '#cf1322'],
            ['escalated', totals?.escalated, undefined], ['escalatedToMe', totals?.escalatedToMe, '#cf1322'], ['unassigned', totals?.unassigned, undefined],
          ] as const).map(([k, v, color]) => (
            <Col key={k} xs={12} md={8} xl={4}>
              <Statistic title={t(`service.dashboard.${k}`)} value={v ?? 0} valueStyle={color && v ? { color } : undefined} data-testid={`dashboard-${k}`} />
            </Col>
          ))}
        </Row>
      </Card>
      <Card size="small" title={t('service.dashboard.attention')} style={{ marginTop: 12 }}>
        <Table<ServiceRequest>
          size="small"
          rowKey="reqNo"
          data-testid="dashboard-items"
          columns={itemCols}
          dataSource={d?.items ?? []}
          pagination={false}
          scroll={{ x: 1300, y: 420 }}
          // Breached rows are red; rows escalated to the viewer say so for the browser test and for people.
          onRow={(r) => ({
            'data-breached': r.sla.breached || new Date(r.dueAt).getTime() < Date.now() ? 'true' : 'false',
            'data-escalated-to-me': r.escalatedTo?.id === user?.id ? 'true' : 'false',
            style: r.sla.breached || new Date(r.dueAt).getTime() < Date.now() ? { background: '#fff1f0' } : undefined,
          }) as React.HTMLAttributes<HTMLElement>}
        />
      </Card>
      <Row gutter={12} style={{ marginTop: 12 }}>
        <Col xs={24} lg={12} xxl={8} style={{ marginBottom: 12 }}>
          <Card size="small" title={t('service.dashboard.byAssignee')}>
            <Table<Dashboard['byAssignee'][number]> size="small" rowKey={(r) => String(r.id)} pagination={false} dataSource={d?.byAssignee ?? []}
              columns={[{ title: t('service.fields.assignee'), key: 'n', render: (_, r) => r.name ?? t('service.dashboard.nobody') }, ...countCols<Dashboard['byAssignee'][number]>()!]} />
          </Card>
        </Col>
        <Col xs={24} lg={12} xxl={8} style={{ marginBottom: 12 }}>
          <Card size="small" title={t('service.dashboard.byQueue')}>
            <Table<Dashboard['byQueue'][number]> size="small" rowKey={(r) => String(r.code)} pagination={false} dataSource={d?.byQueue ?? []}
              columns={[{ title: t('service.fields.queue'), key: 'n', render: (_, r) => (r.code ? pick(r.name, r.nameEn) : t('service.dashboard.noQueue')) }, ...countCols<Dashboard['byQueue'][number]>()!]} />
          </Card>
        </Col>
        <Col xs={24} lg={12} xxl={8} style={{ marginBottom: 12 }}>
          <Card size="small" title={t('service.dashboard.byTeam')}>
            <Table<Dashboard['byTeam'][number]> size="small" rowKey="id" pagination={false} dataSource={d?.byTeam ?? []}
              columns={[{ title: t('service.fields.org'), key: 'n', render: (_, r) => pick(r.name, r.nameEn) }, ...countCols<Dashboard['byTeam'][number]>()!]} />
          </Card>
        </Col>
      </Row>
    </>
  );
}
