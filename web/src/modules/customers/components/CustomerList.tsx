import { useEffect, useMemo, useState } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { Alert, App, Button, Card, Input, Select, Space, Switch, Table, Tooltip, TreeSelect, Typography, type TableProps } from 'antd';
import { DownloadOutlined, PlusOutlined } from '@ant-design/icons';
import { useTranslation } from 'react-i18next';
import { useAuth } from '../../../app/auth.tsx';
import { useLang } from '../../../app/useLang.ts';
import { ApiError, errorText } from '../../../app/http.ts';
import { withFieldLabels } from '../../../app/fieldLabels.ts';
import { formatDate, formatFen } from '../../../app/format.ts';
import {
  customersApi,
  STATUSES,
  useCustomerMeta,
  useCustomers,
  type CustomerQuery,
  type CustomerSort,
  type CustomerStatus,
  type CustomerSummary,
} from '../api.ts';
import { buildTypeTree } from '../typeTree.ts';
import { LevelTag, StatusTag } from './CustomerTags.tsx';
import { RestoreCustomerModal } from './RestoreCustomerModal.tsx';
import { useSingleFlight } from '../../../app/useSingleFlight.ts';

const SORTS: CustomerSort[] = ['customerNo', 'name', 'createdAt', 'aum'];
const PAGE_SIZES = [20, 50, 100];
/** The server's limit on a search (longer is refused, not cut). */
const SEARCH_MAX = 100;

/** The list's state lives in the URL so that going back from a 360 view restores it. */
function readQuery(p: URLSearchParams): CustomerQuery {
  const sort = p.get('sort') as CustomerSort | null;
  const order = p.get('order');
  const pageSize = Number(p.get('pageSize'));
  return {
    q: p.get('q') || undefined,
    status: (p.get('status') as CustomerStatus | null) || undefined,
    levelCode: p.get('levelCode') || undefined,
    typeCode: p.get('typeCode') || undefined,
    deleted: p.get('deleted') === 'true' || undefined,
    sort: sort && SORTS.includes(sort) ? sort : undefined,
    order: order === 'asc' || order === 'desc' ? order : undefined,
    page: Math.max(1, Number(p.get('page')) || 1),
    pageSize: PAGE_SIZES.includes(pageSize) ? pageSize : 20,
  };
}

