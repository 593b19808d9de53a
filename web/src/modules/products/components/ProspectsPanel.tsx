import { useState } from 'react';
import { Link } from 'react-router';
import { Alert, App, Button, Card, Empty, Space, Table, Tag, Tooltip, Typography, type TableProps } from 'antd';
import { DownloadOutlined } from '@ant-design/icons';
import { useTranslation } from 'react-i18next';
import { useAuth } from '../../../app/auth.tsx';
import { useLang } from '../../../app/useLang.ts';
import { errorText } from '../../../app/http.ts';
import { formatFen } from '../../../app/format.ts';
import { productsApi, useProspects, type Label, type Prospect, type Rule } from '../api.ts';
import { useSingleFlight } from '../../../app/useSingleFlight.ts';

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

/** "持有大额存单 且 风险承受能力 C3" — a rule's conditions in the user's language. */
export function RuleText({ rule }: { rule: Rule }) {
  const { t } = useTranslation();
  const { lang } = useLang();
  const when = rule.labels.map((l: Label) => (lang === 'en' ? l.en : l.zh)).join(t('products.prospects.and'));
  return <span>{when}</span>;
}

/**
 * The association panel of a product: rules mined over the user's scope and the customers who look
 * like holders but do not hold it yet, each with the rules that put them on the list.
 */
export function ProspectsPanel({ code }: { code: string }) {
  const { t } = useTranslation();
  const { pick } = useLang();
  const { can } = useAuth();
  const { message } = App.useApp();
  const [exporting, setExporting] = useState(false);
  const q = useProspects(code, 30);

  const [doExport, doExportBusy] = useSingleFlight(async () => {
    setExporting(true);
    try {
      await productsApi.exportProspects(code, `${code}.xlsx`);
    } catch (e) {
      message.error(errorText(e));
    } finally {
      setExporting(false);
    }
  });

  if (q.isError) return <Alert type="error" showIcon message={errorText(q.error)} />;
  const data = q.data;

  const ruleColumns: TableProps<Rule>['columns'] = [
    { title: t('products.prospects.rule'), key: 'rule', render: (_, r) => <RuleText rule={r} /> },
    { title: t('products.prospects.support'), dataIndex: 'count', key: 'count', width: 100, align: 'right' },
    { title: t('products.prospects.confidence'), dataIndex: 'confidence', key: 'confidence', width: 100, align: 'right', render: (v: number) => pct(v) },
    { title: t('products.prospects.lift'), dataIndex: 'lift', key: 'lift', width: 80, align: 'right', render: (v: number) => v.toFixed(2) },
  ];

  const columns: TableProps<Prospect>['columns'] = [
    {
      title: t('products.prospects.customer'), key: 'customer', width: 180,
      render: (_, r) => (
        <Space direction="vertical" size={0}>
          <Link to={`/customers/${encodeURIComponent(r.customerNo)}`}>{r.name}</Link>
          <Typography.Text type="secondary" style={{ fontSize: 12 }}>
            {r.customerNo} · <Link to={`/products/holdings/${encodeURIComponent(r.customerNo)}`}>{t('products.prospects.holdings')}</Link>
          </Typography.Text>
        </Space>
      ),
    },
    { title: t('products.prospects.level'), key: 'level', width: 90, render: (_, r) => pick(r.levelName, r.levelNameEn) || '—' },
    {
      title: t('products.prospects.tolerance'), key: 'risk', width: 130,
      render: (_, r) => (r.needsRiskAssessment ? <Tag color="warning">{t('products.prospects.needsAssessment')}</Tag> : r.riskTolerance ?? '—'),
    },
    { title: t('products.prospects.aum'), dataIndex: 'aumFen', key: 'aum', width: 140, align: 'right', render: (v: number) => formatFen(v) },
    { title: t('products.prospects.manager'), dataIndex: 'managerName', key: 'manager', width: 100, render: (v: string | null) => v ?? '—' },
    {
      title: t('products.prospects.score'), key: 'score', width: 110, align: 'right',
      render: (_, r) => <Tooltip title={`${t('products.prospects.lift')} ${r.lift.toFixed(2)}`}><strong>{pct(r.score)}</strong></Tooltip>,
    },
    {
      title: t('products.prospects.why'), key: 'why', width: 380,
      render: (_, r) => (
        <Space direction="vertical" size={0} data-testid="prospect-reasons">
          {r.reasons.map((rule, i) => (
            <Typography.Text key={i} style={{ fontSize: 12 }}>
              <RuleText rule={rule} />
              <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                {`  ${t('products.prospects.confidence')} ${pct(rule.confidence)} · ${t('products.prospects.lift')} ${rule.lift.toFixed(2)}`}
              </Typography.Text>
            </Typography.Text>
          ))}
        </Space>
      ),
    },
  ];

  return (
    <Space direction="vertical" style={{ width: '100%' }} data-testid="product-prospects">
      {data && (
        <Alert
          type="info"
          showIcon
          message={t('products.prospects.explain', { population: data.population, holders: data.holders, rate: pct(data.baseRate) })}
          description={data.sampleRate < 1 ? t('products.prospects.sampled', { pct: pct(data.sampleRate) }) : undefined}
        />
      )}
      {data && !data.onSale && <Alert type="warning" showIcon message={t('products.prospects.offShelf')} />}
      <Card
        size="small"
        title={t('products.prospects.title')}
        extra={can('customer:export') && (
          <Button size="small" icon={<DownloadOutlined />} loading={exporting} onClick={() => void doExport()} data-testid="prospect-export">
            {t('common.export')}
          </Button>
        )}
      >
        <Table<Prospect>
          data-testid="prospect-table"
          size="small"
          rowKey="customerNo"
          loading={q.isFetching}
          columns={columns}
          dataSource={data?.candidates ?? []}
          locale={{ emptyText: <Empty description={t('products.prospects.none')} /> }}
          pagination={{ pageSize: 10, size: 'small' }}
          scroll={{ x: 1250 }}
        />
      </Card>
      <Card size="small" title={t('products.prospects.rules')}>
        <Table<Rule>
          data-testid="rule-table"
          size="small"
          rowKey={(r) => r.antecedent.join('&')}
          loading={q.isFetching}
          columns={ruleColumns}
          dataSource={data?.rules ?? []}
          locale={{ emptyText: <Empty description={t('products.prospects.noRules')} /> }}
          pagination={false}
        />
      </Card>
    </Space>
  );
}
