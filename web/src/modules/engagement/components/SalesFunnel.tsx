import { useEffect, useMemo, useState } from 'react';
import { Card, Col, Row, Segmented, Select, Space, Statistic, Table } from 'antd';
import { useTranslation } from 'react-i18next';
import { formatFen } from '../../../app/format.ts';
import { useLang } from '../../../app/useLang.ts';
import { useEngagementMeta, useFunnel } from '../api.ts';
import { EChart } from '../../../app/EChart.tsx';
import { ScopePicker, type Who } from './ScopePicker.tsx';

/** The sales funnel by stage, by value or by count, for a manager, a team or a branch. */
export function SalesFunnel() {
  const { t } = useTranslation();
  const { pick } = useLang();
  const meta = useEngagementMeta();
  const [pipelineId, setPipelineId] = useState<number>();
  const [who, setWho] = useState<Who>({});
  const [measure, setMeasure] = useState<'value' | 'count'>('value');
  const funnel = useFunnel({ pipelineId, ...who });
  useEffect(() => {
    if (!pipelineId && meta.data?.pipelines.length) setPipelineId(meta.data.pipelines[0]!.id);
  }, [meta.data]);

  const option = useMemo(() => {
    // An opportunity now in a later stage went through the earlier ones, so each layer shows what
    // reached that stage (it and every later stage, lost excluded): the funnel narrows as it should.
    const stages = (funnel.data?.stages ?? []).filter((s) => !s.isLost);
    const own = stages.map((s) => (measure === 'value' ? s.valueFen : s.count));
    const reached = own.map((_, i) => own.slice(i).reduce((a, b) => a + b, 0));
    const data = stages.map((s, i) => ({ name: pick(s.name, s.nameEn), value: measure === 'value' ? reached[i]! / 100 : reached[i]! }));
    return {
      tooltip: { trigger: 'item', formatter: measure === 'value' ? '{b}: ¥{c}' : '{b}: {c}' },
      series: [{ type: 'funnel', sort: 'none', left: '10%', width: '80%', gap: 2, minSize: '10%', label: { show: true, position: 'inside', formatter: '{b}\n{c}' }, data }],
    };
  }, [funnel.data, measure, pick]);

  const totals = funnel.data?.totals;
  return (
    <Space direction="vertical" style={{ width: '100%' }}>
      <Space wrap>
        <Select size="small" style={{ width: 160 }} value={pipelineId} onChange={setPipelineId} options={(meta.data?.pipelines ?? []).map((p) => ({ value: p.id, label: pick(p.name, p.nameEn) }))} />
        <ScopePicker value={who} onChange={setWho} />
        <Segmented size="small" value={measure} onChange={(v) => setMeasure(v as 'value' | 'count')} options={[{ value: 'value', label: t('engagement.fields.value') }, { value: 'count', label: t('engagement.fields.count') }]} />
      </Space>
      <Row gutter={12}>
        <Col xs={24} lg={12}>
          <Card size="small" data-testid="eng-funnel-chart">
            <EChart option={option} height={360} testId="eng-funnel-canvas" />
          </Card>
        </Col>
        <Col xs={24} lg={12}>
          <Space direction="vertical" style={{ width: '100%' }}>
            <Space size="large" wrap>
              <Statistic title={`${t('engagement.oppStatus.open')} · ${t('engagement.fields.value')}`} value={formatFen(totals?.openValueFen ?? 0, true)} />
              <Statistic title={t('engagement.msg.weighted')} value={formatFen(totals?.weightedFen ?? 0, true)} />
              <Statistic title={`${t('engagement.oppStatus.won')} · ${t('engagement.fields.value')}`} value={formatFen(totals?.wonValueFen ?? 0, true)} />
            </Space>
            <Table
              size="small"
              rowKey="id"
              pagination={false}
              loading={funnel.isFetching}
              dataSource={funnel.data?.stages ?? []}
              data-testid="eng-funnel-table"
              columns={[
                { title: t('engagement.fields.stage'), key: 'name', render: (_, s) => pick(s.name, s.nameEn) },
                { title: t('engagement.fields.probability'), dataIndex: 'probability', align: 'right', width: 90 },
                { title: t('engagement.fields.count'), dataIndex: 'count', align: 'right', width: 70 },
                { title: t('engagement.fields.value'), dataIndex: 'valueFen', align: 'right', render: (v: number) => formatFen(v) },
                { title: t('engagement.fields.weighted'), dataIndex: 'weightedFen', align: 'right', render: (v: number) => formatFen(v) },
              ]}
            />
          </Space>
        </Col>
      </Row>
    </Space>
  );
}
