import { useMemo, useState, type ReactNode } from 'react';
import { Link, useNavigate } from 'react-router';
import {
  Alert,
  App,
  Button,
  Card,
  Col,
  Descriptions,
  Popconfirm,
  Result,
  Row,
  Skeleton,
  Space,
  Statistic,
  Table,
  Tabs,
  Tag,
  Tooltip,
  Typography,
  type TableProps,
} from 'antd';
import { ArrowLeftOutlined, ArrowRightOutlined, CheckOutlined, CloseOutlined, DeleteOutlined, EditOutlined, PlusOutlined, SwapOutlined } from '@ant-design/icons';
import { useTranslation } from 'react-i18next';
import { useAuth } from '../../../app/auth.tsx';
import { useLang } from '../../../app/useLang.ts';
import { ApiError, errorText } from '../../../app/http.ts';
import { formatDate, formatDateTime, formatFen, formatValue } from '../../../app/format.ts';
import {
  CHANNELS,
  useCustomer,
  useCustomerMeta,
  useRemoveKeyPerson,
  useRemoveRelation,
  type Account,
  type ChannelPref,
  type Customer360 as Customer360Data,
  type HeldProduct,
  type KeyPerson,
  type ManagerChange,
  type Relation,
} from '../api.ts';
import { attributesFor } from '../typeTree.ts';
import { describeAudit, type AttributeLabel, type TimelineAudit, type Translate } from '../timelineText.ts';
import { pickBilingual } from '../../../app/bilingual.ts';
import { LevelTag, StatusTag } from './CustomerTags.tsx';
import { RevealValue } from './RevealValue.tsx';
import { TransferManagerModal } from './TransferManagerModal.tsx';
import { AddRelationModal } from './AddRelationModal.tsx';
import { AddKeyPersonModal } from './AddKeyPersonModal.tsx';
import { DeleteCustomerModal } from './DeleteCustomerModal.tsx';
import { CustomerEngagement, CustomerTimeline } from '../../engagement/components/CustomerEngagement.tsx';
import { CustomerLineage, MergedNotice } from '../../integration/components/CustomerLineage.tsx';
import { SourceTag } from '../../integration/components/IntegrationTags.tsx';

type SectionProps = { c: Customer360Data; canReveal: boolean };

const dash = (v: ReactNode) => (v === null || v === undefined || v === '' ? '—' : v);

/** Another customer named on this page: a link, or — outside the user's data scope — the masked name alone. */
function RelatedCustomer({ customerNo, name }: { customerNo: string | null; name: string }) {
  const { t } = useTranslation();
  if (!customerNo) {
    return (
      <Space size={4}>
        {name}
        <Tag data-testid="c360-outside-scope">{t('customer.c360.outsideScope')}</Tag>
      </Space>
    );
  }
  return <Link to={`/customers/${encodeURIComponent(customerNo)}`}>{`${name} (${customerNo})`}</Link>;
}

/** A type-specific attribute's value as a reader takes it: an option by its label, an amount in fen as money. */
function attributeText(a: { key: string; type: string }, v: unknown, t: (k: string, o?: { defaultValue: string }) => string): string {
  if (v === undefined || v === null || v === '') return '—';
  if (a.type === 'enum') return t(`customer.attributeOption.${a.key}.${String(v)}`, { defaultValue: String(v) });
  if (a.key.endsWith('_fen') && (typeof v === 'number' || typeof v === 'string')) return formatFen(v, true);
  return formatValue(v);
}


