import { useState } from 'react';
import { Link } from 'react-router';
import { Card, Input, Select, Space, Table, type TableProps } from 'antd';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { formatDateTime } from '../../../app/format.ts';
import { KINDS, serviceApi, type Kind, type ServiceRequest } from '../api.ts';
import { ServiceNav } from './ServiceCommon.tsx';

/** Closed cases, searchable by their words, resolution, root cause and preventive action. */
export function ArchivePage() {
  const { t } = useTranslation();
  const [q, setQ] = useState('');
  const [kind, setKind] = useState<Kind | undefined>();
  const [page, setPage] = useState({ page: 1, pageSize: 20 });
  const list = useQuery({ queryKey: ['service', 'archive', q, kind, page], queryFn: () => serviceApi.archive({ q: q || undefined, kind, ...page }), placeholderData: keepPreviousData });
  const columns: TableProps<ServiceRequest>['columns'] = [
    { title: t('service.fields.reqNo'), dataIndex: 'reqNo', width: 170, render: (v: string) => <Link to={`/service/requests/${v}`}>{v}</Link> },
    { title: t('service.fields.kind'), dataIndex: 'kind', width: 80, render: (v: Kind) => t(`service.kind.${v}`) },
    { title: t('service.fields.subject'), dataIndex: 'subject', width: 220, ellipsis: true },
    { title: t('service.fields.resolution'), dataIndex: 'resolution', ellipsis: true },
    { title: t('service.fields.rootCause'), dataIndex: 'rootCause', ellipsis: true, render: (v: string | null) => v ?? '—' },
    { title: t('service.fields.preventiveAction'), dataIndex: 'preventiveAction', ellipsis: true, render: (v: string | null) => v ?? '—' },
    { title: t('service.fields.satisfaction'), dataIndex: 'satisfaction', width: 70, render: (v: number | null) => v ?? '—' },
    { title: t('service.fields.closedAt'), dataIndex: 'closedAt', width: 150, render: (v: string) => formatDateTime(v) },
  ];
  return (
    <>
      <ServiceNav />
      <Card size="small" title={t('service.archive.title')}>
        <Space style={{ marginBottom: 12 }}>
          <Input.Search allowClear style={{ width: 420 }} placeholder={t('service.archive.searchPlaceholder')} onSearch={(v) => { setQ(v.trim()); setPage({ ...page, page: 1 }); }} data-testid="archive-search" />
          <Select allowClear style={{ width: 120 }} placeholder={t('service.fields.kind')} value={kind} onChange={(v) => { setKind(v); setPage({ ...page, page: 1 }); }}
            options={KINDS.map((k) => ({ value: k, label: t(`service.kind.${k}`) }))} />
        </Space>
        <Table<ServiceRequest> size="small" rowKey="reqNo" columns={columns} dataSource={list.data?.items ?? []} loading={list.isFetching} data-testid="archive-table"
          pagination={{ current: page.page, pageSize: page.pageSize, total: list.data?.total ?? 0, showTotal: (total) => t('common.total', { total }) }}
          onChange={(p) => setPage({ page: p.current ?? 1, pageSize: p.pageSize ?? 20 })} />
      </Card>
    </>
  );
}
