import { useState } from 'react';
import { App, Button, Card, Segmented, Space, Statistic, Table, type TableProps } from 'antd';
import { DownloadOutlined } from '@ant-design/icons';
import { useTranslation } from 'react-i18next';
import { errorText } from '../../../app/http.ts';
import { formatDateTime } from '../../../app/format.ts';
import { useLang } from '../../../app/useLang.ts';
import { useReaders, workplaceApi, type Reader } from '../api.ts';
import { useSingleFlight } from '../../../app/useSingleFlight.ts';

type Filter = 'all' | 'read' | 'unread';

/** For the publisher: who has read the notice and who has not, with counts and an Excel export. */
export function NoticeReaders({ noticeId }: { noticeId: number }) {
  const { t } = useTranslation();
  const { pick } = useLang();
  const { message } = App.useApp();
  const [filter, setFilter] = useState<Filter>('all');
  const [page, setPage] = useState({ page: 1, pageSize: 50 });
  const [exporting, setExporting] = useState(false);
  const readers = useReaders(noticeId, { read: filter === 'all' ? undefined : filter === 'read', ...page }, true);
  const d = readers.data;

  const columns: TableProps<Reader>['columns'] = [
    { title: t('workplace.notice.readerName'), key: 'name', render: (_, r) => `${r.displayName} (${r.username})` },
    { title: t('workplace.notice.readerOrg'), key: 'org', render: (_, r) => pick(r.orgName, r.orgNameEn) },
    { title: t('workplace.notice.readerRole'), key: 'role', width: 140, render: (_, r) => pick(r.roleName, r.roleNameEn) },
    {
      title: t('workplace.notice.readAt'),
      key: 'readAt',
      width: 170,
      render: (_, r) => <span data-testid={`reader-${r.username}`}>{r.readAt ? formatDateTime(r.readAt) : t('workplace.notice.unread')}</span>,
    },
  ];

  const [doExport, doExportBusy] = useSingleFlight(async () => {
    setExporting(true);
    try {
      await workplaceApi.exportReaders(noticeId, `${t('workplace.notice.exportReaders')}-${noticeId}.xlsx`);
    } catch (e) {
      message.error(errorText(e));
    } finally {
      setExporting(false);
    }
  });

  return (
    <Card
      size="small"
      title={t('workplace.notice.readers')}
      data-testid="notice-readers"
      extra={<Button icon={<DownloadOutlined />} loading={exporting} onClick={() => void doExport()} data-testid="readers-export">{t('common.export')}</Button>}
    >
      <Space size="large" style={{ marginBottom: 12 }}>
        <Statistic title={t('workplace.notice.audience')} value={d?.audience ?? 0} />
        <Statistic title={t('workplace.notice.read')} value={d?.read ?? 0} valueStyle={{ color: '#389e0d' }} data-testid="readers-read" />
        <Statistic title={t('workplace.notice.unread')} value={d?.unread ?? 0} valueStyle={{ color: '#cf1322' }} data-testid="readers-unread" />
        <Segmented<Filter>
          value={filter}
          onChange={(v) => { setFilter(v); setPage((p) => ({ ...p, page: 1 })); }}
          options={[
            { value: 'all', label: t('workplace.notice.all') },
            { value: 'read', label: t('workplace.notice.read') },
            { value: 'unread', label: t('workplace.notice.unread') },
          ]}
        />
      </Space>
      <Table<Reader>
        size="small"
        rowKey="userId"
        loading={readers.isFetching}
        columns={columns}
        dataSource={d?.items ?? []}
        data-testid="readers-table"
        pagination={{ current: page.page, pageSize: page.pageSize, total: d?.total ?? 0, showTotal: (n) => t('common.total', { total: n }) }}
        onChange={(p) => setPage({ page: p.current ?? 1, pageSize: p.pageSize ?? 50 })}
      />
    </Card>
  );
}
