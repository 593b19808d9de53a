import { useEffect, useState, type DragEvent } from 'react';
import { App, Badge, Card, Empty, Select, Space, Spin, Switch, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { useAuth } from '../../../app/auth.tsx';
import { errorText } from '../../../app/http.ts';
import { formatFen } from '../../../app/format.ts';
import { useLang } from '../../../app/useLang.ts';
import { useBoard, useEngagementMeta, useMoveStage, type BoardStage, type Opportunity } from '../api.ts';
import { RecordDrawer, type Opened } from './RecordDrawer.tsx';

const DRAG_TYPE = 'application/x-banyan-opportunity';

/** Pipeline as a kanban (S2.3): one column per stage; drag a card to another stage, or pick one from its menu. */
export function PipelineBoard() {
  const { t } = useTranslation();
  const { pick } = useLang();
  const { user, can } = useAuth();
  const { message } = App.useApp();
  const meta = useEngagementMeta();
  const [pipelineId, setPipelineId] = useState<number>();
  const [mine, setMine] = useState(false);
  const [over, setOver] = useState<number | null>(null);
  const [opened, setOpened] = useState<Opened>(null);
  const board = useBoard({ pipelineId, ownerId: mine ? user?.id : undefined });
  const move = useMoveStage();
  const writable = can('customer:write');

  useEffect(() => {
    if (!pipelineId && meta.data?.pipelines.length) setPipelineId(meta.data.pipelines.find((p) => p.active)?.id);
  }, [meta.data]);

  const moveTo = (card: Opportunity, stage: BoardStage) => {
    if (card.stageId === stage.id) return;
    move.mutateAsync({ id: card.id, stageId: stage.id }).then(
      (r) => void message.success(r.status === 'won' ? t('engagement.msg.wonSale', { n: r.sales.length }) : t('engagement.msg.moved', { stage: pick(stage.name, stage.nameEn) })),
      (e) => void message.error(errorText(e)),
    );
  };

  const onDrop = (e: DragEvent, stage: BoardStage) => {
    e.preventDefault();
    setOver(null);
    const id = Number(e.dataTransfer.getData(DRAG_TYPE) || e.dataTransfer.getData('text/plain'));
    const card = board.data?.stages.flatMap((s) => s.cards).find((c) => c.id === id);
    if (card) moveTo(card, stage);
  };

  return (
    <>
      <Space style={{ marginBottom: 8 }} wrap>
        <Select
          size="small"
          style={{ width: 160 }}
          value={pipelineId}
          onChange={setPipelineId}
          data-testid="eng-board-pipeline"
          options={(meta.data?.pipelines ?? []).map((p) => ({ value: p.id, label: pick(p.name, p.nameEn) }))}
        />
        <Switch size="small" checked={mine} onChange={setMine} /> <Typography.Text>{t('engagement.msg.onlyMine')}</Typography.Text>
        {(board.isFetching || move.isPending) && <Spin size="small" />}
      </Space>
      <div style={{ display: 'flex', gap: 8, overflowX: 'auto', paddingBottom: 8 }} data-testid="eng-board">
        {(board.data?.stages ?? []).map((s) => (
          <div
            key={s.id}
            data-testid={`eng-board-col-${s.code}`}
            onDragOver={(e) => { if (writable) { e.preventDefault(); setOver(s.id); } }}
            onDragLeave={() => setOver((o) => (o === s.id ? null : o))}
            onDrop={(e) => onDrop(e, s)}
            style={{
              minWidth: 220, width: 220, flex: '0 0 220px', background: over === s.id ? '#e6f4ff' : s.isWon ? '#f6ffed' : s.isLost ? '#fff1f0' : '#fafafa',
              border: '1px solid #f0f0f0', borderRadius: 6, padding: 6, minHeight: 300,
            }}
          >
            <Space style={{ width: '100%', justifyContent: 'space-between', marginBottom: 6 }}>
              <Typography.Text strong>{pick(s.name, s.nameEn)}</Typography.Text>
              <Badge count={s.count} showZero color={s.isWon ? 'green' : s.isLost ? 'red' : 'blue'} />
            </Space>
            <Typography.Text type="secondary" style={{ fontSize: 12, display: 'block', marginBottom: 6 }} data-testid={`eng-board-sum-${s.code}`}>
              {formatFen(s.valueFen, true)} · {s.probability}%
            </Typography.Text>
            {s.cards.length === 0 && <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('engagement.msg.dropHere')} />}
            {s.cards.map((c) => (
              <Card
                key={c.id}
                size="small"
                hoverable
                style={{ marginBottom: 6, cursor: writable && c.status !== 'won' ? 'grab' : 'pointer' }}
                draggable={writable && c.status !== 'won'}
                onDragStart={(e) => { e.dataTransfer.setData(DRAG_TYPE, String(c.id)); e.dataTransfer.setData('text/plain', String(c.id)); e.dataTransfer.effectAllowed = 'move'; }}
                onClick={() => setOpened({ kind: 'opportunity', id: c.id })}
                data-testid={`eng-card-${c.oppNo}`}
              >
                <Typography.Text strong ellipsis style={{ display: 'block' }}>{c.summary}</Typography.Text>
                <Typography.Text type="secondary" style={{ fontSize: 12, display: 'block' }} ellipsis>{`${c.customerName} · ${c.ownerName}`}</Typography.Text>
                <Space style={{ width: '100%', justifyContent: 'space-between' }}>
                  <Typography.Text style={{ fontSize: 12 }}>{formatFen(c.expectedValueFen, true)}</Typography.Text>
                  {writable && c.status !== 'won' && (
                    <span onClick={(e) => e.stopPropagation()}>
                      <Select
                        size="small"
                        variant="borderless"
                        style={{ width: 96 }}
                        placeholder={t('engagement.actions.moveTo')}
                        value={null}
                        data-testid={`eng-card-move-${c.oppNo}`}
                        onChange={(stageId: number) => { const to = board.data?.stages.find((x) => x.id === stageId); if (to) moveTo(c, to); }}
                        options={(board.data?.stages ?? []).filter((x) => x.id !== c.stageId).map((x) => ({ value: x.id, label: pick(x.name, x.nameEn) }))}
                      />
                    </span>
                  )}
                </Space>
              </Card>
            ))}
            {s.count > s.cards.length && <Typography.Text type="secondary">{t('engagement.msg.more', { n: s.count - s.cards.length })}</Typography.Text>}
          </div>
        ))}
      </div>
      <RecordDrawer opened={opened} onClose={() => setOpened(null)} onOpen={setOpened} />
    </>
  );
}
