import { Alert, App, Col, DatePicker, Form, Input, InputNumber, Modal, Row, Select, Switch } from 'antd';
import dayjs, { type Dayjs } from 'dayjs';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { applyFieldErrors, useFormLanguage } from '../../../app/formErrors.ts';
import { ApiError, errorText, issuesText, type FieldIssue } from '../../../app/http.ts';
import {
  CATEGORIES, PRODUCT_STATUSES, RATING_ALLOWED, RATING_REQUIRED, RISK_RATINGS, useCreateProduct, useUpdateProduct,
  type Category, type Product, type ProductInput, type ProductStatus, type RiskRating,
} from '../api.ts';
import { fenToYuan, formatAttributes, parseAttributes, yuanToFen } from '../form.ts';
import { useSingleFlight } from '../../../app/useSingleFlight.ts';

type Values = {
  code: string;
  name: string;
  nameEn?: string;
  category: Category;
  riskRating?: RiskRating | null;
  status: ProductStatus;
  isAsset: boolean;
  termDays?: number | null;
  minAmount?: string;
  ratePct?: string;
  launchOn?: Dayjs | null;
  retireOn?: Dayjs | null;
  targetSegment?: string;
  issuer?: string;
  description?: string;
  attributes?: string;
};

const day = (d: Dayjs | null | undefined) => (d ? d.format('YYYY-MM-DD') : null);
const blank = (s: string | undefined) => (s?.trim() ? s.trim() : null);

/** The server's field names that the form shows under another name. */
function place(path: (string | number)[]): (string | number)[] | null {
  if (path[0] === 'minAmountFen') return ['minAmount'];
  if (path[0] === 'attributes') return ['attributes'];
  return path;
}

