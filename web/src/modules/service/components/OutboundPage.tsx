import { useState } from 'react';
import { App, Button, Card, DatePicker, Form, Input, Modal, Select, Space, Table, Tag, type TableProps } from 'antd';
import { DownloadOutlined, PlusOutlined } from '@ant-design/icons';
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import dayjs, { type Dayjs } from 'dayjs';
import { useTranslation } from 'react-i18next';
import { useAuth } from '../../../app/auth.tsx';
import { applyFieldErrors, useFormLanguage } from '../../../app/formErrors.ts';
import { errorText } from '../../../app/http.ts';
import { formatDateTime } from '../../../app/format.ts';
import { OUTCOMES, serviceApi, type Outbound, type Outcome } from '../api.ts';
import { CustomerPicker, ServiceNav } from './ServiceCommon.tsx';
import { useSingleFlight } from '../../../app/useSingleFlight.ts';

const STATUS_COLOR = { planned: 'blue', done: 'green', cancelled: 'default' } as const;

/** Outbound service: care calls and visits are planned, then recorded with their outcome. */
export function OutboundPage() {
  const { t } = useTranslation();
  const { can } = useAuth();
  const { message } = App.useApp();
  const qc = useQueryClient();
  const [filter, setFilter] = useState<{ status?: string; kind?: string }>({ status: 'planned' });
  const [page, setPage] = useState({ page: 1, pageSize: 20 });
  const [planning, setPlanning] = useState(false);
  const [recording, setRecording] = useState<Outbound | null>(null);
  const list = useQuery({ queryKey: ['service', 'outbound', filter, page], queryFn: () => serviceApi.outbound({ ...filter, ...page }), placeholderData: keepPreviousData });
  const refresh = () => void qc.invalidateQueries({ queryKey: ['service', 'outbound'] });
  const cancel = useMutation({ mutationFn: serviceApi.cancelOutbound, onSuccess: refresh, onError: (e) => message.error(errorText(e)) });
  const [cancelOnce] = useSingleFlight((id: number) => cancel.mutateAsync(id).catch(() => undefined));

  const columns: TableProps<Outbound>['columns'] = [
    { title: t('service.outbound.fields.plannedAt'), dataIndex: 'plannedAt', width: 150, render: (v: string) => formatDateTime(v) },
    { title: t('service.outbound.fields.kind'), dataIndex: 'kind', width: 90, render: (v: Outbound['kind']) => t(`service.outbound.kind.${v}`) },
    { title: t('service.outbound.fields.customer'), key: 'c', width: 160, render: (_, r) => `${r.customer.name} ${r.customer.customerNo}` },
    { title: t('service.outbound.fields.purpose'), dataIndex: 'purpose', ellipsis: true },
    { title: t('service.outbound.fields.owner'), key: 'o', width: 90, render: (_, r) => r.owner.name },
    { title: t('service.outbound.fields.status'), dataIndex: 'status', width: 80, render: (v: Outbound['status']) => <Tag color={STATUS_COLOR[v]}>{t(`service.outbound.status.${v}`)}</Tag> },
    { title: t('service.outbound.fields.outcome'), key: 'out', width: 200, ellipsis: true, render: (_, r) => (r.outcome ? `${t(`service.outbound.outcome.${r.outcome}`)}${r.outcomeNote ? ` · ${r.outcomeNote}` : ''}` : '—') },
    {
      title: t('common.actions'), key: 'act', width: 150,
      render: (_, r) => r.status === 'planned' && can('service:handle') && (
        <Space size="small">
          <Button size="small" type="link" onClick={() => setRecording(r)} data-testid="outbound-record">{t('service.outbound.record')}</Button>
          <Button size="small" type="link" danger onClick={() => void cancelOnce(r.id)}>{t('service.outbound.cancel')}</Button>
        </Space>
      ),
    },
  ];

  return (
    <>
      <ServiceNav />
      <Card size="small" title={t('service.outbound.title')} extra={
        <Space>
          {can('customer:export') && <Button icon={<DownloadOutlined />} onClick={() => serviceApi.exportOutbound(filter, t('service.outbound.exportFileName')).catch((e) => message.error(errorText(e)))}>{t('common.export')}</Button>}
          {can('service:handle') && <Button type="primary" icon={<PlusOutlined />} onClick={() => setPlanning(true)} data-testid="outbound-plan">{t('service.outbound.plan')}</Button>}
        </Space>
      }>
        <Space style={{ marginBottom: 12 }}>
          <Select allowClear style={{ width: 120 }} placeholder={t('service.outbound.fields.status')} value={filter.status} onChange={(v) => { setFilter({ ...filter, status: v }); setPage({ ...page, page: 1 }); }}
            options={(['planned', 'done', 'cancelled'] as const).map((s) => ({ value: s, label: t(`service.outbound.status.${s}`) }))} />
          <Select allowClear style={{ width: 120 }} placeholder={t('service.outbound.fields.kind')} value={filter.kind} onChange={(v) => { setFilter({ ...filter, kind: v }); setPage({ ...page, page: 1 }); }}
            options={(['care_call', 'visit'] as const).map((s) => ({ value: s, label: t(`service.outbound.kind.${s}`) }))} />
        </Space>
        <Table<Outbound> size="small" rowKey="id" columns={columns} dataSource={list.data?.items ?? []} loading={list.isFetching} data-testid="outbound-table"
          pagination={{ current: page.page, pageSize: page.pageSize, total: list.data?.total ?? 0, showTotal: (total) => t('common.total', { total }) }}
          onChange={(p) => setPage({ page: p.current ?? 1, pageSize: p.pageSize ?? 20 })} />
      </Card>
      {planning && <PlanModal onClose={() => setPlanning(false)} onDone={refresh} />}
      {recording && <RecordModal item={recording} onClose={() => setRecording(null)} onDone={refresh} />}
    </>
  );
}

