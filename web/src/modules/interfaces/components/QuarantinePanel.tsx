import { useState } from 'react';
import { Alert, App, Button, Form, Input, Modal, Popconfirm, Segmented, Space, Table, Tag, Typography } from 'antd';
import { RedoOutlined } from '@ant-design/icons';
import { useTranslation } from 'react-i18next';
import { ApiError, errorText } from '../../../app/http.ts';
import { useLang } from '../../../app/useLang.ts';
import { interfacesApi, useInvalidate, useQuarantine, type Interface, type QuarantineRow } from '../api.ts';

/** Rejected rows with their reasons: fix and re-submit one, re-submit all after a mapping change, or discard with a note. */
export function QuarantinePanel({ iface }: { iface: Interface }) {
  const { t } = useTranslation();
  const { pick } = useLang();
  const { message, modal } = App.useApp();
  const [status, setStatus] = useState<'open' | 'resolved' | 'discarded'>('open');
  const [page, setPage] = useState(1);
  const q = useQuarantine(iface.id, { status, page, pageSize: 50 });
  const invalidate = useInvalidate();
  const [fixing, setFixing] = useState<QuarantineRow | null>(null);
  const columns = Object.keys(q.data?.items[0]?.raw ?? {}).filter((k) => k !== '__values').slice(0, 8);
  const resubmitAll = async () => {
    try {
      const r = await interfacesApi.resubmit(iface.id);
      modal.info({ title: t('interfaces.quarantine.resubmitted'), content: t('interfaces.quarantine.resubmitReport', r) });
      await invalidate();
    } catch (e) {
      message.error(errorText(e));
    }
  };
  return (
    <Space direction="vertical" style={{ width: '100%' }}>
      <Space>
        <Segmented value={status} onChange={(v) => { setStatus(v as typeof status); setPage(1); }} options={(['open', 'resolved', 'discarded'] as const).map((s) => ({ value: s, label: t(`interfaces.quarantine.status.${s}`) }))} />
        {status === 'open' && <Popconfirm title={t('interfaces.quarantine.resubmitConfirm')} onConfirm={resubmitAll}><Button icon={<RedoOutlined />}>{t('interfaces.quarantine.resubmitAll')}</Button></Popconfirm>}
        <Typography.Text type="secondary">{t('interfaces.quarantine.piiNote')}</Typography.Text>
      </Space>
      <Table<QuarantineRow>
        rowKey="id" size="small" loading={q.isLoading} dataSource={q.data?.items} scroll={{ x: true }}
        pagination={{ current: page, pageSize: 50, total: q.data?.total, onChange: setPage }}
        columns={[
          { title: t('interfaces.quarantine.load'), dataIndex: 'lastLoadId', width: 70, render: (l: number) => `#${l}` },
          { title: t('interfaces.quarantine.row'), dataIndex: 'rowNo', width: 70 },
          {
            title: t('interfaces.quarantine.reasons'), width: 320,
            render: (_, r) => r.reasons.map((x, i) => <div key={i}><Tag color="red">{x.field}</Tag>{pick(x.message.zh, x.message.en)}{x.value ? <Typography.Text type="secondary"> “{x.value}”</Typography.Text> : null}</div>),
          },
          ...columns.map((c) => ({ title: c, width: 120, ellipsis: true, render: (_: unknown, r: QuarantineRow) => String(r.raw[c] ?? '') })),
          {
            title: '', width: 160, fixed: 'right' as const, render: (_: unknown, r: QuarantineRow) => r.status === 'open' && (
              <Space>
                <Button size="small" type="primary" onClick={() => setFixing(r)}>{t('interfaces.quarantine.fix')}</Button>
                <Button size="small" onClick={() => {
                  let note = '';
                  modal.confirm({
                    title: t('interfaces.quarantine.discardTitle'), content: <Input.TextArea rows={3} onChange={(e) => { note = e.target.value; }} placeholder={t('interfaces.quarantine.discardNote')} />,
                    onOk: async () => {
                      try {
                        await interfacesApi.discard(iface.id, r.id, note);
                        await invalidate();
                      } catch (e) {
                        message.error(errorText(e));
                        throw e;
                      }
                    },
                  });
                }}>{t('interfaces.quarantine.discard')}</Button>
              </Space>
            ),
          },
        ]}
      />
      {fixing && <FixModal iface={iface} row={fixing} onClose={() => setFixing(null)} />}
    </Space>
  );
}

function FixModal({ iface, row, onClose }: { iface: Interface; row: QuarantineRow; onClose: () => void }) {
  const { t } = useTranslation();
  const { pick } = useLang();
  const { message } = App.useApp();
  const invalidate = useInvalidate();
  const [form] = Form.useForm<Record<string, string>>();
  const [saving, setSaving] = useState(false);
  const keys = Object.keys(row.raw).filter((k) => k !== '__values');
  const ragged = Array.isArray(row.raw.__values);
  // Column names may hold dots or spaces: the form keys them by position.
  const initial = Object.fromEntries(keys.map((k, i) => [`c${i}`, String(row.raw[k] ?? '')]));
  const submit = async () => {
    const v = await form.validateFields();
    const raw = Object.fromEntries(keys.map((k, i) => [k, v[`c${i}`] ?? '']));
    setSaving(true);
    try {
      await interfacesApi.fix(iface.id, row.id, raw);
      message.success(t('interfaces.quarantine.fixed'));
      await invalidate();
      onClose();
    } catch (e) {
      if (e instanceof ApiError && e.fields.length) {
        form.setFields(e.fields.map((f) => {
          const col = f.field.replace(/^raw\./, '');
          const i = keys.indexOf(col);
          return { name: i >= 0 ? `c${i}` : `c0`, errors: [i >= 0 ? f.message : `${f.field}: ${f.message}`] };
        }));
      } else message.error(errorText(e));
    } finally {
      setSaving(false);
    }
  };
  return (
    <Modal open title={`${t('interfaces.quarantine.fixTitle')} #${row.id}`} onCancel={onClose} onOk={submit} okText={t('interfaces.quarantine.fixAndSubmit')} confirmLoading={saving} width={640} destroyOnHidden>
      <Alert type="warning" showIcon style={{ marginBottom: 12 }} message={row.reasons.map((x) => `${x.field}: ${pick(x.message.zh, x.message.en)}`).join('；')} />
      {ragged && <Alert type="info" showIcon style={{ marginBottom: 12 }} message={t('interfaces.quarantine.ragged', { values: (row.raw.__values as string[]).join(' | ') })} />}
      <Form form={form} layout="horizontal" labelCol={{ span: 7 }} initialValues={initial}>
        {keys.map((k, i) => <Form.Item key={k} name={`c${i}`} label={k} style={{ marginBottom: 8 }}><Input /></Form.Item>)}
      </Form>
    </Modal>
  );
}
