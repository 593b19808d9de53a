import { useState } from 'react';
import { Link } from 'react-router';
import { Alert, Button, Card, Space, Table, Tabs, Tag, Tooltip, Typography, type TableProps } from 'antd';
import { MergeCellsOutlined } from '@ant-design/icons';
import { useTranslation } from 'react-i18next';
import { useAuth } from '../../../app/auth.tsx';
import { useLang } from '../../../app/useLang.ts';
import { formatDateTime } from '../../../app/format.ts';
import type { FieldLineage, Integration360, SourceRecordLink } from '../api.ts';
import { DetachRecordButton } from './DetachRecord.tsx';
import { MergeHistory, UnmergeButton } from './MergeHistory.tsx';
import { ProposeMergeModal } from './ProposeMergeModal.tsx';

const ORDER = ['name', 'id_no', 'mobile', 'email', 'birth_date', 'gender', 'address', 'employer', 'occupation', 'nationality', 'income_fen', 'legal_rep'];

/** Shown on the 360° view when the number asked for was merged into another customer. */
export function MergedNotice({ c }: { c: Integration360 }) {
  const { t } = useTranslation();
  if (!c.mergedInto || !c.requestedNo) return null;
  return <Alert type="warning" showIcon banner message={t('integration.lineage.mergedNotice', { from: c.requestedNo, to: c.mergedInto })} data-testid="c360-merged-notice" />;
}

/** The 360° view's integration panel: golden record with the source of every value, source records (lineage), merged numbers. */
export function CustomerLineage({ c }: { c: Integration360 }) {
  const { t } = useTranslation();
  const { pick } = useLang();
  const { can } = useAuth();
  const [proposing, setProposing] = useState(false);
  const rows = ORDER.filter((f) => c.lineage?.[f]).map((f) => ({ field: f, ...c.lineage![f]! }));
  const golden: TableProps<FieldLineage & { field: string }>['columns'] = [
    { title: t('integration.lineage.field'), dataIndex: 'field', width: 110, render: (f: string) => t(`integration.field.${f}`) },
    { title: t('integration.lineage.value'), dataIndex: 'value', render: (v: string | null, r) => (r.field === 'gender' && v ? t(`customer.gender.${v}`, { defaultValue: v }) : v ?? '—') },
    {
      title: t('integration.lineage.source'), dataIndex: 'source', width: 140,
      render: (s: string, r) => <Tag color={s === 'MANUAL' ? 'purple' : 'blue'} data-testid={`lineage-source-${r.field}`}>{r.sourceName ? pick(r.sourceName, r.sourceNameEn) : s}</Tag>,
    },
    { title: t('integration.lineage.recordKey'), dataIndex: 'recordKey', width: 120, render: (v: string | null) => v ?? '—' },
    { title: t('integration.lineage.rule'), dataIndex: 'rule', width: 170, render: (v: string, r) => <span title={`${r.candidates}`}>{t(`integration.rule.${v === 'only' && r.candidates > 1 ? 'agreed' : v}`, { n: r.candidates })}</span> },
  ];
  const records: TableProps<SourceRecordLink>['columns'] = [
    { title: t('integration.lineage.source'), dataIndex: 'sourceName', width: 140, render: (v: string, r) => pick(v, r.sourceNameEn) },
    {
      title: t('integration.lineage.recordKey'), dataIndex: 'recordKey',
      render: (v: string, r) => (r.idUnverified
        ? <Space size={4}>{v}<Tooltip title={t('integration.lineage.idUnverifiedHelp')}><Tag color="orange" data-testid="c360-id-unverified">{t('integration.lineage.idUnverified')}</Tag></Tooltip></Space>
        : v),
    },
    { title: t('integration.field.name'), dataIndex: 'name', render: (v: string | null) => v ?? '—' },
    { title: t('integration.lineage.status'), dataIndex: 'status', width: 100, render: (v: string) => t(`integration.lineage.recordStatus.${v}`, { defaultValue: v }) },
    { title: t('integration.lineage.updatedAt'), dataIndex: 'updatedAt', width: 160, render: (v: string) => formatDateTime(v) },
    // A wrong automatic attachment is undone here (a customer's only record has nothing to be detached from).
    ...(can('integration:review') && (c.sourceRecords?.length ?? 0) > 1
      ? [{ title: t('integration.lineage.actions'), key: 'detach', width: 100, render: (_: unknown, r: SourceRecordLink) => <DetachRecordButton record={r} /> }]
      : []),
  ];
  const aliases = c.aliases ?? [];
  return (
    <Card
      size="small"
      title={t('integration.lineage.title')}
      data-testid="c360-lineage"
      extra={can('integration:review') && <Button size="small" icon={<MergeCellsOutlined />} onClick={() => setProposing(true)} data-testid="c360-propose-merge">{t('integration.lineage.proposeMerge')}</Button>}
    >
      <Tabs
        size="small"
        items={[
          {
            key: 'golden', label: t('integration.lineage.title'),
            children: rows.length
              ? <Table size="small" rowKey="field" pagination={false} dataSource={rows} columns={golden} data-testid="c360-golden" />
              : <Typography.Text type="secondary">{t('integration.lineage.none')}</Typography.Text>,
          },
          {
            key: 'records', label: `${t('integration.lineage.records')} (${c.sourceRecords?.length ?? 0})`,
            children: <Table<SourceRecordLink> size="small" rowKey="id" pagination={{ pageSize: 10, hideOnSinglePage: true }} dataSource={c.sourceRecords ?? []} columns={records} data-testid="c360-source-records" />,
          },
          ...(can('integration:review') ? [{
            key: 'history', label: t('integration.merges.history'),
            children: <MergeHistory customerNo={c.customerNo} />,
          }] : []),
          ...(aliases.length ? [{
            key: 'aliases', label: `${t('integration.lineage.aliases')} (${aliases.length})`,
            children: (
              <Space direction="vertical">
                {aliases.map((a) => (
                  <Space key={a.customerNo}>
                    <Link to={`/integration/merges`}>{a.customerNo}</Link>
                    <Typography.Text type="secondary">{formatDateTime(a.at)}</Typography.Text>
                    {can('integration:review') && <UnmergeButton merge={{ id: a.mergeId }} />}
                  </Space>
                ))}
              </Space>
            ),
          }] : []),
        ]}
      />
      <ProposeMergeModal open={proposing} onClose={() => setProposing(false)} customerNo={c.customerNo} />
    </Card>
  );
}
