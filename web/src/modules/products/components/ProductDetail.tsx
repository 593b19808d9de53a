import { useState } from 'react';
import { Link, useParams } from 'react-router';
import { Alert, App, Button, Card, Col, Descriptions, Empty, List, Popconfirm, Result, Row, Skeleton, Space, Statistic, Tabs, Tag, Typography } from 'antd';
import { ArrowLeftOutlined, DeleteOutlined, EditOutlined, LinkOutlined, PlusOutlined } from '@ant-design/icons';
import { useTranslation } from 'react-i18next';
import { useAuth } from '../../../app/auth.tsx';
import { useLang } from '../../../app/useLang.ts';
import { descriptionIn, targetSegmentIn } from '../catalogueEn.ts';
import { ApiError, errorText } from '../../../app/http.ts';
import { formatDate, formatFen } from '../../../app/format.ts';
import { useProduct, useRemoveDocument, useRemoveScript, type ProductDetail as Detail, type ProductDocument, type SalesScript } from '../api.ts';
import { CategoryTag, RiskTag, StatusTag } from './ProductTags.tsx';
import { ProductFormModal } from './ProductFormModal.tsx';
import { DocumentModal, ScriptModal } from './KnowledgeModals.tsx';
import { ProspectsPanel } from './ProspectsPanel.tsx';

const dash = (v: unknown) => (v === null || v === undefined || v === '' ? '—' : String(v));

function Overview({ p }: { p: Detail }) {
  const { lang } = useLang();
  const { t } = useTranslation();
  const attrs = Object.entries(p.attributes ?? {});
  return (
    <Space direction="vertical" style={{ width: '100%' }}>
      <Row gutter={12}>
        <Col span={6}><Card size="small"><Statistic title={t('products.detail.holders')} value={p.holdings.holders} valueStyle={{ fontSize: 20 }} /></Card></Col>
        <Col span={6}><Card size="small"><Statistic title={t('products.detail.accounts')} value={p.holdings.accounts} valueStyle={{ fontSize: 20 }} /></Card></Col>
        <Col span={6}>
          <Card size="small"><Statistic title={t('products.detail.balance')} value={formatFen(p.holdings.balanceFen)} valueStyle={{ fontSize: 20 }} /></Card>
        </Col>
        <Col span={6}><Card size="small"><Statistic title={t('products.detail.maturing')} value={p.holdings.maturingIn30Days} valueStyle={{ fontSize: 20 }} /></Card></Col>
      </Row>
      <Typography.Text type="secondary" style={{ fontSize: 12 }}>{t('products.detail.scopeNote')}</Typography.Text>
      <Descriptions size="small" bordered column={3} data-testid="product-terms">
        <Descriptions.Item label={t('products.fields.category')}><CategoryTag category={p.category} /></Descriptions.Item>
        <Descriptions.Item label={t('products.fields.riskRating')}><RiskTag rating={p.riskRating} testId="product-risk" /></Descriptions.Item>
        <Descriptions.Item label={t('products.fields.status')}><StatusTag status={p.status} /></Descriptions.Item>
        <Descriptions.Item label={t('products.fields.termDays')}>{p.termDays ? t('products.detail.days', { n: p.termDays }) : '—'}</Descriptions.Item>
        <Descriptions.Item label={t('products.fields.ratePct')}>{p.ratePct === null ? '—' : `${Number(p.ratePct)}%`}</Descriptions.Item>
        <Descriptions.Item label={t('products.fields.minAmount')}>{p.minAmountFen === null ? '—' : formatFen(p.minAmountFen)}</Descriptions.Item>
        <Descriptions.Item label={t('products.fields.launchOn')}>{formatDate(p.launchOn)}</Descriptions.Item>
        <Descriptions.Item label={t('products.fields.retireOn')}>{formatDate(p.retireOn)}</Descriptions.Item>
        <Descriptions.Item label={t('products.fields.isAsset')}>{p.isAsset ? '✓' : '—'}</Descriptions.Item>
        <Descriptions.Item label={t('products.fields.targetSegment')}>{dash(targetSegmentIn(p.targetSegment, lang))}</Descriptions.Item>
        <Descriptions.Item label={t('products.fields.issuer')} span={2}>{dash(p.issuer)}</Descriptions.Item>
        <Descriptions.Item label={t('products.fields.description')} span={3}>
          <Typography.Paragraph style={{ whiteSpace: 'pre-wrap', margin: 0 }}>{dash(descriptionIn(p.description, lang))}</Typography.Paragraph>
        </Descriptions.Item>
        {attrs.map(([k, v]) => (
          <Descriptions.Item key={k} label={k}>{dash(v)}</Descriptions.Item>
        ))}
      </Descriptions>
    </Space>
  );
}

