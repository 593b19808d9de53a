import { useState } from 'react';
import { Link } from 'react-router';
import { App, Button, Card, Input, Modal, Table, Tag, Typography, type TableProps } from 'antd';
import { RollbackOutlined } from '@ant-design/icons';
import { useTranslation } from 'react-i18next';
import { useAuth } from '../../../app/auth.tsx';
import { errorText } from '../../../app/http.ts';
import { formatDateTime } from '../../../app/format.ts';
import { useMerges, useUnmerge, type DetachItem, type MergeItem } from '../api.ts';
import { integrationErrorText, mergeReasonText } from '../format.ts';

/** Asks for a reason, then undoes the merge exactly. */
export function UnmergeButton({ merge }: { merge: { id: number } }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const [open, setOpen] = useState(false);
  const [reason, setReason] = useState('');
  const unmerge = useUnmerge();
  const submit = async () => {
    try {
      await unmerge.mutateAsync({ id: merge.id, reason: reason.trim() });
      void message.success(t('integration.merges.unmergeDone'));
      setOpen(false);
    } catch (err) {
      void message.error(integrationErrorText(t, err));
    }
  };
  return (
    <>
      <Button size="small" icon={<RollbackOutlined />} onClick={() => setOpen(true)} data-testid={`unmerge-${merge.id}`}>{t('integration.merges.unmerge')}</Button>
      <Modal open={open} title={t('integration.merges.unmerge')} onCancel={() => setOpen(false)} onOk={() => void submit()} okButtonProps={{ disabled: !reason.trim(), danger: true }} confirmLoading={unmerge.isPending}>
        <Typography.Paragraph>{t('integration.merges.confirmUnmerge')}</Typography.Paragraph>
        <Input.TextArea rows={2} maxLength={500} placeholder={t('integration.merges.unmergeReason')} value={reason} onChange={(e) => setReason(e.target.value)} />
      </Modal>
    </>
  );
}

export function MergeHistory({ customerNo }: { customerNo?: string }) {
  const { t } = useTranslation();
  const { can } = useAuth();
  const q = useMerges(customerNo);
  // An unmerged customer now outside the user's scope comes without number and name.
  const cust = (c: { customerNo: string | null; name: string | null }) => (c.customerNo ? <Link to={`/customers/${c.customerNo}`}>{c.customerNo} {c.name}</Link> : t('integration.merges.outOfScope'));
  const columns: TableProps<MergeItem>['columns'] = [
    // The number an unmerge refusal names ("undo merge no. 4 first").
    { title: t('integration.merges.no'), dataIndex: 'id', width: 70, render: (v: number) => <span data-testid="merge-no">{v}</span> },
    { title: t('integration.merges.at'), dataIndex: 'mergedAt', width: 150, render: (v: string) => formatDateTime(v) },
    { title: t('integration.merges.survivor'), key: 's', width: 200, render: (_: unknown, r) => cust(r.survivor) },
    { title: t('integration.merges.merged'), key: 'm', width: 200, render: (_: unknown, r) => cust(r.merged) },
    { title: t('integration.merges.reason'), dataIndex: 'reason', render: (r: string) => mergeReasonText(t, r) },
    { title: t('integration.merges.by'), dataIndex: 'mergedBy', width: 100, render: (v: string | null) => v ?? '—' },
    {
      title: '', key: 'undo', width: 190,
      render: (_: unknown, r) => (r.undoneAt
        ? <Tag title={mergeReasonText(t, r.undoReason ?? '')}>{t('integration.merges.undone')} {formatDateTime(r.undoneAt)}</Tag>
        : can('integration:review') && <UnmergeButton merge={r} />),
    },
  ];
  const detachColumns: TableProps<DetachItem>['columns'] = [
    { title: t('integration.merges.detachAt'), dataIndex: 'detachedAt', width: 150, render: (v: string) => formatDateTime(v) },
    { title: t('integration.merges.detachRecord'), key: 'r', width: 160, render: (_: unknown, r) => `${r.record.source} ${r.record.recordKey}` },
    { title: t('integration.merges.detachFrom'), key: 'f', width: 200, render: (_: unknown, r) => cust(r.from) },
    { title: t('integration.merges.detachTo'), key: 't', width: 220, render: (_: unknown, r) => <>{cust(r.to)}{r.createdCustomer && <Tag style={{ marginLeft: 4 }}>{t('integration.merges.newCustomer')}</Tag>}</> },
    { title: t('integration.merges.detachAccounts'), dataIndex: 'accounts', width: 90, align: 'right' },
    { title: t('integration.merges.reason'), dataIndex: 'reason' },
    { title: t('integration.merges.by'), dataIndex: 'detachedBy', width: 100, render: (v: string | null) => v ?? '—' },
  ];
  const detaches = q.data?.detaches ?? [];
  return (
    <Card size="small" title={t('integration.merges.title')}>
      {q.isError && <Typography.Text type="danger">{errorText(q.error)}</Typography.Text>}
      <Table<MergeItem> size="small" rowKey="id" loading={q.isFetching} dataSource={q.data?.items} columns={columns} scroll={{ x: 'max-content' }} pagination={{ pageSize: 20, hideOnSinglePage: true }} data-testid="merge-history" />
      {detaches.length > 0 && (
        <>
          <Typography.Title level={5} style={{ marginTop: 12 }}>{t('integration.merges.detaches')}</Typography.Title>
          <Table<DetachItem> size="small" rowKey="id" dataSource={detaches} columns={detachColumns} scroll={{ x: 'max-content' }} pagination={{ pageSize: 20, hideOnSinglePage: true }} data-testid="detach-history" />
        </>
      )}
    </Card>
  );
}

export function MergeHistoryPage() {
  return <MergeHistory />;
}
