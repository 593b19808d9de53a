import { Card, Col, Empty, Progress, Row, Space, Statistic, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { formatFen } from '../../../app/format.ts';
import type { Performance } from '../api.ts';
import { EChart } from '../../../app/EChart.tsx';

const MONEY_METRICS = new Set(['sales_amount', 'aum', 'deposits', 'loans']);
/** Fen as a yuan number for charts only (display text always goes through formatFen). */
const yuan = (fen: number | string | null) => (fen === null ? null : Number(fen) / 100);

/** 我的业绩: balances, new customers, sales against targets, month-end trend. */
export function PerformanceCard({ perf, title, loading }: { perf: Performance | undefined; title?: string; loading?: boolean }) {
  const { t, i18n } = useTranslation();
  const compact = new Intl.NumberFormat(i18n.language.startsWith('en') ? 'en-US' : 'zh-CN', { notation: 'compact' });
  if (!perf) return <Card size="small" title={title ?? t('managers.workbench.performance')} loading={loading} />;
  const option = {
    tooltip: { trigger: 'axis' },
    legend: { data: [t('managers.workbench.aum'), t('managers.workbench.deposits'), t('managers.workbench.loans')], top: 0 },
    grid: { left: 60, right: 16, top: 32, bottom: 24 },
    xAxis: { type: 'category', data: perf.trend.map((p) => p.month) },
    yAxis: { type: 'value', axisLabel: { formatter: (v: number) => compact.format(v) } },
    series: [
      { name: t('managers.workbench.aum'), type: 'bar', barMaxWidth: 14, data: perf.trend.map((p) => yuan(p.aumFen)) },
      { name: t('managers.workbench.deposits'), type: 'bar', barMaxWidth: 14, data: perf.trend.map((p) => yuan(p.depositsFen)) },
      { name: t('managers.workbench.loans'), type: 'bar', barMaxWidth: 14, data: perf.trend.map((p) => yuan(p.loansFen)) },
    ],
  };
  return (
    <Card size="small" title={title ?? t('managers.workbench.performance')} data-testid="performance-widget">
      <Row gutter={[12, 12]}>
        {/* Two to a row: a book of ¥1,926,693,117.44 is as wide as a quarter of the card and ran into its neighbour. */}
        <Col span={12}><Statistic title={t('managers.workbench.aum')} value={formatFen(perf.aumFen, true)} valueStyle={{ fontSize: 18 }} /></Col>
        <Col span={12}><Statistic title={t('managers.workbench.customers')} value={perf.customers} valueStyle={{ fontSize: 18 }} /></Col>
        <Col span={12}><Statistic title={t('managers.workbench.deposits')} value={formatFen(perf.depositsFen, true)} valueStyle={{ fontSize: 18 }} data-testid="perf-deposits" /></Col>
        <Col span={12}><Statistic title={t('managers.workbench.loans')} value={formatFen(perf.loansFen, true)} valueStyle={{ fontSize: 18 }} /></Col>
        <Col span={12}><Statistic title={t('managers.workbench.newCustomers')} value={perf.newCustomers.month} valueStyle={{ fontSize: 16 }} /></Col>
        <Col span={12}>
          <Statistic title={t('managers.workbench.salesMonth')} value={`${formatFen(perf.sales.month.amountFen, true)} · ${perf.sales.month.count}`} valueStyle={{ fontSize: 16 }} data-testid="perf-sales-month" />
        </Col>
      </Row>
      <Typography.Text strong style={{ display: 'block', marginTop: 12 }}>{t('managers.workbench.targets')}</Typography.Text>
      {perf.targets.length === 0 ? (
        <Typography.Text type="secondary">{t('managers.workbench.noTargets')}</Typography.Text>
      ) : (
        <Space direction="vertical" style={{ width: '100%' }} size={2}>
          {perf.targets.map((g) => (
            <div key={`${g.period}-${g.metric}`} data-testid={`target-${g.period}-${g.metric}`}>
              <Typography.Text type="secondary">
                {t(`managers.period.${g.period}`)} · {t(`managers.metric.${g.metric}`, { defaultValue: g.metric })}:{' '}
                {MONEY_METRICS.has(g.metric) ? `${formatFen(g.actual)} / ${formatFen(g.target.split('.')[0])}` : `${g.actual} / ${g.target}`}
              </Typography.Text>
              <Progress percent={g.ratio === null ? 0 : Math.round(g.ratio * 100)} size="small" status={g.ratio !== null && g.ratio >= 1 ? 'success' : 'active'} />
            </div>
          ))}
        </Space>
      )}
      <Typography.Text strong style={{ display: 'block', marginTop: 12 }}>{t('managers.workbench.trend')}</Typography.Text>
      {perf.trend.length ? <EChart option={option} height={220} /> : <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} />}
    </Card>
  );
}
