import { useState } from 'react';
import { Link } from 'react-router';
import { Alert, App, AutoComplete, Button, Card, DatePicker, Form, Input, Space, Table, Typography, type TableProps } from 'antd';
import { DownloadOutlined, SearchOutlined } from '@ant-design/icons';
import type { Dayjs } from 'dayjs';
import { useTranslation } from 'react-i18next';
import { useAuth } from '../../../app/auth.tsx';
import { errorText } from '../../../app/http.ts';
import { differsFromBrowser, formatDateTimeIn, formatValue } from '../../../app/format.ts';
import { AUDIT_FIELD_NAMES, auditName, type AuditLanguage } from '../../../../../engines/audit/labels.ts';
import { auditRows } from '../auditText.ts';
import { adminApi, useAudit, type AuditEntry, type AuditFilters, type AuditQuery } from '../api.ts';
import { zhCN } from '../../../app/locales/zh-CN.ts';
import { useSingleFlight } from '../../../app/useSingleFlight.ts';
import { useFormLanguage } from '../../../app/formErrors.ts';

type FilterValues = { actor?: string; customerNo?: string; action?: string; range?: [Dayjs | null, Dayjs | null] | null };

/** Action codes the server is known to write, offered as suggestions; any other code can still be typed. */
const KNOWN_ACTIONS = Object.keys(zhCN.auditAction);

function toFilters(v: FilterValues): AuditFilters {
  return {
    actor: v.actor?.trim() || undefined,
    customerNo: v.customerNo?.trim() || undefined,
    action: v.action?.trim() || undefined,
    // Whole days, both ends included.
    from: v.range?.[0]?.format('YYYY-MM-DD'),
    to: v.range?.[1]?.format('YYYY-MM-DD'),
  };
}

/** A field code by its label in the UI's language (codes such as customer_key_person.person_customer_id hold dots, so no i18next key). */
function useFieldName() {
  const { i18n } = useTranslation();
  const lang: AuditLanguage = i18n.language === 'en-US' ? 'en-US' : 'zh-CN';
  return (f: string) => auditName(AUDIT_FIELD_NAMES, lang, f);
}

