import { useState } from 'react';
import { Link, useNavigate } from 'react-router';
import { Alert, App, Badge, Button, Card, Form, Input, Modal, Select, Space, Table, Tag, Typography } from 'antd';
import { PlusOutlined } from '@ant-design/icons';
import { useTranslation } from 'react-i18next';
import { placeErrors } from '../../../app/formErrors.ts';
import { formatDateTime } from '../../../app/format.ts';
import { errorText } from '../../../app/http.ts';
import { useLang } from '../../../app/useLang.ts';
import { interfacesApi, useInterfaces, useInvalidate, useSources, type Interface, type InterfaceInput } from '../api.ts';
import { LoadStatusTag } from './LoadStatusTag.tsx';

/** Every interface, with its last run: a failed one is shown in red at the top, so the operator sees it first. */
export function InterfaceList() {
  const { t } = useTranslation();
  const list = useInterfaces();
  const [creating, setCreating] = useState(false);
  const failed = (list.data?.items ?? []).filter((i) => i.lastLoad?.status === 'failed');
  return (
    <Card title={t('interfaces.list.title')} extra={<Space><Link to="/interfaces/sources">{t('interfaces.sources.title')}</Link><Button type="primary" icon={<PlusOutlined />} onClick={() => setCreating(true)}>{t('interfaces.list.new')}</Button></Space>}>
      {failed.length > 0 && (
        <Alert type="error" showIcon style={{ marginBottom: 12 }} message={t('interfaces.list.failedAlert', { count: failed.length })}
          description={failed.map((i) => <div key={i.id}><Link to={`/interfaces/${i.id}?tab=history`}>{i.code}</Link> — {formatDateTime(i.lastLoad?.finishedAt)}</div>)} />
      )}
      <Table<Interface>
        rowKey="id" size="small" loading={list.isLoading} dataSource={list.data?.items} pagination={false}
        columns={[
          { title: t('interfaces.code'), dataIndex: 'code', width: 160, render: (c: string, i) => <Link to={`/interfaces/${i.id}`}>{c}</Link> },
          { title: t('interfaces.name'), dataIndex: 'name' },
          { title: t('interfaces.source'), dataIndex: 'sourceCode', width: 120 },
          { title: t('interfaces.connector'), dataIndex: 'connector', width: 120, render: (c: string) => <Tag>{t(`interfaces.connectorName.${c}`)}</Tag> },
          { title: t('interfaces.schedule'), dataIndex: 'cron', width: 130, render: (c: string | null, i) => <Space>{c ? <Typography.Text code>{c}</Typography.Text> : '—'}{!i.enabled && <Tag>{t('interfaces.disabled')}</Tag>}</Space> },
          { title: t('interfaces.mappingVersion'), dataIndex: 'mappingVersion', width: 90, render: (v: number) => `v${v}` },
          { title: t('interfaces.list.lastRun'), width: 220, render: (_, i) => (i.lastLoad ? <Space><LoadStatusTag status={i.lastLoad.status} />{formatDateTime(i.lastLoad.createdAt)}</Space> : '—') },
          { title: t('interfaces.quarantine.open'), dataIndex: 'openQuarantine', width: 100, render: (n: number, i) => (n ? <Link to={`/interfaces/${i.id}?tab=quarantine`}><Badge count={n} overflowCount={99999} /></Link> : 0) },
        ]}
      />
      {creating && <CreateInterfaceModal onClose={() => setCreating(false)} />}
    </Card>
  );
}

function CreateInterfaceModal({ onClose }: { onClose: () => void }) {
  const { t } = useTranslation();
  const { pick } = useLang();
  const { message } = App.useApp();
  const navigate = useNavigate();
  const sources = useSources();
  const invalidate = useInvalidate();
  const [form] = Form.useForm<InterfaceInput>();
  const [saving, setSaving] = useState(false);
  const connector = Form.useWatch('connector', form);
  const submit = async () => {
    let v: InterfaceInput;
    try {
      v = await form.validateFields();
    } catch {
      return; // the form marks what is missing
    }
    setSaving(true);
    try {
      const created = await interfacesApi.create(v);
      await invalidate();
      onClose();
      navigate(`/interfaces/${created.id}?tab=mapping`);
    } catch (e) {
      if (placeErrors(form, e)) message.error(errorText(e));
    } finally {
      setSaving(false);
    }
  };
  return (
    <Modal open title={t('interfaces.list.new')} onCancel={onClose} onOk={submit} confirmLoading={saving} destroyOnHidden width={640}>
      <Form form={form} layout="vertical" initialValues={{ connector: 'file', encoding: 'auto' }}>
        <Form.Item name="code" label={t('interfaces.code')} rules={[{ required: true }, { pattern: /^[A-Za-z][A-Za-z0-9_]{1,39}$/, message: t('interfaces.codeRule') }]}><Input /></Form.Item>
        <Form.Item name="name" label={t('interfaces.name')} rules={[{ required: true }]}><Input maxLength={100} /></Form.Item>
        <Form.Item name="sourceCode" label={t('interfaces.source')} rules={[{ required: true }]}>
          <Select showSearch options={(sources.data?.items ?? []).map((s) => ({ value: s.code, label: `${s.code} ${pick(s.name, s.nameEn)}` }))} />
        </Form.Item>
        <Form.Item name="connector" label={t('interfaces.connector')}>
          <Select options={['file', 'postgres'].map((c) => ({ value: c, label: t(`interfaces.connectorName.${c}`) }))} />
        </Form.Item>
        {connector === 'postgres' && (
          <>
            <Form.Item name="pgUrl" label={t('interfaces.settings.pgUrl')} rules={[{ required: true }]}><Input placeholder="postgres://user:password@host:5432/db" /></Form.Item>
            <Form.Item name="pgQuery" label={t('interfaces.settings.pgQuery')} rules={[{ required: true }]} extra={t('interfaces.settings.pgQueryHelp')}>
              <Input.TextArea rows={4} placeholder="SELECT * FROM customer WHERE updated_at > COALESCE($1::timestamptz, '-infinity') ORDER BY updated_at" />
            </Form.Item>
            <Form.Item name="watermarkColumn" label={t('interfaces.settings.watermarkColumn')}><Input placeholder="updated_at" /></Form.Item>
          </>
        )}
      </Form>
    </Modal>
  );
}
