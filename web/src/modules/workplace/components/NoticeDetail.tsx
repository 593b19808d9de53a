import { useEffect, useState } from 'react';
import { Link, useParams } from 'react-router';
import { useQueryClient } from '@tanstack/react-query';
import { App, Button, Card, Descriptions, Popconfirm, Result, Space, Spin, Typography } from 'antd';
import { ArrowLeftOutlined, EditOutlined, LinkOutlined, StopOutlined } from '@ant-design/icons';
import { useTranslation } from 'react-i18next';
import { ApiError, errorText } from '../../../app/http.ts';
import { formatDateTime } from '../../../app/format.ts';
import { useLang } from '../../../app/useLang.ts';
import { useNotice, useWpMutation, WP_KEY, workplaceApi } from '../api.ts';
import { NoticeBody } from './Markdown.tsx';
import { NoticeFormModal } from './NoticeFormModal.tsx';
import { NoticeReaders } from './NoticeReaders.tsx';
import { PriorityTag } from './NoticeTags.tsx';
import { WorkplaceTabs } from './WorkplaceTabs.tsx';

/** One notice. Opening it marks it read on the server; its managers also see who has read it. */
export function NoticeDetail() {
  const { t } = useTranslation();
  const { pick } = useLang();
  const { message } = App.useApp();
  const qc = useQueryClient();
  const id = Number(useParams().id);
  const notice = useNotice(id);
  const [editing, setEditing] = useState(false);
  const withdraw = useWpMutation(workplaceApi.withdrawNotice);

  // The read receipt changed the unread counts shown elsewhere (list, home widget, badges).
  useEffect(() => {
    if (notice.data) void qc.invalidateQueries({ predicate: (q) => q.queryKey[0] === WP_KEY && q.queryKey[1] !== 'notice' });
  }, [notice.data?.id, qc]);

  if (notice.isPending) return <Spin style={{ display: 'block', marginTop: 64 }} />;
  if (notice.error) {
    const missing = notice.error instanceof ApiError && notice.error.status === 404;
    return <Result status={missing ? '404' : 'error'} title={missing ? t('workplace.notice.notFound') : errorText(notice.error)} extra={<Link to="/workplace/notices">{t('workplace.notice.back')}</Link>} />;
  }
  const n = notice.data;
  return (
    <>
      <WorkplaceTabs />
      <Space direction="vertical" style={{ width: '100%' }}>
        <Card
          size="small"
          title={
            <Space>
              <Link to="/workplace/notices"><ArrowLeftOutlined /></Link>
              <PriorityTag priority={n.priority} pinned={n.pinned} />
              <Typography.Text strong data-testid="notice-title">{n.title}</Typography.Text>
              {n.status === 'withdrawn' && <Typography.Text type="secondary">({t('workplace.notice.withdrawn')})</Typography.Text>}
            </Space>
          }
          extra={
            n.canManage && (
              <Space>
                <Button icon={<EditOutlined />} onClick={() => setEditing(true)} data-testid="notice-edit">{t('common.edit')}</Button>
                {n.status !== 'withdrawn' && (
                  <Popconfirm
                    title={t('workplace.notice.withdrawConfirm')}
                    onConfirm={() => withdraw.mutate(n.id, { onSuccess: () => message.success(t('workplace.notice.withdrawn')), onError: (e) => message.error(errorText(e)) })}
                  >
                    <Button danger icon={<StopOutlined />} loading={withdraw.isPending}>{t('workplace.notice.withdraw')}</Button>
                  </Popconfirm>
                )}
              </Space>
            )
          }
        >
          <Descriptions size="small" column={4} style={{ marginBottom: 12 }}>
            <Descriptions.Item label={t('workplace.notice.publisher')}>{n.publisherName}</Descriptions.Item>
            <Descriptions.Item label={t('workplace.notice.org')}>{pick(n.orgName, n.orgNameEn)}</Descriptions.Item>
            <Descriptions.Item label={t('workplace.notice.publishAt')}>{formatDateTime(n.publishAt)}</Descriptions.Item>
            <Descriptions.Item label={t('workplace.notice.expireAt')}>{formatDateTime(n.expireAt)}</Descriptions.Item>
          </Descriptions>
          <NoticeBody body={n.body} format={n.format} />
          {n.attachments.length > 0 && (
            <Descriptions size="small" column={1} style={{ marginTop: 12 }}>
              <Descriptions.Item label={t('workplace.notice.attachments')}>
                <Space direction="vertical" size={2}>
                  {n.attachments.map((a, i) => (
                    <a key={i} href={a.url} target="_blank" rel="noopener noreferrer nofollow"><LinkOutlined /> {a.name}</a>
                  ))}
                </Space>
              </Descriptions.Item>
            </Descriptions>
          )}
        </Card>
        {n.canManage && <NoticeReaders noticeId={n.id} />}
      </Space>
      {editing && <NoticeFormModal notice={n} open onClose={() => setEditing(false)} />}
    </>
  );
}
