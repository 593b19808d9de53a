import { useMemo, useState } from 'react';
import dayjs, { type Dayjs } from 'dayjs';
import { App, Badge, Button, Calendar, Card, Col, Empty, List, Row, Segmented, Space, Tag, Typography } from 'antd';
import { DownloadOutlined, LeftOutlined, PlusOutlined, RightOutlined, TeamOutlined } from '@ant-design/icons';
import { useTranslation } from 'react-i18next';
import { errorText } from '../../../app/http.ts';
import { useCalendar, workplaceApi, type CalendarEvent } from '../api.ts';
import { EventFormModal } from './EventFormModal.tsx';
import { WorkplaceTabs } from './WorkplaceTabs.tsx';
import { useSingleFlight } from '../../../app/useSingleFlight.ts';

type View = 'month' | 'week' | 'day';

/** The range a view shows around `cursor`: the month grid (6 weeks), the ISO week, or the day. */
function rangeOf(view: View, cursor: Dayjs): [Dayjs, Dayjs] {
  if (view === 'day') return [cursor.startOf('day'), cursor.startOf('day').add(1, 'day')];
  if (view === 'week') {
    const monday = cursor.subtract((cursor.day() + 6) % 7, 'day').startOf('day');
    return [monday, monday.add(7, 'day')];
  }
  const first = cursor.startOf('month');
  const gridStart = first.subtract((first.day() + 6) % 7, 'day');
  return [gridStart.subtract(7, 'day'), gridStart.add(49, 'day')];
}

const overlaps = (e: CalendarEvent, day: Dayjs) => dayjs(e.startsAt).isBefore(day.endOf('day')) && !dayjs(e.endsAt).isBefore(day.startOf('day'));

function EventLine({ e, onOpen }: { e: CalendarEvent; onOpen: (e: CalendarEvent) => void }) {
  return (
    <div
      onClick={(ev) => { ev.stopPropagation(); onOpen(e); }}
      style={{ cursor: 'pointer', fontSize: 12, whiteSpace: 'nowrap', overflow: 'hidden', textOverflow: 'ellipsis' }}
      title={e.title}
      data-testid={`event-${e.id}`}
    >
      <Badge color={e.mine ? (e.shared ? 'green' : 'blue') : 'purple'} />
      {!e.allDay && <Typography.Text type="secondary" style={{ fontSize: 12 }}>{dayjs(e.startsAt).format('HH:mm')} </Typography.Text>}
      {e.title}
      {!e.mine && <Typography.Text type="secondary" style={{ fontSize: 12 }}> · {e.ownerName}</Typography.Text>}
    </div>
  );
}

export function CalendarPage() {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const [view, setView] = useState<View>('month');
  const [cursor, setCursor] = useState(() => dayjs());
  const [open, setOpen] = useState<{ event?: CalendarEvent; start?: Dayjs } | null>(null);
  const [from, to] = useMemo(() => rangeOf(view, cursor), [view, cursor]);
  const cal = useCalendar(from.toISOString(), to.toISOString());
  const events = cal.data?.items ?? [];
  const step = (n: number) => setCursor((c) => c.add(n, view));

  const [doExport, doExportBusy] = useSingleFlight(async () => {
    try {
      await workplaceApi.exportCalendar(from.toISOString(), to.toISOString(), `${t('workplace.calendar.exportName')}.xlsx`);
    } catch (e) {
      message.error(errorText(e));
    }
  });

  const days = view === 'week' ? Array.from({ length: 7 }, (_, i) => from.add(i, 'day')) : [cursor.startOf('day')];

  return (
    <>
      <WorkplaceTabs />
      <Card
        size="small"
        title={
          <Space>
            <Button size="small" icon={<LeftOutlined />} onClick={() => step(-1)} />
            <Button size="small" onClick={() => setCursor(dayjs())}>{t('workplace.calendar.today')}</Button>
            <Button size="small" icon={<RightOutlined />} onClick={() => step(1)} />
            <Typography.Text strong data-testid="calendar-period">
              {view === 'month' ? cursor.format('YYYY-MM') : view === 'week' ? `${from.format('YYYY-MM-DD')} ~ ${from.add(6, 'day').format('MM-DD')}` : cursor.format('YYYY-MM-DD dddd')}
            </Typography.Text>
          </Space>
        }
        extra={
          <Space>
            <Segmented<View>
              value={view}
              onChange={setView}
              options={[
                { value: 'month', label: t('workplace.calendar.month') },
                { value: 'week', label: t('workplace.calendar.week') },
                { value: 'day', label: t('workplace.calendar.day') },
              ]}
              data-testid="calendar-view"
            />
            <Button icon={<DownloadOutlined />} onClick={() => void doExport()}>{t('common.export')}</Button>
            <Button type="primary" icon={<PlusOutlined />} onClick={() => setOpen({ start: view === 'month' ? undefined : cursor.hour(9).minute(0) })} data-testid="event-new">
              {t('workplace.calendar.new')}
            </Button>
          </Space>
        }
      >
        {view === 'month' ? (
          <Calendar
            value={cursor}
            headerRender={() => null}
            onSelect={(d, info) => { setCursor(d); if (info.source === 'date') setOpen({ start: d.hour(9).minute(0) }); }}
            cellRender={(d, info) => info.type === 'date' ? events.filter((e) => overlaps(e, d)).slice(0, 4).map((e) => <EventLine key={e.id} e={e} onOpen={(x) => setOpen({ event: x })} />) : info.originNode}
          />
        ) : (
          <Row gutter={8} data-testid="calendar-grid">
            {days.map((d) => {
              const list = events.filter((e) => overlaps(e, d));
              return (
                <Col key={d.format('YYYY-MM-DD')} flex={1} style={{ minWidth: 0 }}>
                  <Card size="small" type="inner" title={<span style={{ fontWeight: d.isSame(dayjs(), 'day') ? 700 : 400 }}>{d.format('ddd MM-DD')}</span>} onClick={() => setOpen({ start: d.hour(9).minute(0) })} style={{ minHeight: 240, cursor: 'copy' }}>
                    {list.length ? (
                      <List
                        size="small"
                        dataSource={list}
                        renderItem={(e) => (
                          <List.Item style={{ padding: '2px 0' }}>
                            <Space direction="vertical" size={0} style={{ width: '100%' }}>
                              <EventLine e={e} onOpen={(x) => setOpen({ event: x })} />
                              {view === 'day' && (
                                <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                                  {e.allDay ? t('workplace.calendar.allDay') : `${dayjs(e.startsAt).format('HH:mm')}–${dayjs(e.endsAt).format('HH:mm')}`}
                                  {e.location ? ` · ${e.location}` : ''}
                                  {e.customerNo ? ` · ${e.customerName ?? e.customerNo}` : ''}
                                  {e.shared && <Tag icon={<TeamOutlined />} style={{ marginLeft: 4 }}>{t('workplace.calendar.shared')}</Tag>}
                                </Typography.Text>
                              )}
                            </Space>
                          </List.Item>
                        )}
                      />
                    ) : (
                      <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('workplace.calendar.noEvents')} />
                    )}
                  </Card>
                </Col>
              );
            })}
          </Row>
        )}
      </Card>
      {open && <EventFormModal event={open.event} defaultStart={open.start} onClose={() => setOpen(null)} />}
    </>
  );
}