function ChangeList({ entry, attributes }: { entry: TimelineAudit; attributes: AttributeLabel[] }) {
  const { t, i18n } = useTranslation();
  const lines = describeAudit(entry, t as Translate, i18n.language === 'en-US' ? 'en-US' : 'zh-CN', attributes);
  if (!lines.length) return <>—</>;
  const clip = (v: string, del = false) => (
    <Typography.Text delete={del} style={{ maxWidth: 320 }} ellipsis={{ tooltip: v }}>
      {v}
    </Typography.Text>
  );
  return (
    <Space direction="vertical" size={0} data-testid="c360-change-list">
      {lines.map((l, i) => {
        if (l.kind === 'text') return <span key={i}>{l.text}</span>;
        if (l.kind === 'value') {
          return (
            <span key={i}>
              <Typography.Text type="secondary">{l.label}: </Typography.Text>
              {l.from !== undefined ? <>{clip(l.from, true)}{' → '}{clip(l.to)}</> : clip(l.to)}
            </span>
          );
        }
        return (
          <span key={i}>
            <Typography.Text type="secondary">{l.label}: </Typography.Text>
            {l.added.map((x, j) => (
              <Tag key={`a${j}`} color="green" title={t('customer.c360.added')} style={{ whiteSpace: 'normal' }}>+ {x}</Tag>
            ))}
            {l.removed.map((x, j) => (
              <Tag key={`r${j}`} title={t('customer.c360.removed')} style={{ whiteSpace: 'normal', textDecoration: 'line-through' }}>− {x}</Tag>
            ))}
          </span>
        );
      })}
    </Space>
  );
}

function Header({ c, onTransfer, onDelete }: { c: Customer360Data; onTransfer: () => void; onDelete: () => void }) {
  const { t } = useTranslation();
  const { pick } = useLang();
  const { can } = useAuth();
  const navigate = useNavigate();
  return (
    <Card size="small">
      <Row gutter={[16, 8]} align="middle">
        <Col flex="1 1 520px">
          <Space align="center" wrap>
            <Button type="text" icon={<ArrowLeftOutlined />} onClick={() => navigate(-1)} title={t('common.back')} />
            {/* A long name (up to 200 characters) is cut with a tooltip rather than squeezing everything beside it. */}
            <Typography.Title level={4} style={{ margin: 0, maxWidth: 'min(560px, 60vw)' }} ellipsis={{ tooltip: c.name }} data-testid="c360-name">
              {c.name}
            </Typography.Title>
            {c.nameEn && <Typography.Text type="secondary" style={{ maxWidth: 'min(360px, 40vw)' }} ellipsis={{ tooltip: c.nameEn }}>{c.nameEn}</Typography.Text>}
            <Tag>{pick(c.type.name, c.type.nameEn)}</Tag>
            <StatusTag status={c.status} />
            <LevelTag code={c.level?.code} name={c.level?.name} nameEn={c.level?.nameEn} />
          </Space>
          <Descriptions size="small" column={{ xs: 1, sm: 2, md: 2, lg: 2, xl: 2, xxl: 4 }} style={{ marginTop: 8 }} styles={{ content: { whiteSpace: 'nowrap' } }}>
            <Descriptions.Item label={t('customer.fields.customerNo')}>
              <Typography.Text copyable data-testid="c360-customer-no">
                {c.customerNo}
              </Typography.Text>
            </Descriptions.Item>
            <Descriptions.Item label={t('customer.fields.party')}>{t(`customer.party.${c.party}`)}</Descriptions.Item>
            <Descriptions.Item label={t('customer.fields.manager')}>
              <span data-testid="c360-manager">{c.manager?.displayName ?? t('customer.c360.unassigned')}</span>
            </Descriptions.Item>
            <Descriptions.Item label={t('customer.fields.org')}>{pick(c.org.name, c.org.nameEn)}</Descriptions.Item>
          </Descriptions>
        </Col>
        <Col>
          <Space size="large" align="start">
            <Statistic
              title={t('customer.fields.aum')}
              value={0}
              formatter={() => <span data-testid="c360-aum">{formatFen(c.summary.aumFen, true)}</span>}
            />
            <Statistic title={t('customer.c360.loans')} value={0} formatter={() => formatFen(c.summary.loanFen, true)} />
            <Statistic title={t('customer.c360.accountCount')} value={c.summary.accountCount} />
          </Space>
        </Col>
        <Col>
          <Space direction="vertical">
            {can('customer:write') && (
              <Button icon={<EditOutlined />} onClick={() => navigate(`/customers/${encodeURIComponent(c.customerNo)}/edit`)} data-testid="c360-edit" block>
                {t('common.edit')}
              </Button>
            )}
            {can('customer:assign') && (
              <Button icon={<SwapOutlined />} onClick={onTransfer} data-testid="c360-transfer" block>
                {t('customer.c360.transfer')}
              </Button>
            )}
            {can('customer:write') && (
              <Button danger icon={<DeleteOutlined />} onClick={onDelete} data-testid="c360-delete" block>
                {t('common.delete')}
              </Button>
            )}
          </Space>
        </Col>
      </Row>
    </Card>
  );
}

