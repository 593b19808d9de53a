import { useState } from 'react';
import dayjs, { type Dayjs } from 'dayjs';
import { App, Button, Card, DatePicker, Form, Input, Modal, Popconfirm, Segmented, Space, Table, Tag, Typography, type TableProps } from 'antd';
import { CheckOutlined, DownloadOutlined, PlusOutlined, UndoOutlined } from '@ant-design/icons';
import { Link } from 'react-router';
import { useTranslation } from 'react-i18next';
import { applyFieldErrors, placeErrors, useFormLanguage } from '../../../app/formErrors.ts';
import { errorText } from '../../../app/http.ts';
import { formatDateTime } from '../../../app/format.ts';
import { useReminders, useWpMutation, workplaceApi, type Reminder, type ReminderInput, type ReminderState } from '../api.ts';
import { WorkplaceTabs } from './WorkplaceTabs.tsx';
import { useSingleFlight } from '../../../app/useSingleFlight.ts';

const STATE_COLOR: Record<ReminderState, string> = { pending: 'blue', fired: 'orange', done: 'default' };

function ReminderModal({ reminder, onClose }: { reminder?: Reminder; onClose: () => void }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const [form] = Form.useForm<{ title: string; remindAt: Dayjs; note?: string; customerNo?: string }>();
  useFormLanguage(form);
  const save = useWpMutation((body: ReminderInput) => (reminder ? workplaceApi.updateReminder(reminder.id, body) : workplaceApi.createReminder(body)));
  const [submit, submitting] = useSingleFlight(async () => {
    const v = await form.validateFields().catch(() => null);
    if (!v) return;
    try {
      await save.mutateAsync({ title: v.title.trim(), remindAt: v.remindAt.toISOString(), note: v.note?.trim() || null, customerNo: v.customerNo?.trim() || null });
      message.success(t('workplace.reminder.saved'));
      onClose();
    } catch (e) {
      if (placeErrors(form, e)) message.error(errorText(e));
    }
  });
  return (
    <Modal open title={reminder ? t('workplace.reminder.edit') : t('workplace.reminder.new')} onCancel={onClose} onOk={() => void submit()} confirmLoading={submitting} destroyOnHidden
      okButtonProps={{ 'data-testid': 'reminder-submit' } as Record<string, string>}>
      <Form
        form={form}
        layout="vertical"
        size="small"
        preserve={false}
        initialValues={reminder ? { title: reminder.title, remindAt: dayjs(reminder.remindAt), note: reminder.note ?? undefined, customerNo: reminder.customerNo ?? undefined } : { remindAt: dayjs().add(1, 'hour').startOf('hour') }}
      >
        <Form.Item name="title" label={t('workplace.reminder.itemTitle')} rules={[{ required: true, whitespace: true, message: t('workplace.reminder.titleRequired') }, { max: 200 }]}>
          <Input maxLength={200} data-testid="reminder-title" />
        </Form.Item>
        <Form.Item name="remindAt" label={t('workplace.reminder.remindAt')} rules={[{ required: true, message: t('workplace.reminder.timeRequired') }]}>
          <DatePicker showTime format="YYYY-MM-DD HH:mm" />
        </Form.Item>
        <Form.Item name="customerNo" label={t('workplace.reminder.customerNo')} rules={[{ pattern: /^\d{1,20}$/, message: t('workplace.reminder.customerNo') }]}>
          <Input maxLength={20} style={{ width: 200 }} />
        </Form.Item>
        <Form.Item name="note" label={t('workplace.reminder.note')} rules={[{ max: 2000 }]}>
          <Input.TextArea rows={3} />
        </Form.Item>
      </Form>
    </Modal>
  );
}

