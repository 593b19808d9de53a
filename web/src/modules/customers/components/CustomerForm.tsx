import { useMemo, useState, type ReactNode } from 'react';
import {
  Alert,
  App,
  Button,
  Card,
  Checkbox,
  Col,
  DatePicker,
  Form,
  Input,
  InputNumber,
  Row,
  Select,
  Space,
  Switch,
  Table,
  TreeSelect,
} from 'antd';
import type { CheckboxChangeEvent } from 'antd/es/checkbox';
import { DeleteOutlined, PlusOutlined } from '@ant-design/icons';
import dayjs, { type Dayjs } from 'dayjs';
import { useTranslation } from 'react-i18next';
import { useQueryClient } from '@tanstack/react-query';
import { useAuth } from '../../../app/auth.tsx';
import { useLang } from '../../../app/useLang.ts';
import { ApiError, errorText, toNamePath, type FieldIssue } from '../../../app/http.ts';
import { applyFieldErrors, useFormLanguage } from '../../../app/formErrors.ts';
import { issueText, lastPartLabel, withFieldLabels } from '../../../app/fieldLabels.ts';
import {
  ADDRESS_KINDS,
  CHANNELS,
  CONTACT_KINDS,
  customerKeys,
  ID_TYPES,
  RISK_LEVELS,
  STATUSES,
  useCreateCustomer,
  useCustomerMeta,
  useManagers,
  useUpdateCustomer,
  type AddressInput,
  type AttributeDef,
  type Channel,
  type ContactInput,
  type Customer360,
  type CustomerInput,
  type CustomerPatch,
  type CustomerScalars,
  type IdentityInput,
} from '../api.ts';
import { attributesFor, buildTypeTree, partyOf } from '../typeTree.ts';
import { compactPhone, isEmail, isMobile, isResidentId } from '../validation.ts';

type IdentityRow = { idType?: IdentityInput['idType']; idNo?: string; country?: string; expiresOn?: string | null; isPrimary?: boolean };
type ContactRow = { kind?: ContactInput['kind']; value?: string; isPrimary?: boolean };
type AddressRow = Partial<AddressInput>;
type PrefRow = { allowed: boolean; marketingConsent: boolean };

type FormValues = {
  typeCode?: string;
  name?: string;
  nameEn?: string | null;
  gender?: 'M' | 'F' | null;
  birthDate?: string | null;
  nationality?: string | null;
  occupation?: string | null;
  employer?: string | null;
  industry?: string | null;
  status?: CustomerScalars['status'];
  levelCode?: string | null;
  riskTolerance?: CustomerScalars['riskTolerance'];
  managerId?: number;
  remarks?: string | null;
  attributes?: Record<string, unknown>;
  identities?: IdentityRow[];
  contacts?: ContactRow[];
  addresses?: AddressRow[];
  channelPrefs?: Record<Channel, PrefRow>;
};

/** Scalars a PATCH may carry; managerId/orgId change only through the audited transfer. */
const EDITABLE_SCALARS = [
  'typeCode',
  'name',
  'nameEn',
  'gender',
  'birthDate',
  'nationality',
  'occupation',
  'employer',
  'industry',
  'status',
  'levelCode',
  'riskTolerance',
  'remarks',
] as const;
const PERSON_ONLY = new Set(['gender', 'birthDate', 'nationality', 'occupation', 'employer']);
/** The field a list-level server error (e.g. `contacts.1`) is shown under. */
const LIST_MAIN_FIELD: Record<string, string> = { identities: 'idNo', contacts: 'value', addresses: 'line' };

// Date pickers hold Dayjs; the form and the API hold 'YYYY-MM-DD' strings (a masked one, 1979-**-**, shows empty and
// is sent only if the user picks a date).
const dateProps = {
  getValueProps: (v: string | null | undefined) => ({ value: v && !v.includes('*') ? dayjs(v) : null }),
  normalize: (v: Dayjs | null) => (v ? v.format('YYYY-MM-DD') : null),
};

