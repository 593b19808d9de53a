import { useMemo } from 'react';
import { Link } from 'react-router';
import dayjs from 'dayjs';
import { Alert, Badge, Card, Col, Empty, List, Row, Space, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { formatDateTime } from '../../../app/format.ts';
import { useHome } from '../api.ts';
import { PriorityTag } from './NoticeTags.tsx';

/**
 * For the workbench home page: unread notices and today's events (own and shared with me), plus a
 * line when reminders are waiting. One request (`GET /api/workplace/home?from=&to=`), today in the
 * browser's time zone.
 */
export function WorkplaceHomeWidgets() {
  const { t } = useTranslation();
  // "Today" is fixed for the page's life; a new day needs a reload, as it does for the rest of the workbench.
  const [from, to] = useMemo(() => [dayjs().startOf('day').toISOString(), dayjs().startOf('day').add(1, 'day').toISOString()], []);
  const home = useHome(from, to);
  const d = home.data;
  return (
    <Row gutter={[12, 12]} data-testid="workplace-home">
      {!!d?.alerts && (
        <Col span={24}>
          <Alert type="warning" showIcon message={<Link to="/workplace/reminders">{t('workplace.home.alerts', { count: d.alerts })}</Link>} />
        </Col>
      )}
      <Col xs={24} lg={12}>
        <Card
          size="small"
          loading={home.isPending}
          title={<Space>{t('workplace.home.notices')}<Badge count={d?.unreadNotices ?? 0} data-testid="home-unread-count" /></Space>}
          extra={<Link to="/workplace/notices">{t('workplace.home.more')}</Link>}
        >
          {d?.notices.length ? (
            <List
              size="small"
              dataSource={d.notices}
              renderItem={(n) => (
                <List.Item style={{ padding: '4px 0' }} extra={<Typography.Text type="secondary" style={{ fontSize: 12 }}>{formatDateTime(n.publishAt).slice(0, 16)}</Typography.Text>}>
                  <Space size={4}>
                    <PriorityTag priority={n.priority} pinned={n.pinned} />
                    <Link to={`/workplace/notices/${n.id}`} style={{ fontWeight: 600 }}>{n.title}</Link>
                  </Space>
                </List.Item>
              )}
            />
          ) : (
            <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('workplace.home.noUnread')} />
          )}
        </Card>
      </Col>
      <Col xs={24} lg={12}>
        <Card size="small" loading={home.isPending} title={t('workplace.home.todayEvents')} extra={<Link to="/workplace/calendar">{t('workplace.home.more')}</Link>}>
          {d?.events.length ? (
            <List
              size="small"
              dataSource={d.events}
              renderItem={(e) => (
                <List.Item style={{ padding: '4px 0' }}>
                  <Space size={6}>
                    <Typography.Text type="secondary" style={{ width: 90, display: 'inline-block' }}>
                      {e.allDay ? t('workplace.calendar.allDay') : `${dayjs(e.startsAt).format('HH:mm')}–${dayjs(e.endsAt).format('HH:mm')}`}
                    </Typography.Text>
                    <Typography.Text>{e.title}</Typography.Text>
                    {e.location && <Typography.Text type="secondary">· {e.location}</Typography.Text>}
                    {!e.mine && <Typography.Text type="secondary">· {e.ownerName}</Typography.Text>}
                  </Space>
                </List.Item>
              )}
            />
          ) : (
            <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('workplace.home.noEvents')} />
          )}
        </Card>
      </Col>
    </Row>
  );
}
