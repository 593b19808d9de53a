import { useState } from 'react';
import { Link } from 'react-router';
import { App, Button, Card, DatePicker, Empty, Form, Input, List, Modal, Space, Tag, Typography } from 'antd';
import { CheckOutlined, CloseOutlined, DownloadOutlined, PlusOutlined } from '@ant-design/icons';
import { useAuth } from '../../../app/auth.tsx';
import dayjs, { type Dayjs } from 'dayjs';
import { useTranslation } from 'react-i18next';
import { applyFieldErrors, placeErrors, useFormLanguage } from '../../../app/formErrors.ts';
import { errorText } from '../../../app/http.ts';
import { formatFen } from '../../../app/format.ts';
import { useLang } from '../../../app/useLang.ts';
import { managersApi, useManagersMutation, type Reminder } from '../api.ts';
import { useSingleFlight } from '../../../app/useSingleFlight.ts';

const KIND_COLOR: Record<string, string> = { birthday: 'magenta', maturity: 'gold', dormant: 'volcano', service_due: 'red', follow_up: 'blue', custom: 'default' };

function ReminderText({ r }: { r: Reminder }) {
  const { t } = useTranslation();
  const { pick } = useLang();
  const d = r.detail as { productName?: string; productNameEn?: string; balanceFen?: string; accountTail?: string; lastActivityOn?: string | null };
  switch (r.kind) {
    case 'maturity':
      return <>{r.customerName} · {pick(d.productName, d.productNameEn)} ****{d.accountTail} · {formatFen(d.balanceFen ?? 0, true)}</>;
    case 'dormant':
      return <>{r.customerName} · {t('managers.workbench.lastContact')}: {d.lastActivityOn ?? '—'}</>;
    default:
      return <>{r.customerName && r.kind !== 'birthday' ? `${r.customerName} · ` : ''}{r.title}</>;
  }
}

type NewValues = { title: string; dueOn: Dayjs; customerNo?: string };

/** Reminders due soon, with done / dismiss and a form for one's own. */
export function RemindersCard({ items, total, capped, days }: { items: Reminder[]; total: number; capped?: boolean; days: number }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const { can } = useAuth();
  const [adding, setAdding] = useState(false);
  const [form] = Form.useForm<NewValues>();
  useFormLanguage(form);
  const setState = useManagersMutation((a: { id: number; state: 'done' | 'dismissed' }) => managersApi.setReminder(a.id, a.state));
  const [setStateOnce] = useSingleFlight((a: { id: number; state: 'done' | 'dismissed' }) => setState.mutateAsync(a).catch((e) => void message.error(errorText(e))));
  const add = useManagersMutation((v: NewValues) => managersApi.addReminder({ title: v.title.trim(), dueOn: v.dueOn.format('YYYY-MM-DD'), customerNo: v.customerNo?.trim() || null }));

  const [submit, submitting] = useSingleFlight(async () => {
    const v = await form.validateFields().catch(() => null);
    if (!v) return;
    try {
      await add.mutateAsync(v);
      setAdding(false);
    } catch (e) {
      if (placeErrors(form, e)) message.error(errorText(e));
    }
  });

  return (
    <Card
      size="small"
      title={<Space>{t('managers.workbench.reminders')}<Typography.Text type="secondary">{t('managers.workbench.remindersHint', { days })} · {total}{capped ? '+' : ''}</Typography.Text></Space>}
      extra={
        <Space size={4}>
          {can('customer:export') && <Button size="small" icon={<DownloadOutlined />} onClick={() => managersApi.exportReminders().catch((e) => message.error(errorText(e)))}>{t('common.export')}</Button>}
          <Button size="small" icon={<PlusOutlined />} onClick={() => { form.resetFields(); setAdding(true); }} data-testid="add-reminder">{t('managers.workbench.addReminder')}</Button>
        </Space>
      }
      data-testid="reminders-widget"
    >
      {items.length === 0 ? (
        <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('managers.workbench.noReminders')} />
      ) : (
        <List
          size="small"
          dataSource={items}
          renderItem={(r) => (
            <List.Item
              data-testid={`reminder-${r.kind}`}
              actions={[
                <Button key="d" size="small" type="link" icon={<CheckOutlined />} onClick={() => void setStateOnce({ id: r.id, state: 'done' })}>{t('managers.workbench.done')}</Button>,
                <Button key="x" size="small" type="link" icon={<CloseOutlined />} onClick={() => void setStateOnce({ id: r.id, state: 'dismissed' })}>{t('managers.workbench.dismiss')}</Button>,
              ]}
            >
              <Space size={6} wrap>
                <Tag color={KIND_COLOR[r.kind]}>{t(`managers.reminderKind.${r.kind}`)}</Tag>
                <Typography.Text type={r.dueOn < dayjs().format('YYYY-MM-DD') ? 'danger' : undefined}>{r.dueOn}</Typography.Text>
                {r.customerNo ? <Link to={`/customers/${r.customerNo}`}><ReminderText r={r} /></Link> : <ReminderText r={r} />}
              </Space>
            </List.Item>
          )}
        />
      )}
      <Modal open={adding} title={t('managers.workbench.addReminder')} onCancel={() => setAdding(false)} onOk={() => void submit()} confirmLoading={submitting} destroyOnHidden>
        <Form form={form} layout="vertical" preserve={false} initialValues={{ dueOn: dayjs() }}>
          <Form.Item name="title" label={t('managers.workbench.reminderTitle')} rules={[{ required: true, whitespace: true, message: t('common.required') }, { max: 200 }]}>
            <Input maxLength={200} data-testid="reminder-title" />
          </Form.Item>
          <Form.Item name="dueOn" label={t('managers.workbench.dueOn')} rules={[{ required: true, message: t('common.required') }]}>
            <DatePicker />
          </Form.Item>
          <Form.Item name="customerNo" label={t('managers.workbench.customerNo')} rules={[{ pattern: /^\d{1,20}$/, message: t('managers.workbench.customerNo') }]}>
            <Input maxLength={20} />
          </Form.Item>
        </Form>
      </Modal>
    </Card>
  );
}