const blank = (v: unknown) => v === undefined || v === null || (typeof v === 'string' && v.trim() === '');
const clean = (v: string | null | undefined) => (blank(v) ? undefined : (v as string).trim());

function prefsFrom(c?: Customer360): Record<Channel, PrefRow> {
  const out = {} as Record<Channel, PrefRow>;
  for (const ch of CHANNELS) {
    const p = c?.channelPrefs.find((x) => x.channel === ch);
    out[ch] = { allowed: p?.allowed ?? true, marketingConsent: p?.marketingConsent ?? false };
  }
  return out;
}

function initialValues(c?: Customer360): FormValues {
  if (!c) return { status: 'potential', identities: [], contacts: [], addresses: [], channelPrefs: prefsFrom(), attributes: {} };
  return {
    typeCode: c.type.code,
    name: c.name,
    nameEn: c.nameEn,
    gender: c.gender,
    birthDate: c.birthDate,
    nationality: c.nationality,
    occupation: c.occupation,
    employer: c.employer,
    industry: c.industry,
    status: c.status,
    levelCode: c.level?.code ?? null,
    riskTolerance: c.riskTolerance,
    remarks: c.remarks,
    attributes: { ...(c.attributes ?? {}) },
    identities: c.identities.map((i) => ({ idType: i.idType, idNo: i.idNo, country: i.country ?? undefined, expiresOn: i.expiresOn, isPrimary: i.isPrimary })),
    contacts: c.contacts.map((x) => ({ kind: x.kind, value: x.value, isPrimary: x.isPrimary })),
    addresses: c.addresses.map((a) => ({
      kind: a.kind,
      province: a.province ?? undefined,
      city: a.city ?? undefined,
      district: a.district ?? undefined,
      line: a.line,
      postcode: a.postcode ?? undefined,
      isPrimary: a.isPrimary,
    })),
    channelPrefs: prefsFrom(c),
  };
}

function toLists(v: FormValues) {
  const identities: IdentityInput[] = (v.identities ?? []).map((i) => ({
    idType: i.idType!,
    idNo: i.idNo!.trim().toUpperCase(),
    country: clean(i.country),
    expiresOn: i.expiresOn ?? undefined,
    isPrimary: !!i.isPrimary,
  }));
  const contacts: ContactInput[] = (v.contacts ?? []).map((x) => ({
    kind: x.kind!,
    value: x.kind === 'mobile' || x.kind === 'phone' || x.kind === 'fax' ? compactPhone(x.value!) : x.value!.trim(),
    isPrimary: !!x.isPrimary,
  }));
  const addresses: AddressInput[] = (v.addresses ?? []).map((a) => ({
    kind: a.kind!,
    province: clean(a.province),
    city: clean(a.city),
    district: clean(a.district),
    line: a.line!.trim(),
    postcode: clean(a.postcode),
    isPrimary: !!a.isPrimary,
  }));
  const channelPrefs = CHANNELS.map((ch) => ({ channel: ch, allowed: v.channelPrefs?.[ch]?.allowed ?? true, marketingConsent: v.channelPrefs?.[ch]?.marketingConsent ?? false }));
  return { identities, contacts, addresses, channelPrefs };
}

function toAttributes(schema: AttributeDef[], raw: Record<string, unknown> | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  // Keep attributes the current schema no longer lists, so an edit never silently drops data.
  for (const [k, v] of Object.entries(raw ?? {})) if (!blank(v) && !schema.some((a) => a.key === k)) out[k] = v;
  for (const a of schema) {
    const v = raw?.[a.key];
    if (!blank(v)) out[a.key] = typeof v === 'string' ? v.trim() : v;
  }
  return out;
}

export const INDUSTRY_SECTIONS = 'ABCDEFGHIJKLMNOPQRST'.split('');

const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

/**
 * An amount the API keeps in integer fen, typed and shown in yuan (元): the form's value stays fen, so what is saved,
 * compared and shown in the 360° view is one figure. ¥5,000,000.00 typed is 500000000 fen saved.
 */
