import { useMemo, useState } from 'react';
import { Link } from 'react-router';
import { Alert, Card, Empty, Segmented, Select, Space, Table, Typography, type TableProps } from 'antd';
import { EChart } from '../../../app/EChart.tsx';
import { useTranslation } from 'react-i18next';
import { useLang } from '../../../app/useLang.ts';
import { errorText } from '../../../app/http.ts';
import { CATEGORIES, MATRIX_DIMENSIONS, useMatrix, type Category, type MatrixDimension } from '../api.ts';

type Row = { key: string; name: string; customers: number } & Record<string, number | string>;

/** Which segments hold which products (S5): penetration as a heat map and as a dense table. */
export function SegmentMatrix() {
  const { t } = useTranslation();
  const { pick } = useLang();
  const [dimension, setDimension] = useState<MatrixDimension>('level');
  const [category, setCategory] = useState<Category | undefined>();
  const [view, setView] = useState<'heatmap' | 'table'>('heatmap');
  const q = useMatrix(dimension, category);
  const m = q.data;

  // Only products someone in scope holds are worth a column.
  const products = useMemo(() => (m ? m.products.filter((p) => m.cells.some((c) => c.product === p.code)) : []), [m]);
  const cell = useMemo(() => new Map((m?.cells ?? []).map((c) => [`${c.segment}|${c.product}`, c])), [m]);

  const option = useMemo(() => {
    if (!m) return {};
    const data: [number, number, number][] = [];
    m.segments.forEach((s, y) => products.forEach((p, x) => data.push([x, y, cell.get(`${s.key}|${p.code}`)?.penetrationPct ?? 0])));
    return {
      tooltip: {
        position: 'top',
        formatter: (x: { data: [number, number, number] }) => {
          const s = m.segments[x.data[1]]!;
          const p = products[x.data[0]]!;
          const c = cell.get(`${s.key}|${p.code}`);
          return `${pick(s.name, s.nameEn)} × ${pick(p.name, p.nameEn)}<br/>${t('products.matrix.penetration')}: ${x.data[2]}%<br/>${c?.holders ?? 0} / ${s.customers}`;
        },
      },
      grid: { left: 110, right: 20, top: 10, bottom: 110 },
      xAxis: { type: 'category', data: products.map((p) => pick(p.name, p.nameEn)), axisLabel: { rotate: 40, interval: 0, fontSize: 11 }, splitArea: { show: true } },
      yAxis: { type: 'category', data: m.segments.map((s) => pick(s.name, s.nameEn)), splitArea: { show: true } },
      visualMap: { min: 0, max: 100, calculable: true, orient: 'horizontal', left: 'center', bottom: 0, inRange: { color: ['#f0f9ff', '#1677ff', '#002c8c'] } },
      series: [{ type: 'heatmap', data, label: { show: true, fontSize: 10, formatter: (x: { data: [number, number, number] }) => (x.data[2] ? x.data[2] : '') } }],
    };
  }, [m, products, cell, pick, t]);

  const columns: TableProps<Row>['columns'] = [
    { title: t('products.matrix.segment'), dataIndex: 'name', key: 'name', fixed: 'left', width: 130 },
    { title: t('products.matrix.customers'), dataIndex: 'customers', key: 'customers', width: 90, align: 'right' },
    ...products.map((p) => ({
      title: <Link to={`/products/${encodeURIComponent(p.code)}`}>{pick(p.name, p.nameEn)}</Link>,
      dataIndex: p.code, key: p.code, width: 100, align: 'right' as const,
      render: (v: number | undefined) => (v ? `${v}%` : '—'),
    })),
  ];
  const rows: Row[] = (m?.segments ?? []).map((s) => ({
    key: s.key, name: pick(s.name, s.nameEn), customers: s.customers,
    ...Object.fromEntries(products.map((p) => [p.code, cell.get(`${s.key}|${p.code}`)?.penetrationPct ?? 0])),
  }));

  return (
    <Card
      size="small"
      title={<Typography.Text strong>{t('products.matrix.title')}</Typography.Text>}
      extra={
        <Space>
          <span>{t('products.matrix.dimension')}</span>
          <Select value={dimension} onChange={setDimension} style={{ width: 150 }} data-testid="matrix-dimension"
            options={MATRIX_DIMENSIONS.map((d) => ({ value: d, label: t(`products.dimension.${d}`) }))} />
          <Select allowClear value={category} onChange={setCategory} style={{ width: 150 }} placeholder={t('products.matrix.allCategories')}
            options={CATEGORIES.map((c) => ({ value: c, label: t(`products.category.${c}`) }))} />
          <Segmented value={view} onChange={(v) => setView(v as 'heatmap' | 'table')}
            options={[{ value: 'heatmap', label: t('products.matrix.heatmap') }, { value: 'table', label: t('products.matrix.table') }]} />
        </Space>
      }
    >
      {q.isError && <Alert type="error" showIcon message={errorText(q.error)} style={{ marginBottom: 12 }} />}
      {m && m.sampleRate < 1 && <Alert type="info" showIcon style={{ marginBottom: 12 }} message={t('products.matrix.sampled', { pct: `${(m.sampleRate * 100).toFixed(1)}%` })} />}
      {m && !m.segments.length ? (
        <Empty description={t('products.matrix.empty')} />
      ) : view === 'heatmap' ? (
        <div data-testid="matrix-heatmap">
          <EChart option={option} height={Math.max(320, 60 + (m?.segments.length ?? 0) * 44 + 110)} loading={q.isFetching} />
        </div>
      ) : (
        <Table<Row> data-testid="matrix-table" size="small" rowKey="key" columns={columns} dataSource={rows} loading={q.isFetching} pagination={false} scroll={{ x: 220 + products.length * 100 }} />
      )}
    </Card>
  );
}