/** My reminders: pending, due (fired by the scheduler) and done. */
export function RemindersPage() {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const [status, setStatus] = useState<ReminderState | 'all'>('all');
  const [page, setPage] = useState({ page: 1, pageSize: 20 });
  const [editing, setEditing] = useState<{ reminder?: Reminder } | null>(null);
  const list = useReminders({ status: status === 'all' ? undefined : status, ...page });
  const done = useWpMutation((a: { id: number; done: boolean }) => workplaceApi.doneReminder(a.id, a.done));
  const remove = useWpMutation(workplaceApi.deleteReminder);
  const onErr = (e: unknown) => message.error(errorText(e));
  const [doneOnce] = useSingleFlight((a: { id: number; done: boolean }) => done.mutateAsync(a).catch(onErr));

  const columns: TableProps<Reminder>['columns'] = [
    { title: t('workplace.reminder.remindAt'), dataIndex: 'remindAt', width: 160, render: (v: string) => formatDateTime(v) },
    {
      title: t('workplace.reminder.itemTitle'),
      key: 'title',
      render: (_, r) => (
        <Space size={4}>
          <Typography.Text delete={!!r.doneAt}>{r.title}</Typography.Text>
          {r.calendarEventId && <Tag>{t('workplace.reminder.fromEvent')}</Tag>}
        </Space>
      ),
    },
    { title: t('workplace.reminder.customerNo'), key: 'customer', width: 180, render: (_, r) => (r.customerNo ? <Link to={`/customers/${r.customerNo}`}>{r.customerName ?? r.customerNo}</Link> : '—') },
    { title: t('workplace.reminder.note'), dataIndex: 'note', ellipsis: true, render: (v: string | null) => v ?? '' },
    { title: t('workplace.reminder.state'), dataIndex: 'state', width: 90, render: (v: ReminderState) => <Tag color={STATE_COLOR[v]}>{t(`workplace.reminder.states.${v}`)}</Tag> },
    {
      title: t('common.actions'),
      key: 'actions',
      width: 200,
      render: (_, r) => (
        <Space size={0}>
          <Button size="small" type="link" icon={r.doneAt ? <UndoOutlined /> : <CheckOutlined />} onClick={() => void doneOnce({ id: r.id, done: !r.doneAt })}>
            {r.doneAt ? t('workplace.reminder.undo') : t('workplace.reminder.done')}
          </Button>
          {!r.calendarEventId && <Button size="small" type="link" onClick={() => setEditing({ reminder: r })}>{t('common.edit')}</Button>}
          {!r.calendarEventId && (
            <Popconfirm title={t('workplace.reminder.deleteConfirm')} onConfirm={() => remove.mutate(r.id, { onError: onErr })}>
              <Button size="small" type="link" danger>{t('workplace.reminder.delete')}</Button>
            </Popconfirm>
          )}
        </Space>
      ),
    },
  ];

  return (
    <>
      <WorkplaceTabs />
      <Card
        size="small"
        title={<Typography.Text strong>{t('workplace.reminder.title')}</Typography.Text>}
        extra={
          <Space>
            <Button icon={<DownloadOutlined />} onClick={() => void workplaceApi.exportReminders(status === 'all' ? undefined : status, `${t('workplace.reminder.exportName')}.xlsx`).catch(onErr)}>{t('common.export')}</Button>
            <Button type="primary" icon={<PlusOutlined />} onClick={() => setEditing({})} data-testid="reminder-new">{t('workplace.reminder.new')}</Button>
          </Space>
        }
      >
        <Segmented<ReminderState | 'all'>
          style={{ marginBottom: 12 }}
          value={status}
          onChange={(v) => { setStatus(v); setPage((p) => ({ ...p, page: 1 })); }}
          options={[
            { value: 'all', label: t('workplace.reminder.all') },
            ...(['pending', 'fired', 'done'] as const).map((s) => ({ value: s, label: t(`workplace.reminder.states.${s}`) })),
          ]}
        />
        <Table<Reminder>
          size="small"
          rowKey="id"
          data-testid="reminder-table"
          loading={list.isFetching}
          columns={columns}
          dataSource={list.data?.items ?? []}
          pagination={{ current: page.page, pageSize: page.pageSize, total: list.data?.total ?? 0, showSizeChanger: true, showTotal: (n) => t('common.total', { total: n }) }}
          onChange={(p) => setPage({ page: p.current ?? 1, pageSize: p.pageSize ?? 20 })}
        />
      </Card>
      {editing && <ReminderModal reminder={editing.reminder} onClose={() => setEditing(null)} />}
    </>
  );
}