function YuanInput({ value, onChange, ...rest }: { value?: number | string | null; onChange?: (fen: number | null) => void; id?: string; 'aria-invalid'?: boolean }) {
  const fen = value === undefined || value === null || value === '' ? null : Number(value);
  return (
    <InputNumber<number>
      {...rest}
      value={fen === null || Number.isNaN(fen) ? null : fen / 100}
      onChange={(yuan) => onChange?.(yuan === null || yuan === undefined ? null : Math.round(Number(yuan) * 100))}
      min={0}
      precision={2}
      step={10000}
      addonBefore="¥"
      formatter={(v) => `${v ?? ''}`.replace(/\B(?=(\d{3})+(?!\d))/g, ',')}
      parser={(v) => Number((v ?? '').replace(/[,\s¥]/g, ''))}
      style={{ width: '100%' }}
    />
  );
}

function AttributeInput({ def }: { def: AttributeDef }) {
  const { t } = useTranslation();
  const { pick } = useLang();
  const label = pick(def.label, def.labelEn);
  const name = ['attributes', def.key];
  switch (def.type) {
    case 'integer':
      return (
        <Form.Item name={name} label={label} rules={[{ type: 'integer', message: t('customer.form.integerInvalid') }]}>
          <InputNumber precision={0} style={{ width: '100%' }} />
        </Form.Item>
      );
    case 'money':
      return (
        <Form.Item name={name} label={label}>
          <YuanInput />
        </Form.Item>
      );
    case 'number':
      return (
        <Form.Item name={name} label={label}>
          <InputNumber style={{ width: '100%' }} />
        </Form.Item>
      );
    case 'enum':
      return (
        <Form.Item name={name} label={label}>
          <Select allowClear options={(def.options ?? []).map((o) => ({ value: o, label: t(`customer.attributeOption.${def.key}.${o}`, { defaultValue: o }) }))} />
        </Form.Item>
      );
    case 'date':
      return (
        <Form.Item name={name} label={label} {...dateProps}>
          <DatePicker style={{ width: '100%' }} />
        </Form.Item>
      );
    case 'boolean':
      return (
        <Form.Item name={name} label={label} valuePropName="checked">
          <Switch />
        </Form.Item>
      );
    default:
      return (
        <Form.Item name={name} label={label}>
          <Input />
        </Form.Item>
      );
  }
}

function ListCard({ title, addLabel, onAdd, children }: { title: string; addLabel: string; onAdd: () => void; children: ReactNode }) {
  return (
    <Card
      size="small"
      title={title}
      extra={
        <Button size="small" icon={<PlusOutlined />} onClick={onAdd}>
          {addLabel}
        </Button>
      }
    >
      {children}
    </Card>
  );
}

/** A row's "primary" box: ticking it unticks the others of its group (the list; for contacts, those of the same kind), as the server allows one. */
function PrimaryCheckbox({ list, index, sameKind, ...props }: { list: string; index: number; sameKind?: boolean; checked?: boolean; onChange?: (e: CheckboxChangeEvent) => void; 'data-testid'?: string }) {
  const form = Form.useFormInstance();
  return (
    <Checkbox
      {...props}
      onChange={(e) => {
        props.onChange?.(e);
        if (!e.target.checked) return;
        const rows = (form.getFieldValue(list) ?? []) as { kind?: string; isPrimary?: boolean }[];
        const kind = rows[index]?.kind;
        form.setFieldValue(list, rows.map((r, i) => (i !== index && r.isPrimary && (!sameKind || r.kind === kind) ? { ...r, isPrimary: false } : r)));
      }}
    />
  );
}

