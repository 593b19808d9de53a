import { useEffect, useMemo, useState } from 'react';
import { useNavigate, useSearchParams } from 'react-router';
import { Alert, App, Button, Card, Col, Form, Input, Row, Select, Space, TreeSelect } from 'antd';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { applyFieldErrors, useFormLanguage } from '../../../app/formErrors.ts';
import { errorText, issuesText, type FieldIssue } from '../../../app/http.ts';
import { useLang } from '../../../app/useLang.ts';
import { CHANNELS, KINDS, PRIORITIES, serviceApi, useServiceMeta, type Category, type CreateRequestInput, type Kind } from '../api.ts';
import { CustomerPicker, ServiceNav } from './ServiceCommon.tsx';
import { SimilarCases } from './SimilarCases.tsx';
import { useSingleFlight } from '../../../app/useSingleFlight.ts';

type Values = CreateRequestInput;
type TreeNode = { value: string; title: string; children: TreeNode[] };

/** Categories as a tree, keeping only those that fit the chosen kind. */
function categoryTree(cats: Category[], kind: Kind | undefined, label: (c: Category) => string) {
  const fit = cats.filter((c) => c.active && (!c.kind || !kind || c.kind === kind));
  const build = (parent: string | null): TreeNode[] =>
    fit.filter((c) => c.parentCode === parent).map((c) => ({ value: c.code, title: label(c), children: build(c.code) }));
  return build(null);
}

export function RequestForm() {
  const { t } = useTranslation();
  const { pick } = useLang();
  const { message } = App.useApp();
  const navigate = useNavigate();
  const qc = useQueryClient();
  const [params] = useSearchParams();
  const [form] = Form.useForm<Values>();
  useFormLanguage(form);
  const meta = useServiceMeta();
  const [saving, setSaving] = useState(false);
  const [unplaced, setUnplaced] = useState<FieldIssue[]>([]);
  const kind = Form.useWatch('kind', form);
  const categoryCode = Form.useWatch('categoryCode', form);
  const subject = Form.useWatch('subject', form);
  const description = Form.useWatch('description', form);

  // Similar past cases, looked up once the agent pauses typing.
  const [probe, setProbe] = useState({ subject: '', description: '' });
  useEffect(() => {
    const h = setTimeout(() => setProbe({ subject: subject ?? '', description: description ?? '' }), 500);
    return () => clearTimeout(h);
  }, [subject, description]);
  const similar = useQuery({
    queryKey: ['service', 'similar', kind, categoryCode, probe],
    queryFn: () => serviceApi.similar({ kind: kind!, categoryCode: categoryCode ?? undefined, subject: probe.subject, description: probe.description }),
    enabled: !!kind && (probe.subject + probe.description).trim().length >= 2,
  });

  const tree = useMemo(() => categoryTree(meta.data?.categories ?? [], kind, (c) => pick(c.name, c.nameEn)), [meta.data, kind, pick]);

  const [submit, submitting] = useSingleFlight(async (v: Values) => {
    setSaving(true);
    setUnplaced([]);
    try {
      const r = await serviceApi.create({ ...v, description: v.description ?? '', categoryCode: v.categoryCode || null, queueCode: v.queueCode || null });
      message.success(t('service.form.created', { reqNo: r.reqNo }));
      qc.setQueryData(['service', 'detail', r.reqNo], r);
      void qc.invalidateQueries({ queryKey: ['service', 'list'] });
      navigate(`/service/requests/${r.reqNo}`);
    } catch (e) {
      const left = applyFieldErrors(form, e);
      if (left.length) setUnplaced(left);
      else message.error(errorText(e));
    } finally {
      setSaving(false);
    }
  });

  return (
    <>
      <ServiceNav />
      <Row gutter={12}>
        <Col xs={24} lg={14}>
          <Card size="small" title={t('service.form.title')}>
            {unplaced.length > 0 && <Alert type="error" style={{ marginBottom: 12 }} message={t('common.fixFields')} description={issuesText(unplaced)} />}
            <Form<Values>
              form={form}
              layout="vertical"
              size="small"
              initialValues={{ kind: 'enquiry', priority: 'normal', channel: 'phone', customerNo: params.get('customerNo') ?? undefined }}
              onFinish={(v) => void submit(v)}
              data-testid="service-form"
            >
              <Form.Item name="customerNo" label={t('service.fields.customer')} rules={[{ required: true, message: t('common.required') }]}>
                <CustomerPicker />
              </Form.Item>
              <Space wrap>
                <Form.Item name="kind" label={t('service.fields.kind')} rules={[{ required: true, message: t('common.required') }]}>
                  <Select style={{ width: 140 }} data-testid="service-form-kind" options={KINDS.map((k) => ({ value: k, label: t(`service.kind.${k}`) }))} onChange={() => form.setFieldValue('categoryCode', undefined)} />
                </Form.Item>
                <Form.Item name="priority" label={t('service.fields.priority')} rules={[{ required: true, message: t('common.required') }]}>
                  <Select style={{ width: 110 }} data-testid="service-form-priority" options={PRIORITIES.map((k) => ({ value: k, label: t(`service.priority.${k}`) }))} />
                </Form.Item>
                <Form.Item name="channel" label={t('service.fields.channel')} rules={[{ required: true, message: t('common.required') }]}>
                  <Select style={{ width: 130 }} options={CHANNELS.map((k) => ({ value: k, label: t(`service.channel.${k}`) }))} />
                </Form.Item>
                <Form.Item name="categoryCode" label={t('service.fields.category')}>
                  <TreeSelect allowClear style={{ width: 220 }} treeData={tree} treeDefaultExpandAll data-testid="service-form-category" />
                </Form.Item>
              </Space>
              <Form.Item name="subject" label={t('service.fields.subject')} rules={[{ required: true, whitespace: true, message: t('common.required') }, { max: 200 }]}>
                <Input data-testid="service-form-subject" maxLength={200} />
              </Form.Item>
              <Form.Item name="description" label={t('service.fields.description')} rules={[{ max: 4000 }]}>
                <Input.TextArea rows={4} data-testid="service-form-description" maxLength={4000} />
              </Form.Item>
              <Form.Item name="queueCode" label={t('service.fields.queue')}>
                <Select allowClear style={{ width: 220 }} placeholder={t('service.form.unassigned')}
                  options={(meta.data?.queues ?? []).filter((q) => q.active).map((q) => ({ value: q.code, label: pick(q.name, q.nameEn) }))} />
              </Form.Item>
              <Space>
                <Button type="primary" htmlType="submit" loading={saving} data-testid="service-form-submit">{t('service.form.submit')}</Button>
                <Button onClick={() => navigate('/service')}>{t('common.cancel')}</Button>
              </Space>
            </Form>
          </Card>
        </Col>
        <Col xs={24} lg={10}>
          <Card size="small" title={t('service.form.similarTitle')}>
            <SimilarCases items={similar.data?.items ?? []} loading={similar.isFetching} />
          </Card>
        </Col>
      </Row>
    </>
  );
}
