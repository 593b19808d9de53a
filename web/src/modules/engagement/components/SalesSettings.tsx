import { useState } from 'react';
import { Alert, App, Button, Card, Checkbox, DatePicker, Form, Input, InputNumber, Modal, Popconfirm, Select, Space, Table, Tag } from 'antd';
import { MinusCircleOutlined, PlusOutlined } from '@ant-design/icons';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import dayjs, { type Dayjs } from 'dayjs';
import { useTranslation } from 'react-i18next';
import { useAuth } from '../../../app/auth.tsx';
import { applyFieldErrors, useFormLanguage } from '../../../app/formErrors.ts';
import { errorText, type FieldIssue } from '../../../app/http.ts';
import { formatFen } from '../../../app/format.ts';
import { useLang } from '../../../app/useLang.ts';
import { engagementApi, useEngagementMeta, type CommissionRule, type Pipeline } from '../api.ts';
import { yuanToFen } from '../money.ts';
import { useSingleFlight } from '../../../app/useSingleFlight.ts';

type StageValues = { id?: number; code: string; name: string; nameEn: string; probability: number; isWon?: boolean; isLost?: boolean };
type PipelineValues = { code?: string; name: string; nameEn: string; party?: 'person' | 'organization' | null; active?: boolean; stages: StageValues[] };

function PipelineEditor({ pipeline, open, onClose }: { pipeline: Pipeline | null; open: boolean; onClose: () => void }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const qc = useQueryClient();
  const [form] = Form.useForm<PipelineValues>();
  useFormLanguage(form);
  const [unplaced, setUnplaced] = useState<FieldIssue[]>([]);
  const save = useMutation({
    mutationFn: (body: Record<string, unknown>) => engagementApi.savePipeline(pipeline?.id ?? null, body),
    onSuccess: () => void qc.invalidateQueries({ queryKey: ['engagement'] }),
  });
  const [submit, submitting] = useSingleFlight(async () => {
    const v = await form.validateFields().catch(() => null);
    if (!v) return;
    const stages = v.stages.map((s) => ({ ...(s.id ? { id: s.id } : {}), code: s.code, name: s.name, nameEn: s.nameEn, probability: s.probability, isWon: !!s.isWon, isLost: !!s.isLost }));
    const body = pipeline ? { name: v.name, nameEn: v.nameEn, active: v.active, stages } : { code: v.code, name: v.name, nameEn: v.nameEn, party: v.party ?? null, stages };
    try {
      await save.mutateAsync(body);
      message.success(t('engagement.msg.saved'));
      onClose();
    } catch (e) {
      setUnplaced(applyFieldErrors(form, e, (p) => (p.length === 1 && p[0] === 'stages' ? null : p)));
      message.error(errorText(e));
    }
  });
  return (
    <Modal
      open={open}
      width={860}
      title={pipeline ? `${t('engagement.actions.editStages')} · ${pipeline.name}` : t('engagement.actions.newPipeline')}
      onCancel={onClose}
      onOk={() => void submit()}
      confirmLoading={submitting}
      destroyOnHidden
      afterOpenChange={(o) => {
        if (!o) return;
        setUnplaced([]);
        form.setFieldsValue(pipeline ? { ...pipeline, stages: pipeline.stages } : { name: '', nameEn: '', stages: [{ code: 'lead', name: '线索', nameEn: 'Lead', probability: 10 }, { code: 'won', name: '成交', nameEn: 'Won', probability: 100, isWon: true }, { code: 'lost', name: '未成交', nameEn: 'Lost', probability: 0, isLost: true }] });
      }}
    >
      {unplaced.length > 0 && <Alert type="error" showIcon style={{ marginBottom: 8 }} message={unplaced.map((f) => f.message).join('；')} />}
      <Form form={form} layout="vertical" size="small">
        <Space wrap>
          {!pipeline && (
            <Form.Item name="code" label={t('engagement.fields.code')} rules={[{ required: true, pattern: /^[a-z][a-z0-9_]*$/, message: t('engagement.msg.codeRule') }]}>
              <Input style={{ width: 120 }} />
            </Form.Item>
          )}
          <Form.Item name="name" label={t('engagement.fields.name')} rules={[{ required: true, whitespace: true, message: t('engagement.msg.required') }]}><Input /></Form.Item>
          <Form.Item name="nameEn" label={t('engagement.fields.nameEn')} rules={[{ required: true, whitespace: true, message: t('engagement.msg.required') }]}><Input /></Form.Item>
          {!pipeline && (
            <Form.Item name="party" label={t('engagement.fields.party')}>
              <Select allowClear style={{ width: 140 }} options={[{ value: 'person', label: t('customer.party.person') }, { value: 'organization', label: t('customer.party.organization') }]} />
            </Form.Item>
          )}
          {pipeline && <Form.Item name="active" valuePropName="checked" label=" "><Checkbox>{t('engagement.fields.active')}</Checkbox></Form.Item>}
        </Space>
        <Form.List name="stages">
          {(items, { add, remove, move }) => (
            <>
              {items.map((item, i) => (
                <Space key={item.key} align="baseline" wrap>
                  <Form.Item name={[item.name, 'id']} hidden><Input /></Form.Item>
                  <Form.Item name={[item.name, 'code']} rules={[{ required: true, pattern: /^[a-z][a-z0-9_]*$/, message: t('engagement.msg.codeRule') }]}><Input placeholder={t('engagement.fields.code')} style={{ width: 100 }} /></Form.Item>
                  <Form.Item name={[item.name, 'name']} rules={[{ required: true, whitespace: true, message: t('engagement.msg.required') }]}><Input placeholder={t('engagement.fields.name')} style={{ width: 120 }} /></Form.Item>
                  <Form.Item name={[item.name, 'nameEn']} rules={[{ required: true, whitespace: true, message: t('engagement.msg.required') }]}><Input placeholder={t('engagement.fields.nameEn')} style={{ width: 140 }} /></Form.Item>
                  <Form.Item name={[item.name, 'probability']} rules={[{ required: true, type: 'integer', min: 0, max: 100, message: t('engagement.msg.probabilityRange') }]}>
                    <InputNumber placeholder="%" min={0} max={100} precision={0} style={{ width: 70 }} />
                  </Form.Item>
                  <Form.Item name={[item.name, 'isWon']} valuePropName="checked"><Checkbox>{t('engagement.fields.isWon')}</Checkbox></Form.Item>
                  <Form.Item name={[item.name, 'isLost']} valuePropName="checked"><Checkbox>{t('engagement.fields.isLost')}</Checkbox></Form.Item>
                  <Button size="small" disabled={i === 0} onClick={() => move(i, i - 1)}>↑</Button>
                  <MinusCircleOutlined onClick={() => remove(item.name)} />
                </Space>
              ))}
              <Button type="dashed" size="small" icon={<PlusOutlined />} onClick={() => add({ probability: 50 })}>{t('engagement.actions.addStage')}</Button>
            </>
          )}
        </Form.List>
      </Form>
    </Modal>
  );
}