/** A text that may be very long (a 200-character name): at most two lines, the whole of it in a tooltip. */
function LongText({ text, testId }: { text: string; testId?: string }) {
  return (
    <Tooltip title={text.length > 40 ? text : undefined}>
      <span
        style={{ display: '-webkit-box', WebkitLineClamp: 2, WebkitBoxOrient: 'vertical', overflow: 'hidden', wordBreak: 'break-all', minWidth: 120, maxWidth: 320 }}
        data-testid={testId}
      >
        {text}
      </span>
    </Tooltip>
  );
}

function Profile({ c }: SectionProps) {
  const { t } = useTranslation();
  const { pick } = useLang();
  const meta = useCustomerMeta();
  const schema = useMemo(() => attributesFor(meta.data?.types ?? [], c.type.code), [meta.data, c.type.code]);
  const attrs = c.attributes ?? {};
  const unknownKeys = Object.keys(attrs).filter((k) => !schema.some((a) => a.key === k));
  const person = c.party === 'person';
  return (
    <Card size="small" title={t('customer.c360.profile')}>
      <Descriptions size="small" bordered column={{ xs: 1, sm: 2, md: 2, lg: 2, xl: 2, xxl: 3 }} styles={{ label: { whiteSpace: 'nowrap' }, content: { minWidth: 120 } }} data-testid="c360-profile">
        <Descriptions.Item label={t('customer.fields.name')}>
          <LongText text={c.name} testId="c360-profile-name" /><SourceTag lineage={c.lineage} field="name" />
        </Descriptions.Item>
        <Descriptions.Item label={t('customer.fields.nameEn')}>{c.nameEn ? <LongText text={c.nameEn} /> : '—'}</Descriptions.Item>
        {person && (
          <>
            <Descriptions.Item label={t('customer.fields.gender')}>{c.gender ? t(`customer.gender.${c.gender}`) : '—'}<SourceTag lineage={c.lineage} field="gender" /></Descriptions.Item>
            <Descriptions.Item label={t('customer.fields.birthDate')}>{formatDate(c.birthDate)}<SourceTag lineage={c.lineage} field="birth_date" /></Descriptions.Item>
            <Descriptions.Item label={t('customer.fields.nationality')}>{dash(c.nationality)}</Descriptions.Item>
            <Descriptions.Item label={t('customer.fields.occupation')}>{dash(c.occupation)}<SourceTag lineage={c.lineage} field="occupation" /></Descriptions.Item>
            <Descriptions.Item label={t('customer.fields.employer')}>{dash(c.employer)}<SourceTag lineage={c.lineage} field="employer" /></Descriptions.Item>
          </>
        )}
        <Descriptions.Item label={t('customer.fields.industry')}>{c.industry ? `${c.industry} ${t(`customer.industry.${c.industry}`, { defaultValue: '' })}`.trim() : '—'}</Descriptions.Item>
        <Descriptions.Item label={t('customer.fields.riskTolerance')}>{c.riskTolerance ? t(`customer.risk.${c.riskTolerance}`) : '—'}</Descriptions.Item>
        <Descriptions.Item label={t('customer.fields.type')}>{pick(c.type.name, c.type.nameEn)}</Descriptions.Item>
        {schema.map((a) => (
          <Descriptions.Item key={a.key} label={pick(a.label, a.labelEn)}>
            {attributeText(a, attrs[a.key], t)}
          </Descriptions.Item>
        ))}
        {unknownKeys.map((k) => (
          <Descriptions.Item key={k} label={k}>
            {formatValue(attrs[k])}
          </Descriptions.Item>
        ))}
        <Descriptions.Item label={t('customer.fields.createdAt')}>{formatDateTime(c.createdAt)}</Descriptions.Item>
        <Descriptions.Item label={t('customer.fields.updatedAt')}>{formatDateTime(c.updatedAt)}</Descriptions.Item>
        <Descriptions.Item label={t('customer.fields.remarks')} span={2}>
          {dash(c.remarks)}
        </Descriptions.Item>
      </Descriptions>
    </Card>
  );
}

