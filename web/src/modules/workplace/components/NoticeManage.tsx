import { useState } from 'react';
import { Link } from 'react-router';
import { App, Button, Card, Input, Progress, Select, Space, Table, Typography, type TableProps } from 'antd';
import { DownloadOutlined, PlusOutlined } from '@ant-design/icons';
import { useTranslation } from 'react-i18next';
import { errorText } from '../../../app/http.ts';
import { formatDateTime } from '../../../app/format.ts';
import { useLang } from '../../../app/useLang.ts';
import { useManaged, workplaceApi, type ManagedNotice, type NoticeState } from '../api.ts';
import { NoticeFormModal } from './NoticeFormModal.tsx';
import { PriorityTag, StateTag } from './NoticeTags.tsx';
import { WorkplaceTabs } from './WorkplaceTabs.tsx';
import { useSingleFlight } from '../../../app/useSingleFlight.ts';

const STATES: NoticeState[] = ['published', 'scheduled', 'expired', 'withdrawn'];

/** Notices published by me and (for supervisors) by my team, with how many of the audience have read each. */
export function NoticeManage() {
  const { t } = useTranslation();
  const { pick } = useLang();
  const { message } = App.useApp();
  const [q, setQ] = useState('');
  const [status, setStatus] = useState<NoticeState | undefined>();
  const [page, setPage] = useState({ page: 1, pageSize: 20 });
  const [creating, setCreating] = useState(false);
  const [exporting, setExporting] = useState(false);
  const list = useManaged({ q: q || undefined, status, ...page });

  const columns: TableProps<ManagedNotice>['columns'] = [
    {
      title: t('workplace.notice.title'),
      key: 'title',
      render: (_, r) => (
        <Space size={4}>
          <PriorityTag priority={r.priority} pinned={r.pinned} />
          <Link to={`/workplace/notices/${r.id}`} data-testid={`managed-link-${r.id}`}>{r.title}</Link>
        </Space>
      ),
    },
    { title: t('workplace.notice.state'), dataIndex: 'state', width: 90, render: (v: NoticeState) => <StateTag state={v} /> },
    { title: t('workplace.notice.publisher'), dataIndex: 'publisherName', width: 100 },
    { title: t('workplace.notice.org'), key: 'org', width: 130, ellipsis: true, render: (_, r) => pick(r.orgName, r.orgNameEn) },
    { title: t('workplace.notice.publishAt'), dataIndex: 'publishAt', width: 150, render: (v: string) => formatDateTime(v) },
    { title: t('workplace.notice.expireAt'), dataIndex: 'expireAt', width: 150, render: (v: string | null) => formatDateTime(v) },
    {
      title: t('workplace.notice.readStat'),
      key: 'read',
      width: 190,
      render: (_, r) => (
        <Space size={6} data-testid={`managed-read-${r.id}`}>
          <Progress percent={r.audience ? Math.round((r.read / r.audience) * 100) : 0} size="small" style={{ width: 80, margin: 0 }} showInfo={false} />
          <span>{r.read}/{r.audience}</span>
        </Space>
      ),
    },
  ];

  const [doExport, doExportBusy] = useSingleFlight(async () => {
    setExporting(true);
    try {
      await workplaceApi.exportManaged({ q: q || undefined, status }, `${t('workplace.notice.exportNotices')}.xlsx`);
    } catch (e) {
      message.error(errorText(e));
    } finally {
      setExporting(false);
    }
  });

  return (
    <>
      <WorkplaceTabs />
      <Card
        size="small"
        title={<Typography.Text strong>{t('workplace.notice.manageTitle')}</Typography.Text>}
        extra={
          <Space>
            <Button icon={<DownloadOutlined />} loading={exporting} onClick={() => void doExport()} data-testid="managed-export">{t('common.export')}</Button>
            <Button type="primary" icon={<PlusOutlined />} onClick={() => setCreating(true)} data-testid="notice-new">{t('workplace.notice.new')}</Button>
          </Space>
        }
      >
        <Space wrap style={{ marginBottom: 12 }}>
          <Input.Search allowClear placeholder={t('workplace.notice.search')} onSearch={(v) => { setQ(v.trim()); setPage((p) => ({ ...p, page: 1 })); }} style={{ width: 280 }} />
          <Select<NoticeState>
            allowClear
            placeholder={t('workplace.notice.state')}
            value={status}
            onChange={(v) => { setStatus(v); setPage((p) => ({ ...p, page: 1 })); }}
            style={{ width: 130 }}
            options={STATES.map((s) => ({ value: s, label: t(`workplace.state.${s}`) }))}
          />
        </Space>
        <Table<ManagedNotice>
          size="small"
          rowKey="id"
          data-testid="managed-table"
          loading={list.isFetching}
          columns={columns}
          dataSource={list.data?.items ?? []}
          pagination={{ current: page.page, pageSize: page.pageSize, total: list.data?.total ?? 0, showSizeChanger: true, showTotal: (n) => t('common.total', { total: n }) }}
          onChange={(p) => setPage({ page: p.current ?? 1, pageSize: p.pageSize ?? 20 })}
        />
      </Card>
      {creating && <NoticeFormModal open onClose={() => setCreating(false)} />}
    </>
  );
}
