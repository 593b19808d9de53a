import { useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { Alert, App, Button, Card, Checkbox, Col, Descriptions, Input, Radio, Result, Row, Skeleton, Space, Statistic, Table, Tag, Tooltip, Typography, type TableProps } from 'antd';
import { ArrowLeftOutlined, CheckOutlined, CloseOutlined } from '@ant-design/icons';
import { useTranslation } from 'react-i18next';
import { useAuth } from '../../../app/auth.tsx';
import { useLang } from '../../../app/useLang.ts';
import { langOf } from '../../../app/i18n.ts';
import { ApiError, errorText } from '../../../app/http.ts';
import { formatFen } from '../../../app/format.ts';
import { useDecide, useReview, type FieldEvidence, type Side, type SideRecord } from '../api.ts';
import { pct, ReviewStatusTag, ZoneTag } from './IntegrationTags.tsx';
import { bilingualNote, conflictKind, conflictText, integrationErrorText, weightText } from '../format.ts';

const FIELDS = ['name', 'id_no', 'mobile', 'email', 'birth_date', 'gender', 'address', 'employer'];

function SideCard({ side, title, evidence }: { side: Side; title: string; evidence: Map<string, FieldEvidence> }) {
  const { t } = useTranslation();
  const { pick } = useLang();
  const recordColumns: TableProps<SideRecord>['columns'] = [
    { title: t('integration.lineage.source'), dataIndex: 'sourceName', width: 110, render: (v: string, r) => pick(v, r.sourceNameEn) },
    { title: t('integration.lineage.recordKey'), dataIndex: 'recordKey', width: 110, render: (v: string, r) => (r.highlighted ? <Tag color="gold">{v}</Tag> : v) },
    { title: t('integration.field.name'), dataIndex: 'name', width: 90 },
    {
      title: t('integration.field.id_no'), dataIndex: 'idNo', width: 170,
      render: (v: string | null, r) => (r.idUnverified
        ? <Space size={4} wrap>{v}<Tooltip title={t('integration.lineage.idUnverifiedHelp')}><Tag color="orange">{t('integration.lineage.idUnverified')}</Tag></Tooltip></Space>
        : v),
    },
    { title: t('integration.field.mobile'), dataIndex: 'mobile', width: 130 },
    { title: t('integration.field.address'), dataIndex: 'address' },
  ];
  return (
    <Card size="small" title={<Space>{title}<Link to={`/customers/${side.customerNo}`}>{side.customerNo}</Link>{side.deleted && <Tag>{t('integration.detail.deleted')}</Tag>}</Space>} data-testid={`review-side-${title}`}>
      <Descriptions size="small" column={1} bordered styles={{ label: { width: 110 } }}>
        {FIELDS.map((f) => {
          const e = evidence.get(f);
          const good = e && e.weight > 0;
          return (
            <Descriptions.Item key={f} label={t(`integration.field.${f}`)}>
              <Typography.Text type={e ? (good ? 'success' : e.weight < 0 ? 'danger' : undefined) : undefined}>{side.fields[f] ?? '—'}</Typography.Text>
            </Descriptions.Item>
          );
        })}
        <Descriptions.Item label={t('integration.detail.aum')}>{formatFen(side.aumFen, true)}</Descriptions.Item>
        <Descriptions.Item label={t('integration.detail.orgManager')}>{side.orgName} / {side.managerName ?? '—'}</Descriptions.Item>
      </Descriptions>
      <Typography.Title level={5} style={{ marginTop: 12 }}>{t('integration.detail.records')}</Typography.Title>
      <Table<SideRecord> size="small" rowKey="id" pagination={false} dataSource={side.records} columns={recordColumns} scroll={{ x: 700 }} />
    </Card>
  );
}

/** Side-by-side comparison of a pair with the engine's evidence per field; confirm (merge) or reject. */
export function ReviewDetail() {
  const { t, i18n } = useTranslation();
  const { message } = App.useApp();
  const navigate = useNavigate();
  const id = Number(useParams().id);
  const q = useReview(id);
  const decide = useDecide(id);
  const [survivorNo, setSurvivorNo] = useState<string>();
  const [note, setNote] = useState('');
  const [override, setOverride] = useState(false);
  const { can } = useAuth();

  if (q.isPending) return <Skeleton active paragraph={{ rows: 10 }} />;
  if (q.isError) {
    const nf = q.error instanceof ApiError && q.error.status === 404;
    return <Result status={nf ? '404' : 'error'} title={nf ? t('common.notFound', { defaultValue: '404' }) : errorText(q.error)} extra={<Button onClick={() => navigate('/integration/reviews')}>{t('integration.detail.backToQueue')}</Button>} />;
  }
  const r = q.data;
  const evidence = new Map(r.fields.map((f) => [f.field, f]));
  // As the server decides without a choice: the more valuable customer, else the older number.
  const aumA = Number(r.a.aumFen), aumB = Number(r.b.aumFen);
  const survivor = survivorNo ?? (aumA !== aumB ? (aumA > aumB ? r.a.customerNo : r.b.customerNo) : r.a.customerNo < r.b.customerNo ? r.a.customerNo : r.b.customerNo);
  const run = async (decision: 'confirm' | 'reject') => {
    try {
      // The pair as shown: the server refuses (409) a pair that changed since (re-pointed, merged, unmerged).
      const seen = { aNo: r.a.customerNo, bNo: r.b.customerNo, version: r.version };
      const res = await decide.mutateAsync({ decision, note: note.trim() || undefined, ...seen, ...(decision === 'confirm' ? { survivorNo: survivor, overrideConflict: override || undefined } : {}) });
      if (res.status === 'confirmed') {
        void message.success(t('integration.detail.confirmed', { no: res.survivorNo }));
        navigate(`/customers/${res.survivorNo}`);
      } else {
        void message.success(t('integration.detail.rejected'));
        navigate('/integration/reviews');
      }
    } catch (err) {
      void message.error(integrationErrorText(t, err));
      // Decided by someone else, or changed since it was opened: show the pair as it is now (choices made on the old one dropped).
      if (err instanceof ApiError && err.status === 409 && !err.fields.some((f) => f.field === 'overrideConflict')) {
        setSurvivorNo(undefined);
        setOverride(false);
        void q.refetch().then(() => message.info(t('integration.detail.reloaded')));
      }
    }
  };
  const evidenceColumns: TableProps<FieldEvidence>['columns'] = [
    { title: t('integration.lineage.field'), dataIndex: 'field', onCell: () => ({ style: { whiteSpace: 'nowrap' } }), render: (f: string) => t(`integration.field.${f}`, { defaultValue: f }) },
    { title: t('integration.detail.level'), dataIndex: 'level', onCell: () => ({ style: { wordBreak: 'keep-all', overflowWrap: 'break-word' } }), render: (l: string) => t(`integration.level.${l}`, { defaultValue: l }) },
    { title: t('integration.detail.weight'), dataIndex: 'weight', align: 'right', width: 72, onCell: () => ({ style: { whiteSpace: 'nowrap' } }), render: (w: number) => <Typography.Text type={weightText(w) === '0.00' ? 'secondary' : w > 0 ? 'success' : 'danger'}>{weightText(w, true)}</Typography.Text> },
  ];
  return (
    <Space direction="vertical" size={12} style={{ width: '100%' }}>
      <Card size="small">
        <Row gutter={16} align="middle">
          <Col flex="auto">
            <Space>
              <Button type="text" icon={<ArrowLeftOutlined />} onClick={() => navigate('/integration/reviews')} title={t('integration.detail.backToQueue')} />
              <Typography.Title level={4} style={{ margin: 0 }}>{t('integration.detail.title')}</Typography.Title>
              <ReviewStatusTag status={r.status} />
              <Tag>{t(`integration.origin.${r.origin}`)}</Tag>
            </Space>
          </Col>
          <Col><Statistic title={t('integration.detail.total')} value={r.score === null ? '—' : r.score.toFixed(2)} /></Col>
          <Col><Statistic title={t('integration.queue.probability')} value={pct(r.probability)} /></Col>
          <Col><Space direction="vertical" size={0}><Typography.Text type="secondary">{t('integration.queue.zone')}</Typography.Text><span data-testid="review-zone"><ZoneTag zone={r.zone} /></span></Space></Col>
        </Row>
        {r.note && <Typography.Paragraph type="secondary" style={{ marginTop: 8, marginBottom: 0 }} data-testid="review-note-text">{bilingualNote(t, langOf(i18n.language), r.note)}</Typography.Paragraph>}
      </Card>
      {r.conflict && <Alert type="error" showIcon message={t(conflictKind(r.conflict) === 'sameIdOtherName' ? 'integration.detail.conflictWarnSameId' : 'integration.detail.conflictWarn')} description={conflictText(t, r.conflict)} data-testid="review-conflict" />}
      <Row gutter={[12, 12]}>
        <Col xs={24} xl={9}><SideCard side={r.a} title="A" evidence={evidence} /></Col>
        <Col xs={24} xl={6}>
          <Card size="small" title={t('integration.detail.evidence')}>
            <Table<FieldEvidence> size="small" rowKey="field" pagination={false} dataSource={r.fields} columns={evidenceColumns} scroll={{ x: 'max-content' }} data-testid="review-evidence" />
          </Card>
        </Col>
        <Col xs={24} xl={9}><SideCard side={r.b} title="B" evidence={evidence} /></Col>
      </Row>
      {r.status === 'pending' ? (
        <Card size="small">
          <Space direction="vertical" style={{ width: '100%' }}>
            <Space wrap>
              <Typography.Text>{t('integration.detail.survivor')}</Typography.Text>
              <Radio.Group value={survivor} onChange={(e) => setSurvivorNo(e.target.value)} data-testid="review-survivor">
                <Radio value={r.a.customerNo}>A · {r.a.customerNo} {r.a.name}</Radio>
                <Radio value={r.b.customerNo}>B · {r.b.customerNo} {r.b.name}</Radio>
              </Radio.Group>
              {/* Two different valid ID numbers made one customer: a supervisor's or data steward's call (integration:manage), never offered to others. */}
              {r.conflict && (conflictKind(r.conflict) === 'sameIdOtherName' || can('integration:manage')
                ? <Checkbox checked={override} onChange={(e) => setOverride(e.target.checked)} data-testid="review-override">{t(conflictKind(r.conflict) === 'sameIdOtherName' ? 'integration.detail.overrideSameId' : 'integration.detail.overrideConflict')}</Checkbox>
                : <Typography.Text type="warning" data-testid="review-override-needs-manage">{t('integration.detail.overrideNeedsManage')}</Typography.Text>)}
            </Space>
            <Input.TextArea rows={2} maxLength={500} placeholder={t('integration.detail.note')} value={note} onChange={(e) => setNote(e.target.value)} data-testid="review-note" />
            <Space>
              {r.proposedByMe
                ? <Typography.Text type="secondary" data-testid="review-own-proposal">{t('integration.detail.ownProposal')}</Typography.Text>
                : (
                  <Button type="primary" icon={<CheckOutlined />} loading={decide.isPending} disabled={!!r.conflict && !override} onClick={() => void run('confirm')} data-testid="review-confirm">
                    {t('integration.detail.confirm')}
                  </Button>
                )}
              <Button danger icon={<CloseOutlined />} loading={decide.isPending} onClick={() => void run('reject')} data-testid="review-reject">
                {t('integration.detail.reject')}
              </Button>
            </Space>
          </Space>
        </Card>
      ) : (
        <Alert type="info" showIcon message={t('integration.detail.decided', { status: t(`integration.status.${r.status}`) })} />
      )}
    </Space>
  );
}
