import { useMemo, useState } from 'react';
import { useQuery } from '@tanstack/react-query';
import { Alert, App, Button, Card, Checkbox, Col, DatePicker, Drawer, Form, Input, InputNumber, List, Modal, Row, Select, Space, Table, Tabs, Tag, Typography, type TableProps } from 'antd';
import { DownloadOutlined, EditOutlined, EyeOutlined, UserSwitchOutlined } from '@ant-design/icons';
import dayjs, { type Dayjs } from 'dayjs';
import { useTranslation } from 'react-i18next';
import { useAuth } from '../../../app/auth.tsx';
import { applyFieldErrors, placeErrors, useFormLanguage } from '../../../app/formErrors.ts';
import { api, ApiError, errorText } from '../../../app/http.ts';
import { formatFen } from '../../../app/format.ts';
import { useLang } from '../../../app/useLang.ts';
import { LEVELS, managersApi, useManagers, useManagersMutation, usePerformance, useProfiles, type AssignPreview, type AssignRule, type ManagerLevel, type Profile } from '../api.ts';
import { PerformanceCard } from './PerformanceCard.tsx';
import { useSingleFlight } from '../../../app/useSingleFlight.ts';

type ProfileValues = { level: ManagerLevel; recognizedOn: Dayjs | null; specialities: string[]; maxCustomers: number | null; remarks: string | null };

function ProfileModal({ profile, onClose }: { profile: Profile | null; onClose: () => void }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const [form] = Form.useForm<ProfileValues>();
  useFormLanguage(form);
  const save = useManagersMutation((v: ProfileValues) => managersApi.updateProfile(profile!.userId, {
    level: v.level, recognizedOn: v.recognizedOn ? v.recognizedOn.format('YYYY-MM-DD') : null, specialities: v.specialities ?? [],
    maxCustomers: v.maxCustomers ?? null, remarks: v.remarks?.trim() || null,
  }));
  const [submit, submitting] = useSingleFlight(async () => {
    const v = await form.validateFields().catch(() => null);
    if (!v) return;
    try {
      await save.mutateAsync(v);
      message.success(t('common.saved'));
      onClose();
    } catch (e) {
      if (placeErrors(form, e)) message.error(errorText(e));
    }
  });
  return (
    <Modal open={!!profile} title={`${t('managers.admin.editProfile')} · ${profile?.displayName ?? ''}`} onCancel={onClose} onOk={() => void submit()} confirmLoading={submitting} destroyOnHidden>
      {profile && (
        <Form form={form} layout="vertical" preserve={false} initialValues={{
          level: profile.level, recognizedOn: profile.recognizedOn ? dayjs(profile.recognizedOn) : null, specialities: profile.specialities,
          maxCustomers: profile.maxCustomers, remarks: profile.remarks,
        }}>
          <Form.Item name="level" label={t('managers.fields.level')} rules={[{ required: true }]}>
            <Select options={LEVELS.map((l) => ({ value: l, label: t(`managers.level.${l}`) }))} data-testid="profile-level" />
          </Form.Item>
          <Form.Item name="recognizedOn" label={t('managers.fields.recognizedOn')}>
            <DatePicker disabledDate={(d) => d.isAfter(dayjs(), 'day')} />
          </Form.Item>
          <Form.Item name="specialities" label={t('managers.fields.specialities')} rules={[{ type: 'array', max: 20 }]}>
            <Select mode="tags" tokenSeparators={[',', '，', '、']} />
          </Form.Item>
          <Form.Item name="maxCustomers" label={t('managers.fields.maxCustomers')}>
            <InputNumber min={1} max={100000} />
          </Form.Item>
          <Form.Item name="remarks" label={t('managers.fields.remarks')} rules={[{ max: 1000 }]}>
            <Input.TextArea rows={2} maxLength={1000} />
          </Form.Item>
        </Form>
      )}
    </Modal>
  );
}

