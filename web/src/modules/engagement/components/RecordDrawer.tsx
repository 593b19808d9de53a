import { useState, type ReactNode } from 'react';
import { Link } from 'react-router';
import { App, Button, Descriptions, Drawer, Empty, List, Popconfirm, Result, Select, Skeleton, Space, Table, Tag, Typography } from 'antd';
import { LinkOutlined, PlusOutlined } from '@ant-design/icons';
import { useTranslation } from 'react-i18next';
import { useAuth } from '../../../app/auth.tsx';
import { errorText } from '../../../app/http.ts';
import { formatDate, formatDateTime, formatFen } from '../../../app/format.ts';
import { useLang } from '../../../app/useLang.ts';
import {
  RECORD_KINDS, useEngagementMeta, useLink, useMoveStage, useRecord, useRecords, useUnlink, type Activity, type Contact, type LinkedRecord, type Opportunity,
  type OpportunityDetail, type RecordKind, type Requirement,
} from '../api.ts';
import { RecordModal } from './RecordModal.tsx';
import { StatusTag } from './StatusTag.tsx';

export type Opened = { kind: RecordKind; id: number } | null;

const dash = (v: ReactNode) => (v === null || v === undefined || v === '' ? '—' : v);

/** One record with its fields, its links (add from this side, remove), and "create … from this". */
export function RecordDrawer({ opened, onClose, onOpen }: { opened: Opened; onClose: () => void; onOpen: (o: Opened) => void }) {
  const { t } = useTranslation();
  const { pick } = useLang();
  const { can } = useAuth();
  const { message } = App.useApp();
  const kind = opened?.kind ?? 'contact';
  const q = useRecord(kind, opened?.id ?? null);
  const meta = useEngagementMeta();
  const link = useLink();
  const unlink = useUnlink();
  const move = useMoveStage();
  const [creating, setCreating] = useState<RecordKind | null>(null);
  const [editing, setEditing] = useState(false);
  const [linkKind, setLinkKind] = useState<RecordKind | null>(null);
  const rec = q.data as (Contact & Activity & OpportunityDetail & Requirement & { links: LinkedRecord[] }) | undefined;
  const candidates = useRecords(linkKind ?? 'contact', { customerNo: rec?.customerNo, pageSize: 50 }, !!linkKind && !!rec);
  const writable = can('customer:write');
  const self = opened ? { kind: opened.kind, id: opened.id } : null;

  let body: ReactNode = null;
  if (opened && q.isPending) body = <Skeleton active />;
  else if (q.isError) body = <Result status="404" title={t('engagement.msg.notFound')} subTitle={errorText(q.error)} />;
  else if (rec && self) {
    const customer = <Link to={`/customers/${encodeURIComponent(rec.customerNo)}`}>{`${rec.customerName} (${rec.customerNo})`}</Link>;
    const items: { label: string; value: ReactNode }[] = [{ label: t('engagement.fields.customer'), value: customer }, { label: t('engagement.fields.owner'), value: rec.ownerName }];
    if (kind === 'contact') {
      items.push(
        { label: t('engagement.fields.channel'), value: t(`engagement.channel.${rec.channel}`) },
        { label: t('engagement.fields.connected'), value: rec.connected ? '✓' : '✗' },
        { label: t('engagement.fields.startedAt'), value: formatDateTime(rec.startedAt) },
        { label: t('engagement.fields.endedAt'), value: formatDateTime(rec.endedAt) },
        { label: t('engagement.fields.summary'), value: rec.summary },
        { label: t('engagement.fields.content'), value: dash(rec.content) },
      );
    } else if (kind === 'activity') {
      items.push(
        { label: t('engagement.fields.type'), value: t(`engagement.activityType.${rec.type}`) },
        { label: t('engagement.fields.status'), value: <StatusTag kind="activity" status={rec.status} /> },
        { label: t('engagement.fields.priority'), value: t(`engagement.priority.${rec.priority}`) },
        { label: t('engagement.fields.cost'), value: formatFen(rec.costFen) },
        { label: t('engagement.fields.startsAt'), value: formatDateTime(rec.startsAt) },
        { label: t('engagement.fields.endsAt'), value: formatDateTime(rec.endsAt) },
        { label: t('engagement.fields.description'), value: rec.description },
        { label: t('engagement.fields.remarks'), value: dash(rec.remarks) },
      );
    } else if (kind === 'opportunity') {
      const pipeline = meta.data?.pipelines.find((p) => p.id === rec.pipelineId);
      items.push(
        { label: t('engagement.fields.oppNo'), value: <Typography.Text copyable>{rec.oppNo}</Typography.Text> },
        { label: t('engagement.fields.status'), value: <StatusTag kind="opportunity" status={rec.status} /> },
        {
          label: t('engagement.fields.stage'),
          value: writable && rec.status !== 'won' ? (
            <Select
              size="small"
              style={{ minWidth: 160 }}
              value={rec.stageId}
              data-testid="eng-opp-stage-select"
              options={(pipeline?.stages ?? []).map((s) => ({ value: s.id, label: pick(s.name, s.nameEn) }))}
              onChange={(stageId: number) =>
                move.mutateAsync({ id: rec.id, stageId }).then(
                  (r) => void message.success(r.status === 'won' ? t('engagement.msg.wonSale', { n: r.sales.length }) : t('engagement.msg.moved', { stage: pick(r.stageName, r.stageNameEn) })),
                  (e) => void message.error(errorText(e)),
                )
              }
            />
          ) : pick(rec.stageName, rec.stageNameEn),
        },
        { label: t('engagement.fields.probability'), value: `${rec.probability}%` },
        { label: t('engagement.fields.expectedValue'), value: formatFen(rec.expectedValueFen) },
        { label: t('engagement.fields.salesMethod'), value: rec.salesMethod ? t(`engagement.salesMethod.${rec.salesMethod}`) : '—' },
        { label: t('engagement.fields.startsOn'), value: formatDate(rec.startsOn) },
        { label: t('engagement.fields.expectedClose'), value: formatDate(rec.endsOn) },
        { label: t('engagement.fields.summary'), value: rec.summary },
        { label: t('engagement.fields.content'), value: dash(rec.content) },
      );
      if (rec.lostReason) items.push({ label: t('engagement.fields.lostReason'), value: rec.lostReason });
    } else {
      items.push(
        { label: t('engagement.fields.status'), value: <StatusTag kind="requirement" status={rec.status} /> },
        { label: t('engagement.fields.subStatus'), value: dash(rec.subStatus) },
        { label: t('engagement.fields.severity'), value: t(`engagement.severity.${rec.severity}`) },
        { label: t('engagement.fields.urgency'), value: t(`engagement.urgency.${rec.urgency}`) },
        { label: t('engagement.fields.startsOn'), value: formatDate(rec.startsOn) },
        { label: t('engagement.fields.endsOn'), value: formatDate(rec.endsOn) },
        { label: t('engagement.fields.summary'), value: rec.summary },
        { label: t('engagement.fields.content'), value: dash(rec.content) },
      );
    }
    const linkedIds = new Set(rec.links.filter((l) => l.kind === linkKind).map((l) => l.id));
    body = (
      <Space direction="vertical" style={{ width: '100%' }} size={12}>
        <Descriptions size="small" bordered column={1} items={items.map((i, n) => ({ key: n, label: i.label, children: i.value }))} data-testid="eng-record-fields" />
        {kind === 'opportunity' && (
          <Table
            size="small"
            rowKey="productCode"
            pagination={false}
            dataSource={rec.products}
            data-testid="eng-opp-products"
            columns={[
              { title: t('engagement.fields.product'), key: 'p', render: (_, p) => pick(p.name, p.nameEn) },
              { title: t('engagement.fields.amount'), dataIndex: 'amountFen', align: 'right', render: (v: number) => formatFen(v) },
            ]}
          />
        )}
        {kind === 'opportunity' && rec.sales.length > 0 && (
          <Table
            size="small"
            rowKey="id"
            pagination={false}
            dataSource={rec.sales}
            data-testid="eng-opp-sales"
            title={() => t('engagement.msg.teamSales')}
            columns={[
              { title: t('engagement.fields.soldOn'), dataIndex: 'soldOn', width: 110 },
              { title: t('engagement.fields.product'), dataIndex: 'productCode' },
              { title: t('engagement.fields.amount'), dataIndex: 'amountFen', align: 'right', render: (v: number) => formatFen(v) },
              { title: t('engagement.fields.commission'), dataIndex: 'commissionFen', align: 'right', render: (v: number) => formatFen(v) },
            ]}
          />
        )}
        {writable && (
          <Space wrap>
            <Button size="small" onClick={() => setEditing(true)} data-testid="eng-record-edit">{t('common.edit')}</Button>
            {RECORD_KINDS.filter((k) => k !== kind).map((k) => (
              <Button key={k} size="small" icon={<PlusOutlined />} onClick={() => setCreating(k)} data-testid={`eng-create-${k}-from`}>
                {`${t('engagement.actions.createFrom')}: ${t(`engagement.kind.${k}`)}`}
              </Button>
            ))}
          </Space>
        )}
        <List
          size="small"
          bordered
          header={<Typography.Text strong><LinkOutlined /> {t('engagement.actions.link')}</Typography.Text>}
          locale={{ emptyText: <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('engagement.msg.noLinks')} /> }}
          dataSource={rec.links}
          data-testid="eng-record-links"
          renderItem={(l) => (
            <List.Item
              actions={writable ? [
                <Popconfirm key="u" title={t('engagement.msg.confirmUnlink')} onConfirm={() => unlink.mutateAsync({ from: self, to: { kind: l.kind, id: l.id } }).then(() => void message.success(t('engagement.msg.unlinked')), (e) => void message.error(errorText(e)))}>
                  <Button size="small" type="link" danger>{t('engagement.actions.unlink')}</Button>
                </Popconfirm>,
              ] : []}
            >
              <Space>
                <Tag>{t(`engagement.kind.${l.kind}`)}</Tag>
                <Typography.Link onClick={() => onOpen({ kind: l.kind, id: l.id })}>{l.title}</Typography.Link>
                <Typography.Text type="secondary">{formatDateTime(l.at)}</Typography.Text>
              </Space>
            </List.Item>
          )}
        />
        {writable && (
          <Space wrap>
            <Select
              size="small"
              style={{ width: 130 }}
              placeholder={t('engagement.actions.addLink')}
              value={linkKind ?? undefined}
              onChange={setLinkKind}
              options={RECORD_KINDS.filter((k) => k !== kind).map((k) => ({ value: k, label: t(`engagement.kind.${k}`) }))}
            />
            {linkKind && (
              <Select
                size="small"
                style={{ width: 320 }}
                showSearch
                optionFilterProp="label"
                loading={candidates.isFetching}
                placeholder={t(`engagement.kind.${linkKind}`)}
                data-testid="eng-link-target"
                options={(candidates.data?.items ?? []).filter((x) => !linkedIds.has(x.id)).map((x) => ({ value: x.id, label: titleOf(linkKind, x as never) }))}
                onChange={(id: number) =>
                  link.mutateAsync({ from: self, to: { kind: linkKind, id } }).then(() => { message.success(t('engagement.msg.linked')); setLinkKind(null); }, (e) => void message.error(errorText(e)))
                }
              />
            )}
          </Space>
        )}
        {creating && (
          <RecordModal kind={creating} open onClose={() => setCreating(null)} customerNo={rec.customerNo} linkTo={self} onSaved={(r) => onOpen({ kind: creating, id: r.id })} />
        )}
        <RecordModal kind={kind} open={editing} onClose={() => setEditing(false)} record={rec as never} />
      </Space>
    );
  }
  return (
    <Drawer open={!!opened} onClose={onClose} width={640} title={opened ? `${t(`engagement.kind.${opened.kind}`)} #${opened.id}` : ''} destroyOnHidden data-testid="eng-record-drawer">
      {body}
    </Drawer>
  );
}

/** A one-line label of a record for pickers and cards. */
export function titleOf(kind: RecordKind, r: Contact & Activity & Opportunity & Requirement): string {
  switch (kind) {
    case 'contact':
      return `${formatDateTime(r.startedAt).slice(0, 16)} ${r.summary}`;
    case 'activity':
      return `${formatDateTime(r.startsAt).slice(0, 16)} ${r.description}`;
    case 'opportunity':
      return `${r.oppNo} ${r.summary}`;
    default:
      return r.summary;
  }
}
