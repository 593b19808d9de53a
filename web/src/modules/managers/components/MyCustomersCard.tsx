import { useState } from 'react';
import { Link } from 'react-router';
import { App, Button, Card, Input, InputNumber, Modal, Popconfirm, Select, Space, Table, Tag, type TableProps } from 'antd';
import { DeleteOutlined, DownloadOutlined, SaveOutlined, SwapOutlined } from '@ant-design/icons';
import { useTranslation } from 'react-i18next';
import { useAuth } from '../../../app/auth.tsx';
import { errorText } from '../../../app/http.ts';
import { formatDateTime, formatFen } from '../../../app/format.ts';
import { useLang } from '../../../app/useLang.ts';
import { managersApi, useManagersMutation, useMyCustomers, useViews, type CustomerFilters, type MyCustomer } from '../api.ts';
import { TransferModal } from './TransferModal.tsx';

const STATUSES = ['potential', 'active', 'dormant', 'churned'];
const toFen = (yuan: number | null | undefined) => (yuan === null || yuan === undefined ? undefined : Math.round(yuan * 100));

/** 我的客户: the manager's own book, filtered, sorted, exported, with saved views. */
export function MyCustomersCard() {
  const { t } = useTranslation();
  const { pick } = useLang();
  const { can } = useAuth();
  const { message } = App.useApp();
  const [filters, setFilters] = useState<CustomerFilters>({ sort: 'aum', order: 'desc' });
  const [text, setText] = useState('');
  const [page, setPage] = useState({ page: 1, pageSize: 10 });
  const [naming, setNaming] = useState(false);
  const [viewName, setViewName] = useState('');
  const [transferOf, setTransferOf] = useState<MyCustomer | null>(null);
  const list = useMyCustomers({ ...filters, ...page });
  const views = useViews();
  const saveView = useManagersMutation((name: string) => managersApi.saveView(name, filters));
  const deleteView = useManagersMutation((id: number) => managersApi.deleteView(id));

  const apply = (patch: Partial<CustomerFilters>) => {
    setFilters((f) => ({ ...f, ...patch }));
    setPage((p) => ({ ...p, page: 1 }));
  };

  const columns: TableProps<MyCustomer>['columns'] = [
    { title: t('managers.workbench.customerNo'), dataIndex: 'customerNo', width: 120, render: (v: string) => <Link to={`/customers/${v}`}>{v}</Link> },
    { title: t('managers.fields.name'), dataIndex: 'name', ellipsis: true, sorter: true, sortOrder: filters.sort === 'name' ? (filters.order === 'asc' ? 'ascend' : 'descend') : null },
    { title: t('managers.fields.status'), dataIndex: 'status', width: 80, render: (v: string) => <Tag>{t(`managers.status.${v}`, { defaultValue: v })}</Tag> },
    { title: t('managers.fields.level'), width: 90, render: (_, r) => pick(r.levelName, r.levelNameEn) || '—' },
    {
      title: t('managers.fields.aum'), dataIndex: 'aumFen', align: 'right', width: 150, sorter: true,
      sortOrder: filters.sort === 'aum' ? (filters.order === 'asc' ? 'ascend' : 'descend') : null, render: (v: number) => formatFen(v),
    },
    { title: t('managers.workbench.birthday'), dataIndex: 'birthDate', width: 110, render: (v: string | null) => v ?? '—' },
    { title: t('managers.workbench.lastContact'), dataIndex: 'lastContactAt', width: 160, render: (v: string | null) => formatDateTime(v) },
    ...(can('customer:write')
      ? [{ title: t('common.actions'), width: 110, render: (_: unknown, r: MyCustomer) => <Button size="small" type="link" icon={<SwapOutlined />} onClick={() => setTransferOf(r)}>{t('managers.workbench.transfer')}</Button> }]
      : []),
  ];

  return (
    <Card size="small" title={t('managers.workbench.myCustomers')} data-testid="my-customers"
      extra={can('customer:export') && (
        <Button size="small" icon={<DownloadOutlined />} onClick={() => managersApi.exportMyCustomers(filters).catch((e) => message.error(errorText(e)))}>{t('common.export')}</Button>
      )}>
      <Space wrap style={{ marginBottom: 8 }}>
        <Input.Search allowClear placeholder={t('managers.workbench.search')} style={{ width: 220 }} value={text} onChange={(e) => setText(e.target.value)}
          onSearch={(v) => apply({ q: v.trim() || undefined })} data-testid="my-customers-search" />
        <Select allowClear placeholder={t('managers.fields.status')} style={{ width: 110 }} value={filters.status}
          options={STATUSES.map((s) => ({ value: s, label: t(`managers.status.${s}`) }))} onChange={(v) => apply({ status: v })} />
        <Select allowClear placeholder={t('managers.fields.party')} style={{ width: 110 }} value={filters.party}
          options={[{ value: 'person', label: t('managers.workbench.person') }, { value: 'organization', label: t('managers.workbench.organization') }]} onChange={(v) => apply({ party: v })} />
        <InputNumber min={0} placeholder={t('managers.workbench.aumMin')} style={{ width: 140 }} value={filters.aumMinFen !== undefined ? filters.aumMinFen / 100 : null}
          onChange={(v) => apply({ aumMinFen: toFen(v) })} />
        <InputNumber min={0} placeholder={t('managers.workbench.aumMax')} style={{ width: 140 }} value={filters.aumMaxFen !== undefined ? filters.aumMaxFen / 100 : null}
          onChange={(v) => apply({ aumMaxFen: toFen(v) })} />
        <Select placeholder={t('managers.workbench.views')} style={{ width: 160 }} value={null} data-testid="saved-views"
          options={(views.data?.items ?? []).map((v) => ({ value: v.id, label: v.name }))}
          onChange={(id) => {
            const v = views.data?.items.find((x) => x.id === id);
            if (v) {
              setFilters({ sort: 'aum', order: 'desc', ...v.filters });
              setText(v.filters.q ?? '');
              setPage((p) => ({ ...p, page: 1 }));
            }
          }}
          optionRender={(o) => (
            <Space style={{ width: '100%', justifyContent: 'space-between' }}>
              {o.label}
              <Popconfirm title={t('managers.workbench.deleteView')} onConfirm={(e) => { e?.stopPropagation(); deleteView.mutate(Number(o.value)); }}>
                <DeleteOutlined onClick={(e) => e.stopPropagation()} />
              </Popconfirm>
            </Space>
          )} />
        <Button icon={<SaveOutlined />} onClick={() => { setViewName(''); setNaming(true); }} data-testid="save-view">{t('managers.workbench.saveView')}</Button>
      </Space>
      <Table<MyCustomer>
        size="small" rowKey="customerNo" columns={columns} dataSource={list.data?.items ?? []} loading={list.isFetching}
        pagination={{ current: page.page, pageSize: page.pageSize, total: list.data?.total ?? 0, showSizeChanger: true, pageSizeOptions: [10, 20, 50], size: 'small',
          showTotal: (total) => t('common.total', { total }) }}
        onChange={(p, _f, sorter) => {
          const s = Array.isArray(sorter) ? sorter[0] : sorter;
          const field = s?.field === 'name' ? 'name' : s?.field === 'aumFen' ? 'aum' : undefined;
          if (field && s.order) setFilters((f) => ({ ...f, sort: field, order: s.order === 'ascend' ? 'asc' : 'desc' }));
          setPage({ page: p.current ?? 1, pageSize: p.pageSize ?? 10 });
        }}
      />
      <Modal open={naming} title={t('managers.workbench.saveView')} onCancel={() => setNaming(false)} confirmLoading={saveView.isPending}
        okButtonProps={{ disabled: !viewName.trim() }}
        onOk={() => saveView.mutate(viewName.trim(), { onSuccess: () => setNaming(false), onError: (e) => message.error(errorText(e)) })}>
        <Input value={viewName} onChange={(e) => setViewName(e.target.value)} maxLength={60} placeholder={t('managers.workbench.viewName')} />
      </Modal>
      <TransferModal customer={transferOf} onClose={() => setTransferOf(null)} />
    </Card>
  );
}