export function CustomerList() {
  const { t } = useTranslation();
  const { pick } = useLang();
  const { can } = useAuth();
  const { message } = App.useApp();
  const navigate = useNavigate();
  const [params, setParams] = useSearchParams();
  const query = useMemo(() => readQuery(params), [params]);
  const [text, setText] = useState(query.q ?? '');
  const [exporting, setExporting] = useState(false);
  const [restoring, setRestoring] = useState<CustomerSummary | null>(null);
  const meta = useCustomerMeta();
  const list = useCustomers(query);

  useEffect(() => setText(query.q ?? ''), [query.q]);

  // Sorting, paging and filtering are new history entries (Back undoes them); only search-as-you-type replaces one.
  const update = (patch: Partial<Record<keyof CustomerQuery, string | number | boolean | undefined>>, keepPage = false, replace = false) => {
    const next = new URLSearchParams(params);
    for (const [k, v] of Object.entries(patch)) {
      if (v === undefined || v === '') next.delete(k);
      else next.set(k, String(v));
    }
    if (!keepPage) next.delete('page');
    setParams(next, { replace });
  };

  // Searching as the user types, but only once they pause.
  useEffect(() => {
    if (text.trim() === (query.q ?? '')) return;
    const h = setTimeout(() => update({ q: text.trim() }, false, true), 400);
    return () => clearTimeout(h);
  }, [text]);

  const typeTree = useMemo(() => buildTypeTree(meta.data?.types ?? [], (x) => pick(x.name, x.nameEn)), [meta.data, pick]);

  const sortOrderOf = (key: CustomerSort) => (query.sort === key ? (query.order === 'desc' ? 'descend' : 'ascend') : null);

  /** A cell of text that may be long: cut with an ellipsis, the whole text in a tooltip. */
  const long = (v: string | null | undefined) => (v ? <Tooltip title={v} placement="topLeft">{v}</Tooltip> : '—');
  // Every column has a width (one without would take all the room left, as Name did); the table is as wide as they
  // are, so at 1366 px it fits, and on wider screens the room left is shared out. AUM and Created stay pinned
  // on the right: whatever scrolls, the amount is never cut.
  const columns: TableProps<CustomerSummary>['columns'] = [
    {
      title: t('customer.fields.customerNo'),
      dataIndex: 'customerNo',
      key: 'customerNo',
      width: 116,
      sorter: true,
      sortOrder: sortOrderOf('customerNo'),
      render: (v: string) => (
        <Link to={`/customers/${encodeURIComponent(v)}`} onClick={(e) => e.stopPropagation()}>
          {v}
        </Link>
      ),
    },
    { title: t('customer.fields.name'), dataIndex: 'name', key: 'name', width: 130, sorter: true, sortOrder: sortOrderOf('name'), ellipsis: { showTitle: false }, render: long },
    { title: t('customer.fields.type'), key: 'type', width: 140, ellipsis: { showTitle: false }, render: (_, r) => long(pick(r.typeName, r.typeNameEn)) },
    { title: t('customer.fields.status'), dataIndex: 'status', key: 'status', width: 84, render: (v: CustomerStatus) => <StatusTag status={v} /> },
    {
      title: t('customer.fields.level'),
      key: 'level',
      width: 84,
      render: (_, r) => <LevelTag code={r.levelCode} name={r.levelName} nameEn={r.levelNameEn} />,
    },
    { title: t('customer.fields.mobile'), dataIndex: 'mobile', key: 'mobile', width: 128, ellipsis: { showTitle: false }, render: long },
    { title: t('customer.fields.org'), key: 'org', width: 140, ellipsis: { showTitle: false }, render: (_, r) => long(pick(r.orgName, r.orgNameEn)) },
    { title: t('customer.fields.manager'), dataIndex: 'managerName', key: 'manager', width: 84, ellipsis: { showTitle: false }, render: long },
    {
      title: t('customer.fields.aum'),
      dataIndex: 'aumFen',
      key: 'aum',
      width: 140,
      align: 'right',
      fixed: 'right',
      sorter: true,
      sortOrder: sortOrderOf('aum'),
      render: (v: number | string) => <span style={{ whiteSpace: 'nowrap' }} data-testid="customer-aum">{formatFen(v)}</span>,
    },
    {
      title: t('customer.fields.createdAt'),
      dataIndex: 'createdAt',
      key: 'createdAt',
      width: 112,
      fixed: 'right',
      sorter: true,
      sortOrder: sortOrderOf('createdAt'),
      render: (v: string) => <span style={{ whiteSpace: 'nowrap' }}>{formatDate(v)}</span>,
    },
    // Deleted customers cannot be opened: each row offers its restore instead.
    ...(query.deleted ? [{
      title: '', key: 'restore', width: 140, fixed: 'right' as const,
      render: (_: unknown, r: CustomerSummary) => (r.mergedInto
        // Merged away: undone by unmerging (integration), never restored on its own.
        ? <Typography.Text type="secondary" style={{ whiteSpace: 'nowrap' }} data-testid="customer-merged-into">{t('customer.list.mergedInto', { no: r.mergedInto })}</Typography.Text>
        : <Button size="small" onClick={(e) => { e.stopPropagation(); setRestoring(r); }} data-testid="customer-restore">{t('customer.list.restore')}</Button>),
    }] : []),
  ];

  const onTableChange: TableProps<CustomerSummary>['onChange'] = (pagination, _filters, sorter, extra) => {
    if (extra.action === 'sort') {
      const s = Array.isArray(sorter) ? sorter[0] : sorter;
      const key = s?.order ? (s.columnKey as CustomerSort) : undefined;
      update({ sort: key, order: key ? (s!.order === 'descend' ? 'desc' : 'asc') : undefined });
      return;
    }
    update({ page: pagination.current, pageSize: pagination.pageSize }, true);
  };

  const [doExport, doExportBusy] = useSingleFlight(async () => {
    setExporting(true);
    try {
      const { page: _p, pageSize: _s, ...filters } = query;
      await customersApi.export(filters, t('customer.list.exportFileName'));
    } catch (e) {
      message.error(errorText(e));
    } finally {
      setExporting(false);
    }
  });

  return (
    <Card
      size="small"
      title={<Typography.Text strong>{t('customer.list.title')}</Typography.Text>}
      extra={
        <Space>
          {can('customer:export') && !query.deleted && (
            <Button icon={<DownloadOutlined />} loading={exporting} onClick={() => void doExport()} data-testid="customer-export">
              {t('common.export')}
            </Button>
          )}
          {can('customer:write') && (
            <Button type="primary" icon={<PlusOutlined />} onClick={() => navigate('/customers/new')} data-testid="customer-new">
              {t('customer.list.newCustomer')}
            </Button>
          )}
        </Space>
      }
    >
      <Space wrap style={{ marginBottom: 12 }}>
        <Input.Search
          data-testid="customer-search"
          placeholder={t('customer.list.searchPlaceholder')}
          title={t('customer.list.searchPlaceholder')}
          allowClear
          value={text}
          onChange={(e) => setText(e.target.value)}
          onSearch={(v) => update({ q: v.trim() })}
          maxLength={SEARCH_MAX}
          style={{ width: 480 }}
        />
        <Select
          allowClear
          placeholder={t('customer.list.statusPlaceholder')}
          value={query.status}
          onChange={(v) => update({ status: v })}
          style={{ width: 120 }}
          options={STATUSES.map((s) => ({ value: s, label: t(`customer.status.${s}`) }))}
          data-testid="customer-filter-status"
        />
        <Select
          allowClear
          placeholder={t('customer.list.levelPlaceholder')}
          value={query.levelCode}
          onChange={(v) => update({ levelCode: v })}
          style={{ width: 140 }}
          options={(meta.data?.levels ?? []).map((l) => ({ value: l.code, label: pick(l.name, l.nameEn) }))}
          data-testid="customer-filter-level"
        />
        <TreeSelect
          allowClear
          placeholder={t('customer.list.typePlaceholder')}
          value={query.typeCode}
          onChange={(v) => update({ typeCode: v })}
          style={{ width: 200 }}
          treeData={typeTree}
          treeDefaultExpandAll
          popupMatchSelectWidth={false}
          data-testid="customer-filter-type"
        />
        {can('customer:write') && (
          <Space size={6}>
            <Switch size="small" checked={!!query.deleted} onChange={(on) => update({ deleted: on ? 'true' : undefined })} data-testid="customer-show-deleted" />
            <Typography.Text>{t('customer.list.showDeleted')}</Typography.Text>
          </Space>
        )}
      </Space>
      {list.isError && (
        <Alert
          type="error"
          showIcon
          // The search box is "q" to the server; the reader knows it as the search box.
          message={list.error instanceof ApiError ? withFieldLabels(list.error.message, list.error.fields, (p) => (p[0] === 'q' ? t('common.search') : null)) : errorText(list.error)}
          style={{ marginBottom: 12 }}
        />
      )}
      <Table<CustomerSummary>
        data-testid="customer-table"
        size="small"
        rowKey="customerNo"
        columns={columns}
        dataSource={list.data?.items ?? []}
        loading={list.isFetching}
        onChange={onTableChange}
        onRow={(r) => (query.deleted ? {} : { onClick: () => navigate(`/customers/${encodeURIComponent(r.customerNo)}`), style: { cursor: 'pointer' } })}
        pagination={{
          current: query.page,
          pageSize: query.pageSize,
          total: list.data?.total ?? 0,
          showSizeChanger: true,
          pageSizeOptions: PAGE_SIZES,
          showTotal: (total) => t('common.total', { total: list.data?.totalCapped ? `${total}+` : total }),
          size: 'small',
        }}
        scroll={{ x: columns.reduce((n, c) => n + (Number(c.width) || 0), 0) }}
      />
      {restoring && <RestoreCustomerModal customer={restoring} onClose={() => setRestoring(null)} />}
    </Card>
  );
}
