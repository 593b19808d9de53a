import { useEffect, useMemo } from 'react';
import { Alert, App, Button, Checkbox, Col, DatePicker, Form, Input, InputNumber, Modal, Row, Select, Space } from 'antd';
import { MinusCircleOutlined, PlusOutlined } from '@ant-design/icons';
import dayjs, { type Dayjs } from 'dayjs';
import { useTranslation } from 'react-i18next';
import { useState } from 'react';
import { applyFieldErrors, useFormLanguage } from '../../../app/formErrors.ts';
import { ApiError, errorText, issuesText, type FieldIssue } from '../../../app/http.ts';
import { useLang } from '../../../app/useLang.ts';
import {
  ACTIVITY_STATUSES, ACTIVITY_TYPES, CHANNELS, PRIORITIES, REQUIREMENT_STATUSES, SALES_METHODS, SEVERITIES, URGENCIES, useCreateRecord, useEngagementMeta,
  useUpdateRecord, type LinkRef, type RecordKind, type RecordOf, type WithLinks,
} from '../api.ts';
import { fenToYuan, yuanToFen } from '../money.ts';
import { CustomerPicker } from './CustomerPicker.tsx';
import { useSingleFlight } from '../../../app/useSingleFlight.ts';

type Values = Record<string, unknown> & {
  customerNo?: string;
  start?: Dayjs;
  end?: Dayjs | null;
  products?: { productCode?: string; amount?: string | number }[];
  cost?: string | number;
  expectedValue?: string | number;
};

/** Server field names → this form's (times and money are edited under other names). */
const FIELD_MAP: Record<string, string> = {
  startedAt: 'start', endedAt: 'end', startsAt: 'start', endsAt: 'end', startsOn: 'start', endsOn: 'end', costFen: 'cost', expectedValueFen: 'expectedValue',
};

type Props<K extends RecordKind> = {
  kind: K;
  open: boolean;
  onClose: () => void;
  /** Fixed customer (from the 360° page or a linked record). */
  customerNo?: string;
  /** Link the new record to this one (e.g. "create an opportunity from this contact"). */
  linkTo?: LinkRef;
  /** Edit this record instead of creating one. */
  record?: RecordOf[K];
  onSaved?: (r: WithLinks<RecordOf[K]>) => void;
};

const isDate = (kind: RecordKind) => kind === 'opportunity' || kind === 'requirement';

