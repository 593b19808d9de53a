import { useState } from 'react';
import { App, Button, DatePicker, Select, Space, Table, Typography, type TableProps } from 'antd';
import { DownloadOutlined, PlusOutlined } from '@ant-design/icons';
import type { Dayjs } from 'dayjs';
import { useTranslation } from 'react-i18next';
import { useAuth } from '../../../app/auth.tsx';
import { errorText } from '../../../app/http.ts';
import { formatDate, formatDateTime, formatFen } from '../../../app/format.ts';
import { useLang } from '../../../app/useLang.ts';
import {
  ACTIVITY_STATUSES, CHANNELS, OPPORTUNITY_STATUSES, REQUIREMENT_STATUSES, engagementApi, useEngagementMeta, useRecords, type Activity, type Contact,
  type ListFilters, type Opportunity, type RecordKind, type Requirement,
} from '../api.ts';
import { RecordDrawer, type Opened } from './RecordDrawer.tsx';
import { RecordModal } from './RecordModal.tsx';
import { StatusTag } from './StatusTag.tsx';
import { useSingleFlight } from '../../../app/useSingleFlight.ts';

type Row = Contact & Activity & Opportunity & Requirement;

const NEW_LABEL: Record<RecordKind, string> = {
  contact: 'engagement.actions.logContact', activity: 'engagement.actions.newActivity', opportunity: 'engagement.actions.newOpportunity', requirement: 'engagement.actions.newRequirement',
};

