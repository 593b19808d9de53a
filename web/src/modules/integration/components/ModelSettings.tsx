import { useEffect, useMemo, useState } from 'react';
import { App, Button, Card, Col, Descriptions, Input, InputNumber, List, Row, Skeleton, Space, Table, Tag, Typography, type TableProps } from 'antd';
import { ArrowDownOutlined, ArrowUpOutlined, ExperimentOutlined, SaveOutlined, UndoOutlined } from '@ant-design/icons';
import { useTranslation } from 'react-i18next';
import { useAuth } from '../../../app/auth.tsx';
import { useLang } from '../../../app/useLang.ts';
import { errorText } from '../../../app/http.ts';
import { formatDateTime } from '../../../app/format.ts';
import { weightText } from '../format.ts';
import { estimating, useEstimates, useModel, useSaveModel, useStartEstimate, type Estimate, type ModelPatch } from '../api.ts';
import { FailedRecords } from './FailedRecords.tsx';

type LevelRow = { key: string; comparison: string; kind?: 'person' | 'org'; field: string; level: string; m: number; u: number; computed: number; weight?: number };

/**
 * Admin page: thresholds, per-level weights (computed from m/u, overridable), the cross-source order (I3, I4), and
 * the source records whose resolution failed, to retry.
 */
export function ModelSettings() {
  const { t } = useTranslation();
  const { pick } = useLang();
  const { can } = useAuth();
  const { message } = App.useApp();
  const q = useModel();
  const save = useSaveModel();
  const editable = can('integration:manage');
  const estimates = useEstimates(editable);
  const startEstimate = useStartEstimate();
  const [match, setMatch] = useState<number>();
  const [review, setReview] = useState<number>();
  const [weights, setWeights] = useState<Record<string, number | null>>({});
  const [order, setOrder] = useState<string[] | null>(null);
  const [note, setNote] = useState('');
  useEffect(() => {
    if (!q.data) return;
    setMatch(q.data.model.matchThreshold);
    setReview(q.data.model.reviewThreshold);
    setWeights({});
    setOrder(null);
  }, [q.data]);
  const rows = useMemo<LevelRow[]>(() => (q.data?.model.comparisons ?? []).flatMap((c) => c.levels.map((l) => ({
    key: `${c.kind ?? ''}:${c.name}/${l.label}`, comparison: c.name, kind: c.kind, field: c.field, level: l.label, m: l.m, u: l.u, computed: Math.log2(Math.max(l.m, 1e-9) / Math.max(l.u, 1e-9)), weight: l.weight,
  }))), [q.data]);
  if (q.isPending) return <Skeleton active />;
  if (q.isError) return <Typography.Text type="danger">{errorText(q.error)}</Typography.Text>;
  const m = q.data;
  const currentOrder = order ?? m.sourceOrder;
  const steps = new Map(m.orderSteps.map((s) => [s.source, s]));
  const sourceName = (code: string) => {
    const s = m.sources.find((x) => x.code === code);
    return s ? pick(s.name, s.nameEn) : code;
  };
  const move = (i: number, d: -1 | 1) => {
    const next = [...currentOrder];
    const j = i + d;
    if (j < 0 || j >= next.length) return;
    [next[i], next[j]] = [next[j]!, next[i]!];
    setOrder(next);
  };
  const submit = async () => {
    const patch: ModelPatch = { note: note.trim() || undefined };
    if (match !== m.model.matchThreshold) patch.matchThreshold = match;
    if (review !== m.model.reviewThreshold) patch.reviewThreshold = review;
    const byKey = new Map(rows.map((r) => [r.key, r]));
    const w = Object.entries(weights).flatMap(([k, weight]) => {
      const r = byKey.get(k);
      return r ? [{ comparison: r.comparison, kind: r.kind, level: r.level, weight }] : [];
    });
    if (w.length) patch.weights = w;
    if (order) patch.sourceOrder = order;
    try {
      const saved = await save.mutateAsync(patch);
      void message.success(t('integration.model.saved', { v: saved.version }));
      setNote('');
    } catch (err) {
      void message.error(errorText(err));
    }
  };
  const runEstimate = async () => {
    try {
      await startEstimate.mutateAsync();
      void message.info(t('integration.model.estimateStarted'));
    } catch (err) {
      void message.error(errorText(err));
    }
  };
  const latest: Estimate | undefined = estimates.data?.items[0];
  const columns: TableProps<LevelRow>['columns'] = [
    { title: t('integration.model.party'), dataIndex: 'kind', width: 90, render: (k?: string) => (k ? <Tag color={k === 'org' ? 'purple' : 'blue'}>{t(`integration.model.kind.${k}`)}</Tag> : '') },
    { title: t('integration.model.comparison'), dataIndex: 'field', width: 120, render: (f: string, r) => <span title={r.comparison}>{t(`integration.field.${f}`, { defaultValue: f })}</span> },
    { title: t('integration.model.level'), dataIndex: 'level', width: 140, render: (l: string) => t(`integration.level.${l}`, { defaultValue: l }) },
    { title: 'm', dataIndex: 'm', width: 90, align: 'right', render: (v: number) => v.toPrecision(3) },
    { title: 'u', dataIndex: 'u', width: 90, align: 'right', render: (v: number) => v.toPrecision(3) },
    { title: t('integration.model.computed'), dataIndex: 'computed', width: 110, align: 'right', render: (v: number) => weightText(v) },
    {
      title: t('integration.model.override'), key: 'w', width: 140,
      render: (_: unknown, r) => (
        <InputNumber size="small" min={-50} max={50} step={0.5} disabled={!editable} placeholder="—"
          value={r.key in weights ? weights[r.key] : r.weight ?? null}
          onChange={(v) => setWeights((w) => ({ ...w, [r.key]: v === null || v === undefined ? null : Number(v) }))} />
      ),
    },
  ];
  return (
    <Space direction="vertical" size={12} style={{ width: '100%' }}>
      <Card size="small" title={t('integration.model.title')}
        extra={editable && (
          <Space>
            <Button icon={<ExperimentOutlined />} title={t('integration.model.estimateHint')} loading={startEstimate.isPending || estimating(latest)} onClick={() => void runEstimate()} data-testid="model-estimate">
              {t('integration.model.estimate')}
            </Button>
            <Button type="primary" icon={<SaveOutlined />} loading={save.isPending} onClick={() => void submit()} data-testid="model-save">{t('integration.model.save')}</Button>
          </Space>
        )}>
        <Descriptions size="small" bordered column={{ xs: 1, md: 2, xl: 4 }}>
          <Descriptions.Item label={t('integration.model.version')}>{m.builtin ? <Tag>{t('integration.model.builtin')}</Tag> : `v${m.version}`}</Descriptions.Item>
          <Descriptions.Item label={t('integration.model.matchThreshold')}>
            <InputNumber size="small" min={0.5} max={0.999999} step={0.001} value={match} disabled={!editable} onChange={(v) => setMatch(v ?? undefined)} data-testid="model-match" />
          </Descriptions.Item>
          <Descriptions.Item label={t('integration.model.reviewThreshold')}>
            <InputNumber size="small" min={0.01} max={0.999} step={0.01} value={review} disabled={!editable} onChange={(v) => setReview(v ?? undefined)} data-testid="model-review" />
          </Descriptions.Item>
          <Descriptions.Item label={t('integration.model.trainedOn')}><span data-testid="model-training">{m.training ? pick(m.training.zh, m.training.en) : '—'}</span></Descriptions.Item>
        </Descriptions>
        {latest && (
          <Typography.Paragraph type="secondary" style={{ margin: '8px 0 0' }} data-testid="model-estimate-status">
            {t('integration.model.estimateLatest')}: <Tag color={{ queued: 'default', running: 'processing', done: 'success', failed: 'error' }[latest.status]}>{t(`integration.model.estimateStatus.${latest.status}`)}</Tag>
            {formatDateTime(latest.finishedAt ?? latest.createdAt)} {latest.requestedBy}
            {latest.status === 'done' && latest.version !== null && <> · {t('integration.model.estimateResult', { records: latest.records, pairs: latest.candidatePairs, v: latest.version })}</>}
            {latest.error && <Typography.Text type="danger"> · {pick(latest.error.zh, latest.error.en)}</Typography.Text>}
          </Typography.Paragraph>
        )}
        {editable && <Input style={{ marginTop: 8 }} maxLength={500} placeholder={t('integration.model.note')} value={note} onChange={(e) => setNote(e.target.value)} />}
      </Card>
      {editable && <FailedRecords />}
      <Row gutter={[12, 12]}>
        <Col xs={24} xl={15}>
          <Card size="small" title={t('integration.model.comparisons')}>
            <Table<LevelRow> size="small" rowKey="key" pagination={false} dataSource={rows} columns={columns} data-testid="model-levels" />
          </Card>
        </Col>
        <Col xs={24} xl={9}>
          <Card size="small" title={t('integration.model.sourceOrder')}
            extra={(order || m.orderOverridden) && editable && <Button size="small" icon={<UndoOutlined />} onClick={() => setOrder([])}>{t('integration.model.resetOrder')}</Button>}>
            <Typography.Paragraph type="secondary">{m.orderOverridden ? <Tag color="orange">{t('integration.model.overridden')}</Tag> : t('integration.model.computedOrder')}</Typography.Paragraph>
            <List
              size="small"
              dataSource={currentOrder.length ? currentOrder : m.valueRank}
              data-testid="model-source-order"
              renderItem={(code, i) => (
                <List.Item actions={editable ? [
                  <Button key="u" size="small" type="text" icon={<ArrowUpOutlined />} title={t('integration.model.up')} onClick={() => move(i, -1)} />,
                  <Button key="d" size="small" type="text" icon={<ArrowDownOutlined />} title={t('integration.model.down')} onClick={() => move(i, 1)} />,
                ] : []}>
                  <Space>
                    <Typography.Text strong>{i + 1}.</Typography.Text>
                    {sourceName(code)}
                    <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                      {steps.get(code) ? `${t('integration.model.records')} ${steps.get(code)!.records} · ${t('integration.model.overlap')} ${(steps.get(code)!.overlap * 100).toFixed(0)}%` : ''}
                    </Typography.Text>
                  </Space>
                </List.Item>
              )}
            />
          </Card>
          <Card size="small" title={t('integration.model.history')} style={{ marginTop: 12 }}>
            <List size="small" dataSource={m.history} renderItem={(h) => (
              <List.Item><Space>{h.active && <Tag color="green">✓</Tag>}v{h.version}<Typography.Text type="secondary">{formatDateTime(h.createdAt)} {h.createdBy}</Typography.Text>{h.note && pick(h.note.zh, h.note.en)}</Space></List.Item>
            )} data-testid="model-history" />
          </Card>
        </Col>
      </Row>
    </Space>
  );
}