function IdentitiesEditor() {
  const { t } = useTranslation();
  return (
    <Form.List name="identities">
      {(fields, { add, remove }) => (
        <ListCard title={t('customer.form.identities')} addLabel={t('customer.form.addIdentity')} onAdd={() => add({ idType: 'resident_id', isPrimary: fields.length === 0 })}>
          {fields.map((f) => (
            <Row gutter={8} key={f.key} align="top">
              <Col xs={24} md={6}>
                <Form.Item name={[f.name, 'idType']} label={t('customer.c360.idType')} rules={[{ required: true, message: t('common.required') }]}>
                  <Select options={ID_TYPES.map((x) => ({ value: x, label: t(`customer.idType.${x}`) }))} />
                </Form.Item>
              </Col>
              <Col xs={24} md={7}>
                <Form.Item
                  name={[f.name, 'idNo']}
                  label={t('customer.c360.idNo')}
                  dependencies={[['identities', f.name, 'idType']]}
                  rules={[
                    { required: true, whitespace: true, message: t('common.required') },
                    ({ getFieldValue }) => ({
                      validator: (_, value: string | undefined) =>
                        !value || getFieldValue(['identities', f.name, 'idType']) !== 'resident_id' || isResidentId(value)
                          ? Promise.resolve()
                          : Promise.reject(new Error(t('customer.form.residentIdInvalid'))),
                    }),
                  ]}
                >
                  <Input maxLength={40} />
                </Form.Item>
              </Col>
              <Col xs={12} md={3}>
                <Form.Item name={[f.name, 'country']} label={t('customer.c360.country')}>
                  <Input maxLength={3} placeholder="CN" />
                </Form.Item>
              </Col>
              <Col xs={12} md={4}>
                <Form.Item name={[f.name, 'expiresOn']} label={t('customer.c360.expiresOn')} {...dateProps}>
                  <DatePicker style={{ width: '100%' }} />
                </Form.Item>
              </Col>
              <Col xs={20} md={3}>
                <Form.Item name={[f.name, 'isPrimary']} label={t('customer.form.isPrimary')} valuePropName="checked">
                  <PrimaryCheckbox list="identities" index={f.name} data-testid="identities-primary" />
                </Form.Item>
              </Col>
              <Col xs={4} md={1}>
                <Form.Item label=" ">
                  <Button type="text" danger icon={<DeleteOutlined />} onClick={() => remove(f.name)} title={t('common.delete')} />
                </Form.Item>
              </Col>
            </Row>
          ))}
        </ListCard>
      )}
    </Form.List>
  );
}

function ContactsEditor() {
  const { t } = useTranslation();
  return (
    <Form.List name="contacts">
      {(fields, { add, remove }) => (
        <ListCard title={t('customer.form.contacts')} addLabel={t('customer.form.addContact')} onAdd={() => add({ kind: 'mobile', isPrimary: fields.length === 0 })}>
          {fields.map((f) => (
            <Row gutter={8} key={f.key} align="top">
              <Col xs={24} md={6}>
                <Form.Item name={[f.name, 'kind']} label={t('customer.c360.kind')} rules={[{ required: true, message: t('common.required') }]}>
                  <Select options={CONTACT_KINDS.map((x) => ({ value: x, label: t(`customer.contactKind.${x}`) }))} />
                </Form.Item>
              </Col>
              <Col xs={24} md={14}>
                <Form.Item
                  name={[f.name, 'value']}
                  label={t('customer.c360.value')}
                  dependencies={[['contacts', f.name, 'kind']]}
                  rules={[
                    { required: true, whitespace: true, message: t('common.required') },
                    ({ getFieldValue }) => ({
                      validator: (_, value: string | undefined) => {
                        const kind = getFieldValue(['contacts', f.name, 'kind']);
                        if (!value) return Promise.resolve();
                        if (kind === 'mobile' && !isMobile(value)) return Promise.reject(new Error(t('customer.form.mobileInvalid')));
                        if (kind === 'email' && !isEmail(value)) return Promise.reject(new Error(t('customer.form.emailInvalid')));
                        return Promise.resolve();
                      },
                    }),
                  ]}
                >
                  <Input maxLength={100} />
                </Form.Item>
              </Col>
              <Col xs={20} md={3}>
                <Form.Item name={[f.name, 'isPrimary']} label={t('customer.form.isPrimary')} valuePropName="checked">
                  <PrimaryCheckbox list="contacts" index={f.name} sameKind data-testid="contacts-primary" />
                </Form.Item>
              </Col>
              <Col xs={4} md={1}>
                <Form.Item label=" ">
                  <Button type="text" danger icon={<DeleteOutlined />} onClick={() => remove(f.name)} title={t('common.delete')} />
                </Form.Item>
              </Col>
            </Row>
          ))}
        </ListCard>
      )}
    </Form.List>
  );
}

