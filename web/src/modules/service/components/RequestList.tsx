import { useMemo, useState } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { App, Button, Card, Checkbox, Input, Select, Space, Table, Typography, type TableProps } from 'antd';
import { DownloadOutlined, PlusOutlined } from '@ant-design/icons';
import { useTranslation } from 'react-i18next';
import { useAuth } from '../../../app/auth.tsx';
import { errorText } from '../../../app/http.ts';
import { formatDateTime } from '../../../app/format.ts';
import { useLang } from '../../../app/useLang.ts';
import { KINDS, PRIORITIES, STATUSES, serviceApi, useRequests, type Kind, type Priority, type RequestQuery, type ServiceRequest, type Status } from '../api.ts';
import { PriorityTag, ServiceNav, SlaTimer, StatusTag } from './ServiceCommon.tsx';
import { useSingleFlight } from '../../../app/useSingleFlight.ts';

/** Filters live in the URL so that going back from a request restores the list. */
function readQuery(p: URLSearchParams): RequestQuery {
  const flag = (k: string) => (p.get(k) === 'true' ? true : undefined);
  return {
    q: p.get('q') || undefined,
    status: (p.get('status') as Status | null) || undefined,
    kind: (p.get('kind') as Kind | null) || undefined,
    priority: (p.get('priority') as Priority | null) || undefined,
    open: flag('open'),
    mine: flag('mine'),
    breached: flag('breached'),
    page: Math.max(1, Number(p.get('page')) || 1),
    pageSize: [20, 50, 100].includes(Number(p.get('pageSize'))) ? Number(p.get('pageSize')) : 20,
  };
}

export function RequestList() {
  const { t } = useTranslation();
  const { pick } = useLang();
  const { can } = useAuth();
  const { message } = App.useApp();
  const navigate = useNavigate();
  const [params, setParams] = useSearchParams();
  const query = useMemo(() => readQuery(params), [params]);
  const [text, setText] = useState(query.q ?? '');
  const [exporting, setExporting] = useState(false);
  const list = useRequests(query);

  const update = (patch: Record<string, string | number | boolean | undefined>, keepPage = false) => {
    const next = new URLSearchParams(params);
    for (const [k, v] of Object.entries(patch)) {
      if (v === undefined || v === '' || v === false) next.delete(k);
      else next.set(k, String(v));
    }
    if (!keepPage) next.delete('page');
    // A new history entry: Back returns to the filters, page or week before.
    setParams(next);
  };

  const columns: TableProps<ServiceRequest>['columns'] = [
    { title: t('service.fields.reqNo'), dataIndex: 'reqNo', width: 170, render: (v: string) => <Link to={`/service/requests/${v}`}>{v}</Link> },
    { title: t('service.fields.kind'), dataIndex: 'kind', width: 90, render: (v: Kind) => t(`service.kind.${v}`) },
    { title: t('service.fields.priority'), dataIndex: 'priority', width: 70, render: (v: Priority) => <PriorityTag priority={v} /> },
    { title: t('service.fields.subject'), dataIndex: 'subject', ellipsis: true },
    { title: t('service.fields.customer'), key: 'customer', width: 130, ellipsis: true, render: (_, r) => r.customer.name },
    { title: t('service.fields.category'), key: 'category', width: 110, ellipsis: true, render: (_, r) => pick(r.categoryName, r.categoryNameEn) || '—' },
    { title: t('service.fields.status'), dataIndex: 'status', width: 100, render: (v: Status) => <StatusTag status={v} /> },
    { title: t('service.fields.assignee'), key: 'assignee', width: 90, render: (_, r) => r.assignee?.name ?? (r.queue ? pick(r.queue.name, r.queue.nameEn) : '—') },
    { title: t('service.fields.sla'), key: 'sla', width: 190, render: (_, r) => <SlaTimer r={r} /> },
    { title: t('service.fields.createdAt'), dataIndex: 'createdAt', width: 150, render: (v: string) => formatDateTime(v) },
  ];

  const [doExport, doExportBusy] = useSingleFlight(async () => {
    setExporting(true);
    try {
      const { page: _p, pageSize: _s, ...filters } = query;
      await serviceApi.export(filters, t('service.list.exportFileName'));
    } catch (e) {
      message.error(errorText(e));
    } finally {
      setExporting(false);
    }
  });

  return (
    <>
      <ServiceNav />
      <Card
        size="small"
        title={<Typography.Text strong>{t('service.list.title')}</Typography.Text>}
        extra={
          <Space>
            {can('customer:export') && (
              <Button icon={<DownloadOutlined />} loading={exporting} onClick={() => void doExport()} data-testid="service-export">
                {t('common.export')}
              </Button>
            )}
            {can('service:handle') && (
              <Button type="primary" icon={<PlusOutlined />} onClick={() => navigate('/service/new')} data-testid="service-new">
                {t('service.list.newRequest')}
              </Button>
            )}
          </Space>
        }
      >
        <Space wrap style={{ marginBottom: 12 }}>
          <Input.Search
            data-testid="service-search"
            placeholder={t('service.list.searchPlaceholder')}
            allowClear
            value={text}
            onChange={(e) => setText(e.target.value)}
            onSearch={(v) => update({ q: v.trim() })}
            style={{ width: 360 }}
          />
          <Select allowClear placeholder={t('service.fields.status')} value={query.status} onChange={(v) => update({ status: v })} style={{ width: 130 }}
            options={STATUSES.map((s) => ({ value: s, label: t(`service.status.${s}`) }))} data-testid="service-filter-status" />
          <Select allowClear placeholder={t('service.fields.kind')} value={query.kind} onChange={(v) => update({ kind: v })} style={{ width: 120 }}
            options={KINDS.map((k) => ({ value: k, label: t(`service.kind.${k}`) }))} data-testid="service-filter-kind" />
          <Select allowClear placeholder={t('service.fields.priority')} value={query.priority} onChange={(v) => update({ priority: v })} style={{ width: 100 }}
            options={PRIORITIES.map((k) => ({ value: k, label: t(`service.priority.${k}`) }))} />
          <Checkbox checked={!!query.open} onChange={(e) => update({ open: e.target.checked })}>{t('service.list.onlyOpen')}</Checkbox>
          <Checkbox checked={!!query.mine} onChange={(e) => update({ mine: e.target.checked })}>{t('service.list.onlyMine')}</Checkbox>
          <Checkbox checked={!!query.breached} onChange={(e) => update({ breached: e.target.checked })} data-testid="service-filter-breached">{t('service.list.onlyBreached')}</Checkbox>
        </Space>
        <Table<ServiceRequest>
          rowKey="reqNo"
          size="small"
          data-testid="service-table"
          loading={list.isFetching}
          scroll={{ x: 1200 }}
          columns={columns}
          dataSource={list.data?.items ?? []}
          onRow={(r) => ({ onDoubleClick: () => navigate(`/service/requests/${r.reqNo}`) })}
          pagination={{ current: query.page, pageSize: query.pageSize, total: list.data?.total ?? 0, showSizeChanger: true, pageSizeOptions: [20, 50, 100], showTotal: (total) => t('common.total', { total }) }}
          onChange={(p) => update({ page: p.current, pageSize: p.pageSize }, true)}
        />
      </Card>
    </>
  );
}
