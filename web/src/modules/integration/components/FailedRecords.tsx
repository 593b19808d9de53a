import { useState } from 'react';
import { App, Button, Card, Space, Table, Tag, Typography, type TableProps } from 'antd';
import { RedoOutlined } from '@ant-design/icons';
import { useTranslation } from 'react-i18next';
import { useLang } from '../../../app/useLang.ts';
import { errorText } from '../../../app/http.ts';
import { formatDateTime } from '../../../app/format.ts';
import { useFailedRecords, useRetryFailed, type FailedRecord } from '../api.ts';

const PAGE_SIZE = 20;

/**
 * Source records whose resolution into a customer failed, with the error (match-model page, for those who manage
 * integration, shown while there are some); an administrator retries them once the cause is fixed.
 */
export function FailedRecords() {
  const { t } = useTranslation();
  const { pick } = useLang();
  const { message } = App.useApp();
  const [page, setPage] = useState(1);
  const list = useFailedRecords(page, PAGE_SIZE);
  const retry = useRetryFailed();
  const run = async (ids: number[]) => {
    try {
      const r = await retry.mutateAsync(ids);
      const text = t('integration.failed.retried', { retried: r.retried, matched: r.matched, created: r.created, review: r.review, failed: r.failed });
      if (r.failed) void message.warning(text);
      else void message.success(text);
    } catch (err) {
      void message.error(errorText(err));
    }
  };
  const columns: TableProps<FailedRecord>['columns'] = [
    { title: t('integration.failed.source'), key: 'source', width: 130, render: (_: unknown, r) => pick(r.sourceName, r.sourceNameEn) },
    { title: t('integration.lineage.recordKey'), dataIndex: 'recordKey', width: 140 },
    { title: t('integration.failed.name'), dataIndex: 'name', width: 160, render: (v: string | null, r) => <Space size={4}>{v ?? '—'}<Tag>{t(`integration.model.kind.${r.kind}`)}</Tag></Space> },
    { title: t('integration.failed.error'), dataIndex: 'error', render: (v: string | null) => <Typography.Text type="danger" style={{ fontSize: 12 }}>{v ?? '—'}</Typography.Text> },
    { title: t('integration.failed.attempts'), dataIndex: 'attempts', width: 80, align: 'right' },
    { title: t('integration.failed.updatedAt'), dataIndex: 'updatedAt', width: 150, render: (v: string) => formatDateTime(v) },
    {
      title: '', key: 'retry', width: 100,
      render: (_: unknown, r) => (
        <Button size="small" icon={<RedoOutlined />} disabled={retry.isPending} onClick={() => void run([r.id])} data-testid={`failed-retry-${r.id}`}>{t('integration.failed.retry')}</Button>
      ),
    },
  ];
  const items = list.data?.items ?? [];
  // Nothing failed: no card (the page is about the model).
  if (list.data && !list.data.total) return null;
  return (
    <Card size="small" title={<span data-testid="failed-title">{t('integration.failed.title')}{list.data?.total ? ` (${list.data.total})` : ''}</span>}
      extra={items.length > 1 && (
        <Button size="small" icon={<RedoOutlined />} loading={retry.isPending} onClick={() => void run(items.map((r) => r.id))} data-testid="failed-retry-page">
          {t('integration.failed.retryPage', { n: items.length })}
        </Button>
      )}>
      <Typography.Paragraph type="secondary">{t('integration.failed.hint')}</Typography.Paragraph>
      {list.isError && <Typography.Text type="danger">{errorText(list.error)}</Typography.Text>}
      <Table<FailedRecord>
        size="small"
        rowKey="id"
        loading={list.isFetching}
        dataSource={items}
        columns={columns}
        pagination={{ current: page, pageSize: PAGE_SIZE, total: list.data?.total ?? 0, showSizeChanger: false, hideOnSinglePage: true, onChange: setPage }}
        data-testid="failed-records"
      />
    </Card>
  );
}
