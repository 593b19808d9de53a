import { useState } from 'react';
import { App, Button, Card, DatePicker, Space, Statistic, Table, Typography } from 'antd';
import { DownloadOutlined } from '@ant-design/icons';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import dayjs, { type Dayjs } from 'dayjs';
import { useTranslation } from 'react-i18next';
import { useAuth } from '../../../app/auth.tsx';
import { errorText } from '../../../app/http.ts';
import { formatFen } from '../../../app/format.ts';
import { useLang } from '../../../app/useLang.ts';
import { engagementApi, type Sale } from '../api.ts';
import { ScopePicker, type Who } from './ScopePicker.tsx';

/** "My sales & commission" for the period, and the sales records the user may see (filters, Excel export). */
export function SalesRecords() {
  const { t } = useTranslation();
  const { pick } = useLang();
  const { can } = useAuth();
  const { message } = App.useApp();
  const [range, setRange] = useState<[Dayjs, Dayjs]>([dayjs().startOf('month'), dayjs().endOf('month')]);
  const [who, setWho] = useState<Who>({});
  const [page, setPage] = useState({ page: 1, pageSize: 20 });
  const from = range[0].format('YYYY-MM-DD');
  const to = range[1].format('YYYY-MM-DD');
  const mine = useQuery({ queryKey: ['engagement', 'mySales', from, to], queryFn: () => engagementApi.mySales({ from, to }) });
  const f = { from, to, ...who, ...page };
  const sales = useQuery({ queryKey: ['engagement', 'list', 'sale', f], queryFn: () => engagementApi.sales(f), placeholderData: keepPreviousData });

  return (
    <Space direction="vertical" style={{ width: '100%' }}>
      <Space wrap>
        <DatePicker.RangePicker size="small" allowClear={false} value={range} onChange={(v) => v?.[0] && v[1] && setRange([v[0], v[1]])} />
        <ScopePicker value={who} onChange={(w) => { setWho(w); setPage((p) => ({ ...p, page: 1 })); }} />
      </Space>
      <Card size="small" title={t('engagement.msg.mySales')} data-testid="eng-my-sales">
        <Space size="large" wrap style={{ marginBottom: 8 }}>
          <Statistic title={t('engagement.fields.count')} value={mine.data?.totals.count ?? 0} />
          <Statistic title={t('engagement.fields.amount')} value={formatFen(mine.data?.totals.amountFen ?? 0, true)} />
          <Statistic title={t('engagement.fields.commission')} value={formatFen(mine.data?.totals.commissionFen ?? 0, true)} />
        </Space>
        <Table
          size="small"
          rowKey="productCode"
          pagination={false}
          dataSource={mine.data?.items ?? []}
          columns={[
            { title: t('engagement.fields.product'), key: 'p', render: (_, r) => pick(r.name, r.nameEn) },
            { title: t('engagement.fields.count'), dataIndex: 'count', align: 'right', width: 80 },
            { title: t('engagement.fields.amount'), dataIndex: 'amountFen', align: 'right', render: (v: number) => formatFen(v) },
            { title: t('engagement.fields.commission'), dataIndex: 'commissionFen', align: 'right', render: (v: number) => formatFen(v) },
          ]}
        />
      </Card>
      <Card
        size="small"
        title={t('engagement.msg.teamSales')}
        extra={can('customer:export') && (
          <Button size="small" icon={<DownloadOutlined />} onClick={() => engagementApi.export('sale', { from, to, ...who }, 'sales.xlsx').catch((e) => void message.error(errorText(e)))}>
            {t('engagement.actions.export')}
          </Button>
        )}
      >
        <Typography.Text type="secondary">
          {`${t('engagement.fields.amount')}: ${formatFen(sales.data?.sums.amountFen ?? 0, true)} · ${t('engagement.fields.commission')}: ${formatFen(sales.data?.sums.commissionFen ?? 0, true)}`}
        </Typography.Text>
        <Table<Sale>
          size="small"
          rowKey="id"
          loading={sales.isFetching}
          dataSource={sales.data?.items ?? []}
          data-testid="eng-sales-table"
          pagination={{ current: page.page, pageSize: page.pageSize, total: sales.data?.total ?? 0, size: 'small', onChange: (p, s) => setPage({ page: p, pageSize: s }) }}
          columns={[
            { title: t('engagement.fields.soldOn'), dataIndex: 'soldOn', width: 100 },
            { title: t('engagement.fields.customer'), key: 'c', ellipsis: true, render: (_, r) => `${r.customerName} (${r.customerNo})` },
            { title: t('engagement.fields.product'), key: 'p', render: (_, r) => pick(r.productName, r.productNameEn) },
            { title: t('engagement.fields.amount'), dataIndex: 'amountFen', align: 'right', render: (v: number) => formatFen(v) },
            { title: t('engagement.fields.commission'), dataIndex: 'commissionFen', align: 'right', render: (v: number) => formatFen(v) },
            { title: t('engagement.fields.oppNo'), dataIndex: 'oppNo', width: 120, render: (v: string | null) => v ?? '—' },
            { title: t('engagement.fields.owner'), dataIndex: 'ownerName', width: 90 },
          ]}
        />
      </Card>
    </Space>
  );
}
