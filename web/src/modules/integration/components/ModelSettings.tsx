import { useEffect, useMemo, useState } from 'react';
import { Alert, App, Button, Card, Col, Descriptions, Input, InputNumber, List, Modal, Row, Skeleton, Space, Switch, Table, Tag, Typography, type TableProps } from 'antd';
import { ArrowDownOutlined, ArrowUpOutlined, CheckCircleOutlined, DiffOutlined, ExperimentOutlined, SaveOutlined, UndoOutlined } from '@ant-design/icons';
import { useTranslation } from 'react-i18next';
import { useAuth } from '../../../app/auth.tsx';
import { useLang } from '../../../app/useLang.ts';
import { errorText } from '../../../app/http.ts';
import { formatDateTime } from '../../../app/format.ts';
import { weightText } from '../format.ts';
import { estimating, useActivateModel, useEstimates, useModel, useModelVersion, useSaveModel, useStartEstimate, type Estimate, type ModelPatch, type ModelView, type VersionStatus } from '../api.ts';
import { compareWeights, type WeightDiff } from '../modelCompare.ts';
import { FailedRecords } from './FailedRecords.tsx';

const STATUS_COLOR: Record<VersionStatus, string> = { active: 'green', draft: 'gold', earlier: 'default' };

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
  const [opened, setOpened] = useState<number | null>(null);
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
                    <Typography.Text type="secondary" style={{ fontSize: 12 }} data-testid={`model-source-${code}`}>
                      {[
                        `${t('integration.model.records')} ${m.recordsExact ? '' : t('integration.model.approx')}${(m.sources.find((x) => x.code === code)?.records ?? 0).toLocaleString()}`,
                        ...(steps.get(code) ? [t('integration.model.sample', { n: steps.get(code)!.records }), `${t('integration.model.overlap')} ${(steps.get(code)!.overlap * 100).toFixed(0)}%`] : []),
                      ].join(' · ')}
                    </Typography.Text>
                  </Space>
                </List.Item>
              )}
            />
          </Card>
          <Card size="small" title={t('integration.model.history')} style={{ marginTop: 12 }}>
            {m.history.some((h) => h.status === 'draft') && (
              <Alert type="warning" showIcon style={{ marginBottom: 8 }} data-testid="model-drafts-waiting"
                message={t('integration.model.draftsWaiting', { n: m.history.filter((h) => h.status === 'draft').length })} />
            )}
            <List size="small" dataSource={m.history} renderItem={(h) => (
              <List.Item data-testid={`model-version-${h.version}`} actions={h.active ? [] : [
                <Button key="a" size="small" type={editable && h.status === 'draft' ? 'primary' : 'default'} icon={editable ? <CheckCircleOutlined /> : <DiffOutlined />}
                  onClick={() => setOpened(h.version)} data-testid={`model-open-${h.version}`}>
                  {editable ? t('integration.model.activate') : t('integration.model.compare')}
                </Button>,
              ]}>
                <Space wrap size={4}>
                  <Tag color={STATUS_COLOR[h.status]} data-testid={`model-status-${h.version}`}>{t(`integration.model.status.${h.status}`)}</Tag>
                  <Typography.Text strong>v{h.version}</Typography.Text>
                  <Typography.Text type="secondary">{formatDateTime(h.createdAt)} {h.createdBy}</Typography.Text>
                  {h.note && pick(h.note.zh, h.note.en)}
                </Space>
              </List.Item>
            )} data-testid="model-history" />
          </Card>
          {opened !== null && <VersionCompare version={opened} active={m} editable={editable} onClose={() => setOpened(null)} />}
        </Col>
      </Row>
    </Space>
  );
}

/**
 * A saved version beside the active one (thresholds and every level's weight, differences marked), and for an
 * administrator the confirmation that activates it: nothing is activated without this view.
 */