type RuleValues = { productCode: string; mode: 'rate' | 'fixed'; rateBp?: number; fixed?: string; range: [Dayjs, Dayjs | null] };

function CommissionRules() {
  const { t } = useTranslation();
  const { pick } = useLang();
  const { can } = useAuth();
  const { message } = App.useApp();
  const qc = useQueryClient();
  const meta = useEngagementMeta();
  const [form] = Form.useForm<RuleValues>();
  useFormLanguage(form);
  const [adding, setAdding] = useState(false);
  const rules = useQuery({ queryKey: ['engagement', 'commissionRules'], queryFn: engagementApi.commissionRules });
  const refresh = () => void qc.invalidateQueries({ queryKey: ['engagement', 'commissionRules'] });
  const add = useMutation({ mutationFn: engagementApi.addCommissionRule, onSuccess: refresh });
  const end = useMutation({ mutationFn: ({ id, to }: { id: number; to: string }) => engagementApi.endCommissionRule(id, to), onSuccess: refresh });
  const mode = Form.useWatch('mode', form);
  const planner = can('sales:plan');

  const [submit, submitting] = useSingleFlight(async () => {
    const v = await form.validateFields().catch(() => null);
    if (!v) return;
    try {
      await add.mutateAsync({
        productCode: v.productCode, rateBp: v.mode === 'rate' ? v.rateBp ?? null : null, fixedFen: v.mode === 'fixed' ? yuanToFen(v.fixed ?? null) : null,
        effectiveFrom: v.range[0].format('YYYY-MM-DD'), effectiveTo: v.range[1]?.format('YYYY-MM-DD') ?? null,
      });
      message.success(t('engagement.msg.saved'));
      setAdding(false);
    } catch (e) {
      applyFieldErrors(form, e, (p) => (p[0] === 'rateBp' || p[0] === 'fixedFen' ? ['mode'] : p[0] === 'effectiveFrom' || p[0] === 'effectiveTo' ? ['range'] : p));
      message.error(errorText(e));
    }
  });

  return (
    <Card
      size="small"
      title={t('engagement.fields.commissionRules')}
      extra={planner && <Button size="small" icon={<PlusOutlined />} onClick={() => { form.resetFields(); form.setFieldsValue({ mode: 'rate', range: [dayjs().startOf('month'), null] }); setAdding(true); }}>{t('engagement.actions.addRule')}</Button>}
    >
      <Table<CommissionRule>
        size="small"
        rowKey="id"
        pagination={false}
        loading={rules.isFetching}
        dataSource={rules.data?.items ?? []}
        data-testid="eng-commission-rules"
        columns={[
          { title: t('engagement.fields.product'), key: 'p', render: (_, r) => `${pick(r.productName, r.productNameEn)} (${r.productCode})` },
          { title: t('engagement.fields.rate'), dataIndex: 'rateBp', align: 'right', render: (v: number | null) => (v === null ? '—' : `${v} bp (${(v / 100).toFixed(2)}%)`) },
          { title: t('engagement.fields.fixed'), dataIndex: 'fixedFen', align: 'right', render: (v: number | null) => (v === null ? '—' : formatFen(v)) },
          { title: t('engagement.fields.effectiveFrom'), dataIndex: 'effectiveFrom', width: 110 },
          { title: t('engagement.fields.effectiveTo'), dataIndex: 'effectiveTo', width: 110, render: (v: string | null) => v ?? '—' },
          ...(planner ? [{
            title: '', key: 'x', width: 90,
            render: (_: unknown, r: CommissionRule) => !r.effectiveTo && (
              <Popconfirm title={t('engagement.actions.endRule')} onConfirm={() => end.mutateAsync({ id: r.id, to: dayjs().format('YYYY-MM-DD') }).catch((e) => void message.error(errorText(e)))}>
                <Button size="small" type="link">{t('engagement.actions.endRule')}</Button>
              </Popconfirm>
            ),
          }] : []),
        ]}
      />
      <Modal open={adding} title={t('engagement.actions.addRule')} onCancel={() => setAdding(false)} onOk={() => void submit()} confirmLoading={submitting} destroyOnHidden>
        <Form form={form} layout="vertical" size="small">
          <Form.Item name="productCode" label={t('engagement.fields.product')} rules={[{ required: true, message: t('engagement.msg.required') }]}>
            <Select showSearch optionFilterProp="label" options={(meta.data?.products ?? []).map((p) => ({ value: p.code, label: `${pick(p.name, p.nameEn)} (${p.code})` }))} />
          </Form.Item>
          <Form.Item name="mode" rules={[{ required: true }]}>
            <Select options={[{ value: 'rate', label: t('engagement.fields.rate') }, { value: 'fixed', label: t('engagement.fields.fixed') }]} />
          </Form.Item>
          {mode === 'rate' ? (
            <Form.Item name="rateBp" label={t('engagement.fields.rate')} rules={[{ required: true, type: 'integer', min: 0, max: 10000, message: t('engagement.msg.rateOrFixed') }]}>
              <InputNumber min={0} max={10000} precision={0} style={{ width: '100%' }} />
            </Form.Item>
          ) : (
            <Form.Item name="fixed" label={t('engagement.fields.fixed')} rules={[{ required: true, pattern: /^\d+(\.\d{1,2})?$/, message: t('engagement.msg.rateOrFixed') }]}>
              <Input inputMode="decimal" />
            </Form.Item>
          )}
          <Form.Item name="range" label={`${t('engagement.fields.effectiveFrom')} ~ ${t('engagement.fields.effectiveTo')}`} rules={[{ required: true, message: t('engagement.msg.required') }]}>
            <DatePicker.RangePicker allowEmpty={[false, true]} />
          </Form.Item>
        </Form>
      </Modal>
    </Card>
  );
}

