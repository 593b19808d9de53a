import { Link, useParams } from 'react-router';
import { Alert, Card, Col, Empty, Row, Skeleton, Statistic, Table, Tag, Tooltip, Typography, type TableProps } from 'antd';
import { WarningOutlined } from '@ant-design/icons';
import { useTranslation } from 'react-i18next';
import { useLang } from '../../../app/useLang.ts';
import { errorText } from '../../../app/http.ts';
import { formatDate, formatFen } from '../../../app/format.ts';
import { useHoldings, type Holdings } from '../api.ts';
import { CategoryTag, RiskTag } from './ProductTags.tsx';

type HeldRow = Holdings['categories'][number]['products'][number] & { category: Holdings['categories'][number]['category'] };

/** What one customer holds, by category (embeddable in the 360° view; also a page of its own). */
export function CustomerHoldingsCard({ customerNo }: { customerNo: string }) {
  const { t } = useTranslation();
  const { pick } = useLang();
  const q = useHoldings(customerNo);
  if (q.isPending) return <Card size="small"><Skeleton active /></Card>;
  if (q.isError) return <Alert type="error" showIcon message={errorText(q.error)} />;
  const h = q.data;
  const rows: HeldRow[] = h.categories.flatMap((c) => c.products.map((p) => ({ ...p, category: c.category })));
  const columns: TableProps<HeldRow>['columns'] = [
    { title: t('products.fields.category'), dataIndex: 'category', key: 'category', width: 110, render: (v: HeldRow['category']) => <CategoryTag category={v} /> },
    {
      title: t('products.holdings.product'), key: 'product',
      render: (_, r) => <Link to={`/products/${encodeURIComponent(r.code)}`}>{pick(r.name, r.nameEn)}</Link>,
    },
    {
      title: t('products.fields.riskRating'), key: 'risk', width: 130,
      render: (_, r) => (
        <>
          <RiskTag rating={r.riskRating} />
          {r.aboveTolerance && <Tooltip title={t('products.holdings.aboveTolerance')}><WarningOutlined style={{ color: '#fa8c16' }} /></Tooltip>}
        </>
      ),
    },
    { title: t('products.holdings.accounts'), dataIndex: 'accounts', key: 'accounts', width: 80, align: 'right' },
    { title: t('products.holdings.balance'), dataIndex: 'balanceFen', key: 'balance', width: 150, align: 'right', render: (v: number, r) => (r.isAsset ? formatFen(v) : <Tag>{formatFen(v)}</Tag>) },
    { title: t('products.holdings.nextMaturity'), dataIndex: 'nextMaturityOn', key: 'maturity', width: 120, render: (v: string | null) => formatDate(v) },
    { title: t('products.holdings.firstOpened'), dataIndex: 'firstOpenedOn', key: 'opened', width: 120, render: (v: string) => formatDate(v) },
  ];
  return (
    <Card size="small" title={<Typography.Text strong>{`${t('products.holdings.title')} · ${h.name}`}</Typography.Text>} data-testid="customer-holdings">
      <Row gutter={12} style={{ marginBottom: 12 }}>
        <Col span={8}><Statistic title={t('products.holdings.assets')} value={formatFen(h.assetFen)} valueStyle={{ fontSize: 18 }} /></Col>
        <Col span={8}><Statistic title={t('products.holdings.liabilities')} value={formatFen(h.liabilityFen)} valueStyle={{ fontSize: 18 }} /></Col>
        <Col span={8}><Statistic title={t('products.holdings.productCount')} value={h.productCount} valueStyle={{ fontSize: 18 }} /></Col>
      </Row>
      <Table<HeldRow> size="small" rowKey="code" columns={columns} dataSource={rows} pagination={false}
        locale={{ emptyText: <Empty description={t('products.holdings.none')} /> }} />
    </Card>
  );
}

export function CustomerHoldingsPage() {
  const { customerNo = '' } = useParams();
  return <CustomerHoldingsCard customerNo={customerNo} />;
}
