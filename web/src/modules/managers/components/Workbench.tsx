import { useState } from 'react';
import { Link } from 'react-router';
import { Alert, Badge, Button, Card, Col, Empty, List, Result, Row, Space, Table, Tag, Typography } from 'antd';
import { EditOutlined } from '@ant-design/icons';
import dayjs from 'dayjs';
import { useTranslation } from 'react-i18next';
import { useAuth } from '../../../app/auth.tsx';
import { errorText } from '../../../app/http.ts';
import { formatDate, formatDateTime, formatFen } from '../../../app/format.ts';
import { useLang } from '../../../app/useLang.ts';
import { useWorkbench, type Stage, type Workbench as WorkbenchData } from '../api.ts';
import { EChart } from '../../../app/EChart.tsx';
import { WorkplaceHomeWidgets } from '../../workplace/components/WorkplaceHomeWidgets.tsx';
import { MyCustomersCard } from './MyCustomersCard.tsx';
import { PerformanceCard } from './PerformanceCard.tsx';
import { RemindersCard } from './RemindersCard.tsx';
import { ReportDrawer, ReportEditor } from './Reports.tsx';

const PRIORITY_COLOR: Record<string, string> = { low: 'default', normal: 'blue', high: 'orange', urgent: 'red' };

function AnalysisCard({ mix, asOf }: { mix: WorkbenchData['analysis'] | undefined; asOf: string | null | undefined }) {
  const { t } = useTranslation();
  const { pick } = useLang();
  const option = {
    tooltip: { trigger: 'item' },
    legend: { orient: 'vertical', right: 0, top: 'middle' },
    series: [{
      type: 'pie', radius: ['40%', '70%'], center: ['35%', '50%'], label: { show: false },
      data: (mix?.byLevel ?? []).map((l) => ({ name: l.levelCode ? pick(l.levelName, l.levelNameEn) : t('managers.workbench.noLevel'), value: l.count })),
    }],
  };
  return (
    <Card
      size="small" loading={!mix} data-testid="analysis-widget"
      title={<Space>{t('managers.workbench.analysis')}{asOf ? <Typography.Text type="secondary" data-testid="book-as-of">{t('managers.workbench.bookAsOf', { at: formatDateTime(asOf) })}</Typography.Text> : null}</Space>}>
      {mix && (
        <>
          <Space wrap style={{ marginBottom: 4 }}>
            <Typography.Text type="secondary">{t('managers.workbench.byStatus')}:</Typography.Text>
            {Object.entries(mix.byStatus).map(([k, n]) => <Tag key={k}>{t(`managers.status.${k}`, { defaultValue: k })} {n}</Tag>)}
          </Space>
          {mix.byLevel.length ? <EChart option={option} height={180} /> : <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} />}
        </>
      )}
    </Card>
  );
}