function HandoverModal({ profile, onClose }: { profile: Profile | null; onClose: () => void }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const [form] = Form.useForm<{ toManagerIds: number[]; reason: string }>();
  useFormLanguage(form);
  const managers = useManagers(!!profile);
  const run = useManagersMutation((v: { toManagerIds: number[]; reason: string }) => managersApi.handover(profile!.userId, { toManagerIds: v.toManagerIds, reason: v.reason.trim() }));
  const [submit, submitting] = useSingleFlight(async () => {
    const v = await form.validateFields().catch(() => null);
    if (!v) return;
    try {
      const r = await run.mutateAsync(v);
      message.success(t('managers.admin.handoverDone', { n: r.moved }));
      onClose();
    } catch (e) {
      applyFieldErrors(form, e, (p) => (p[0] === 'toManagerIds' ? ['toManagerIds'] : p));
      message.error(errorText(e));
    }
  });
  return (
    <Modal open={!!profile} title={t('managers.admin.handoverTitle', { name: profile?.displayName ?? '' })} onCancel={onClose} onOk={() => void submit()} confirmLoading={submitting} destroyOnHidden>
      <Alert type="warning" showIcon message={t('managers.admin.handoverHint')} style={{ marginBottom: 12 }} />
      <Form form={form} layout="vertical" preserve={false}>
        <Form.Item name="toManagerIds" label={t('managers.admin.handoverTo')} rules={[{ required: true, message: t('common.required') }]}>
          <Select mode="multiple" optionFilterProp="label" options={(managers.data?.items ?? []).filter((m) => m.id !== profile?.userId)
            .map((m) => ({ value: m.id, label: `${m.displayName} (${m.username}) · ${m.orgName}` }))} />
        </Form.Item>
        <Form.Item name="reason" label={t('managers.fields.reason')} rules={[{ required: true, whitespace: true, message: t('common.required') }]}>
          <Input.TextArea rows={2} maxLength={500} />
        </Form.Item>
      </Form>
    </Modal>
  );
}

function Profiles() {
  const { t } = useTranslation();
  const { pick } = useLang();
  const { can } = useAuth();
  const { message } = App.useApp();
  const [q, setQ] = useState<{ level?: ManagerLevel; q?: string; page: number; pageSize: number }>({ page: 1, pageSize: 20 });
  const [editing, setEditing] = useState<Profile | null>(null);
  const [leaving, setLeaving] = useState<Profile | null>(null);
  const [viewing, setViewing] = useState<Profile | null>(null);
  const list = useProfiles(q);
  const perf = usePerformance(viewing?.userId ?? null);
  const columns: TableProps<Profile>['columns'] = [
    { title: t('managers.fields.name'), dataIndex: 'displayName', width: 120 },
    { title: t('managers.fields.org'), width: 160, render: (_, r) => pick(r.orgName, r.orgNameEn) },
    { title: t('managers.fields.level'), dataIndex: 'level', width: 80, render: (v: ManagerLevel) => <Tag color={v === 'senior' ? 'gold' : v === 'intermediate' ? 'blue' : 'default'}>{t(`managers.level.${v}`)}</Tag> },
    { title: t('managers.fields.recognizedOn'), dataIndex: 'recognizedOn', width: 110, render: (v: string | null) => v ?? '—' },
    { title: t('managers.fields.specialities'), dataIndex: 'specialities', render: (v: string[]) => v.map((s) => <Tag key={s}>{s}</Tag>) },
    { title: t('managers.fields.customerCount'), dataIndex: 'customerCount', align: 'right', width: 80 },
    { title: t('managers.fields.aum'), dataIndex: 'aumFen', align: 'right', width: 150, render: (v) => formatFen(v) },
    {
      title: t('common.actions'), width: 250, render: (_, r) => (
        <Space size={0}>
          <Button size="small" type="link" icon={<EyeOutlined />} onClick={() => setViewing(r)}>{t('managers.admin.performance')}</Button>
          <Button size="small" type="link" icon={<EditOutlined />} onClick={() => setEditing(r)} data-testid={`edit-profile-${r.username}`}>{t('common.edit')}</Button>
          {can('customer:assign') && <Button size="small" type="link" icon={<UserSwitchOutlined />} onClick={() => setLeaving(r)}>{t('managers.admin.handover')}</Button>}
        </Space>
      ),
    },
  ];
  return (
    <Card size="small" title={t('managers.admin.profiles')}
      extra={can('customer:export') && <Button size="small" icon={<DownloadOutlined />} onClick={() => managersApi.exportProfiles({ level: q.level, q: q.q }).catch((e) => message.error(errorText(e)))}>{t('common.export')}</Button>}>
      <Space style={{ marginBottom: 8 }}>
        <Input.Search allowClear style={{ width: 200 }} placeholder={t('managers.fields.name')} onSearch={(v) => setQ((x) => ({ ...x, q: v.trim() || undefined, page: 1 }))} />
        <Select allowClear style={{ width: 120 }} placeholder={t('managers.fields.level')} options={LEVELS.map((l) => ({ value: l, label: t(`managers.level.${l}`) }))}
          onChange={(v) => setQ((x) => ({ ...x, level: v, page: 1 }))} />
      </Space>
      <Table<Profile> size="small" rowKey="userId" columns={columns} dataSource={list.data?.items ?? []} loading={list.isFetching} data-testid="profiles-table"
        pagination={{ current: q.page, pageSize: q.pageSize, total: list.data?.total ?? 0, size: 'small', showTotal: (total) => t('common.total', { total }), onChange: (p, s) => setQ((x) => ({ ...x, page: p, pageSize: s })) }} />
      <ProfileModal profile={editing} onClose={() => setEditing(null)} />
      <HandoverModal profile={leaving} onClose={() => setLeaving(null)} />
      <Drawer open={!!viewing} onClose={() => setViewing(null)} width={720} title={viewing?.displayName}>
        <PerformanceCard perf={perf.data} loading={perf.isLoading} />
      </Drawer>
    </Card>
  );
}