function VersionCompare({ version, active, editable, onClose }: { version: number; active: ModelView; editable: boolean; onClose: () => void }) {
  const { t } = useTranslation();
  const { pick } = useLang();
  const { message } = App.useApp();
  const q = useModelVersion(version);
  const activate = useActivateModel();
  const diffs = useMemo(() => (q.data ? compareWeights(active.model, q.data.model) : []), [q.data, active.model]);
  const changed = diffs.filter((d) => d.changed).length;
  const [onlyChanged, setOnlyChanged] = useState(true);
  const activeName = active.builtin ? t('integration.model.builtin') : `v${active.version}`;
  const num = (v: number | null) => (v === null ? <Typography.Text type="secondary">{t('integration.model.missing')}</Typography.Text> : weightText(v));
  const differs = (a: number, b: number) => (a !== b ? { background: '#fffbe6', fontWeight: 600 } : undefined);
  const run = async () => {
    try {
      await activate.mutateAsync(version);
      void message.success(t('integration.model.activated', { v: version }));
      onClose();
    } catch (err) {
      void message.error(errorText(err));
    }
  };
  const columns: TableProps<WeightDiff>['columns'] = [
    { title: t('integration.model.party'), dataIndex: 'kind', width: 80, render: (k?: string) => (k ? <Tag color={k === 'org' ? 'purple' : 'blue'}>{t(`integration.model.kind.${k}`)}</Tag> : '') },
    { title: t('integration.model.comparison'), dataIndex: 'field', width: 110, render: (f: string, r) => <span title={r.comparison}>{t(`integration.field.${f}`, { defaultValue: f })}</span> },
    { title: t('integration.model.level'), dataIndex: 'level', width: 120, render: (l: string) => t(`integration.level.${l}`, { defaultValue: l }) },
    { title: t('integration.model.activeWeight'), dataIndex: 'active', width: 110, align: 'right', render: num },
    { title: t('integration.model.otherWeight', { v: version }), dataIndex: 'other', width: 110, align: 'right', render: (v: number | null, r) => <span style={r.changed ? { fontWeight: 600 } : undefined}>{num(v)}{r.overridden ? ' *' : ''}</span> },
    {
      title: t('integration.model.difference'), dataIndex: 'delta', width: 100, align: 'right',
      render: (d: number | null, r) => (!r.changed ? <Typography.Text type="secondary">0.00</Typography.Text> : d === null ? <Tag color="orange">≠</Tag> : <Tag color={d > 0 ? 'green' : 'red'}>{weightText(d, true)}</Tag>),
    },
  ];
  const v = q.data;
  return (
    <Modal open width={860} onCancel={onClose} destroyOnHidden
      title={editable ? t('integration.model.activateTitle', { v: version }) : t('integration.model.compareTitle', { v: version })}
      footer={editable ? [
        <Button key="c" onClick={onClose}>{t('common.cancel')}</Button>,
        <Button key="ok" type="primary" icon={<CheckCircleOutlined />} loading={activate.isPending} disabled={!v} onClick={() => void run()} data-testid="model-activate-confirm">
          {t('integration.model.activateOk', { v: version })}
        </Button>,
      ] : null}>
      {q.isError ? <Typography.Text type="danger">{errorText(q.error)}</Typography.Text> : !v ? <Skeleton active /> : (
        <Space direction="vertical" size={8} style={{ width: '100%' }} data-testid="model-compare">
          {editable && <Alert type="info" showIcon message={t('integration.model.activateHint', { v: version, active: activeName })} />}
          <Table<{ key: string; label: string; a: number; b: number }> size="small" rowKey="key" pagination={false} data-testid="model-compare-thresholds"
            columns={[
              { title: '', dataIndex: 'label' },
              { title: `${t('integration.model.activeVersion')} (${activeName})`, dataIndex: 'a', align: 'right', width: 150 },
              {
                title: <Space size={4}>v{version}<Tag color={STATUS_COLOR[v.status]}>{t(`integration.model.status.${v.status}`)}</Tag></Space>, dataIndex: 'b', align: 'right', width: 150,
                render: (b: number, r) => <span style={differs(r.a, b)}>{b}</span>,
              },
            ]}
            dataSource={[
              { key: 'match', label: t('integration.model.matchThreshold'), a: active.model.matchThreshold, b: v.model.matchThreshold },
              { key: 'review', label: t('integration.model.reviewThreshold'), a: active.model.reviewThreshold, b: v.model.reviewThreshold },
            ]} />
          {v.note && <Typography.Text>{pick(v.note.zh, v.note.en)}</Typography.Text>}
          <Typography.Text type="secondary" style={{ fontSize: 12 }}>{t('integration.model.trainedOn')}: {v.training ? pick(v.training.zh, v.training.en) : '—'}</Typography.Text>
          <Space>
            <Typography.Text data-testid="model-compare-changed">{t('integration.model.changedCount', { n: changed })}</Typography.Text>
            <Switch size="small" checked={onlyChanged} onChange={setOnlyChanged} /> {t('integration.model.onlyChanged')}
          </Space>
          <Table<WeightDiff> size="small" rowKey="key" pagination={false} scroll={{ y: 360 }} columns={columns} data-testid="model-compare-weights"
            dataSource={onlyChanged ? diffs.filter((d) => d.changed) : diffs}
            rowClassName={(r) => (r.changed ? 'model-diff-changed' : '')} />
        </Space>
      )}
    </Modal>
  );
}
