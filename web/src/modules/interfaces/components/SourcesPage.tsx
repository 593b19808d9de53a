import { useState } from 'react';
import { App, Button, Card, Form, Input, InputNumber, Modal, Select, Slider, Space, Table, Tag, Typography } from 'antd';
import { EditOutlined, PlusOutlined } from '@ant-design/icons';
import { useTranslation } from 'react-i18next';
import { placeErrors } from '../../../app/formErrors.ts';
import { errorText } from '../../../app/http.ts';
import { useLang } from '../../../app/useLang.ts';
import { useMeta, useSaveSource, useSources, type Source, type SourceInput } from '../api.ts';


/** The registry of source systems (I2): how valuable their customers are, and how far each field of theirs is trusted. */
export function SourcesPage() {
  const { t } = useTranslation();
  const { pick } = useLang();
  const sources = useSources();
  const [editing, setEditing] = useState<Source | 'new' | null>(null);
  return (
    <Card title={t('interfaces.sources.title')} extra={<Button type="primary" icon={<PlusOutlined />} onClick={() => setEditing('new')}>{t('interfaces.sources.new')}</Button>}>
      <Typography.Paragraph type="secondary">{t('interfaces.sources.help')}</Typography.Paragraph>
      <Table<Source>
        rowKey="code" size="small" loading={sources.isLoading} dataSource={sources.data?.items} pagination={false}
        columns={[
          { title: t('interfaces.sources.code'), dataIndex: 'code', width: 140 },
          { title: t('interfaces.sources.name'), width: 150, render: (_, s) => pick(s.name, s.nameEn) },
          { title: t('interfaces.sources.kind'), dataIndex: 'kind', width: 110, render: (k: string) => t(`interfaces.sourceKind.${k}`, { defaultValue: k }) },
          { title: t('interfaces.sources.owner'), dataIndex: 'owner', width: 140 },
          { title: t('interfaces.sources.valueRank'), dataIndex: 'valueRank', width: 100, sorter: (a, b) => a.valueRank - b.valueRank },
          {
            title: t('interfaces.sources.fieldTrust'),
            render: (_, s) => Object.entries(s.fieldTrust).sort((a, b) => b[1] - a[1]).map(([f, v]) => <Tag key={f} color={v >= 80 ? 'green' : v >= 50 ? 'blue' : 'default'}>{t(`interfaces.field.${f}`, { defaultValue: f })} {v}</Tag>),
          },
          { title: t('interfaces.sources.records'), dataIndex: 'records', width: 100, align: 'right' },
          { title: '', width: 60, render: (_, s) => <Button size="small" icon={<EditOutlined />} aria-label={t('common.edit', { defaultValue: 'Edit' })} onClick={() => setEditing(s)} /> },
        ]}
      />
      {editing && <SourceModal source={editing === 'new' ? null : editing} onClose={() => setEditing(null)} />}
    </Card>
  );
}