type RuleValues = {
  customerNos?: string; orgId?: number; typeCode?: string; party?: 'person' | 'organization'; status?: string;
  aumMin?: number | null; aumMax?: number | null; unassignedOnly?: boolean; fromManagerId?: number; managerId: number; reason?: string;
};

function toRule(v: RuleValues): AssignRule {
  const nos = (v.customerNos ?? '').split(/[\s,，]+/).map((s) => s.trim()).filter(Boolean);
  return {
    customerNos: nos.length ? nos : undefined, orgId: v.orgId, typeCode: v.typeCode, party: v.party, status: v.status,
    aumMinFen: v.aumMin != null ? Math.round(v.aumMin * 100) : undefined, aumMaxFen: v.aumMax != null ? Math.round(v.aumMax * 100) : undefined,
    unassignedOnly: v.unassignedOnly || undefined, fromManagerId: v.fromManagerId,
  };
}

/** Moves a server path such as `rule.aumMaxFen` onto the form's own field. */
const placeRule = (p: (string | number)[]) => {
  if (p[0] !== 'rule') return p;
  const f = String(p[1] ?? '');
  if (!f) return ['customerNos'];
  return [f === 'aumMinFen' ? 'aumMin' : f === 'aumMaxFen' ? 'aumMax' : f];
};