/** Pipelines and their stages (admin / `sales:plan`), and commission rules per product (`sales:plan`). */
export function SalesSettings() {
  const { t } = useTranslation();
  const { pick } = useLang();
  const { can } = useAuth();
  const meta = useEngagementMeta();
  const [editing, setEditing] = useState<Pipeline | null | 'new'>(null);
  const configurable = can('sales:plan') || can('admin:org');
  return (
    <Space direction="vertical" style={{ width: '100%' }}>
      <Card
        size="small"
        title={t('engagement.fields.pipeline')}
        extra={configurable && <Button size="small" icon={<PlusOutlined />} onClick={() => setEditing('new')}>{t('engagement.actions.newPipeline')}</Button>}
      >
        <Table<Pipeline>
          size="small"
          rowKey="id"
          pagination={false}
          dataSource={meta.data?.pipelines ?? []}
          data-testid="eng-pipelines"
          columns={[
            { title: t('engagement.fields.name'), key: 'n', width: 160, render: (_, p) => <>{pick(p.name, p.nameEn)} {!p.active && <Tag>{t('engagement.msg.inactive')}</Tag>}</> },
            {
              title: t('engagement.fields.stage'), key: 's',
              render: (_, p) => p.stages.map((s) => <Tag key={s.id} color={s.isWon ? 'green' : s.isLost ? 'red' : 'blue'}>{`${pick(s.name, s.nameEn)} ${s.probability}%`}</Tag>),
            },
            ...(configurable ? [{ title: '', key: 'e', width: 90, render: (_: unknown, p: Pipeline) => <Button size="small" type="link" onClick={() => setEditing(p)}>{t('engagement.actions.editStages')}</Button> }] : []),
          ]}
        />
      </Card>
      <CommissionRules />
      <PipelineEditor pipeline={editing === 'new' ? null : editing} open={editing !== null} onClose={() => setEditing(null)} />
    </Space>
  );
}