/** The customer manager's home page (S2.5 客户经理工作台): one request for every widget. */
export function Workbench() {
  const { t } = useTranslation();
  const { pick } = useLang();
  const { can } = useAuth();
  const wb = useWorkbench();
  const [writing, setWriting] = useState(false);
  const [reading, setReading] = useState<number | null>(null);
  if (wb.isError) return <Result status="warning" title={t('common.loadFailed')} subTitle={errorText(wb.error)} extra={<Button onClick={() => void wb.refetch()}>{t('common.retry')}</Button>} />;
  const w = wb.data;

  return (
    <div data-testid="workbench">
      <Space style={{ marginBottom: 12 }} wrap>
        <Typography.Title level={4} style={{ margin: 0 }}>{t('managers.workbench.title')}</Typography.Title>
        {w && <Typography.Text type="secondary">{t('managers.workbench.greeting', { name: w.user.displayName, today: w.today })}</Typography.Text>}
      </Space>
      {w && w.approvalsPending ? <Alert type="info" showIcon style={{ marginBottom: 12 }} message={<Link to="/team">{t('managers.workbench.approvals', { n: w.approvalsPending })}</Link>} /> : null}
      {w && w.transfers.pending ? <Alert type="info" showIcon style={{ marginBottom: 12 }} message={t('managers.workbench.myTransfers', { n: w.transfers.pending })} /> : null}
      {/* Notices, today's events and fired reminders from the work platform (W1: all on the home page). */}
      <div style={{ marginBottom: 12 }}>
        <WorkplaceHomeWidgets />
      </div>
      <Row gutter={[12, 12]}>
        <Col xs={24} xl={12}>
          {w ? <RemindersCard items={w.reminders.items} total={w.reminders.total} capped={w.reminders.totalCapped} days={w.reminderDays} /> : <Card size="small" loading />}
        </Col>
        <Col xs={24} xl={12}>
          <PerformanceCard perf={w?.performance} loading={wb.isLoading} />
        </Col>
        <Col xs={24} xl={12}>
          <Card size="small" loading={wb.isLoading} data-testid="tasks-widget"
            title={<Space>{t('managers.workbench.tasks')}{w ? <Badge count={w.tasks.totalCapped ? w.tasks.total + 1 : w.tasks.total} overflowCount={w.tasks.totalCapped ? w.tasks.total : 999} showZero color="blue" /> : null}{w?.tasks.overdue ? <Tag color="red">{t('managers.workbench.overdue', { n: w.tasks.totalCapped && w.tasks.overdue === w.tasks.total ? `${w.tasks.overdue}+` : w.tasks.overdue })}</Tag> : null}</Space>}>
            {w && (w.tasks.items.length === 0 ? <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('managers.workbench.noTasks')} /> : (
              <List size="small" dataSource={w.tasks.items} renderItem={(task) => (
                <List.Item>
                  <Space wrap>
                    <Tag color={PRIORITY_COLOR[task.priority]}>{t(`managers.priority.${task.priority}`, { defaultValue: task.priority })}</Tag>
                    <Typography.Text type={task.dueAt && dayjs(task.dueAt).isBefore(dayjs()) ? 'danger' : 'secondary'}>{t('managers.workbench.due')} {formatDateTime(task.dueAt)}</Typography.Text>
                    {task.description}
                    <Link to={`/customers/${task.customerNo}`}>{task.customerName}</Link>
                  </Space>
                </List.Item>
              )} />
            ))}
          </Card>
        </Col>
        <Col xs={24} xl={12}>
          <Card size="small" title={t('managers.workbench.pipeline')} loading={wb.isLoading} data-testid="pipeline-widget">
            {w && (w.pipeline.length === 0 ? <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('managers.workbench.noPipeline')} /> : (
              <Table<Stage> size="small" pagination={false} rowKey="stageId" dataSource={w.pipeline} columns={[
                { title: t('managers.workbench.stage'), render: (_, s) => `${pick(s.pipelineName, s.pipelineNameEn)} · ${pick(s.stageName, s.stageNameEn)}` },
                { title: t('managers.workbench.count'), dataIndex: 'count', align: 'right', width: 70 },
                { title: t('managers.workbench.value'), dataIndex: 'valueFen', align: 'right', render: (v) => formatFen(v) },
                { title: t('managers.workbench.weighted'), dataIndex: 'weightedFen', align: 'right', render: (v) => formatFen(v) },
              ]} />
            ))}
          </Card>
        </Col>
        <Col xs={24} xl={12}>
          <AnalysisCard mix={w?.analysis} asOf={w?.bookAsOf} />
        </Col>
        <Col span={24}>
          <Card size="small" title={t('managers.workbench.worklog')} loading={wb.isLoading} data-testid="worklog-widget">
            {w && (w.worklog.length === 0 ? <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('managers.workbench.noWorklog')} /> : (
              <List size="small" dataSource={w.worklog} renderItem={(c) => (
                <List.Item>
                  <Space wrap>
                    <Typography.Text type="secondary">{formatDateTime(c.startedAt)}</Typography.Text>
                    <Tag>{t(`managers.channel.${c.channel}`, { defaultValue: c.channel })}</Tag>
                    <Link to={`/customers/${c.customerNo}`}>{c.customerName}</Link>
                    {c.summary}
                  </Space>
                </List.Item>
              )} />
            ))}
          </Card>
        </Col>
        <Col span={24}>
          <MyCustomersCard />
        </Col>
        <Col span={24}>
          <Card size="small" title={t('managers.workbench.reports')} loading={wb.isLoading} data-testid="reports-widget"
            extra={<Button size="small" icon={<EditOutlined />} onClick={() => setWriting(true)} data-testid="write-report">{t('managers.workbench.writeReport')}</Button>}>
            {w && (w.reports.length === 0 ? <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('managers.workbench.noReports')} /> : (
              <List size="small" dataSource={w.reports} renderItem={(r) => (
                <List.Item actions={[<Button key="r" type="link" size="small" onClick={() => setReading(r.id)}>{t('managers.report.read')}</Button>]}>
                  <Space wrap>
                    <Tag>{t(`managers.reportKind.${r.kind}`)}</Tag>
                    {formatDate(r.periodStart)}
                    {r.submittedAt ? <Tag color="green">{formatDateTime(r.submittedAt)}</Tag> : <Tag>{t('managers.report.draft')}</Tag>}
                    <Typography.Text type="secondary" ellipsis style={{ maxWidth: 360 }}>{r.content}</Typography.Text>
                    {r.commentCount ? <Badge count={r.commentCount} color="purple" /> : null}
                  </Space>
                </List.Item>
              )} />
            ))}
          </Card>
        </Col>
      </Row>
      <ReportEditor open={writing} onClose={() => setWriting(false)} />
      <ReportDrawer id={reading} onClose={() => setReading(null)} canComment={can('customer:read')} />
    </div>
  );
}