function Identities({ c, canReveal }: SectionProps) {
  const { t } = useTranslation();
  return (
    <Card size="small" title={t('customer.c360.identities')}>
      <Table
        size="small"
        rowKey="id"
        pagination={false}
        dataSource={c.identities}
        data-testid="c360-identities"
        columns={[
          { title: t('customer.c360.idType'), dataIndex: 'idType', width: 170, render: (v: string) => t(`customer.idType.${v}`, { defaultValue: v }) },
          {
            title: t('customer.c360.idNo'),
            key: 'idNo',
            render: (_, r) => <RevealValue customerNo={c.customerNo} kind="identity" id={r.id} value={r.idNo} canReveal={canReveal} />,
          },
          { title: t('customer.c360.country'), dataIndex: 'country', width: 90, render: dash },
          { title: t('customer.c360.expiresOn'), dataIndex: 'expiresOn', width: 110, render: (v: string | null) => formatDate(v) },
          { title: '', dataIndex: 'isPrimary', width: 90, render: (v: boolean) => (v ? <Tag color="blue" style={{ marginInlineEnd: 0 }}>{t('common.primary')}</Tag> : null) },
        ]}
      />
    </Card>
  );
}

function Contacts({ c, canReveal }: SectionProps) {
  const { t } = useTranslation();
  // No stored preference means "contact allowed, no marketing consent" (the schema's default).
  const prefs: ChannelPref[] = CHANNELS.map((ch) => c.channelPrefs.find((p) => p.channel === ch) ?? { channel: ch, allowed: true, marketingConsent: false });
  const yesNo = (v: boolean) => (v ? <CheckOutlined style={{ color: '#52c41a' }} /> : <CloseOutlined style={{ color: '#ff4d4f' }} />);
  return (
    <Card size="small" title={t('customer.c360.contacts')}>
      <Table
        size="small"
        rowKey="id"
        pagination={false}
        dataSource={c.contacts}
        data-testid="c360-contacts"
        columns={[
          { title: t('customer.c360.kind'), dataIndex: 'kind', width: 100, render: (v: string) => t(`customer.contactKind.${v}`, { defaultValue: v }) },
          {
            title: t('customer.c360.value'),
            key: 'value',
            render: (_, r) => <RevealValue customerNo={c.customerNo} kind="contact" id={r.id} value={r.value} canReveal={canReveal} />,
          },
          { title: '', dataIndex: 'isPrimary', width: 90, render: (v: boolean) => (v ? <Tag color="blue" style={{ marginInlineEnd: 0 }}>{t('common.primary')}</Tag> : null) },
        ]}
      />
      <Typography.Text strong style={{ display: 'block', margin: '12px 0 4px' }}>
        {t('customer.c360.channelPrefs')}
      </Typography.Text>
      <Table
        size="small"
        rowKey="channel"
        pagination={false}
        dataSource={prefs}
        data-testid="c360-channel-prefs"
        columns={[
          { title: t('customer.c360.channel'), dataIndex: 'channel', render: (v: string) => t(`customer.channel.${v}`, { defaultValue: v }) },
          { title: t('customer.c360.allowed'), dataIndex: 'allowed', align: 'center', render: yesNo },
          { title: t('customer.c360.marketingConsent'), dataIndex: 'marketingConsent', align: 'center', render: yesNo },
        ]}
      />
    </Card>
  );
}

