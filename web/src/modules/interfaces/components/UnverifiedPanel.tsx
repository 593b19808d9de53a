import { useState } from 'react';
import { Select, Space, Table, Tag, Typography } from 'antd';
import { Link } from 'react-router';
import { useTranslation } from 'react-i18next';
import { useLang } from '../../../app/useLang.ts';
import { useUnverified, type Interface, type UnverifiedRow } from '../api.ts';

/** The rules an ID number can fail (the mapping engine's), for the filter. */
const RULES = ['residentId.checksum', 'residentId.birthdate', 'residentId.format', 'residentId.region', 'uscc.checksum', 'uscc.format'] as const;

/**
 * A data steward's list: records of the interface's source loaded with an ID number that fails its check (the mapping's
 * "load, marked unverified"), why, and the customer each resolved into. The number is to be corrected at the source.
 */
export function UnverifiedPanel({ iface }: { iface: Interface }) {
  const { t } = useTranslation();
  const { pick } = useLang();
  const [page, setPage] = useState(1);
  const [rule, setRule] = useState<string | undefined>();
  const q = useUnverified(iface.id, { rule, page, pageSize: 50 });
  return (
    <Space direction="vertical" style={{ width: '100%' }}>
      <Space wrap>
        <Select allowClear style={{ width: 240 }} value={rule} placeholder={t('interfaces.unverified.allRules')} data-testid="unverified-rule"
          onChange={(v) => { setRule(v); setPage(1); }} options={RULES.map((r) => ({ value: r, label: r }))} />
        <Typography.Text type="secondary">{t('interfaces.unverified.help')}</Typography.Text>
      </Space>
      <Table<UnverifiedRow>
        rowKey="id" size="small" loading={q.isLoading} dataSource={q.data?.items} data-testid="unverified-ids" scroll={{ x: 980 }}
        pagination={{ current: page, pageSize: 50, total: q.data?.total, onChange: setPage }}
        columns={[
          { title: t('interfaces.unverified.recordKey'), dataIndex: 'recordKey', width: 140 },
          { title: t('interfaces.unverified.name'), dataIndex: 'name', width: 160, ellipsis: true },
          { title: t('interfaces.unverified.idType'), dataIndex: 'idType', width: 110 },
          { title: t('interfaces.unverified.idNo'), dataIndex: 'idNo', width: 190, render: (v: string | null) => <Typography.Text code>{v ?? ''}</Typography.Text> },
          {
            title: t('interfaces.unverified.rule'), key: 'rule', width: 260,
            render: (_, r) => <Space size={4}><Tag color="orange">{r.issue.rule}</Tag>{pick(r.issue.message.zh, r.issue.message.en)}</Space>,
          },
          { title: t('interfaces.unverified.customer'), dataIndex: 'customerNo', width: 130, render: (v: string | null) => (v ? <Link to={`/customers/${encodeURIComponent(v)}`}>{v}</Link> : '—') },
          { title: t('interfaces.unverified.load'), dataIndex: 'lastLoadId', width: 80, render: (v: number | null) => (v ? `#${v}` : '—') },
        ]}
      />
    </Space>
  );
}