/** Create or edit a contact, activity, opportunity or requirement; validates before it submits and shows the server's field errors. */
export function RecordModal<K extends RecordKind>({ kind, open, onClose, customerNo, linkTo, record, onSaved }: Props<K>) {
  const { t } = useTranslation();
  const { pick } = useLang();
  const { message } = App.useApp();
  const [form] = Form.useForm<Values>();
  useFormLanguage(form);
  const meta = useEngagementMeta();
  const create = useCreateRecord(kind);
  const update = useUpdateRecord(kind, record?.id ?? 0);
  const [unplaced, setUnplaced] = useState<FieldIssue[]>([]);
  const pipelineId = Form.useWatch('pipelineId', form) as number | undefined;
  const pipeline = useMemo(() => meta.data?.pipelines.find((p) => p.id === pipelineId), [meta.data, pipelineId]);

  useEffect(() => {
    if (!open) return;
    setUnplaced([]);
    form.resetFields();
    const r = record as Record<string, unknown> | undefined;
    if (r) {
      const start = (r.startedAt ?? r.startsAt ?? r.startsOn) as string | undefined;
      const end = (r.endedAt ?? r.endsAt ?? r.endsOn) as string | null | undefined;
      form.setFieldsValue(({
        ...r, start: start ? dayjs(start) : undefined, end: end ? dayjs(end) : null, cost: fenToYuan(r.costFen as number) ?? undefined,
        expectedValue: fenToYuan(r.expectedValueFen as number) ?? undefined,
        products: ((r.products ?? []) as { productCode: string; amountFen: number }[]).map((p) => ({ productCode: p.productCode, amount: fenToYuan(p.amountFen) ?? '' })),
      }) as never);
    } else {
      form.setFieldsValue({
        customerNo, start: isDate(kind) ? dayjs().startOf('day') : dayjs(), channel: 'phone', connected: true, type: 'task', priority: 'normal',
        severity: 'medium', urgency: 'normal',
      } as never);
    }
  }, [open]);

  const endRule = {
    validator: async (_: unknown, v: Dayjs | null | undefined) => {
      const s = form.getFieldValue('start') as Dayjs | undefined;
      if (v && s && v.isBefore(s)) throw new Error(t('engagement.msg.endBeforeStart'));
    },
  };
  const required = [{ required: true, message: t('engagement.msg.required') }];
  const labelOf = (p: (string | number)[]) => {
    const name = [...p].reverse().find((x): x is string => typeof x === 'string');
    const own = name ? t(`engagement.fields.${FIELD_MAP[name] ?? name}`, { defaultValue: '' }) : '';
    return own || null;
  };
  /** Yuan with up to two decimals, thousands separators allowed ("1,000,000.50"); `positive` also refuses 0. */
  const amountRule = (positive: boolean) => ({
    validator: async (_: unknown, v: string | number | null | undefined) => {
      if (v === undefined || v === null || String(v).trim() === '') return;
      const fen = yuanToFen(v);
      if (fen === null || fen < 0) throw new Error(t('engagement.msg.amountFormat'));
      if (positive && fen === 0) throw new Error(t('engagement.msg.amountPositive'));
    },
  });
  const text = (max: number) => [{ required: true, whitespace: true, message: t('engagement.msg.required') }, { max }];

  const [submit, submitting] = useSingleFlight(async () => {
    const v = await form.validateFields().catch(() => null);
    if (!v) return;
    const at = (d: Dayjs | null | undefined) => (d ? (isDate(kind) ? d.format('YYYY-MM-DD') : d.toISOString()) : null);
    const links = linkTo && !record ? [linkTo] : undefined;
    let body: Record<string, unknown>;
    if (kind === 'contact') {
      body = { channel: v.channel, startedAt: at(v.start), endedAt: at(v.end), summary: v.summary, content: v.content || null, connected: !!v.connected };
    } else if (kind === 'activity') {
      body = {
        type: v.type, status: v.status, priority: v.priority, startsAt: at(v.start), endsAt: at(v.end), costFen: yuanToFen(v.cost as string) ?? 0,
        description: v.description, remarks: v.remarks || null,
      };
    } else if (kind === 'opportunity') {
      const products = (v.products ?? []).filter((p) => p.productCode).map((p) => ({ productCode: p.productCode!, amountFen: yuanToFen(p.amount ?? null) ?? 0 }));
      body = {
        summary: v.summary, content: v.content || null, salesMethod: v.salesMethod ?? null, probability: v.probability ?? undefined, startsOn: at(v.start), endsOn: at(v.end),
        expectedValueFen: v.expectedValue !== undefined && v.expectedValue !== '' && v.expectedValue !== null ? yuanToFen(v.expectedValue as string) : undefined,
        products, ...(record ? {} : { pipelineId: v.pipelineId, stageId: v.stageId }),
      };
    } else {
      body = {
        summary: v.summary, content: v.content || null, status: v.status, subStatus: v.subStatus || null, severity: v.severity, urgency: v.urgency,
        startsOn: at(v.start), endsOn: at(v.end),
      };
    }
    body = Object.fromEntries(Object.entries(body).filter(([, x]) => x !== undefined));
    try {
      const saved = record
        ? await update.mutateAsync(body as never)
        : await create.mutateAsync({ ...body, customerNo: v.customerNo, links } as never);
      message.success(t(record ? 'engagement.msg.saved' : 'engagement.msg.created'));
      onSaved?.(saved as WithLinks<RecordOf[K]>);
      onClose();
    } catch (e) {
      const left = applyFieldErrors(form, e, (p) => {
        const head = String(p[0]);
        if (head === 'links') return null;
        if (head === 'products' && p.length === 3 && p[2] === 'amountFen') return ['products', p[1]!, 'amount'];
        return [FIELD_MAP[head] ?? head, ...p.slice(1)];
      });
      setUnplaced(left);
      // Errors under their fields speak for themselves; anything else is said once, with labels, not paths.
      if (!(e instanceof ApiError) || !e.fields.length || left.length) message.error(errorText(e, (p) => labelOf(p)));
    }
  });

  const title = {
    contact: t('engagement.actions.logContact'), activity: t('engagement.actions.newActivity'), opportunity: t('engagement.actions.newOpportunity'),
    requirement: t('engagement.actions.newRequirement'),
  }[kind];
  const opts = (list: readonly string[], ns: string) => list.map((x) => ({ value: x, label: t(`engagement.${ns}.${x}`) }));
  const picker = (showTime: boolean) => <DatePicker showTime={showTime ? { format: 'HH:mm' } : false} format={showTime ? 'YYYY-MM-DD HH:mm' : 'YYYY-MM-DD'} style={{ width: '100%' }} />;

  return (
    <Modal
      open={open}
      title={record ? `${t('common.edit')} · ${t(`engagement.kind.${kind}`)}` : title}
      onCancel={onClose}
      footer={[
        <Button key="cancel" onClick={onClose}>{t('common.cancel')}</Button>,
        <Button key="ok" type="primary" loading={submitting} onClick={() => void submit()} data-testid={`eng-${kind}-submit`}>
          {t('engagement.actions.save')}
        </Button>,
      ]}
      width={720}
      destroyOnHidden
    >
      {unplaced.length > 0 && <Alert type="error" showIcon style={{ marginBottom: 12 }} message={issuesText(unplaced, labelOf)} />}
      <Form form={form} layout="vertical" size="small" data-testid={`eng-${kind}-form`}>
        <Form.Item name="customerNo" label={t('engagement.fields.customer')} rules={[{ required: true, message: t('engagement.msg.pickCustomer') }]} hidden={!!record}>
          <CustomerPicker disabled={!!customerNo || !!record} />
        </Form.Item>
        <Row gutter={12}>
          {kind === 'contact' && (
            <>
              <Col span={8}>
                <Form.Item name="channel" label={t('engagement.fields.channel')} rules={required}>
                  <Select options={opts(CHANNELS, 'channel')} data-testid="eng-contact-channel" />
                </Form.Item>
              </Col>
              <Col span={8}>
                <Form.Item name="start" label={t('engagement.fields.startedAt')} rules={required}>{picker(true)}</Form.Item>
              </Col>
              <Col span={8}>
                <Form.Item name="end" label={t('engagement.fields.endedAt')} dependencies={['start']} rules={[endRule]}>{picker(true)}</Form.Item>
              </Col>
              <Col span={24}>
                <Form.Item name="connected" valuePropName="checked">
                  <Checkbox>{t('engagement.fields.connected')}</Checkbox>
                </Form.Item>
              </Col>
            </>
          )}
          {kind === 'activity' && (
            <>
              <Col span={8}>
                <Form.Item name="type" label={t('engagement.fields.type')} rules={required}><Select options={opts(ACTIVITY_TYPES, 'activityType')} /></Form.Item>
              </Col>
              <Col span={8}>
                <Form.Item name="status" label={t('engagement.fields.status')}><Select allowClear options={opts(ACTIVITY_STATUSES, 'activityStatus')} /></Form.Item>
              </Col>
              <Col span={8}>
                <Form.Item name="priority" label={t('engagement.fields.priority')}><Select options={opts(PRIORITIES, 'priority')} /></Form.Item>
              </Col>
              <Col span={8}>
                <Form.Item name="start" label={t('engagement.fields.startsAt')} rules={required}>{picker(true)}</Form.Item>
              </Col>
              <Col span={8}>
                <Form.Item name="end" label={t('engagement.fields.endsAt')} dependencies={['start']} rules={[endRule]}>{picker(true)}</Form.Item>
              </Col>
              <Col span={8}>
                <Form.Item name="cost" label={t('engagement.fields.cost')} rules={[amountRule(false)]}>
                  <Input inputMode="decimal" />
                </Form.Item>
              </Col>
            </>
          )}
          {kind === 'opportunity' && !record && (
            <>
              <Col span={12}>
                <Form.Item name="pipelineId" label={t('engagement.fields.pipeline')}>
                  <Select allowClear options={(meta.data?.pipelines ?? []).filter((p) => p.active).map((p) => ({ value: p.id, label: pick(p.name, p.nameEn) }))} onChange={() => form.setFieldValue('stageId', undefined)} />
                </Form.Item>
              </Col>
              <Col span={12}>
                <Form.Item name="stageId" label={t('engagement.fields.stage')}>
                  <Select allowClear options={(pipeline?.stages ?? []).filter((s) => !s.isWon && !s.isLost).map((s) => ({ value: s.id, label: `${pick(s.name, s.nameEn)} (${s.probability}%)` }))} />
                </Form.Item>
              </Col>
            </>
          )}
          {kind === 'opportunity' && (
            <>
              <Col span={8}>
                <Form.Item name="probability" label={t('engagement.fields.probability')} rules={[{ type: 'integer', min: 0, max: 100, message: t('engagement.msg.probabilityRange') }]}>
                  <InputNumber style={{ width: '100%' }} precision={0} />
                </Form.Item>
              </Col>
              <Col span={8}>
                <Form.Item name="salesMethod" label={t('engagement.fields.salesMethod')}><Select allowClear options={opts(SALES_METHODS, 'salesMethod')} /></Form.Item>
              </Col>
              <Col span={8}>
                <Form.Item name="expectedValue" label={t('engagement.fields.expectedValue')} rules={[amountRule(false)]}>
                  <Input inputMode="decimal" />
                </Form.Item>
              </Col>
            </>
          )}
          {kind === 'requirement' && (
            <>
              <Col span={8}>
                <Form.Item name="status" label={t('engagement.fields.status')}><Select options={opts(REQUIREMENT_STATUSES, 'reqStatus')} /></Form.Item>
              </Col>
              <Col span={8}>
                <Form.Item name="severity" label={t('engagement.fields.severity')}><Select options={opts(SEVERITIES, 'severity')} /></Form.Item>
              </Col>
              <Col span={8}>
                <Form.Item name="urgency" label={t('engagement.fields.urgency')}><Select options={opts(URGENCIES, 'urgency')} /></Form.Item>
              </Col>
              <Col span={8}>
                <Form.Item name="subStatus" label={t('engagement.fields.subStatus')} rules={[{ max: 40 }]}><Input /></Form.Item>
              </Col>
            </>
          )}
          {isDate(kind) && (
            <>
              <Col span={8}>
                <Form.Item name="start" label={t('engagement.fields.startsOn')} rules={required}>{picker(false)}</Form.Item>
              </Col>
              <Col span={8}>
                <Form.Item name="end" label={t(kind === 'opportunity' ? 'engagement.fields.expectedClose' : 'engagement.fields.endsOn')} dependencies={['start']} rules={[endRule]}>
                  {picker(false)}
                </Form.Item>
              </Col>
            </>
          )}
        </Row>
        {kind !== 'activity' ? (
          <Form.Item name="summary" label={t('engagement.fields.summary')} rules={text(200)}>
            <Input data-testid={`eng-${kind}-summary`} />
          </Form.Item>
        ) : (
          <Form.Item name="description" label={t('engagement.fields.description')} rules={text(2000)}>
            <Input data-testid="eng-activity-description" />
          </Form.Item>
        )}
        {kind === 'opportunity' && (
          <Form.List name="products">
            {(items, { add, remove }) => (
              <Form.Item label={t('engagement.fields.products')}>
                {items.map((item, i) => (
                  <Space key={item.key} align="baseline" style={{ display: 'flex' }}>
                    <Form.Item name={[item.name, 'productCode']} rules={required} style={{ width: 260 }}>
                      <Select
                        showSearch
                        optionFilterProp="label"
                        data-testid={`eng-opp-product-${i}`}
                        options={(meta.data?.products ?? []).map((p) => ({ value: p.code, label: `${pick(p.name, p.nameEn)} (${p.code})` }))}
                      />
                    </Form.Item>
                    <Form.Item
                      name={[item.name, 'amount']}
                      rules={[...required, amountRule(true)]}
                    >
                      <Input placeholder={t('engagement.fields.amount')} inputMode="decimal" style={{ width: 180 }} data-testid={`eng-opp-amount-${i}`} />
                    </Form.Item>
                    <MinusCircleOutlined onClick={() => remove(item.name)} />
                  </Space>
                ))}
                <Button type="dashed" size="small" icon={<PlusOutlined />} onClick={() => add({})} data-testid="eng-opp-add-product">{t('engagement.actions.addProduct')}</Button>
              </Form.Item>
            )}
          </Form.List>
        )}
        {kind !== 'activity' ? (
          <Form.Item name="content" label={t('engagement.fields.content')} rules={[{ max: 5000 }]}><Input.TextArea rows={3} /></Form.Item>
        ) : (
          <Form.Item name="remarks" label={t('engagement.fields.remarks')} rules={[{ max: 2000 }]}><Input.TextArea rows={2} /></Form.Item>
        )}
      </Form>
    </Modal>
  );
}
