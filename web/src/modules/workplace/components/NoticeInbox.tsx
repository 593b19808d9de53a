import { useState } from 'react';
import { Link } from 'react-router';
import { App, Badge, Button, Card, Checkbox, Input, Space, Table, Typography, type TableProps } from 'antd';
import { CheckOutlined } from '@ant-design/icons';
import { useTranslation } from 'react-i18next';
import { errorText } from '../../../app/http.ts';
import { formatDateTime } from '../../../app/format.ts';
import { useLang } from '../../../app/useLang.ts';
import { useInbox, useWpMutation, workplaceApi, type InboxItem } from '../api.ts';
import { PriorityTag } from './NoticeTags.tsx';
import { WorkplaceTabs } from './WorkplaceTabs.tsx';

/** The notices addressed to me: pinned first, unread in bold. */
export function NoticeInbox() {
  const { t } = useTranslation();
  const { pick } = useLang();
  const { message } = App.useApp();
  const [q, setQ] = useState('');
  const [unread, setUnread] = useState(false);
  const [page, setPage] = useState({ page: 1, pageSize: 20 });
  const list = useInbox({ q: q || undefined, unread: unread || undefined, ...page });
  const readAll = useWpMutation(workplaceApi.readAll);

  const columns: TableProps<InboxItem>['columns'] = [
    {
      title: t('workplace.notice.title'),
      key: 'title',
      render: (_, r) => (
        <Space size={4}>
          {!r.readAt && <Badge status="processing" />}
          <PriorityTag priority={r.priority} pinned={r.pinned} />
          <Link to={`/workplace/notices/${r.id}`} style={{ fontWeight: r.readAt ? 400 : 600 }} data-testid={`notice-link-${r.id}`}>
            {r.title}
          </Link>
        </Space>
      ),
    },
    { title: t('workplace.notice.publisher'), dataIndex: 'publisherName', width: 110 },
    { title: t('workplace.notice.org'), key: 'org', width: 150, ellipsis: true, render: (_, r) => pick(r.orgName, r.orgNameEn) },
    { title: t('workplace.notice.publishAt'), dataIndex: 'publishAt', width: 160, render: (v: string) => formatDateTime(v) },
    {
      title: t('workplace.notice.read'),
      key: 'read',
      width: 90,
      render: (_, r) => <span data-testid={`notice-status-${r.id}`}>{r.readAt ? t('workplace.notice.read') : t('workplace.notice.unread')}</span>,
    },
  ];

  return (
    <>
      <WorkplaceTabs />
      <Card
        size="small"
        title={
          <Space>
            <Typography.Text strong>{t('workplace.notice.inboxTitle')}</Typography.Text>
            {!!list.data?.unread && <Badge count={list.data.unread} data-testid="notice-unread-count" />}
          </Space>
        }
        extra={
          <Button
            icon={<CheckOutlined />}
            disabled={!list.data?.unread}
            loading={readAll.isPending}
            data-testid="notice-read-all"
            onClick={() =>
              readAll.mutate(undefined, {
                onSuccess: (r) => message.success(t('workplace.notice.markedRead', { count: r.marked })),
                onError: (e) => message.error(errorText(e)),
              })
            }
          >
            {t('workplace.notice.markAllRead')}
          </Button>
        }
      >
        <Space wrap style={{ marginBottom: 12 }}>
          <Input.Search allowClear placeholder={t('workplace.notice.search')} onSearch={(v) => { setQ(v.trim()); setPage((p) => ({ ...p, page: 1 })); }} style={{ width: 320 }} data-testid="notice-search" />
          <Checkbox checked={unread} onChange={(e) => { setUnread(e.target.checked); setPage((p) => ({ ...p, page: 1 })); }} data-testid="notice-unread-only">
            {t('workplace.notice.unreadOnly')}
          </Checkbox>
        </Space>
        <Table<InboxItem>
          size="small"
          rowKey="id"
          data-testid="notice-table"
          loading={list.isFetching}
          columns={columns}
          dataSource={list.data?.items ?? []}
          pagination={{ current: page.page, pageSize: page.pageSize, total: list.data?.total ?? 0, showSizeChanger: true, showTotal: (n) => t('common.total', { total: n }) }}
          onChange={(p) => setPage({ page: p.current ?? 1, pageSize: p.pageSize ?? 20 })}
        />
      </Card>
    </>
  );
}
