import { useEffect, useState } from 'react';
import { useSearchParams } from 'react-router';
import dayjs from 'dayjs';
import { Alert, App, Button, Card, Col, Form, Input, Result, Row, Space, Spin, Table, Tabs, Typography, type TableProps } from 'antd';
import { DownloadOutlined, LeftOutlined, RightOutlined } from '@ant-design/icons';
import { useTranslation } from 'react-i18next';
import { useAuth } from '../../../app/auth.tsx';
import { applyFieldErrors, placeErrors, useFormLanguage } from '../../../app/formErrors.ts';
import { errorText } from '../../../app/http.ts';
import { formatDateTime } from '../../../app/format.ts';
import { useLang } from '../../../app/useLang.ts';
import { useJournal, useTeam, useWpMutation, workplaceApi, type JournalDay, type TeamMember } from '../api.ts';
import { WorkplaceTabs } from './WorkplaceTabs.tsx';
import { useSingleFlight } from '../../../app/useSingleFlight.ts';

const monday = (d: dayjs.Dayjs) => d.subtract((d.day() + 6) % 7, 'day').format('YYYY-MM-DD');

function DayCard({ day, label, editable, isToday }: { day: JournalDay; label: string; editable: boolean; isToday: boolean }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const [form] = Form.useForm<{ content: string; plan: string }>();
  useFormLanguage(form);
  const save = useWpMutation((v: { content: string; plan: string }) => workplaceApi.saveJournal(day.date, v));
  useEffect(() => form.setFieldsValue({ content: day.content, plan: day.plan }), [day.content, day.plan, form]);

  const [submit, submitting] = useSingleFlight(async () => {
    const v = await form.validateFields().catch(() => null);
    if (!v) return;
    try {
      await save.mutateAsync({ content: v.content ?? '', plan: v.plan ?? '' });
      message.success(t('workplace.journal.saved'));
    } catch (e) {
      if (placeErrors(form, e)) message.error(errorText(e));
    }
  });
  const future = dayjs(day.date).isAfter(dayjs(), 'day');

  return (
    <Card
      size="small"
      type="inner"
      title={<span style={{ fontWeight: isToday ? 700 : 400 }}>{label} {day.date.slice(5)}</span>}
      extra={editable && <Button size="small" type="link" loading={submitting} onClick={() => void submit()} data-testid={`journal-save-${day.date}`}>{t('workplace.journal.save')}</Button>}
      style={{ height: '100%' }}
    >
      {editable ? (
        <Form form={form} layout="vertical" size="small" initialValues={{ content: day.content, plan: day.plan }}>
          <Form.Item name="content" label={t('workplace.journal.done')} rules={[{ max: 10000 }, { validator: (_, v?: string) => (future && v?.trim() ? Promise.reject(new Error(t('workplace.journal.futureDone'))) : Promise.resolve()) }]}>
            <Input.TextArea autoSize={{ minRows: 3, maxRows: 10 }} disabled={future} data-testid={`journal-content-${day.date}`} />
          </Form.Item>
          <Form.Item name="plan" label={t('workplace.journal.plan')} rules={[{ max: 10000 }]}>
            <Input.TextArea autoSize={{ minRows: 2, maxRows: 8 }} data-testid={`journal-plan-${day.date}`} />
          </Form.Item>
        </Form>
      ) : (
        <>
          <Typography.Text type="secondary">{t('workplace.journal.done')}</Typography.Text>
          <div style={{ whiteSpace: 'pre-wrap', minHeight: 40 }}>{day.content || <Typography.Text type="secondary">{t('workplace.journal.empty')}</Typography.Text>}</div>
          <Typography.Text type="secondary">{t('workplace.journal.plan')}</Typography.Text>
          <div style={{ whiteSpace: 'pre-wrap' }}>{day.plan || '—'}</div>
        </>
      )}
    </Card>
  );
}