function SourceModal({ source, onClose }: { source: Source | null; onClose: () => void }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const meta = useMeta();
  const save = useSaveSource();
  const [form] = Form.useForm<SourceInput & { trust: Record<string, number | null> }>();
  // The golden record's fields, as survivorship weighs them (the server's list).
  const fields = [...new Set([...(meta.data?.trustFields ?? []), ...Object.keys(source?.fieldTrust ?? {})])];
  // A new source starts from its kind's trust (the server's defaults), and follows the kind until saved.
  const kindTrust = (kind: string) => Object.fromEntries(fields.map((f, i) => [String(i), meta.data?.defaultTrust?.[kind]?.[f] ?? null]));
  const submit = async () => {
    const v = await form.validateFields();
    const fieldTrust = Object.fromEntries(Object.entries(v.trust ?? {}).filter(([, x]) => x !== null && x !== undefined)) as Record<string, number>;
    // Dotted trust keys (attributes.x) must not be read by the form as nested paths: they travel in `trust` keyed by index.
    const body: SourceInput = { name: v.name, nameEn: v.nameEn, kind: v.kind, owner: v.owner ?? null, valueRank: v.valueRank, description: v.description ?? null, fieldTrust: remap(fieldTrust, fields) };
    try {
      await save.mutateAsync({ code: source?.code, body: source ? body : { ...body, code: v.code } });
      message.success(t('interfaces.saved'));
      onClose();
    } catch (e) {
      if (placeErrors(form, e)) message.error(errorText(e));
    }
  };
  return (
    <Modal open title={source ? `${t('interfaces.sources.edit')} ${source.code}` : t('interfaces.sources.new')} onCancel={onClose} onOk={submit} confirmLoading={save.isPending} width={720} destroyOnHidden>
      <Form form={form} layout="vertical" initialValues={source ? { ...source, trust: Object.fromEntries(fields.map((f, i) => [String(i), source.fieldTrust[f] ?? null])) } : { kind: 'other', valueRank: 50, trust: kindTrust('other') }}
        onValuesChange={(changed: { kind?: string }) => { if (!source && changed.kind) form.setFieldValue('trust', kindTrust(changed.kind)); }}>
        <Space.Compact block>
          <Form.Item name="code" label={t('interfaces.sources.code')} rules={[{ required: !source }, { pattern: /^[A-Za-z][A-Za-z0-9_]{1,39}$/, message: t('interfaces.codeRule') }]} style={{ width: 180 }}>
            <Input disabled={!!source} />
          </Form.Item>
          <Form.Item name="name" label={t('interfaces.sources.name')} rules={[{ required: true }]} style={{ flex: 1 }}><Input maxLength={100} /></Form.Item>
          <Form.Item name="nameEn" label={t('interfaces.sources.nameEn')} style={{ flex: 1 }}><Input maxLength={200} /></Form.Item>
        </Space.Compact>
        <Space.Compact block>
          <Form.Item name="kind" label={t('interfaces.sources.kind')} style={{ width: 180 }}>
            <Select options={(meta.data?.sourceKinds ?? ['other']).map((k) => ({ value: k, label: t(`interfaces.sourceKind.${k}`, { defaultValue: k }) }))} />
          </Form.Item>
          <Form.Item name="owner" label={t('interfaces.sources.owner')} style={{ flex: 1 }}><Input maxLength={100} /></Form.Item>
          <Form.Item name="valueRank" label={t('interfaces.sources.valueRank')} tooltip={t('interfaces.sources.valueRankHelp')} style={{ width: 140 }}>
            <InputNumber min={0} max={100} style={{ width: '100%' }} />
          </Form.Item>
        </Space.Compact>
        <Typography.Text strong>{t('interfaces.sources.fieldTrust')}</Typography.Text>
        <Typography.Paragraph type="secondary">{t('interfaces.sources.trustHelp')}</Typography.Paragraph>
        {fields.map((f, i) => (
          <Form.Item key={f} label={t(`interfaces.field.${f}`, { defaultValue: f })} style={{ marginBottom: 4 }}>
            <Space style={{ width: '100%' }}>
              <Form.Item name={['trust', String(i)]} noStyle><InputNumber min={0} max={100} placeholder="—" style={{ width: 80 }} /></Form.Item>
              <Form.Item noStyle shouldUpdate>
                {() => <Slider style={{ width: 360 }} min={0} max={100} value={form.getFieldValue(['trust', String(i)]) ?? 0} onChange={(x) => form.setFieldValue(['trust', String(i)], x)} />}
              </Form.Item>
            </Space>
          </Form.Item>
        ))}
        <Form.Item name="description" label={t('interfaces.description')}><Input.TextArea rows={2} maxLength={2000} /></Form.Item>
      </Form>
    </Modal>
  );
}

function remap(byIndex: Record<string, number>, fields: string[]): Record<string, number> {
  return Object.fromEntries(Object.entries(byIndex).map(([i, v]) => [fields[Number(i)]!, v]));
}