function Addresses({ c, canReveal }: SectionProps) {
  const { t } = useTranslation();
  return (
    <Card size="small" title={t('customer.c360.addresses')}>
      <Table
        size="small"
        rowKey="id"
        pagination={false}
        dataSource={c.addresses}
        columns={[
          { title: t('customer.c360.kind'), dataIndex: 'kind', width: 110, render: (v: string) => t(`customer.addressKind.${v}`, { defaultValue: v }) },
          {
            title: t('customer.c360.address'),
            key: 'line',
            // The unmasked answer is the whole address, so the masked one is shown whole too.
            render: (_, r) => (
              <RevealValue
                customerNo={c.customerNo}
                kind="address"
                id={r.id}
                // A municipality is its own province (上海市 上海市): named once.
                value={[r.province, r.city !== r.province ? r.city : null, r.district, r.line].filter(Boolean).join(' ')}
                canReveal={canReveal}
              />
            ),
          },
          { title: t('customer.c360.postcode'), dataIndex: 'postcode', width: 80, render: dash },
          { title: '', dataIndex: 'isPrimary', width: 90, render: (v: boolean) => (v ? <Tag color="blue" style={{ marginInlineEnd: 0 }}>{t('common.primary')}</Tag> : null) },
        ]}
      />
    </Card>
  );
}

function Relations({ c }: SectionProps) {
  const { t } = useTranslation();
  const { pick } = useLang();
  const { can } = useAuth();
  const { message } = App.useApp();
  const remove = useRemoveRelation(c.customerNo);
  const [adding, setAdding] = useState(false);
  const columns: TableProps<Relation>['columns'] = [
    {
      title: t('customer.c360.relationType'),
      key: 'label',
      render: (_, r) => (
        <Space size={4}>
          {r.direction === 'out' ? <ArrowRightOutlined /> : <ArrowLeftOutlined />}
          {pick(r.label, r.labelEn)}
        </Space>
      ),
    },
    {
      title: t('customer.c360.relatedCustomer'),
      key: 'customer',
      render: (_, r) => <RelatedCustomer customerNo={r.customerNo} name={r.name} />,
    },
    { title: t('customer.c360.note'), dataIndex: 'note', render: dash },
  ];
  if (can('customer:write')) {
    columns.push({
      title: '',
      key: 'remove',
      width: 70,
      render: (_, r) => (
        <Popconfirm
          title={t('customer.c360.removeRelationConfirm')}
          onConfirm={() =>
            remove.mutateAsync(r).then(
              () => void message.success(t('customer.c360.relationRemoved')),
              (e) => void message.error(errorText(e)),
            )
          }
        >
          <Button size="small" type="link" danger>
            {t('customer.c360.removeRelation')}
          </Button>
        </Popconfirm>
      ),
    });
  }
  return (
    <Card
      size="small"
      title={t('customer.c360.relations')}
      extra={
        can('customer:write') && (
          <Button size="small" icon={<PlusOutlined />} onClick={() => setAdding(true)}>
            {t('customer.c360.addRelation')}
          </Button>
        )
      }
    >
      <Table size="small" rowKey={(r) => `${r.direction}-${r.id}`} pagination={false} dataSource={c.relations} columns={columns} data-testid="c360-relations" />
      <AddRelationModal customerNo={c.customerNo} open={adding} onClose={() => setAdding(false)} />
    </Card>
  );
}