function AddressesEditor() {
  const { t } = useTranslation();
  return (
    <Form.List name="addresses">
      {(fields, { add, remove }) => (
        <ListCard title={t('customer.form.addresses')} addLabel={t('customer.form.addAddress')} onAdd={() => add({ kind: 'home', isPrimary: fields.length === 0 })}>
          {fields.map((f) => (
            <Row gutter={8} key={f.key} align="top">
              <Col xs={12} md={4}>
                <Form.Item name={[f.name, 'kind']} label={t('customer.c360.kind')} rules={[{ required: true, message: t('common.required') }]}>
                  <Select options={ADDRESS_KINDS.map((x) => ({ value: x, label: t(`customer.addressKind.${x}`) }))} />
                </Form.Item>
              </Col>
              <Col xs={12} md={3}>
                <Form.Item name={[f.name, 'province']} label={t('customer.form.province')}>
                  <Input />
                </Form.Item>
              </Col>
              <Col xs={12} md={3}>
                <Form.Item name={[f.name, 'city']} label={t('customer.form.city')}>
                  <Input />
                </Form.Item>
              </Col>
              <Col xs={12} md={3}>
                <Form.Item name={[f.name, 'district']} label={t('customer.form.district')}>
                  <Input />
                </Form.Item>
              </Col>
              <Col xs={24} md={6}>
                <Form.Item name={[f.name, 'line']} label={t('customer.form.line')} rules={[{ required: true, whitespace: true, message: t('common.required') }]}>
                  <Input maxLength={200} />
                </Form.Item>
              </Col>
              <Col xs={10} md={2}>
                <Form.Item name={[f.name, 'postcode']} label={t('customer.c360.postcode')}>
                  <Input maxLength={10} />
                </Form.Item>
              </Col>
              <Col xs={10} md={2}>
                <Form.Item name={[f.name, 'isPrimary']} label={t('customer.form.isPrimary')} valuePropName="checked">
                  <PrimaryCheckbox list="addresses" index={f.name} data-testid="addresses-primary" />
                </Form.Item>
              </Col>
              <Col xs={4} md={1}>
                <Form.Item label=" ">
                  <Button type="text" danger icon={<DeleteOutlined />} onClick={() => remove(f.name)} title={t('common.delete')} />
                </Form.Item>
              </Col>
            </Row>
          ))}
        </ListCard>
      )}
    </Form.List>
  );
}

function ChannelPrefsEditor() {
  const { t } = useTranslation();
  return (
    <Card size="small" title={t('customer.form.channelPrefs')}>
      <Table
        size="small"
        pagination={false}
        rowKey="channel"
        dataSource={CHANNELS.map((channel) => ({ channel }))}
        columns={[
          { title: t('customer.c360.channel'), dataIndex: 'channel', render: (v: string) => t(`customer.channel.${v}`) },
          {
            title: t('customer.c360.allowed'),
            key: 'allowed',
            align: 'center',
            render: (_, r) => (
              <Form.Item name={['channelPrefs', r.channel, 'allowed']} valuePropName="checked" noStyle>
                <Switch size="small" />
              </Form.Item>
            ),
          },
          {
            title: t('customer.c360.marketingConsent'),
            key: 'marketingConsent',
            align: 'center',
            render: (_, r) => (
              <Form.Item name={['channelPrefs', r.channel, 'marketingConsent']} valuePropName="checked" noStyle>
                <Switch size="small" />
              </Form.Item>
            ),
          },
        ]}
      />
    </Card>
  );
}

type Props = {
  /** Absent when creating. */
  customer?: Customer360;
  onSaved: (c: Customer360) => void;
  onCancel: () => void;
};

