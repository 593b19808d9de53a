import { useNavigate } from 'react-router';
import { Badge, Button, Empty, List, Popover, Space, Typography } from 'antd';
import { BellOutlined } from '@ant-design/icons';
import { useTranslation } from 'react-i18next';
import { formatDateTime } from '../../../app/format.ts';
import { useAlerts, useWpMutation, workplaceApi } from '../api.ts';

/**
 * The header bell: how many reminders have fired and not been seen yet (polled), the latest of them
 * in a popover, and "dismiss all". Meant for the app header, next to the language switch.
 */
export function WorkplaceBell() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const alerts = useAlerts();
  const seen = useWpMutation((ids?: number[]) => workplaceApi.seen(ids));
  const items = alerts.data?.items ?? [];
  const content = (
    <div style={{ width: 320 }} data-testid="bell-list">
      {items.length ? (
        <List
          size="small"
          dataSource={items}
          renderItem={(r) => (
            <List.Item style={{ padding: '4px 0' }}>
              <List.Item.Meta
                title={<Typography.Text>{r.title}</Typography.Text>}
                description={<Typography.Text type="secondary" style={{ fontSize: 12 }}>{formatDateTime(r.remindAt)}{r.customerName ? ` · ${r.customerName}` : ''}</Typography.Text>}
              />
            </List.Item>
          )}
        />
      ) : (
        <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('workplace.bell.empty')} />
      )}
      <Space style={{ marginTop: 8, width: '100%', justifyContent: 'space-between' }}>
        <Button size="small" type="link" onClick={() => navigate('/workplace/reminders')}>{t('workplace.bell.viewAll')}</Button>
        <Button size="small" disabled={!items.length} loading={seen.isPending} onClick={() => seen.mutate(undefined)} data-testid="bell-seen">{t('workplace.bell.markSeen')}</Button>
      </Space>
    </div>
  );
  return (
    <Popover trigger="click" placement="bottomRight" title={t('workplace.bell.title')} content={content}>
      <Badge count={alerts.data?.count ?? 0} size="small" offset={[-4, 4]}>
        <Button type="text" icon={<BellOutlined />} aria-label={t('workplace.bell.title')} data-testid="workplace-bell" />
      </Badge>
    </Popover>
  );
}