function PlanModal({ onClose, onDone }: { onClose: () => void; onDone: () => void }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const [form] = Form.useForm<{ customerNo: string; kind: string; purpose: string; plannedAt: Dayjs }>();
  useFormLanguage(form);
  const [saving, setSaving] = useState(false);
  const [ok, submitting] = useSingleFlight(async () => {
    const v = await form.validateFields();
    setSaving(true);
    try {
      await serviceApi.planOutbound({ ...v, plannedAt: v.plannedAt.toISOString() });
      message.success(t('service.outbound.saved'));
      onDone();
      onClose();
    } catch (e) {
      if (!applyFieldErrors(form, e).length) message.error(errorText(e));
    } finally {
      setSaving(false);
    }
  });
  const req = [{ required: true, message: t('common.required') }];
  return (
    <Modal open title={t('service.outbound.plan')} onCancel={onClose} onOk={() => void ok()} confirmLoading={saving}>
      <Form form={form} layout="vertical" size="small" initialValues={{ kind: 'care_call', plannedAt: dayjs().add(1, 'day').hour(10).minute(0) }}>
        <Form.Item name="customerNo" label={t('service.outbound.fields.customer')} rules={req}><CustomerPicker testId="outbound-customer" /></Form.Item>
        <Form.Item name="kind" label={t('service.outbound.fields.kind')} rules={req}>
          <Select options={(['care_call', 'visit'] as const).map((s) => ({ value: s, label: t(`service.outbound.kind.${s}`) }))} />
        </Form.Item>
        <Form.Item name="purpose" label={t('service.outbound.fields.purpose')} rules={[...req, { whitespace: true, message: t('common.required') }]}><Input maxLength={500} /></Form.Item>
        <Form.Item name="plannedAt" label={t('service.outbound.fields.plannedAt')} rules={req}><DatePicker showTime format="YYYY-MM-DD HH:mm" /></Form.Item>
      </Form>
    </Modal>
  );
}

function RecordModal({ item, onClose, onDone }: { item: Outbound; onClose: () => void; onDone: () => void }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const [form] = Form.useForm<{ outcome: Outcome; note?: string }>();
  useFormLanguage(form);
  const [saving, setSaving] = useState(false);
  const [ok, submitting] = useSingleFlight(async () => {
    const v = await form.validateFields();
    setSaving(true);
    try {
      await serviceApi.recordOutbound(item.id, v);
      message.success(t('service.outbound.saved'));
      onDone();
      onClose();
    } catch (e) {
      if (!applyFieldErrors(form, e).length) message.error(errorText(e));
    } finally {
      setSaving(false);
    }
  });
  return (
    <Modal open title={`${t('service.outbound.record')} · ${item.customer.name}`} onCancel={onClose} onOk={() => void ok()} confirmLoading={saving}>
      <Form form={form} layout="vertical" size="small">
        <Form.Item name="outcome" label={t('service.outbound.fields.outcome')} rules={[{ required: true, message: t('common.required') }]}>
          <Select options={OUTCOMES.map((o) => ({ value: o, label: t(`service.outbound.outcome.${o}`) }))} data-testid="outbound-outcome" />
        </Form.Item>
        <Form.Item name="note" label={t('service.outbound.fields.outcomeNote')}><Input.TextArea rows={3} maxLength={2000} /></Form.Item>
      </Form>
    </Modal>
  );
}
