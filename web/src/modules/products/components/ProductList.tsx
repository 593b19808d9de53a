import { useEffect, useMemo, useState } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { Alert, App, Button, Card, Input, Select, Space, Table, Typography, type TableProps } from 'antd';
import { BarChartOutlined, DownloadOutlined, PlusOutlined } from '@ant-design/icons';
import { useTranslation } from 'react-i18next';
import { useAuth } from '../../../app/auth.tsx';
import { useLang } from '../../../app/useLang.ts';
import { targetSegmentIn } from '../catalogueEn.ts';
import { errorText } from '../../../app/http.ts';
import { formatFen } from '../../../app/format.ts';
import {
  CATEGORIES, PRODUCT_STATUSES, RISK_RATINGS, productsApi, useProducts, type Category, type Product, type ProductQuery, type ProductStatus, type RiskRating,
} from '../api.ts';
import { CategoryTag, RiskTag, StatusTag } from './ProductTags.tsx';
import { ProductFormModal } from './ProductFormModal.tsx';
import { useSingleFlight } from '../../../app/useSingleFlight.ts';

const PAGE_SIZES = [20, 50, 100];

/** The list's filters live in the URL, so going back from a product restores them. */
function readQuery(p: URLSearchParams): ProductQuery {
  const pageSize = Number(p.get('pageSize'));
  return {
    q: p.get('q') || undefined,
    category: (p.get('category') as Category | null) || undefined,
    riskRating: (p.get('riskRating') as RiskRating | null) || undefined,
    status: (p.get('status') as ProductStatus | null) || undefined,
    page: Math.max(1, Number(p.get('page')) || 1),
    pageSize: PAGE_SIZES.includes(pageSize) ? pageSize : 50,
  };
}