function KeyPersons({ c, canReveal }: SectionProps) {
  const { t } = useTranslation();
  const { can } = useAuth();
  const { message } = App.useApp();
  const remove = useRemoveKeyPerson(c.customerNo);
  const [adding, setAdding] = useState(false);
  const role = (v: string) => t(`customer.keyPersonRole.${v}`, { defaultValue: v });
  if (c.party === 'person') {
    if (!c.keyPersonOf.length) return null;
    return (
      <Card size="small" title={t('customer.c360.keyPersonOf')}>
        <Table
          size="small"
          rowKey={(r, i) => `${r.customerNo ?? i}-${r.role}`}
          pagination={false}
          dataSource={c.keyPersonOf}
          columns={[
            { title: t('customer.c360.role'), dataIndex: 'role', width: 140, render: role },
            {
              title: t('customer.fields.name'),
              key: 'customer',
              render: (_, r) => <RelatedCustomer customerNo={r.customerNo} name={r.name} />,
            },
          ]}
        />
      </Card>
    );
  }
  const columns: TableProps<KeyPerson>['columns'] = [
    { title: t('customer.c360.role'), dataIndex: 'role', width: 130, render: role },
    { title: t('customer.c360.personName'), dataIndex: 'name' },
    {
      // One reveal shows both, as "ID no. / mobile", so they share a column.
      title: `${t('customer.c360.idNo')} / ${t('customer.fields.mobile')}`,
      key: 'idNo',
      render: (_, r) => (
        <RevealValue
          customerNo={c.customerNo}
          kind="keyPerson"
          id={r.id}
          value={r.idNo || r.mobile ? `${r.idNo ?? ''} / ${r.mobile ?? ''}` : null}
          canReveal={canReveal}
        />
      ),
    },
    { title: t('customer.c360.sharePct'), dataIndex: 'sharePct', align: 'right', width: 90, render: (v: string | number | null) => (v === null || v === undefined ? '—' : `${Number(v)}%`) },
    {
      title: t('customer.c360.linkedCustomer'),
      dataIndex: 'personCustomerNo',
      width: 120,
      render: (v: string | null) => (v ? <Link to={`/customers/${encodeURIComponent(v)}`}>{v}</Link> : '—'),
    },
  ];
  if (can('customer:write')) {
    columns.push({
      title: '',
      key: 'remove',
      width: 70,
      render: (_, r) => (
        <Popconfirm
          title={t('customer.c360.removeKeyPersonConfirm', { name: r.name })}
          onConfirm={() =>
            remove.mutateAsync(r).then(
              () => void message.success(t('customer.c360.keyPersonRemoved')),
              (e) => void message.error(errorText(e)),
            )
          }
        >
          <Button size="small" type="link" danger>
            {t('customer.c360.removeKeyPerson')}
          </Button>
        </Popconfirm>
      ),
    });
  }
  return (
    <Card
      size="small"
      title={t('customer.c360.keyPersons')}
      extra={
        can('customer:write') && (
          <Button size="small" icon={<PlusOutlined />} onClick={() => setAdding(true)} data-testid="c360-add-key-person">
            {t('customer.c360.addKeyPerson')}
          </Button>
        )
      }
    >
      {/* Cells stay on one line (an ID number broken over lines is unreadable); a narrow card scrolls instead. */}
      <Table<KeyPerson>
        size="small"
        rowKey="id"
        pagination={false}
        dataSource={c.keyPersons}
        columns={columns.map((col) => ({ ...col, onCell: () => ({ style: { whiteSpace: 'nowrap' } }) }))}
        scroll={{ x: 'max-content' }}
        data-testid="c360-key-persons"
      />
      <AddKeyPersonModal customerNo={c.customerNo} open={adding} onClose={() => setAdding(false)} />
    </Card>
  );
}

