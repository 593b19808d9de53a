import { useEffect, useState } from 'react';
import { App, Button, Card, InputNumber, Table, type TableProps } from 'antd';
import { useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { errorText } from '../../../app/http.ts';
import { KINDS, PRIORITIES, serviceApi, serviceKeys, useServiceMeta, type Kind, type Sla } from '../api.ts';
import { ServiceNav } from './ServiceCommon.tsx';
import { useSingleFlight } from '../../../app/useSingleFlight.ts';

/** The SLA matrix (kind × priority): response and resolution minutes, edited in place. */
export function SlaSettings() {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const qc = useQueryClient();
  const meta = useServiceMeta();
  const [rows, setRows] = useState<Sla[]>([]);
  const [saving, setSaving] = useState(false);
  useEffect(() => setRows(meta.data?.slas ?? []), [meta.data]);

  const set = (kind: Kind, priority: string, key: 'responseMinutes' | 'resolutionMinutes', v: number | null) =>
    setRows(rows.map((r) => (r.kind === kind && r.priority === priority && v ? { ...r, [key]: v } : r)));

  const cell = (kind: Kind, priority: string) => {
    const r = rows.find((x) => x.kind === kind && x.priority === priority);
    if (!r) return '—';
    return (
      <span style={{ whiteSpace: 'nowrap' }}>
        <InputNumber size="small" min={1} style={{ width: 80 }} value={r.responseMinutes} onChange={(v) => set(kind, priority, 'responseMinutes', v)} title={t('service.settings.responseMinutes')} />
        {' / '}
        <InputNumber size="small" min={1} style={{ width: 90 }} value={r.resolutionMinutes} onChange={(v) => set(kind, priority, 'resolutionMinutes', v)} title={t('service.settings.resolutionMinutes')} />
      </span>
    );
  };
  const columns: TableProps<{ kind: Kind }>['columns'] = [
    { title: t('service.fields.kind'), dataIndex: 'kind', width: 110, render: (v: Kind) => t(`service.kind.${v}`) },
    ...PRIORITIES.map((p) => ({ title: `${t(`service.priority.${p}`)}（${t('service.settings.responseMinutes')} / ${t('service.settings.resolutionMinutes')}）`, key: p, render: (_: unknown, r: { kind: Kind }) => cell(r.kind, p) })),
  ];
  const [save, submitting] = useSingleFlight(async () => {
    setSaving(true);
    try {
      qc.setQueryData(serviceKeys.meta, await serviceApi.saveSlas(rows));
      message.success(t('service.settings.saved'));
    } catch (e) {
      // items.8.responseMinutes names the 9th row sent: say which kind and priority that is.
      message.error(errorText(e, (p) => {
        const row = p[0] === 'items' && typeof p[1] === 'number' ? rows[p[1]] : undefined;
        if (!row) return null;
        const field = p[2] === 'responseMinutes' || p[2] === 'resolutionMinutes' ? ` · ${t(`service.settings.${p[2]}`)}` : '';
        return `${t(`service.kind.${row.kind}`)} · ${t(`service.priority.${row.priority}`)}${field}`;
      }));
    } finally {
      setSaving(false);
    }
  });
  return (
    <>
      <ServiceNav />
      <Card size="small" title={t('service.settings.title')} extra={<Button type="primary" loading={saving} onClick={() => void save()} data-testid="sla-save">{t('common.save')}</Button>}>
        <Table size="small" rowKey="kind" columns={columns} dataSource={KINDS.map((kind) => ({ kind }))} pagination={false} loading={meta.isLoading} data-testid="sla-table" />
      </Card>
    </>
  );
}