export function ProductList() {
  const { t } = useTranslation();
  const { pick, lang } = useLang();
  const { can } = useAuth();
  const { message } = App.useApp();
  const navigate = useNavigate();
  const [params, setParams] = useSearchParams();
  const query = useMemo(() => readQuery(params), [params]);
  const [text, setText] = useState(query.q ?? '');
  const [exporting, setExporting] = useState(false);
  const [creating, setCreating] = useState(false);
  const list = useProducts(query);

  useEffect(() => setText(query.q ?? ''), [query.q]);

  const update = (patch: Partial<Record<keyof ProductQuery, string | number | undefined>>, keepPage = false) => {
    const next = new URLSearchParams(params);
    for (const [k, v] of Object.entries(patch)) {
      if (v === undefined || v === '') next.delete(k);
      else next.set(k, String(v));
    }
    if (!keepPage) next.delete('page');
    // A new history entry: Back returns to the filters, page or week before.
    setParams(next);
  };

  const open = (code: string) => navigate(`/products/${encodeURIComponent(code)}`);

  const columns: TableProps<Product>['columns'] = [
    {
      title: t('products.fields.code'), dataIndex: 'code', key: 'code', width: 230,
      render: (v: string) => <Link to={`/products/${encodeURIComponent(v)}`} onClick={(e) => e.stopPropagation()}>{v}</Link>,
    },
    { title: t('products.fields.name'), key: 'name', ellipsis: true, render: (_, r) => pick(r.name, r.nameEn) },
    { title: t('products.fields.category'), dataIndex: 'category', key: 'category', width: 110, render: (v: Category) => <CategoryTag category={v} /> },
    { title: t('products.fields.riskRating'), dataIndex: 'riskRating', key: 'risk', width: 110, render: (v: RiskRating | null) => <RiskTag rating={v} /> },
    { title: t('products.fields.status'), dataIndex: 'status', key: 'status', width: 100, render: (v: ProductStatus) => <StatusTag status={v} /> },
    { title: t('products.fields.termDays'), dataIndex: 'termDays', key: 'term', width: 90, align: 'right', render: (v: number | null) => v ?? '—' },
    { title: t('products.fields.ratePct'), dataIndex: 'ratePct', key: 'rate', width: 150, align: 'right', render: (v: string | null) => (v === null ? '—' : `${Number(v)}%`) },
    { title: t('products.fields.minAmount'), dataIndex: 'minAmountFen', key: 'min', width: 140, align: 'right', render: (v: number | null) => (v === null ? '—' : formatFen(v)) },
    { title: t('products.fields.targetSegment'), dataIndex: 'targetSegment', key: 'segment', ellipsis: true, render: (v: string | null) => targetSegmentIn(v, lang) ?? '—' },
  ];

  const [doExport, doExportBusy] = useSingleFlight(async () => {
    setExporting(true);
    try {
      const { page: _p, pageSize: _s, ...filters } = query;
      await productsApi.export(filters, t('products.list.exportFileName'));
    } catch (e) {
      message.error(errorText(e));
    } finally {
      setExporting(false);
    }
  });

  return (
    <Card
      size="small"
      title={<Typography.Text strong>{t('products.list.title')}</Typography.Text>}
      extra={
        <Space>
          <Button icon={<BarChartOutlined />} onClick={() => navigate('/products/matrix')} data-testid="product-matrix-link">
            {t('products.list.matrix')}
          </Button>
          <Button icon={<DownloadOutlined />} loading={exporting} onClick={() => void doExport()} data-testid="product-export">
            {t('common.export')}
          </Button>
          {can('product:manage') && (
            <Button type="primary" icon={<PlusOutlined />} onClick={() => setCreating(true)} data-testid="product-new">
              {t('products.list.newProduct')}
            </Button>
          )}
        </Space>
      }
    >
      <Space wrap style={{ marginBottom: 12 }}>
        <Input.Search
          data-testid="product-search"
          placeholder={t('products.list.searchPlaceholder')}
          allowClear
          value={text}
          onChange={(e) => setText(e.target.value)}
          onSearch={(v) => update({ q: v.trim() })}
          style={{ width: 280 }}
        />
        <Select
          allowClear
          placeholder={t('products.list.categoryPlaceholder')}
          value={query.category}
          onChange={(v) => update({ category: v })}
          style={{ width: 140 }}
          options={CATEGORIES.map((c) => ({ value: c, label: t(`products.category.${c}`) }))}
          data-testid="product-filter-category"
        />
        <Select
          allowClear
          placeholder={t('products.list.riskPlaceholder')}
          value={query.riskRating}
          onChange={(v) => update({ riskRating: v })}
          style={{ width: 140 }}
          options={RISK_RATINGS.map((r) => ({ value: r, label: t(`products.risk.${r}`) }))}
          data-testid="product-filter-risk"
        />
        <Select
          allowClear
          placeholder={t('products.list.statusPlaceholder')}
          value={query.status}
          onChange={(v) => update({ status: v })}
          style={{ width: 120 }}
          options={PRODUCT_STATUSES.map((s) => ({ value: s, label: t(`products.status.${s}`) }))}
          data-testid="product-filter-status"
        />
      </Space>
      {list.isError && <Alert type="error" showIcon message={errorText(list.error)} style={{ marginBottom: 12 }} />}
      <Table<Product>
        data-testid="product-table"
        size="small"
        rowKey="code"
        columns={columns}
        dataSource={list.data?.items ?? []}
        loading={list.isFetching}
        onRow={(r) => ({ onClick: () => open(r.code), style: { cursor: 'pointer' } })}
        onChange={(p) => update({ page: p.current, pageSize: p.pageSize }, true)}
        pagination={{
          current: query.page, pageSize: query.pageSize, total: list.data?.total ?? 0, showSizeChanger: true, pageSizeOptions: PAGE_SIZES,
          showTotal: (total) => t('common.total', { total }), size: 'small',
        }}
        scroll={{ x: 1200 }}
      />
      {creating && <ProductFormModal onClose={() => setCreating(false)} onSaved={(p) => open(p.code)} />}
    </Card>
  );
}
