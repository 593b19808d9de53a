import { useParams, useSearchParams, Link } from 'react-router';
import { App, Badge, Button, Card, Form, Input, Result, Select, Space, Spin, Switch, Tabs, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { placeErrors } from '../../../app/formErrors.ts';
import { formatDateTime } from '../../../app/format.ts';
import { errorText } from '../../../app/http.ts';
import { interfacesApi, useInterface, useInvalidate, useMeta, useOwners, type Interface, type InterfaceInput } from '../api.ts';
import { LoadHistory, UploadPanel } from './LoadPanels.tsx';
import { MappingEditor } from './MappingEditor.tsx';
import { QuarantinePanel } from './QuarantinePanel.tsx';
import { UnverifiedPanel } from './UnverifiedPanel.tsx';

const TABS = ['load', 'mapping', 'quarantine', 'unverified', 'history', 'settings'] as const;

export function InterfaceDetail() {
  const { t } = useTranslation();
  const id = Number(useParams().id);
  const [params, setParams] = useSearchParams();
  const iface = useInterface(id);
  const tab = (TABS as readonly string[]).includes(params.get('tab') ?? '') ? params.get('tab')! : 'load';
  if (iface.isLoading) return <Spin />;
  if (!iface.data) return <Result status="404" title={t('interfaces.notFound')} extra={<Link to="/interfaces">{t('interfaces.list.title')}</Link>} />;
  const i = iface.data;
  return (
    <Card title={<Space><Link to="/interfaces">{t('interfaces.list.title')}</Link>/<span>{i.code}</span><Typography.Text type="secondary">{i.name} · {i.sourceCode} · v{i.mappingVersion}</Typography.Text></Space>}>
      <Tabs activeKey={tab} onChange={(k) => setParams({ tab: k })} destroyOnHidden items={[
        { key: 'load', label: i.connector === 'file' ? t('interfaces.tabs.upload') : t('interfaces.tabs.pull'), children: <UploadPanel iface={i} /> },
        { key: 'mapping', label: t('interfaces.tabs.mapping'), children: <MappingEditor key={i.mappingVersion} iface={i} /> },
        { key: 'quarantine', label: <Badge count={i.openQuarantine ?? 0} size="small" offset={[8, 0]}>{t('interfaces.tabs.quarantine')}</Badge>, children: <QuarantinePanel iface={i} /> },
        { key: 'unverified', label: t('interfaces.tabs.unverified'), children: <UnverifiedPanel iface={i} /> },
        { key: 'history', label: t('interfaces.tabs.history'), children: <LoadHistory iface={i} /> },
        { key: 'settings', label: t('interfaces.tabs.settings'), children: <SettingsForm iface={i} /> },
      ]} />
    </Card>
  );
}

function SettingsForm({ iface }: { iface: Interface }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const invalidate = useInvalidate();
  const [form] = Form.useForm<InterfaceInput>();
  const owners = useOwners();
  const meta = useMeta();
  const submit = async () => {
    let v: InterfaceInput;
    try {
      v = await form.validateFields();
    } catch {
      return; // the form marks what is wrong
    }
    // The URL comes back masked: send it only when it was changed.
    if (v.pgUrl === iface.pgUrl) delete v.pgUrl;
    try {
      // Blank means none: a cleared landing folder or schedule is sent as null.
      const orNull = (x: string | null | undefined) => (x === undefined ? undefined : x?.trim() || null);
      await interfacesApi.update(iface.id, { ...v, cron: v.cron || null, landingDir: orNull(v.landingDir), landingPattern: orNull(v.landingPattern), landingFlag: orNull(v.landingFlag) });
      message.success(t('interfaces.saved'));
      await invalidate();
    } catch (e) {
      if (placeErrors(form, e)) message.error(errorText(e));
    }
  };
  const cron = (
    <Form.Item name="cron" label={t('interfaces.schedule')} extra={`${t('interfaces.settings.cronHelp')}${iface.nextRunAt ? ` ${t('interfaces.settings.nextRun')} ${formatDateTime(iface.nextRunAt)}` : ''}`}>
      <Input style={{ width: 200 }} placeholder="0 2 * * *" />
    </Form.Item>
  );
  return (
    <Form form={form} layout="vertical" style={{ maxWidth: 720 }} initialValues={iface}>
      <Form.Item name="name" label={t('interfaces.name')} rules={[{ required: true }]}><Input maxLength={100} /></Form.Item>
      {iface.connector === 'file' ? (
        <>
          <Space>
            <Form.Item name="encoding" label={t('interfaces.upload.encoding')}><Select style={{ width: 200 }} options={['auto', 'utf8', 'gb18030', 'gbk'].map((e) => ({ value: e, label: t(`interfaces.encoding.${e}`) }))} /></Form.Item>
            <Form.Item name="delimiter" label={t('interfaces.settings.delimiter')}><Input maxLength={1} style={{ width: 80 }} /></Form.Item>
          </Space>
          <Card size="small" title={t('interfaces.landing.title')} style={{ marginBottom: 16 }}>
            <Typography.Paragraph type="secondary">{t('interfaces.landing.help', { root: meta.data?.landingRoot ?? '' })}</Typography.Paragraph>
            <Form.Item name="landingDir" label={t('interfaces.landing.dir')} extra={t('interfaces.landing.dirHelp')}>
              <Input data-testid="landing-dir" placeholder="core" allowClear />
            </Form.Item>
            <Space wrap>
              <Form.Item name="landingPattern" label={t('interfaces.landing.pattern')} extra={t('interfaces.landing.patternHelp')}><Input style={{ width: 220 }} placeholder="*" /></Form.Item>
              <Form.Item name="landingFlag" label={t('interfaces.landing.flag')} extra={t('interfaces.landing.flagHelp')}><Input style={{ width: 120 }} placeholder=".ok" allowClear /></Form.Item>
            </Space>
            {cron}
          </Card>
        </>
      ) : (
        <>
          <Form.Item name="pgUrl" label={t('interfaces.settings.pgUrl')}><Input /></Form.Item>
          <Form.Item name="pgQuery" label={t('interfaces.settings.pgQuery')} extra={t('interfaces.settings.pgQueryHelp')}><Input.TextArea rows={5} /></Form.Item>
          <Space>
            <Form.Item name="watermarkColumn" label={t('interfaces.settings.watermarkColumn')}><Input style={{ width: 200 }} /></Form.Item>
            <Form.Item name="watermark" label={t('interfaces.settings.watermark')}><Input style={{ width: 280 }} /></Form.Item>
          </Space>
          {cron}
        </>
      )}
      <Space>
        <Form.Item name="enabled" label={t('interfaces.settings.enabled')} valuePropName="checked"><Switch /></Form.Item>
        <Form.Item name="ownerUserId" label={t('interfaces.settings.owner')} extra={t('interfaces.settings.ownerHelp')}>
          <Select
            data-testid="interface-owner" style={{ width: 280 }} allowClear showSearch optionFilterProp="label" loading={owners.isLoading}
            options={[
              ...(owners.data?.items ?? []).map((u) => ({ value: u.id, label: `${u.displayName} (${u.username}) · ${u.orgName}` })),
              // The current owner, should they no longer be on the list (left, or lost the permission).
              ...(iface.ownerUserId && !owners.data?.items.some((u) => u.id === iface.ownerUserId) ? [{ value: iface.ownerUserId, label: iface.ownerName ?? `#${iface.ownerUserId}` }] : []),
            ]}
          />
        </Form.Item>
      </Space>
      <Form.Item name="description" label={t('interfaces.description')}><Input.TextArea rows={2} maxLength={2000} /></Form.Item>
      <Button type="primary" onClick={submit}>{t('interfaces.save')}</Button>
    </Form>
  );
}