function Week({ week, userId, onWeek }: { week: string; userId?: number; onWeek: (w: string) => void }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const j = useJournal(week, userId);
  const [doExport, doExportBusy] = useSingleFlight(async () => {
    const d = j.data;
    if (!d) return;
    try {
      await workplaceApi.exportJournal(d.weekStart, d.weekEnd, userId, `${t('workplace.journal.exportName')}-${d.user.username}-${d.weekStart}.xlsx`);
    } catch (e) {
      message.error(errorText(e));
    }
  });
  if (j.isPending) return <Spin style={{ display: 'block', marginTop: 48 }} />;
  if (j.error) return <Result status="warning" title={errorText(j.error)} />;
  const d = j.data;
  const labels = t('workplace.journal.weekdays', { returnObjects: true }) as string[];
  return (
    <Card
      size="small"
      title={
        <Space>
          <Button size="small" icon={<LeftOutlined />} onClick={() => onWeek(dayjs(d.weekStart).subtract(7, 'day').format('YYYY-MM-DD'))} title={t('workplace.journal.prevWeek')} />
          <Button size="small" onClick={() => onWeek(monday(dayjs()))}>{t('workplace.journal.thisWeek')}</Button>
          <Button size="small" icon={<RightOutlined />} onClick={() => onWeek(dayjs(d.weekStart).add(7, 'day').format('YYYY-MM-DD'))} title={t('workplace.journal.nextWeek')} />
          <Typography.Text strong data-testid="journal-week">{t('workplace.journal.weekOf', { start: d.weekStart, end: d.weekEnd })}</Typography.Text>
        </Space>
      }
      extra={<Button icon={<DownloadOutlined />} onClick={() => void doExport()}>{t('common.export')}</Button>}
    >
      {!d.editable && <Alert type="info" showIcon style={{ marginBottom: 8 }} message={t('workplace.journal.readOnly', { name: d.user.displayName })} />}
      <Row gutter={[8, 8]}>
        {d.days.map((day, i) => (
          <Col key={day.date} xs={24} md={12} xl={6} xxl={i < 5 ? 8 : 12}>
            <DayCard day={day} label={labels[i] ?? ''} editable={d.editable} isToday={day.date === d.today} />
          </Col>
        ))}
      </Row>
    </Card>
  );
}

function Team({ week, onOpen }: { week: string; onOpen: (m: TeamMember) => void }) {
  const { t } = useTranslation();
  const { pick } = useLang();
  const [page, setPage] = useState({ page: 1, pageSize: 50 });
  const team = useTeam(week, page.page, page.pageSize, true);
  const columns: TableProps<TeamMember>['columns'] = [
    { title: t('workplace.journal.member'), key: 'name', render: (_, r) => <a onClick={() => onOpen(r)} data-testid={`team-${r.username}`}>{r.displayName} ({r.username})</a> },
    { title: t('workplace.journal.org'), key: 'org', render: (_, r) => pick(r.orgName, r.orgNameEn) },
    { title: t('workplace.journal.role'), key: 'role', width: 140, render: (_, r) => pick(r.roleName, r.roleNameEn) },
    { title: t('workplace.journal.days'), dataIndex: 'days', width: 140, align: 'right' },
    { title: t('workplace.journal.lastUpdated'), dataIndex: 'lastUpdated', width: 170, render: (v: string | null) => formatDateTime(v) },
  ];
  return (
    <Table<TeamMember>
      size="small"
      rowKey="userId"
      columns={columns}
      loading={team.isFetching}
      dataSource={team.data?.items ?? []}
      data-testid="team-table"
      pagination={{ current: page.page, pageSize: page.pageSize, total: team.data?.total ?? 0, showTotal: (n) => t('common.total', { total: n }) }}
      onChange={(p) => setPage({ page: p.current ?? 1, pageSize: p.pageSize ?? 50 })}
    />
  );
}

/** My week of journal entries; supervisors also see their team's and open anyone's week read-only. */
export function JournalPage() {
  const { t } = useTranslation();
  const { can, user } = useAuth();
  const [params, setParams] = useSearchParams();
  const week = params.get('week') ?? monday(dayjs());
  const userId = Number(params.get('userId')) || undefined;
  const set = (patch: Record<string, string | undefined>) => {
    const next = new URLSearchParams(params);
    for (const [k, v] of Object.entries(patch)) (v ? next.set(k, v) : next.delete(k));
    // A new history entry: Back returns to the filters, page or week before.
    setParams(next);
  };
  const tab = params.get('tab') === 'team' ? 'team' : 'week';
  const own = <Week week={week} userId={userId && userId !== user?.id ? userId : undefined} onWeek={(w) => set({ week: w })} />;
  return (
    <>
      <WorkplaceTabs />
      {can('team:supervise') ? (
        <Tabs
          size="small"
          activeKey={tab}
          onChange={(k) => set({ tab: k === 'team' ? 'team' : undefined })}
          items={[
            { key: 'week', label: userId && userId !== user?.id ? t('workplace.journal.view') : t('workplace.journal.me'), children: own },
            { key: 'team', label: t('workplace.journal.team'), children: <Team week={week} onOpen={(m) => set({ userId: String(m.userId), tab: undefined })} /> },
          ]}
          tabBarExtraContent={userId && userId !== user?.id ? <Button size="small" onClick={() => set({ userId: undefined })}>{t('workplace.journal.me')}</Button> : null}
        />
      ) : (
        own
      )}
    </>
  );
}
