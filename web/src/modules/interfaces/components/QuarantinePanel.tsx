import { useMemo, useState } from 'react';
import { Alert, App, Button, Form, Input, Modal, Popconfirm, Segmented, Space, Table, Tag, Tooltip, Typography } from 'antd';
import { RedoOutlined } from '@ant-design/icons';
import { useTranslation } from 'react-i18next';
import { placeErrors } from '../../../app/formErrors.ts';
import { ApiError, errorText } from '../../../app/http.ts';
import { useLang } from '../../../app/useLang.ts';
import { interfacesApi, useInvalidate, useQuarantine, type Interface, type Mapping, type QuarantineRow, type Reason } from '../api.ts';

/** How many data columns the table shows besides the source key and the reasons' own columns. */
const MAX_COLUMNS = 8;

/** The source columns a reason is about (the record key's for record_key; none for a ragged row). */
function columnsOf(mapping: Mapping | undefined, field: string): string[] {
  if (!mapping) return [];
  if (field === 'record_key') return mapping.recordKey;
  return mapping.fields.filter((f) => f.field === field && f.column).map((f) => f.column!);
}

/**
 * The raw row's columns in the file's order: the mapping lists them (record key first, then each field's column); columns
 * it does not map follow as the row keeps them. (The row itself comes back from a JSONB column, its keys reordered.)
 */
export function orderedColumns(mapping: Mapping | undefined, raw: Record<string, unknown>[]): string[] {
  const present = new Set(raw.flatMap((r) => Object.keys(r)).filter((k) => k !== '__values'));
  const mapped = mapping ? [...mapping.recordKey, ...mapping.fields.flatMap((f) => (f.column ? [f.column] : []))] : [];
  return [...new Set([...mapped.filter((c) => present.has(c)), ...present])];
}

/** Columns of the table: the source key, then those the rows were rejected for, then others up to MAX_COLUMNS, all in file order. */
function tableColumns(mapping: Mapping | undefined, rows: QuarantineRow[]): string[] {
  const all = orderedColumns(mapping, rows.map((r) => r.raw));
  const key = new Set(mapping?.recordKey ?? []);
  const named = new Set(rows.flatMap((r) => r.reasons.flatMap((x) => columnsOf(mapping, x.field))));
  const rest = all.filter((c) => !key.has(c) && !named.has(c));
  const keep = new Set([...all.filter((c) => key.has(c) || named.has(c)), ...rest.slice(0, Math.max(0, MAX_COLUMNS - key.size - named.size))]);
  return all.filter((c) => keep.has(c));
}

/** A reason's tag: the source column it is about (what the user sees in the file), else the field's own name. */
function ReasonTag({ reason, mapping }: { reason: Reason; mapping: Mapping | undefined }) {
  const { t } = useTranslation();
  const cols = columnsOf(mapping, reason.field);
  const name = t(`interfaces.field.${reason.field}`, { defaultValue: reason.field === 'record_key' ? t('interfaces.quarantine.sourceKey') : reason.field });
  return <Tooltip title={reason.field}><Tag color="red">{cols.length ? `${cols.join(' + ')} · ${name}` : name}</Tag></Tooltip>;
}