/** A dense, paged, filterable, exportable list of one kind of record; with `customerNo` it is that customer's. */
export function RecordList({ kind, customerNo, compact = false }: { kind: RecordKind; customerNo?: string; compact?: boolean }) {
  const { t } = useTranslation();
  const { pick } = useLang();
  const { can } = useAuth();
  const { message } = App.useApp();
  const meta = useEngagementMeta();
  const [filters, setFilters] = useState<ListFilters>({ page: 1, pageSize: compact ? 10 : 20 });
  const [range, setRange] = useState<[Dayjs | null, Dayjs | null] | null>(null);
  const [creating, setCreating] = useState(false);
  const [opened, setOpened] = useState<Opened>(null);
  const q = { ...filters, customerNo, from: range?.[0]?.format('YYYY-MM-DD'), to: range?.[1]?.format('YYYY-MM-DD') };
  const list = useRecords(kind, q);
  const set = (patch: ListFilters) => setFilters((f) => ({ ...f, ...patch, page: patch.page ?? 1 }));

  const customerCol: NonNullable<TableProps<Row>['columns']> = customerNo ? [] : [
    { title: t('engagement.fields.customer'), key: 'customer', width: 180, ellipsis: true, render: (_: unknown, r: Row) => `${r.customerName} (${r.customerNo})` },
  ];
  const ownerCol = { title: t('engagement.fields.owner'), dataIndex: 'ownerName', width: 90 };
  const columns: TableProps<Row>['columns'] = {
    contact: [
      { title: t('engagement.fields.startedAt'), dataIndex: 'startedAt', width: 150, render: (v: string) => formatDateTime(v).slice(0, 16) },
      ...customerCol,
      { title: t('engagement.fields.channel'), dataIndex: 'channel', width: 90, render: (v: string) => t(`engagement.channel.${v}`) },
      { title: t('engagement.fields.summary'), dataIndex: 'summary', ellipsis: true },
      { title: t('engagement.fields.connected'), dataIndex: 'connected', width: 70, align: 'center' as const, render: (v: boolean) => (v ? '✓' : '✗') },
      ownerCol,
    ],
    activity: [
      { title: t('engagement.fields.startsAt'), dataIndex: 'startsAt', width: 150, render: (v: string) => formatDateTime(v).slice(0, 16) },
      { title: t('engagement.fields.endsAt'), dataIndex: 'endsAt', width: 150, render: (v: string | null) => formatDateTime(v).slice(0, 16) },
      ...customerCol,
      { title: t('engagement.fields.type'), dataIndex: 'type', width: 70, render: (v: string) => t(`engagement.activityType.${v}`) },
      { title: t('engagement.fields.description'), dataIndex: 'description', ellipsis: true },
      { title: t('engagement.fields.priority'), dataIndex: 'priority', width: 70, render: (v: string) => t(`engagement.priority.${v}`) },
      { title: t('engagement.fields.status'), dataIndex: 'status', width: 90, render: (v: string) => <StatusTag kind="activity" status={v} /> },
      { title: t('engagement.fields.cost'), dataIndex: 'costFen', width: 100, align: 'right' as const, render: (v: number) => formatFen(v) },
      ownerCol,
    ],
    opportunity: [
      { title: t('engagement.fields.oppNo'), dataIndex: 'oppNo', width: 120 },
      ...customerCol,
      { title: t('engagement.fields.summary'), dataIndex: 'summary', ellipsis: true },
      { title: t('engagement.fields.stage'), key: 'stage', width: 100, render: (_: unknown, r: Row) => pick(r.stageName, r.stageNameEn) },
      { title: t('engagement.fields.status'), dataIndex: 'status', width: 80, render: (v: string) => <StatusTag kind="opportunity" status={v} /> },
      { title: t('engagement.fields.probability'), dataIndex: 'probability', width: 80, align: 'right' as const },
      { title: t('engagement.fields.expectedValue'), dataIndex: 'expectedValueFen', width: 130, align: 'right' as const, render: (v: number) => formatFen(v) },
      { title: t('engagement.fields.expectedClose'), dataIndex: 'endsOn', width: 100, render: (v: string | null) => formatDate(v) },
      ownerCol,
    ],
    requirement: [
      { title: t('engagement.fields.createdAt'), dataIndex: 'createdAt', width: 150, render: (v: string) => formatDateTime(v).slice(0, 16) },
      ...customerCol,
      { title: t('engagement.fields.summary'), dataIndex: 'summary', ellipsis: true },
      { title: t('engagement.fields.status'), dataIndex: 'status', width: 90, render: (v: string) => <StatusTag kind="requirement" status={v} /> },
      { title: t('engagement.fields.subStatus'), dataIndex: 'subStatus', width: 90, render: (v: string | null) => v ?? '—' },
      { title: t('engagement.fields.severity'), dataIndex: 'severity', width: 70, render: (v: string) => t(`engagement.severity.${v}`) },
      { title: t('engagement.fields.urgency'), dataIndex: 'urgency', width: 70, render: (v: string) => t(`engagement.urgency.${v}`) },
      ownerCol,
    ],
  }[kind];

  const statusFilter = {
    contact: { key: 'channel', values: CHANNELS as readonly string[], ns: 'channel' },
    activity: { key: 'status', values: ACTIVITY_STATUSES as readonly string[], ns: 'activityStatus' },
    opportunity: { key: 'status', values: OPPORTUNITY_STATUSES as readonly string[], ns: 'oppStatus' },
    requirement: { key: 'status', values: REQUIREMENT_STATUSES as readonly string[], ns: 'reqStatus' },
  }[kind];

  const [doExport, doExportBusy] = useSingleFlight(async () => {
    try {
      await engagementApi.export(kind, q, `${kind}.xlsx`);
    } catch (e) {
      message.error(errorText(e));
    }
  });

  return (
    <>
      <Space wrap style={{ marginBottom: 8 }}>
        <Select
          allowClear
          size="small"
          style={{ width: 130 }}
          placeholder={t(`engagement.fields.${statusFilter.key}`)}
          value={filters[statusFilter.key] as string | undefined}
          onChange={(v) => set({ [statusFilter.key]: v })}
          options={statusFilter.values.map((v) => ({ value: v, label: t(`engagement.${statusFilter.ns}.${v}`) }))}
        />
        {kind === 'opportunity' && (
          <Select
            allowClear
            size="small"
            style={{ width: 140 }}
            placeholder={t('engagement.fields.pipeline')}
            value={filters.pipelineId as number | undefined}
            onChange={(v) => set({ pipelineId: v })}
            options={(meta.data?.pipelines ?? []).map((p) => ({ value: p.id, label: pick(p.name, p.nameEn) }))}
          />
        )}
        <DatePicker.RangePicker size="small" value={range} onChange={(v) => { setRange(v as never); set({}); }} />
        {can('customer:export') && (
          <Button size="small" icon={<DownloadOutlined />} onClick={() => void doExport()} data-testid={`eng-${kind}-export`}>
            {t('engagement.actions.export')}
          </Button>
        )}
        {can('customer:write') && (
          <Button size="small" type="primary" icon={<PlusOutlined />} onClick={() => setCreating(true)} data-testid={`eng-new-${kind}`}>
            {t(NEW_LABEL[kind])}
          </Button>
        )}
        {list.data && <Typography.Text type="secondary">{t('engagement.msg.totalCount', { n: list.data.totalCapped ? `${list.data.total}+` : list.data.total })}</Typography.Text>}
      </Space>
      <Table<Row>
        size="small"
        rowKey="id"
        loading={list.isFetching}
        dataSource={(list.data?.items ?? []) as Row[]}
        columns={columns}
        data-testid={`eng-${kind}-table`}
        onRow={(r) => ({ onClick: () => setOpened({ kind, id: r.id }), style: { cursor: 'pointer' } })}
        pagination={{
          current: filters.page, pageSize: filters.pageSize, total: list.data?.total ?? 0, size: 'small', showSizeChanger: !compact,
          onChange: (page, pageSize) => setFilters((f) => ({ ...f, page, pageSize })),
        }}
      />
      <RecordModal kind={kind} open={creating} onClose={() => setCreating(false)} customerNo={customerNo} onSaved={(r) => setOpened({ kind, id: r.id })} />
      <RecordDrawer opened={opened} onClose={() => setOpened(null)} onOpen={setOpened} />
    </>
  );
}