function Accounts({ c, canReveal }: SectionProps) {
  const { t } = useTranslation();
  const { pick } = useLang();
  const columns: TableProps<Account>['columns'] = [
    { title: t('customer.c360.sourceSystem'), dataIndex: 'sourceSystem', width: 90 },
    {
      title: t('customer.c360.accountNo'),
      key: 'accountNo',
      width: 240,
      render: (_, r) => <RevealValue customerNo={c.customerNo} kind="account" id={r.id} value={r.accountNo} canReveal={canReveal} />,
    },
    { title: t('customer.c360.product'), key: 'product', width: 200, ellipsis: true, render: (_, r) => pick(r.productName, r.productNameEn) },
    { title: t('customer.c360.kind'), dataIndex: 'category', width: 80, render: (v: string) => t(`customer.category.${v}`, { defaultValue: v }) },
    { title: t('customer.c360.currency'), dataIndex: 'currency', width: 80 },
    { title: t('customer.fields.status'), dataIndex: 'status', width: 80, render: (v: string) => t(`customer.accountStatus.${v}`, { defaultValue: v }) },
    { title: t('customer.c360.accountOrg'), key: 'org', width: 130, ellipsis: true, render: (_, r) => pick(r.orgName, r.orgNameEn) },
    { title: t('customer.c360.openedOn'), dataIndex: 'openedOn', width: 100, render: (v: string | null) => formatDate(v) },
    { title: t('customer.c360.closedOn'), dataIndex: 'closedOn', width: 100, render: (v: string | null) => formatDate(v) },
    {
      title: t('customer.c360.assetOrLiability'),
      dataIndex: 'isAsset',
      width: 110,
      render: (v: boolean) => (v ? <Tag color="green">{t('customer.c360.asset')}</Tag> : <Tag color="volcano">{t('customer.c360.liability')}</Tag>),
    },
    // Pinned so the balances and totals stay in view while the wide table scrolls.
    { title: t('customer.c360.balance'), dataIndex: 'balanceFen', align: 'right', width: 160, fixed: 'right', render: (v: number | string) => formatFen(v) },
  ];
  const span = columns.length - 1;
  return (
    <Card size="small" title={t('customer.c360.accounts')}>
      <Table<Account>
        data-testid="c360-accounts"
        size="small"
        rowKey="id"
        pagination={c.accounts.length > 20 ? { pageSize: 20, size: 'small' } : false}
        dataSource={c.accounts}
        columns={columns}
        scroll={{ x: 1400 }}
        summary={() => (
          <Table.Summary>
            <Table.Summary.Row>
              <Table.Summary.Cell index={0} colSpan={span}>
                <Typography.Text strong>{t('customer.c360.totalAum')}</Typography.Text>
              </Table.Summary.Cell>
              <Table.Summary.Cell index={span} align="right">
                <Typography.Text strong data-testid="c360-total-aum">
                  {formatFen(c.summary.aumFen)}
                </Typography.Text>
              </Table.Summary.Cell>
            </Table.Summary.Row>
            <Table.Summary.Row>
              <Table.Summary.Cell index={0} colSpan={span}>
                <Typography.Text strong>{t('customer.c360.totalLoans')}</Typography.Text>
              </Table.Summary.Cell>
              <Table.Summary.Cell index={span} align="right">
                <Typography.Text strong data-testid="c360-total-loans">
                  {formatFen(c.summary.loanFen)}
                </Typography.Text>
              </Table.Summary.Cell>
            </Table.Summary.Row>
          </Table.Summary>
        )}
      />
    </Card>
  );
}

function Products({ c }: SectionProps) {
  const { t } = useTranslation();
  const { pick } = useLang();
  return (
    <Card size="small" title={t('customer.c360.products')}>
      <Table<HeldProduct>
        size="small"
        rowKey="code"
        pagination={false}
        dataSource={c.summary.products}
        data-testid="c360-products"
        columns={[
          { title: t('customer.c360.product'), key: 'name', render: (_, r) => pick(r.name, r.nameEn) },
          { title: t('customer.c360.kind'), dataIndex: 'category', width: 80, render: (v: string) => t(`customer.category.${v}`, { defaultValue: v }) },
          { title: t('customer.c360.count'), dataIndex: 'count', width: 60, align: 'right' },
          { title: t('customer.c360.balance'), dataIndex: 'balanceFen', width: 140, align: 'right', render: (v: number | string) => formatFen(v) },
        ]}
      />
    </Card>
  );
}