/** Create and edit: validates before it submits, then shows the server's field errors in place. */
export function CustomerForm({ customer, onSaved, onCancel }: Props) {
  const { t } = useTranslation();
  const { pick } = useLang();
  const { can } = useAuth();
  const { message } = App.useApp();
  const qc = useQueryClient();
  const [form] = Form.useForm<FormValues>();
  useFormLanguage(form);
  const meta = useCustomerMeta();
  const isEdit = !!customer;
  const canAssign = !isEdit && can('customer:assign');
  const managers = useManagers(canAssign);
  const create = useCreateCustomer();
  const update = useUpdateCustomer(customer?.customerNo ?? '');
  const [unplaced, setUnplaced] = useState<FieldIssue[]>([]);
  /** A 409's message: a stale version (offer a reload) or a duplicate such as an ID already on file. */
  const [conflict, setConflict] = useState<string | null>(null);
  const initial = useMemo(() => initialValues(customer), [customer]);
  // Masked values must never be written back over the real ones.
  const listsEditable = !customer?.masked;

  const types = meta.data?.types ?? [];
  const typeCode = Form.useWatch('typeCode', form);
  const party = partyOf(types, typeCode) ?? customer?.party;
  const schema = useMemo(() => attributesFor(types, typeCode), [types, typeCode]);
  const typeTree = useMemo(() => buildTypeTree(types, (x) => pick(x.name, x.nameEn), { leavesOnly: true }), [types, pick]);

  const place = (path: (string | number)[]): (string | number)[] | null => {
    const [top, idx, ...rest] = path;
    if (typeof top !== 'string') return null;
    if (top === 'attributes') return schema.some((a) => a.key === idx) ? path : null;
    if (top === 'channelPrefs') {
      const ch = typeof idx === 'number' ? CHANNELS[idx] : undefined;
      return ch && rest.length ? ['channelPrefs', ch, ...rest] : null;
    }
    if (top in LIST_MAIN_FIELD) {
      if (!listsEditable || typeof idx !== 'number' || idx >= (form.getFieldValue(top)?.length ?? 0)) return null;
      return rest.length ? path : [top, idx, LIST_MAIN_FIELD[top]!];
    }
    if (top === 'managerId') return canAssign ? path : null;
    if (PERSON_ONLY.has(top) && party !== 'person') return null;
    return (EDITABLE_SCALARS as readonly string[]).includes(top) ? [top] : null;
  };

  const buildCreate = (v: FormValues): CustomerInput => {
    const body: CustomerInput = { typeCode: v.typeCode!, name: v.name!.trim() };
    for (const k of EDITABLE_SCALARS) {
      if (k === 'typeCode' || k === 'name') continue;
      if (PERSON_ONLY.has(k) && party !== 'person') continue;
      const val = v[k];
      if (!blank(val)) (body as Record<string, unknown>)[k] = typeof val === 'string' ? val.trim() : val;
    }
    if (v.managerId) body.managerId = v.managerId;
    const attributes = toAttributes(schema, v.attributes);
    if (Object.keys(attributes).length) body.attributes = attributes;
    return { ...body, ...toLists(v) };
  };

  const buildPatch = (v: FormValues, c: Customer360): CustomerPatch => {
    const before = initialValues(c);
    const patch: CustomerPatch = { version: c.version };
    for (const k of EDITABLE_SCALARS) {
      if (PERSON_ONLY.has(k) && party !== 'person') continue;
      const now = blank(v[k]) ? null : typeof v[k] === 'string' ? (v[k] as string).trim() : v[k];
      const was = blank(before[k]) ? null : before[k];
      // Cleared optional fields are sent as null, so the server can tell "clear" from "leave".
      if (!same(now, was)) (patch as Record<string, unknown>)[k] = now;
    }
    const attributes = toAttributes(schema, v.attributes);
    if (!same(attributes, toAttributes(schema, before.attributes))) patch.attributes = attributes;
    const now = toLists(v);
    const was = toLists(before);
    if (listsEditable) {
      if (!same(now.identities, was.identities)) patch.identities = now.identities;
      if (!same(now.contacts, was.contacts)) patch.contacts = now.contacts;
      if (!same(now.addresses, was.addresses)) patch.addresses = now.addresses;
    }
    if (!same(now.channelPrefs, was.channelPrefs)) patch.channelPrefs = now.channelPrefs;
    return patch;
  };

  /** A server path by the form's label for it (identities.0.idNo → 证件号码). */
  const fieldLabel = lastPartLabel((name) => t(`customer.fields.${name}`, { defaultValue: '' }) || t(`customer.c360.${name}`, { defaultValue: '' }) || null);

  const submit = async (v: FormValues) => {
    setUnplaced([]);
    setConflict(null);
    try {
      const saved = customer ? await update.mutateAsync(buildPatch(v, customer)) : await create.mutateAsync(buildCreate(v));
      message.success(customer ? t('common.saved') : t('customer.form.created'));
      onSaved(saved);
    } catch (e) {
      const left = applyFieldErrors(form, e, place);
      if (e instanceof ApiError && e.status === 409) {
        // The server's message leads with the field's request path (identities.0.idNo): the banner names its label.
        setConflict(withFieldLabels(e.message, e.fields, fieldLabel));
        setUnplaced(left);
        const first = e.fields.map((f) => place(toNamePath(f.field))).find(Boolean);
        if (first) form.scrollToField(first, { block: 'center' });
        return;
      }
      if (e instanceof ApiError && e.fields.length) {
        setUnplaced(left);
        const first = e.fields.map((f) => place(toNamePath(f.field))).find(Boolean);
        if (first) form.scrollToField(first, { block: 'center' });
      } else {
        message.error(errorText(e));
      }
    }
  };

  const saving = create.isPending || update.isPending;
  const col = { xs: 24, md: 12, xl: 8 };

  return (
    <Form<FormValues>
      form={form}
      name="customer"
      layout="vertical"
      initialValues={initial}
      onFinish={(v) => void submit(v)}
      onFinishFailed={({ errorFields }) => errorFields[0] && form.scrollToField(errorFields[0].name, { block: 'center' })}
      scrollToFirstError={false}
      size="small"
    >
      <Space direction="vertical" size={12} style={{ width: '100%' }}>
        {conflict && (
          <Alert
            type="warning"
            showIcon
            data-testid="customer-form-conflict"
            message={conflict}
            action={
              // Reloading brings the current version; the edit page then remounts the form with it.
              customer && (
                <Button size="small" onClick={() => void qc.invalidateQueries({ queryKey: customerKeys.detail(customer.customerNo) })}>
                  {t('common.reload')}
                </Button>
              )
            }
          />
        )}
        {unplaced.length > 0 && (
          <Alert
            type="error"
            showIcon
            message={t('common.fixFields')}
            description={
              <ul style={{ margin: 0, paddingLeft: 20 }}>
                {unplaced.map((f) => (
                  <li key={`${f.field}-${f.rule}`}>
                    {issueText(f, fieldLabel)}
                  </li>
                ))}
              </ul>
            }
          />
        )}
        <Card size="small" title={t('customer.form.basic')}>
          <Row gutter={12}>
            <Col {...col}>
              <Form.Item name="typeCode" label={t('customer.fields.type')} rules={[{ required: true, message: t('customer.form.typeRequired') }]}>
                <TreeSelect treeData={typeTree} treeDefaultExpandAll showSearch treeNodeFilterProp="title" loading={meta.isLoading} data-testid="customer-form-type" />
              </Form.Item>
            </Col>
            <Col {...col}>
              <Form.Item name="name" label={t('customer.fields.name')} rules={[{ required: true, whitespace: true, message: t('customer.form.nameRequired') }]}>
                <Input maxLength={200} data-testid="customer-form-name" />
              </Form.Item>
            </Col>
            <Col {...col}>
              <Form.Item name="nameEn" label={t('customer.fields.nameEn')}>
                <Input maxLength={200} />
              </Form.Item>
            </Col>
            <Col {...col}>
              <Form.Item name="status" label={t('customer.fields.status')}>
                <Select options={STATUSES.map((s) => ({ value: s, label: t(`customer.status.${s}`) }))} />
              </Form.Item>
            </Col>
            <Col {...col}>
              <Form.Item name="levelCode" label={t('customer.fields.level')}>
                <Select allowClear options={(meta.data?.levels ?? []).map((l) => ({ value: l.code, label: pick(l.name, l.nameEn) }))} />
              </Form.Item>
            </Col>
            <Col {...col}>
              <Form.Item name="riskTolerance" label={t('customer.fields.riskTolerance')}>
                <Select allowClear options={RISK_LEVELS.map((r) => ({ value: r, label: t(`customer.risk.${r}`) }))} />
              </Form.Item>
            </Col>
            <Col {...col}>
              <Form.Item name="industry" label={t('customer.fields.industry')}>
                {/* An industry classification code (GB/T 4754 section), not free text. */}
                <Select allowClear showSearch optionFilterProp="label" options={INDUSTRY_SECTIONS.map((s) => ({ value: s, label: `${s} ${t(`customer.industry.${s}`)}` }))} />
              </Form.Item>
            </Col>
            {canAssign && (
              <Col {...col}>
                <Form.Item name="managerId" label={t('customer.fields.manager')}>
                  <Select
                    allowClear
                    showSearch
                    optionFilterProp="label"
                    placeholder={t('customer.form.selectManagerHint')}
                    loading={managers.isLoading}
                    options={(managers.data?.items ?? []).map((m) => ({ value: m.id, label: `${m.displayName} (${m.username}) · ${pick(m.orgName, m.orgNameEn)}` }))}
                  />
                </Form.Item>
              </Col>
            )}
            <Col xs={24}>
              <Form.Item name="remarks" label={t('customer.fields.remarks')}>
                <Input.TextArea rows={2} maxLength={1000} />
              </Form.Item>
            </Col>
          </Row>
        </Card>

        {party === 'person' && (
          <Card size="small" title={t('customer.form.personal')}>
            <Row gutter={12}>
              <Col {...col}>
                <Form.Item name="gender" label={t('customer.fields.gender')}>
                  <Select allowClear options={(['M', 'F'] as const).map((g) => ({ value: g, label: t(`customer.gender.${g}`) }))} />
                </Form.Item>
              </Col>
              <Col {...col}>
                <Form.Item name="birthDate" label={t('customer.fields.birthDate')} {...dateProps}>
                  <DatePicker style={{ width: '100%' }} disabledDate={(d) => d.isAfter(dayjs())} />
                </Form.Item>
              </Col>
              <Col {...col}>
                <Form.Item name="nationality" label={t('customer.fields.nationality')}>
                  <Input maxLength={3} placeholder="CN" />
                </Form.Item>
              </Col>
              <Col {...col}>
                <Form.Item name="occupation" label={t('customer.fields.occupation')}>
                  <Input maxLength={100} />
                </Form.Item>
              </Col>
              <Col {...col}>
                <Form.Item name="employer" label={t('customer.fields.employer')}>
                  <Input maxLength={200} />
                </Form.Item>
              </Col>
            </Row>
          </Card>
        )}

        {schema.length > 0 && (
          <Card size="small" title={t('customer.form.attributes')}>
            <Row gutter={12}>
              {schema.map((a) => (
                <Col {...col} key={a.key}>
                  <AttributeInput def={a} />
                </Col>
              ))}
            </Row>
          </Card>
        )}

        {listsEditable ? (
          <>
            <IdentitiesEditor />
            <ContactsEditor />
            <AddressesEditor />
          </>
        ) : (
          <Alert type="info" showIcon message={t('customer.form.maskedListsNote')} />
        )}
        <ChannelPrefsEditor />

        <Space>
          <Button type="primary" htmlType="submit" loading={saving} data-testid="customer-save">
            {t('common.save')}
          </Button>
          <Button onClick={onCancel}>{t('common.cancel')}</Button>
        </Space>
      </Space>
    </Form>
  );
}