function Documents({ p, canManage }: { p: Detail; canManage: boolean }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const remove = useRemoveDocument(p.code);
  const [editing, setEditing] = useState<ProductDocument | 'new' | null>(null);
  return (
    <>
      {canManage && (
        <Button size="small" icon={<PlusOutlined />} onClick={() => setEditing('new')} style={{ marginBottom: 8 }} data-testid="document-add">
          {t('products.detail.addDocument')}
        </Button>
      )}
      <List<ProductDocument>
        size="small"
        bordered
        data-testid="product-documents"
        dataSource={p.documents}
        locale={{ emptyText: <Empty description={t('products.detail.noDocuments')} /> }}
        renderItem={(d) => (
          <List.Item
            actions={[
              d.url ? <a key="open" href={d.url} target="_blank" rel="noreferrer noopener"><LinkOutlined /> {t('products.detail.open')}</a> : null,
              canManage ? <Button key="edit" type="link" size="small" icon={<EditOutlined />} onClick={() => setEditing(d)} /> : null,
              canManage ? (
                <Popconfirm key="del" title={t('products.detail.confirmDelete')} onConfirm={() => remove.mutateAsync(d.id).then(() => message.success(t('products.detail.deleted')), (e) => message.error(errorText(e)))}>
                  <Button type="link" size="small" danger icon={<DeleteOutlined />} />
                </Popconfirm>
              ) : null,
            ].filter(Boolean)}
          >
            <List.Item.Meta
              title={<Space><Tag>{t(`products.docKind.${d.kind}`)}</Tag>{d.title}<Typography.Text type="secondary" style={{ fontSize: 12 }}>{`${t('products.detail.version')} ${d.version}`}</Typography.Text></Space>}
              description={d.body ? <Typography.Paragraph ellipsis={{ rows: 3, expandable: true }} style={{ whiteSpace: 'pre-wrap', marginBottom: 0 }}>{d.body}</Typography.Paragraph> : null}
            />
          </List.Item>
        )}
      />
      {editing && <DocumentModal code={p.code} doc={editing === 'new' ? undefined : editing} onClose={() => setEditing(null)} />}
    </>
  );
}

function Scripts({ p, canManage }: { p: Detail; canManage: boolean }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const remove = useRemoveScript(p.code);
  const [editing, setEditing] = useState<SalesScript | 'new' | null>(null);
  return (
    <>
      {canManage && (
        <Button size="small" icon={<PlusOutlined />} onClick={() => setEditing('new')} style={{ marginBottom: 8 }} data-testid="script-add">
          {t('products.detail.addScript')}
        </Button>
      )}
      <List<SalesScript>
        size="small"
        bordered
        data-testid="product-scripts"
        dataSource={p.scripts}
        locale={{ emptyText: <Empty description={t('products.detail.noScripts')} /> }}
        renderItem={(s) => (
          <List.Item
            actions={canManage ? [
              <Button key="edit" type="link" size="small" icon={<EditOutlined />} onClick={() => setEditing(s)} />,
              <Popconfirm key="del" title={t('products.detail.confirmDelete')} onConfirm={() => remove.mutateAsync(s.id).then(() => message.success(t('products.detail.deleted')), (e) => message.error(errorText(e)))}>
                <Button type="link" size="small" danger icon={<DeleteOutlined />} />
              </Popconfirm>,
            ] : []}
          >
            <List.Item.Meta
              title={
                <Space wrap>
                  <Tag color="blue">{t(`products.scenario.${s.scenario}`)}</Tag>
                  <span>{s.title}</span>
                  {s.audience && <Typography.Text type="secondary" style={{ fontSize: 12 }}>{`${t('products.detail.audience')}：${s.audience}`}</Typography.Text>}
                </Space>
              }
              description={<Typography.Paragraph copyable style={{ whiteSpace: 'pre-wrap', marginBottom: 0 }}>{s.content}</Typography.Paragraph>}
            />
          </List.Item>
        )}
      />
      {editing && <ScriptModal code={p.code} script={editing === 'new' ? undefined : editing} onClose={() => setEditing(null)} />}
    </>
  );
}

export function ProductDetail() {
  const { code = '' } = useParams();
  const { t } = useTranslation();
  const { pick } = useLang();
  const { can } = useAuth();
  const q = useProduct(code);
  const [editing, setEditing] = useState(false);
  const [tab, setTab] = useState('overview');
  const canManage = can('product:manage');

  if (q.isPending) return <Card size="small"><Skeleton active /></Card>;
  if (q.isError) {
    if (q.error instanceof ApiError && q.error.status === 404) {
      return <Result status="404" title={t('products.detail.notFound')} extra={<Link to="/products">{t('products.detail.back')}</Link>} />;
    }
    return <Alert type="error" showIcon message={errorText(q.error)} />;
  }
  const p = q.data;

  return (
    <Card
      size="small"
      title={
        <Space>
          <Link to="/products"><ArrowLeftOutlined /></Link>
          <Typography.Text strong data-testid="product-name">{pick(p.name, p.nameEn)}</Typography.Text>
          <Typography.Text type="secondary">{p.code}</Typography.Text>
          <RiskTag rating={p.riskRating} />
        </Space>
      }
      extra={canManage && <Button icon={<EditOutlined />} onClick={() => setEditing(true)} data-testid="product-edit">{t('products.detail.edit')}</Button>}
    >
      <Tabs
        activeKey={tab}
        onChange={setTab}
        items={[
          { key: 'overview', label: t('products.detail.overview'), children: <Overview p={p} /> },
          { key: 'documents', label: `${t('products.detail.documents')} (${p.documents.length})`, children: <Documents p={p} canManage={canManage} /> },
          { key: 'scripts', label: <span data-testid="tab-scripts">{`${t('products.detail.scripts')} (${p.scripts.length})`}</span>, children: <Scripts p={p} canManage={canManage} /> },
          // Mining runs only when the tab is opened: it reads the user's whole scope.
          { key: 'prospects', label: <span data-testid="tab-prospects">{t('products.detail.prospects')}</span>, children: tab === 'prospects' ? <ProspectsPanel code={p.code} /> : null },
        ]}
      />
      {editing && <ProductFormModal product={p} onClose={() => setEditing(false)} />}
    </Card>
  );
}