function Assign() {
  const { t } = useTranslation();
  const { pick } = useLang();
  const { message } = App.useApp();
  const [form] = Form.useForm<RuleValues>();
  useFormLanguage(form);
  const [preview, setPreview] = useState<{ key: string; data: AssignPreview } | null>(null);
  const managers = useManagers();
  const meta = useQuery({ queryKey: ['customers', 'meta'], queryFn: () => api<{ types: { code: string; name: string; nameEn: string }[] }>('/api/customers/meta') });
  const orgs = useMemo(() => [...new Map((managers.data?.items ?? []).map((m) => [m.orgId, m.orgName])).entries()], [managers.data]);
  const values = Form.useWatch([], form);
  const key = JSON.stringify(values ? { ...toRule(values), managerId: values.managerId } : null);
  const doPreview = useManagersMutation((v: RuleValues) => managersApi.previewAssign(toRule(v), v.managerId));
  const doApply = useManagersMutation((v: RuleValues & { expected: number }) => managersApi.assign({ rule: toRule(v), managerId: v.managerId, reason: (v.reason ?? '').trim(), expectedCount: v.expected }));

  const [runPreview, runPreviewBusy] = useSingleFlight(async () => {
    const v = await form.validateFields(['managerId']).then(() => form.getFieldsValue()).catch(() => null);
    if (!v) return;
    try {
      setPreview({ key, data: await doPreview.mutateAsync(v) });
    } catch (e) {
      applyFieldErrors(form, e, placeRule);
      message.error(errorText(e));
    }
  });
  const [runApply, runApplyBusy] = useSingleFlight(async () => {
    if (!preview || preview.key !== key) {
      message.warning(t('managers.admin.previewFirst'));
      return;
    }
    const v = await form.validateFields().catch(() => null);
    if (!v) return;
    try {
      const r = await doApply.mutateAsync({ ...v, expected: preview.data.count });
      message.success(t('managers.admin.applied', { n: r.moved }));
      if (r.skipped.length) message.warning(t('managers.admin.skipped', { nos: r.skipped.join(', ') }));
      setPreview(null);
    } catch (e) {
      if (e instanceof ApiError && e.status === 409) setPreview(null);
      applyFieldErrors(form, e, placeRule);
      message.error(errorText(e));
    }
  });

  return (
    <Card size="small" title={t('managers.admin.assign')}>
      <Form form={form} layout="vertical" data-testid="assign-form">
        <Row gutter={12}>
          <Col xs={24} md={8}>
            <Form.Item name="customerNos" label={t('managers.admin.customerNos')}>
              <Input.TextArea rows={4} data-testid="assign-customer-nos" />
            </Form.Item>
          </Col>
          <Col xs={24} md={16}>
            <Row gutter={12}>
              <Col span={8}><Form.Item name="orgId" label={t('managers.admin.orgId')}><Select allowClear options={orgs.map(([id, name]) => ({ value: id, label: name }))} /></Form.Item></Col>
              <Col span={8}><Form.Item name="typeCode" label={t('managers.admin.typeCode')}><Select allowClear showSearch optionFilterProp="label" options={(meta.data?.types ?? []).map((x) => ({ value: x.code, label: pick(x.name, x.nameEn) }))} /></Form.Item></Col>
              <Col span={8}><Form.Item name="party" label={t('managers.fields.party')}><Select allowClear options={[{ value: 'person', label: t('managers.workbench.person') }, { value: 'organization', label: t('managers.workbench.organization') }]} /></Form.Item></Col>
              <Col span={8}><Form.Item name="aumMin" label={t('managers.workbench.aumMin')}><InputNumber min={0} style={{ width: '100%' }} /></Form.Item></Col>
              <Col span={8}><Form.Item name="aumMax" label={t('managers.workbench.aumMax')}><InputNumber min={0} style={{ width: '100%' }} /></Form.Item></Col>
              <Col span={8}><Form.Item name="fromManagerId" label={t('managers.admin.fromManager')}><Select allowClear showSearch optionFilterProp="label" options={(managers.data?.items ?? []).map((m) => ({ value: m.id, label: m.displayName }))} /></Form.Item></Col>
              <Col span={8}><Form.Item name="unassignedOnly" valuePropName="checked" label=" "><Checkbox>{t('managers.admin.unassignedOnly')}</Checkbox></Form.Item></Col>
              <Col span={8}>
                <Form.Item name="managerId" label={t('managers.admin.targetManager')} rules={[{ required: true, message: t('common.required') }]}>
                  <Select showSearch optionFilterProp="label" data-testid="assign-manager" options={(managers.data?.items ?? []).map((m) => ({ value: m.id, label: `${m.displayName} · ${m.orgName}` }))} />
                </Form.Item>
              </Col>
              <Col span={8}>
                <Form.Item name="reason" label={t('managers.fields.reason')} rules={[{ required: true, whitespace: true, message: t('common.required') }, { max: 500 }]}>
                  <Input maxLength={500} />
                </Form.Item>
              </Col>
            </Row>
          </Col>
        </Row>
        <Space>
          <Button onClick={() => void runPreview()} loading={runPreviewBusy} data-testid="assign-preview">{t('managers.admin.preview')}</Button>
          <Button type="primary" disabled={!preview || preview.key !== key || preview.data.count === 0} onClick={() => void runApply()} loading={runApplyBusy} data-testid="assign-apply">{t('managers.admin.apply')}</Button>
        </Space>
      </Form>
      {preview && (
        <div style={{ marginTop: 12 }}>
          <Alert type={preview.key === key ? 'info' : 'warning'} showIcon
            message={preview.key === key ? t('managers.admin.previewResult', { count: preview.data.count, aum: formatFen(preview.data.aumFen, true) }) : t('managers.admin.ruleChanged')} />
          <List size="small" dataSource={preview.data.sample} renderItem={(s) => (
            <List.Item><Space>{s.customerNo}<Typography.Text>{s.name}</Typography.Text><Typography.Text type="secondary">{s.orgName} · {s.managerName ?? '—'}</Typography.Text>{formatFen(s.aumFen, true)}</Space></List.Item>
          )} />
        </div>
      )}
    </Card>
  );
}

/** Customer-manager administration: profiles, assignment by rule, handover. */
export function ManagerAdmin() {
  const { t } = useTranslation();
  const { can } = useAuth();
  return (
    <div>
      <Typography.Title level={4}>{t('managers.admin.title')}</Typography.Title>
      <Tabs items={[
        { key: 'profiles', label: t('managers.admin.profiles'), children: <Profiles /> },
        ...(can('customer:assign') ? [{ key: 'assign', label: t('managers.admin.assign'), children: <Assign /> }] : []),
      ]} />
    </div>
  );
}