/** Creates a product (no `product`) or edits one; validates like the server before it submits. */
export function ProductFormModal({ product, onClose, onSaved }: { product?: Product; onClose: () => void; onSaved?: (p: Product) => void }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const [form] = Form.useForm<Values>();
  useFormLanguage(form);
  const create = useCreateProduct();
  const update = useUpdateProduct(product?.code ?? '');
  const [unplaced, setUnplaced] = useState<FieldIssue[]>([]);
  const category = Form.useWatch('category', form);

  const initial: Partial<Values> = product
    ? {
      code: product.code, name: product.name, nameEn: product.nameEn, category: product.category, riskRating: product.riskRating, status: product.status,
      isAsset: product.isAsset, termDays: product.termDays, minAmount: fenToYuan(product.minAmountFen), ratePct: product.ratePct === null ? '' : String(Number(product.ratePct)),
      launchOn: product.launchOn ? dayjs(product.launchOn) : null, retireOn: product.retireOn ? dayjs(product.retireOn) : null,
      targetSegment: product.targetSegment ?? '', issuer: product.issuer ?? '', description: product.description ?? '', attributes: formatAttributes(product.attributes),
    }
    : { status: 'active', isAsset: true };

  const [submit, submitting] = useSingleFlight(async () => {
    setUnplaced([]);
    const v = await form.validateFields();
    const body: ProductInput = {
      code: v.code,
      name: v.name.trim(),
      nameEn: v.nameEn?.trim() || undefined,
      category: v.category,
      riskRating: RATING_ALLOWED.includes(v.category) ? v.riskRating ?? null : null,
      status: v.status,
      isAsset: v.isAsset,
      termDays: v.termDays ?? null,
      minAmountFen: yuanToFen(v.minAmount) ?? null,
      ratePct: blank(v.ratePct),
      launchOn: day(v.launchOn),
      retireOn: day(v.retireOn),
      targetSegment: blank(v.targetSegment),
      issuer: blank(v.issuer),
      description: blank(v.description),
      attributes: parseAttributes(v.attributes) ?? {},
    };
    try {
      const saved = product
        ? await update.mutateAsync({ ...Object.fromEntries(Object.entries(body).filter(([k]) => k !== 'code')), version: product.version })
        : await create.mutateAsync(body);
      message.success(product ? t('products.form.saved') : t('products.form.created'));
      onSaved?.(saved);
      onClose();
    } catch (e) {
      const left = applyFieldErrors(form, e, place);
      setUnplaced(left);
      if (!(e instanceof ApiError) || !e.fields.length) message.error(errorText(e));
    }
  });

  return (
    <Modal
      open
      width={760}
      title={product ? t('products.form.editTitle', { name: product.name }) : t('products.form.createTitle')}
      onCancel={onClose}
      onOk={() => void submit().catch(() => undefined)}
      confirmLoading={submitting}
      okButtonProps={{ 'data-testid': 'product-form-submit' } as never}
      destroyOnHidden
    >
      {unplaced.length > 0 && (
        <Alert type="error" showIcon style={{ marginBottom: 12 }} message={t('common.fixFields')} description={issuesText(unplaced)} />
      )}
      <Form form={form} layout="vertical" initialValues={initial} data-testid="product-form" size="small">
        <Row gutter={12}>
          <Col span={8}>
            <Form.Item
              name="code"
              label={t('products.fields.code')}
              tooltip={t('products.form.codeHint')}
              normalize={(v: string) => v?.toUpperCase()}
              rules={[{ required: true, message: t('common.required') }, { pattern: /^[A-Z][A-Z0-9_]{1,39}$/, message: t('products.form.codeFormat') }]}
            >
              <Input disabled={!!product} data-testid="product-form-code" />
            </Form.Item>
          </Col>
          <Col span={8}>
            <Form.Item name="name" label={t('products.fields.name')} rules={[{ required: true, whitespace: true, message: t('common.required') }, { max: 100 }]}>
              <Input data-testid="product-form-name" />
            </Form.Item>
          </Col>
          <Col span={8}>
            <Form.Item name="nameEn" label={t('products.fields.nameEn')} rules={[{ max: 200 }]}>
              <Input />
            </Form.Item>
          </Col>
          <Col span={8}>
            <Form.Item name="category" label={t('products.fields.category')} rules={[{ required: true, message: t('common.required') }]}>
              <Select options={CATEGORIES.map((c) => ({ value: c, label: t(`products.category.${c}`) }))} data-testid="product-form-category" />
            </Form.Item>
          </Col>
          <Col span={8}>
            <Form.Item
              name="riskRating"
              label={t('products.fields.riskRating')}
              dependencies={['category']}
              rules={[
                ({ getFieldValue }) => ({
                  validator: (_r, v) => {
                    const c = getFieldValue('category') as Category | undefined;
                    if (c && RATING_REQUIRED.includes(c) && !v) return Promise.reject(new Error(t('products.form.riskRequired')));
                    if (c && v && !RATING_ALLOWED.includes(c)) return Promise.reject(new Error(t('products.form.riskNotAllowed')));
                    return Promise.resolve();
                  },
                }),
              ]}
            >
              <Select
                allowClear
                disabled={!!category && !RATING_ALLOWED.includes(category)}
                options={RISK_RATINGS.map((r) => ({ value: r, label: t(`products.risk.${r}`) }))}
                data-testid="product-form-risk"
              />
            </Form.Item>
          </Col>
          <Col span={8}>
            <Form.Item name="status" label={t('products.fields.status')} rules={[{ required: true }]}>
              <Select options={PRODUCT_STATUSES.map((s) => ({ value: s, label: t(`products.status.${s}`) }))} />
            </Form.Item>
          </Col>
          <Col span={6}>
            <Form.Item name="termDays" label={t('products.fields.termDays')}>
              <InputNumber min={1} max={36500} precision={0} style={{ width: '100%' }} />
            </Form.Item>
          </Col>
          <Col span={6}>
            <Form.Item
              name="minAmount"
              label={t('products.fields.minAmount')}
              rules={[{ validator: (_r, v: string | undefined) => (yuanToFen(v) === undefined ? Promise.reject(new Error(t('products.form.amountFormat'))) : Promise.resolve()) }]}
            >
              <Input inputMode="decimal" />
            </Form.Item>
          </Col>
          <Col span={6}>
            <Form.Item name="ratePct" label={t('products.fields.ratePct')} rules={[{ pattern: /^\d{1,2}(\.\d{1,4})?$/, message: t('products.form.rateFormat') }]}>
              <Input inputMode="decimal" data-testid="product-form-rate" />
            </Form.Item>
          </Col>
          <Col span={6}>
            <Form.Item name="isAsset" label={t('products.fields.isAsset')} valuePropName="checked">
              <Switch />
            </Form.Item>
          </Col>
          <Col span={6}>
            <Form.Item name="launchOn" label={t('products.fields.launchOn')}>
              <DatePicker style={{ width: '100%' }} />
            </Form.Item>
          </Col>
          <Col span={6}>
            <Form.Item
              name="retireOn"
              label={t('products.fields.retireOn')}
              dependencies={['launchOn']}
              rules={[
                ({ getFieldValue }) => ({
                  validator: (_r, v: Dayjs | null) => {
                    const launch = getFieldValue('launchOn') as Dayjs | null;
                    return v && launch && v.isBefore(launch, 'day') ? Promise.reject(new Error(t('products.form.retireAfterLaunch'))) : Promise.resolve();
                  },
                }),
              ]}
            >
              <DatePicker style={{ width: '100%' }} />
            </Form.Item>
          </Col>
          <Col span={6}>
            <Form.Item name="targetSegment" label={t('products.fields.targetSegment')} rules={[{ max: 200 }]}>
              <Input />
            </Form.Item>
          </Col>
          <Col span={6}>
            <Form.Item name="issuer" label={t('products.fields.issuer')} rules={[{ max: 200 }]}>
              <Input />
            </Form.Item>
          </Col>
          <Col span={14}>
            <Form.Item name="description" label={t('products.fields.description')} rules={[{ max: 4000 }]}>
              <Input.TextArea rows={4} />
            </Form.Item>
          </Col>
          <Col span={10}>
            <Form.Item
              name="attributes"
              label={t('products.fields.attributes')}
              tooltip={t('products.form.attributesHint')}
              rules={[{ validator: (_r, v: string | undefined) => (parseAttributes(v) === undefined ? Promise.reject(new Error(t('products.form.attributesFormat'))) : Promise.resolve()) }]}
            >
              <Input.TextArea rows={4} placeholder="open_cycle=quarterly" />
            </Form.Item>
          </Col>
        </Row>
      </Form>
    </Modal>
  );
}