function Changes({ entry }: { entry: AuditEntry }) {
  const fieldName = useFieldName();
  const { i18n } = useTranslation();
  const lang = i18n.language === 'en-US' ? 'en' : 'zh';
  const c = entry.changes;
  if (c === null || c === undefined) return <Typography.Text type="secondary">—</Typography.Text>;
  if (typeof c === 'object' && !Array.isArray(c)) {
    // Keys by their labels, objects spelt out ("匹配键 5, 来源记录 1"), empty ones left out (auditText.ts).
    return (
      <table style={{ borderCollapse: 'collapse' }} data-testid="audit-changes">
        <tbody>
          {auditRows(c as Record<string, unknown>, fieldName, lang).map((r) => (
            <tr key={r.key}>
              <td style={{ padding: '2px 12px 2px 0', verticalAlign: 'top', whiteSpace: 'nowrap' }}>
                <Typography.Text type="secondary" title={r.key}>{r.label}</Typography.Text>
              </td>
              <td style={{ padding: '2px 0', wordBreak: 'break-word' }}>
                {r.from !== undefined ? (
                  <>
                    <Typography.Text delete>{r.from}</Typography.Text> → {r.to}
                  </>
                ) : (
                  r.to
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    );
  }
  return <Typography.Text code>{formatValue(c)}</Typography.Text>;
}

export function AuditLog() {
  const { t } = useTranslation();
  const { can } = useAuth();
  const { message } = App.useApp();
  const [form] = Form.useForm<FilterValues>();
  useFormLanguage(form);
  const [query, setQuery] = useState<AuditQuery>({ page: 1, pageSize: 50 });
  const [exporting, setExporting] = useState(false);
  const audit = useAudit(query);
  const fieldName = useFieldName();
  // Times in the bank's time zone, the one the date filter and the export use; named when the browser's clock differs.
  const zone = audit.data?.timeZone;
  const zoneNamed = zone && differsFromBrowser(zone) ? zone : null;

  const apply = (v: FilterValues) => setQuery((q) => ({ ...toFilters(v), page: 1, pageSize: q.pageSize }));

  const [doExport, doExportBusy] = useSingleFlight(async () => {
    setExporting(true);
    try {
      const { page: _p, pageSize: _s, ...filters } = query;
      await adminApi.exportAudit(filters, t('admin.audit.exportFileName'));
    } catch (e) {
      message.error(errorText(e));
    } finally {
      setExporting(false);
    }
  });

  const columns: TableProps<AuditEntry>['columns'] = [
    {
      title: zoneNamed ? t('admin.audit.atIn', { zone: zoneNamed }) : t('admin.audit.at'),
      dataIndex: 'at',
      width: zoneNamed ? 190 : 160,
      render: (v: string) => <span data-testid="audit-at">{formatDateTimeIn(v, zone)}</span>,
    },
    { title: t('admin.audit.actor'), dataIndex: 'actorName', width: 110 },
    {
      title: t('admin.audit.action'),
      dataIndex: 'action',
      width: 110,
      render: (v: string) => <span title={v}>{t(`auditAction.${v}`, { defaultValue: v })}</span>,
    },
    { title: t('admin.audit.entity'), dataIndex: 'entity', width: 130, render: (v: string) => <span title={v}>{t(`auditEntity.${v}`, { defaultValue: v })}</span> },
    { title: t('admin.audit.entityId'), dataIndex: 'entityId', width: 110, render: (v: string | null) => v ?? '—' },
    {
      title: t('admin.audit.customerNo'),
      dataIndex: 'customerNo',
      width: 130,
      render: (v: string | null) => (v ? can('customer:read') ? <Link to={`/customers/${encodeURIComponent(v)}`}>{v}</Link> : v : '—'),
    },
    { title: t('admin.audit.customerName'), dataIndex: 'customerName', width: 130, ellipsis: true, render: (v: string | null) => v ?? '—' },
    { title: t('admin.audit.fields'), dataIndex: 'fields', ellipsis: true, render: (v: string[] | null) => (v?.length ? v.map(fieldName).join(', ') : '—') },
    { title: t('admin.audit.ip'), dataIndex: 'ip', width: 120, render: (v: string | null) => v ?? '—' },
  ];

  return (
    <Card
      size="small"
      title={<Typography.Text strong>{t('admin.audit.title')}</Typography.Text>}
      extra={
        can('audit:export') && (
          <Button icon={<DownloadOutlined />} loading={exporting} onClick={() => void doExport()} data-testid="audit-export">
            {t('common.export')}
          </Button>
        )
      }
    >
      <Form form={form} layout="inline" onFinish={apply} style={{ marginBottom: 12, rowGap: 8 }}>
        <Form.Item name="actor">
          <Input allowClear placeholder={t('admin.audit.actorPlaceholder')} style={{ width: 160 }} data-testid="audit-actor" />
        </Form.Item>
        <Form.Item name="customerNo">
          <Input allowClear placeholder={t('admin.audit.customerNoPlaceholder')} style={{ width: 150 }} data-testid="audit-customer-no" />
        </Form.Item>
        <Form.Item name="action">
          <AutoComplete
            allowClear
            placeholder={t('admin.audit.actionPlaceholder')}
            style={{ width: 160 }}
            options={KNOWN_ACTIONS.map((a) => ({ value: a, label: `${t(`auditAction.${a}`)} (${a})` }))}
            filterOption={(input, opt) => !!opt && `${opt.value} ${String(opt.label)}`.toLowerCase().includes(input.toLowerCase())}
          />
        </Form.Item>
        <Form.Item name="range">
          <DatePicker.RangePicker allowEmpty={[true, true]} data-testid="audit-range" />
        </Form.Item>
        <Form.Item>
          <Space>
            <Button type="primary" htmlType="submit" icon={<SearchOutlined />} data-testid="audit-search">
              {t('common.search')}
            </Button>
            <Button
              onClick={() => {
                form.resetFields();
                apply({});
              }}
            >
              {t('common.reset')}
            </Button>
          </Space>
        </Form.Item>
      </Form>
      {audit.isError && <Alert type="error" showIcon message={errorText(audit.error)} style={{ marginBottom: 12 }} />}
      <Table<AuditEntry>
        data-testid="audit-table"
        size="small"
        rowKey="id"
        columns={columns}
        dataSource={audit.data?.items ?? []}
        loading={audit.isFetching}
        scroll={{ x: 1200 }}
        expandable={{ expandedRowRender: (r) => <Changes entry={r} />, rowExpandable: (r) => r.changes !== null && r.changes !== undefined }}
        pagination={{
          current: query.page,
          pageSize: query.pageSize,
          total: audit.data?.total ?? 0,
          showSizeChanger: true,
          pageSizeOptions: [20, 50, 100, 200],
          showTotal: (total) => t('common.total', { total }),
          size: 'small',
          onChange: (page, pageSize) => setQuery((q) => ({ ...q, page: pageSize === q.pageSize ? page : 1, pageSize })),
        }}
      />
    </Card>
  );
}