/** Rejected rows with their reasons: fix and re-submit one, re-submit all after a mapping change, or discard with a note. */
export function QuarantinePanel({ iface }: { iface: Interface }) {
  const { t } = useTranslation();
  const { pick } = useLang();
  const { message, modal } = App.useApp();
  const [status, setStatus] = useState<QuarantineRow['status']>('open');
  const [page, setPage] = useState(1);
  const q = useQuarantine(iface.id, { status, page, pageSize: 50 });
  const invalidate = useInvalidate();
  const [fixing, setFixing] = useState<QuarantineRow | null>(null);
  const [discarding, setDiscarding] = useState<QuarantineRow | null>(null);
  const items = q.data?.items;
  const columns = useMemo(() => tableColumns(iface.mapping, items ?? []), [iface.mapping, items]);
  const keyColumns = new Set(iface.mapping?.recordKey ?? []);
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
        <Segmented value={status} onChange={(v) => { setStatus(v as typeof status); setPage(1); }} options={(['open', 'resolved', 'discarded', 'superseded'] as const).map((s) => ({ value: s, label: t(`interfaces.quarantine.status.${s}`) }))} />
        {status === 'open' && <Popconfirm title={t('interfaces.quarantine.resubmitConfirm')} onConfirm={resubmitAll}><Button icon={<RedoOutlined />}>{t('interfaces.quarantine.resubmitAll')}</Button></Popconfirm>}
        <Typography.Text type="secondary">{t('interfaces.quarantine.piiNote')}</Typography.Text>
      </Space>
      <Table<QuarantineRow>
        rowKey="id" size="small" loading={q.isLoading} dataSource={items} tableLayout="fixed"
        scroll={{ x: 70 + 80 + 340 + columns.length * 140 + 170 }}
        pagination={{ current: page, pageSize: 50, total: q.data?.total, onChange: setPage }}
        columns={[
          {
            // The load that first rejected the row, and the last one that saw it (a re-submission, a reload) when another.
            title: t('interfaces.quarantine.load'), width: 80, render: (_: unknown, r: QuarantineRow) => (r.lastLoadId && r.lastLoadId !== r.loadId
              ? <Tooltip title={t('interfaces.quarantine.firstLoad', { first: r.loadId, last: r.lastLoadId })}><span>#{r.loadId} → #{r.lastLoadId}</span></Tooltip>
              : `#${r.loadId}`),
          },
          { title: t('interfaces.quarantine.row'), dataIndex: 'rowNo', width: 70 },
          {
            title: t('interfaces.quarantine.reasons'), width: 340,
            render: (_, r) => r.reasons.map((x, i) => <div key={i}><ReasonTag reason={x} mapping={iface.mapping} />{pick(x.message.zh, x.message.en)}{x.value ? <Typography.Text type="secondary" ellipsis={{ tooltip: x.value }} style={{ maxWidth: 200 }}> “{x.value}”</Typography.Text> : null}</div>),
          },
          ...columns.map((c) => ({
            title: keyColumns.has(c) ? <Tooltip title={t('interfaces.quarantine.sourceKey')}><Typography.Text strong>{c}</Typography.Text></Tooltip> : c,
            key: `col:${c}`, width: 140, ellipsis: { showTitle: true }, render: (_: unknown, r: QuarantineRow) => String(r.raw[c] ?? ''),
          })),
          {
            // A superseded row: a later load wrote its key, so it is closed (re-submitting it would put older data over newer).
            title: '', width: 170, fixed: 'right' as const, render: (_: unknown, r: QuarantineRow) => r.status === 'superseded'
              ? <Tooltip title={t('interfaces.quarantine.supersededHelp')}><Tag>{t('interfaces.quarantine.supersededBy', { load: r.supersededBy ?? '?' })}</Tag></Tooltip>
              : r.status === 'open' && (
              <Space>
                <Button size="small" type="primary" onClick={() => setFixing(r)}>{t('interfaces.quarantine.fix')}</Button>
                <Button size="small" onClick={() => setDiscarding(r)}>{t('interfaces.quarantine.discard')}</Button>
              </Space>
            ),
          },
        ]}
      />
      {discarding && <DiscardModal iface={iface} row={discarding} onClose={() => setDiscarding(null)} />}
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
  const keys = orderedColumns(iface.mapping, [row.raw]);
  const keyColumns = new Set((iface.mapping?.recordKey ?? []).map((c) => c.trim().toLowerCase()));
  const ragged = Array.isArray(row.raw.__values);
  // Column names may hold dots or spaces: the form keys them by position.
  const initial = Object.fromEntries(keys.map((k, i) => [`c${i}`, String(row.raw[k] ?? '')]));
  const submit = async () => {
    let v: Record<string, string>;
    try {
      v = await form.validateFields();
    } catch {
      return;
    }
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
      <Alert type="warning" showIcon style={{ marginBottom: 12 }} message={<Space direction="vertical" size={2}>{row.reasons.map((x, i) => <span key={i}><ReasonTag reason={x} mapping={iface.mapping} />{pick(x.message.zh, x.message.en)}</span>)}</Space>} />
      {ragged && <Alert type="info" showIcon style={{ marginBottom: 12 }} message={t('interfaces.quarantine.ragged', { values: (row.raw.__values as string[]).join(' | ') })} />}
      <Form form={form} layout="horizontal" labelCol={{ span: 7 }} initialValues={initial}>
        {/* A record key column holding a value cannot be changed by a fix (the row would load as another record). */}
        {keys.map((k, i) => {
          const locked = keyColumns.has(k.trim().toLowerCase()) && !!initial[`c${i}`]?.trim();
          return <Form.Item key={k} name={`c${i}`} label={k} style={{ marginBottom: 8 }} tooltip={locked ? t('interfaces.quarantine.keyLocked') : undefined}><Input disabled={locked} /></Form.Item>;
        })}
      </Form>
    </Modal>
  );
}

/** Discarding needs a note: the form says so under the box (and shows the server's word on it) before anything is sent. */
function DiscardModal({ iface, row, onClose }: { iface: Interface; row: QuarantineRow; onClose: () => void }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const invalidate = useInvalidate();
  const [form] = Form.useForm<{ note: string }>();
  const [saving, setSaving] = useState(false);
  const submit = async () => {
    let v: { note: string };
    try {
      v = await form.validateFields();
    } catch {
      return; // the form shows what is missing
    }
    setSaving(true);
    try {
      await interfacesApi.discard(iface.id, row.id, v.note);
      await invalidate();
      onClose();
    } catch (e) {
      if (placeErrors(form, e)) message.error(errorText(e));
    } finally {
      setSaving(false);
    }
  };
  return (
    <Modal open title={t('interfaces.quarantine.discardTitle')} onCancel={onClose} onOk={submit} confirmLoading={saving} destroyOnHidden>
      <Form form={form} layout="vertical">
        <Form.Item name="note" label={t('interfaces.quarantine.discardNote')} rules={[{ required: true, whitespace: true, message: t('interfaces.quarantine.noteRequired') }]}>
          <Input.TextArea rows={3} maxLength={500} data-testid="discard-note" />
        </Form.Item>
      </Form>
    </Modal>
  );
}