function History({ c }: SectionProps) {
  const { t } = useTranslation();
  const { lang } = useLang();
  const meta = useCustomerMeta();
  const attributeSchema = useMemo(() => attributesFor(meta.data?.types ?? [], c.type.code), [meta.data, c.type.code]);
  const managers: TableProps<ManagerChange>['columns'] = [
    { title: t('customer.c360.at'), dataIndex: 'at', width: 160, render: (v: string) => formatDateTime(v) },
    { title: t('customer.c360.fromManager'), dataIndex: 'fromManager', width: 110, render: (v: string | null) => v ?? t('customer.c360.unassigned') },
    { title: t('customer.c360.toManager'), dataIndex: 'toManager', width: 110, render: (v: string | null) => v ?? t('customer.c360.unassigned') },
    { title: t('common.reason'), dataIndex: 'reason', render: (v: string | null) => dash(pickBilingual(v, lang)) },
    { title: t('customer.c360.by'), dataIndex: 'by', width: 100, render: dash },
  ];
  return (
    <Card size="small">
      <Tabs
        size="small"
        items={[
          {
            key: 'timeline',
            label: t('customer.c360.timeline'),
            // Profile changes merged with contacts, activities, opportunities and requirements (engagement module), paged by cursor.
            children: <CustomerTimeline customerNo={c.customerNo} describeChanges={(e) => <ChangeList entry={e} attributes={attributeSchema} />} />,
          },
          {
            key: 'managers',
            label: t('customer.c360.managerHistory'),
            children: (
              <Table<ManagerChange>
                size="small"
                rowKey={(r, i) => `${r.at}-${i}`}
                pagination={{ pageSize: 10, size: 'small', hideOnSinglePage: true }}
                dataSource={c.managerHistory}
                columns={managers}
                data-testid="c360-manager-history"
              />
            ),
          },
        ]}
      />
    </Card>
  );
}

/** Everything known about one customer on one screen (SPEC C11). */
export function Customer360({ customerNo }: { customerNo: string }) {
  const { t } = useTranslation();
  const { can } = useAuth();
  const navigate = useNavigate();
  const q = useCustomer(customerNo);
  const [transferring, setTransferring] = useState(false);
  const [deleting, setDeleting] = useState(false);

  if (q.isPending) return <Skeleton active paragraph={{ rows: 12 }} />;
  if (q.isError) {
    const notFound = q.error instanceof ApiError && q.error.status === 404;
    return (
      <Result
        status={notFound ? '404' : 'error'}
        title={notFound ? t('customer.c360.notFound') : t('common.loadFailed')}
        subTitle={notFound ? undefined : errorText(q.error)}
        extra={<Button onClick={() => navigate('/customers')}>{t('common.back')}</Button>}
      />
    );
  }
  const c = q.data;
  const props: SectionProps = { c, canReveal: c.masked && (can('pii:unmask') || can('pii:view')) };

  return (
    <Space direction="vertical" size={12} style={{ width: '100%' }}>
      <MergedNotice c={c} />
      <Header c={c} onTransfer={() => setTransferring(true)} onDelete={() => setDeleting(true)} />
      {c.masked && <Alert type="info" showIcon message={t('customer.c360.maskedNote')} banner />}
      <Row gutter={[12, 12]}>
        <Col xs={24} xl={12}>
          <Profile {...props} />
        </Col>
        <Col xs={24} xl={12}>
          <Space direction="vertical" size={12} style={{ width: '100%' }}>
            <Identities {...props} />
            <Contacts {...props} />
            <Addresses {...props} />
          </Space>
        </Col>
        <Col xs={24}>
          <Accounts {...props} />
        </Col>
        <Col xs={24}>
          <CustomerLineage c={c} />
        </Col>
        <Col xs={24} xl={12}>
          <Space direction="vertical" size={12} style={{ width: '100%' }}>
            <Products {...props} />
            <Relations {...props} />
            <KeyPersons {...props} />
          </Space>
        </Col>
        <Col xs={24} xl={12}>
          <History {...props} />
        </Col>
        <Col xs={24}>
          <CustomerEngagement customerNo={c.customerNo} />
        </Col>
      </Row>
      <TransferManagerModal customer={c} open={transferring} onClose={() => setTransferring(false)} />
      <DeleteCustomerModal customer={c} open={deleting} onClose={() => setDeleting(false)} />
    </Space>
  );
}
