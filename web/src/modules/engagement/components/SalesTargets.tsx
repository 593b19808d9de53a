import { useState } from 'react';
import { App, Button, DatePicker, Form, Input, Modal, Popconfirm, Progress, Select, Space, Table } from 'antd';
import { PlusOutlined } from '@ant-design/icons';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import dayjs, { type Dayjs } from 'dayjs';
import { useTranslation } from 'react-i18next';
import { useAuth } from '../../../app/auth.tsx';
import { applyFieldErrors, useFormLanguage } from '../../../app/formErrors.ts';
import { errorText } from '../../../app/http.ts';
import { formatFen } from '../../../app/format.ts';
import { MONEY_METRICS, TARGET_METRICS, TARGET_PERIODS, engagementApi, useStaff, type Target } from '../api.ts';
import { yuanToFen } from '../money.ts';
import { useSingleFlight } from '../../../app/useSingleFlight.ts';

type Values = { userId: number; period: string; start: Dayjs; metric: string; target: string };

/** The first day of the period containing `d`. */
function periodStartOf(period: string, d: Dayjs): string {
  if (period === 'year') return d.startOf('year').format('YYYY-MM-DD');
  if (period === 'quarter') return d.month(Math.floor(d.month() / 3) * 3).startOf('month').format('YYYY-MM-DD');
  return d.startOf('month').format('YYYY-MM-DD');
}

/** Sales targets per manager and period, with attainment (actual vs target); `sales:plan` sets them. */
export function SalesTargets() {
  const { t } = useTranslation();
  const { can } = useAuth();
  const { message } = App.useApp();
  const qc = useQueryClient();
  const [period, setPeriod] = useState('month');
  const [at, setAt] = useState<Dayjs>(dayjs());
  const [editing, setEditing] = useState(false);
  const [form] = Form.useForm<Values>();
  useFormLanguage(form);
  const planner = can('sales:plan');
  const staff = useStaff(planner);
  const q = { period, periodStart: periodStartOf(period, at) };
  const list = useQuery({ queryKey: ['engagement', 'targets', q], queryFn: () => engagementApi.targets(q) });
  const refresh = () => void qc.invalidateQueries({ queryKey: ['engagement', 'targets'] });
  const save = useMutation({ mutationFn: engagementApi.setTarget, onSuccess: refresh });
  const remove = useMutation({ mutationFn: engagementApi.deleteTarget, onSuccess: refresh });
  const metric = Form.useWatch('metric', form);

  const show = (r: Target, v: string) => (r.money ? formatFen(v) : v);
  const [submit, submitting] = useSingleFlight(async () => {
    const v = await form.validateFields().catch(() => null);
    if (!v) return;
    const money = MONEY_METRICS.includes(v.metric);
    try {
      await save.mutateAsync({ userId: v.userId, period: v.period, periodStart: periodStartOf(v.period, v.start), metric: v.metric, target: money ? yuanToFen(v.target)! : Number(v.target) });
      message.success(t('engagement.msg.saved'));
      setEditing(false);
    } catch (e) {
      applyFieldErrors(form, e, (p) => (p[0] === 'periodStart' ? ['start'] : p));
      message.error(errorText(e));
    }
  });

  return (
    <>
      <Space style={{ marginBottom: 8 }} wrap>
        <Select size="small" style={{ width: 100 }} value={period} onChange={setPeriod} options={TARGET_PERIODS.map((p) => ({ value: p, label: t(`engagement.period.${p}`) }))} />
        <DatePicker size="small" picker={period === 'year' ? 'year' : period === 'quarter' ? 'quarter' : 'month'} value={at} onChange={(d) => d && setAt(d)} allowClear={false} />
        {planner && (
          <Button size="small" type="primary" icon={<PlusOutlined />} data-testid="eng-target-new" onClick={() => { form.resetFields(); form.setFieldsValue({ period, start: at, metric: 'sales_amount' }); setEditing(true); }}>
            {t('engagement.actions.setTarget')}
          </Button>
        )}
      </Space>
      <Table<Target>
        size="small"
        rowKey="id"
        loading={list.isFetching}
        dataSource={list.data?.items ?? []}
        pagination={false}
        data-testid="eng-targets-table"
        columns={[
          { title: t('engagement.fields.user'), dataIndex: 'userName', width: 120 },
          { title: t('engagement.fields.period'), key: 'p', width: 200, render: (_, r) => `${t(`engagement.period.${r.period}`)} ${r.periodStart} ~ ${r.periodEnd}` },
          { title: t('engagement.fields.metric'), dataIndex: 'metric', width: 120, render: (v: string) => t(`engagement.metric.${v}`) },
          { title: t('engagement.fields.target'), dataIndex: 'target', align: 'right', render: (v: string, r) => show(r, v) },
          { title: t('engagement.fields.actual'), dataIndex: 'actual', align: 'right', render: (v: string, r) => show(r, v) },
          { title: t('engagement.fields.attainment'), dataIndex: 'attainmentPct', width: 180, render: (v: number | null) => (v === null ? '—' : <Progress percent={v} size="small" status={v >= 100 ? 'success' : 'active'} format={(p) => `${p}%`} />) },
          ...(planner ? [{
            title: '', key: 'x', width: 60,
            render: (_: unknown, r: Target) => (
              <Popconfirm title={t('engagement.actions.remove')} onConfirm={() => remove.mutateAsync(r.id).catch((e) => void message.error(errorText(e)))}>
                <Button size="small" type="link" danger>{t('engagement.actions.remove')}</Button>
              </Popconfirm>
            ),
          }] : []),
        ]}
      />
      <Modal
        open={editing}
        title={t('engagement.actions.setTarget')}
        onCancel={() => setEditing(false)}
        onOk={() => void submit()}
        confirmLoading={submitting}
        okButtonProps={{ 'data-testid': 'eng-target-save' } as never}
        destroyOnHidden
      >
        <Form form={form} layout="vertical" size="small">
          <Form.Item name="userId" label={t('engagement.fields.user')} rules={[{ required: true, message: t('engagement.msg.required') }]}>
            <Select data-testid="eng-target-user" showSearch optionFilterProp="label" options={(staff.data?.items ?? []).map((m) => ({ value: m.id, label: `${m.displayName} · ${m.orgName}` }))} />
          </Form.Item>
          <Space>
            <Form.Item name="period" label={t('engagement.fields.period')} rules={[{ required: true }]}>
              <Select style={{ width: 100 }} options={TARGET_PERIODS.map((p) => ({ value: p, label: t(`engagement.period.${p}`) }))} />
            </Form.Item>
            <Form.Item name="start" label={t('engagement.fields.periodStart')} rules={[{ required: true, message: t('engagement.msg.required') }]}>
              <DatePicker picker="month" />
            </Form.Item>
            <Form.Item name="metric" label={t('engagement.fields.metric')} rules={[{ required: true }]}>
              <Select style={{ width: 140 }} options={TARGET_METRICS.map((m) => ({ value: m, label: t(`engagement.metric.${m}`) }))} />
            </Form.Item>
          </Space>
          <Form.Item
            name="target"
            label={t(MONEY_METRICS.includes(metric) ? 'engagement.fields.targetMoney' : 'engagement.fields.target')}
            rules={[{ required: true, message: t('engagement.msg.required') }, { pattern: MONEY_METRICS.includes(metric) ? /^\d+(\.\d{1,2})?$/ : /^\d+$/, message: t('engagement.msg.amountPositive') }]}
          >
            <Input inputMode="decimal" data-testid="eng-target-value" />
          </Form.Item>
        </Form>
      </Modal>
    </>
  );
}
