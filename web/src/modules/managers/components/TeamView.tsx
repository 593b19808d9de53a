import { useState } from 'react';
import { Link } from 'react-router';
import { App, Badge, Button, Card, Drawer, Input, Modal, Segmented, Select, Space, Table, Tabs, Tag, Tooltip, Typography, type TableProps } from 'antd';
import { CheckOutlined, CloseOutlined, DownloadOutlined } from '@ant-design/icons';
import { useTranslation } from 'react-i18next';
import { useAuth } from '../../../app/auth.tsx';
import { errorText } from '../../../app/http.ts';
import { formatDate, formatDateTime, formatFen } from '../../../app/format.ts';
import { useLang } from '../../../app/useLang.ts';
import {
  managersApi, REPORT_KINDS, useManagersMutation, usePerformance, useReports, useTeam, useTransfers,
  type Report, type ReportKind, type TeamRow, type Transfer, type TransferStatus,
} from '../api.ts';
import { PerformanceCard } from './PerformanceCard.tsx';
import { ReportDrawer } from './Reports.tsx';
import { useSingleFlight } from '../../../app/useSingleFlight.ts';
import { useUrlParam } from '../../../app/useUrlParam.ts';

function Members({ onOpen }: { onOpen: (r: TeamRow) => void }) {
  const { t } = useTranslation();
  const { pick } = useLang();
  const { can } = useAuth();
  const { message } = App.useApp();
  const team = useTeam();
  const columns: TableProps<TeamRow>['columns'] = [
    { title: t('managers.fields.name'), dataIndex: 'displayName', fixed: 'left', width: 120, render: (v, r) => <a onClick={() => onOpen(r)} data-testid={`team-member-${r.username}`}>{v}</a> },
    { title: t('managers.fields.org'), width: 140, ellipsis: true, render: (_, r) => pick(r.orgName, r.orgNameEn) },
    { title: t('managers.fields.level'), dataIndex: 'level', width: 100, render: (v: string | null) => (v ? t(`managers.level.${v}`) : '—') },
    { title: t('managers.fields.customerCount'), dataIndex: 'customers', align: 'right', width: 100, sorter: (a, b) => a.customers - b.customers },
    { title: t('managers.fields.aum'), dataIndex: 'aumFen', align: 'right', width: 140, render: (v) => formatFen(v), sorter: (a, b) => Number(a.aumFen) - Number(b.aumFen) },
    { title: t('managers.workbench.deposits'), dataIndex: 'depositsFen', align: 'right', width: 140, render: (v) => formatFen(v) },
    { title: t('managers.workbench.loans'), dataIndex: 'loansFen', align: 'right', width: 140, render: (v) => formatFen(v) },
    { title: t('managers.team.contactsWeek'), align: 'right', width: 80, render: (_, r) => r.contacts.week },
    { title: t('managers.team.contactsMonth'), align: 'right', width: 80, render: (_, r) => r.contacts.month },
    { title: t('managers.team.activitiesMonth'), align: 'right', width: 80, render: (_, r) => `${r.activities.doneMonth}/${r.activities.month}` },
    { title: t('managers.team.opps'), align: 'right', width: 80, render: (_, r) => r.pipeline.count },
    { title: t('managers.team.oppValue'), align: 'right', width: 130, render: (_, r) => formatFen(r.pipeline.valueFen) },
    { title: t('managers.team.salesMonth'), align: 'right', width: 130, render: (_, r) => formatFen(r.salesMonth.amountFen) },
    {
      title: t('managers.team.overdue'), align: 'right', width: 80, render: (_, r) => {
        const n = r.overdue.activities + r.overdue.service + r.overdue.reminders;
        return <Tooltip title={t('managers.team.overdueDetail', { a: r.overdue.activities, s: r.overdue.service, r: r.overdue.reminders })}>{n ? <Tag color="red">{n}</Tag> : 0}</Tooltip>;
      },
    },
  ];
  return (
    <Card size="small" title={team.data ? `${t('managers.team.members')} · ${team.data.asOf}` : t('managers.team.members')}
      extra={can('customer:export') && <Button size="small" icon={<DownloadOutlined />} onClick={() => managersApi.exportTeam().catch((e) => message.error(errorText(e)))}>{t('common.export')}</Button>}>
      <Table<TeamRow> size="small" rowKey="userId" columns={columns} dataSource={team.data?.items ?? []} loading={team.isLoading} scroll={{ x: 1500 }}
        pagination={{ pageSize: 50, size: 'small', showTotal: (total) => t('common.total', { total }) }} data-testid="team-table" />
    </Card>
  );
}

function Approvals() {
  const { t } = useTranslation();
  const { can } = useAuth();
  const { message } = App.useApp();
  const [status, setStatus] = useUrlParam<TransferStatus>('status', 'pending');
  const [page, setPage] = useState({ page: 1, pageSize: 20 });
  const [rejecting, setRejecting] = useState<Transfer | null>(null);
  const [note, setNote] = useState('');
  const list = useTransfers({ status, ...page });
  const decide = useManagersMutation((a: { id: number; decision: 'approve' | 'reject'; note?: string }) => managersApi.decide(a.id, a.decision, a.note));
  const [run, deciding] = useSingleFlight((a: { id: number; decision: 'approve' | 'reject'; note?: string }) =>
    decide.mutateAsync(a).then(() => {
      message.success(a.decision === 'approve' ? t('managers.transfer.approved') : t('managers.transfer.rejected'));
      setRejecting(null);
    }, (e) => message.error(errorText(e))));
  const columns: TableProps<Transfer>['columns'] = [
    { title: t('managers.fields.customer'), render: (_, r) => <Link to={`/customers/${r.customerNo}`}>{r.customerName}</Link> },
    { title: t('managers.fields.aum'), dataIndex: 'aumFen', align: 'right', render: (v) => formatFen(v) },
    { title: t('managers.fields.fromManager'), dataIndex: 'fromManagerName' },
    { title: t('managers.fields.toManager'), dataIndex: 'toManagerName' },
    { title: t('managers.fields.reason'), dataIndex: 'reason', ellipsis: true },
    { title: t('managers.fields.requestedBy'), dataIndex: 'requestedByName' },
    { title: t('managers.fields.createdAt'), dataIndex: 'createdAt', render: (v) => formatDateTime(v) },
    { title: t('managers.fields.status'), dataIndex: 'status', render: (v: TransferStatus, r) => <Tooltip title={r.decisionNote}><Tag>{t(`managers.transferStatus.${v}`)}</Tag></Tooltip> },
    {
      title: t('common.actions'), width: 170, render: (_, r) => r.status === 'pending' && (
        <Space>
          <Button size="small" type="primary" icon={<CheckOutlined />} loading={deciding} onClick={() => void run({ id: r.id, decision: 'approve' })} data-testid={`approve-${r.id}`}>{t('managers.transfer.approve')}</Button>
          <Button size="small" danger icon={<CloseOutlined />} onClick={() => { setNote(''); setRejecting(r); }}>{t('managers.transfer.reject')}</Button>
        </Space>
      ),
    },
  ];
  return (
    <Card size="small" title={t('managers.transfer.inbox')}
      extra={
        <Space>
          <Segmented size="small" value={status} onChange={(v) => { setStatus(v as TransferStatus); setPage((p) => ({ ...p, page: 1 })); }}
            options={(['pending', 'approved', 'rejected', 'cancelled'] as const).map((s) => ({ value: s, label: t(`managers.transferStatus.${s}`) }))} />
          {can('customer:export') && <Button size="small" icon={<DownloadOutlined />} onClick={() => managersApi.exportTransfers(status).catch((e) => message.error(errorText(e)))}>{t('common.export')}</Button>}
        </Space>
      }>
      <Table<Transfer> size="small" rowKey="id" columns={columns} dataSource={list.data?.items ?? []} loading={list.isFetching}
        pagination={{ current: page.page, pageSize: page.pageSize, total: list.data?.total ?? 0, size: 'small', onChange: (p, s) => setPage({ page: p, pageSize: s }) }} />
      <Modal open={!!rejecting} title={t('managers.transfer.reject')} onCancel={() => setRejecting(null)} confirmLoading={deciding}
        onOk={() => (note.trim() ? void run({ id: rejecting!.id, decision: 'reject', note: note.trim() }) : message.warning(t('managers.transfer.noteRequired')))}>
        <Input.TextArea rows={3} maxLength={500} value={note} onChange={(e) => setNote(e.target.value)} placeholder={t('managers.transfer.rejectNote')} />
      </Modal>
    </Card>
  );
}

function Reports({ onRead }: { onRead: (id: number) => void }) {
  const { t } = useTranslation();
  const { pick } = useLang();
  const { can } = useAuth();
  const { message } = App.useApp();
  const [kind, setKind] = useState<ReportKind | undefined>();
  const [page, setPage] = useState({ page: 1, pageSize: 20 });
  const list = useReports({ kind, submittedOnly: true, ...page });
  const columns: TableProps<Report>['columns'] = [
    { title: t('managers.fields.author'), dataIndex: 'authorName', width: 120 },
    { title: t('managers.fields.org'), width: 140, render: (_, r) => pick(r.orgName, r.orgNameEn) },
    { title: t('managers.fields.kind'), dataIndex: 'kind', width: 100, render: (v: ReportKind) => t(`managers.reportKind.${v}`) },
    { title: t('managers.fields.periodStart'), dataIndex: 'periodStart', width: 110, render: (v) => formatDate(v) },
    { title: t('managers.fields.content'), dataIndex: 'content', ellipsis: true },
    { title: t('managers.fields.submittedAt'), dataIndex: 'submittedAt', width: 160, render: (v) => formatDateTime(v) },
    { title: t('managers.fields.comments'), dataIndex: 'commentCount', width: 70, align: 'right', render: (v: number) => <Badge count={v} showZero color={v ? 'purple' : 'gray'} /> },
    { title: t('common.actions'), width: 80, render: (_, r) => <Button size="small" type="link" onClick={() => onRead(r.id)} data-testid={`read-report-${r.authorName}`}>{t('managers.report.read')}</Button> },
  ];
  return (
    <Card size="small" title={t('managers.team.reports')}
      extra={
        <Space>
          <Select allowClear size="small" style={{ width: 140 }} placeholder={t('managers.fields.kind')} value={kind} onChange={(v) => setKind(v)}
            options={REPORT_KINDS.map((k) => ({ value: k, label: t(`managers.reportKind.${k}`) }))} />
          {can('customer:export') && <Button size="small" icon={<DownloadOutlined />} onClick={() => managersApi.exportReports(kind).catch((e) => message.error(errorText(e)))}>{t('common.export')}</Button>}
        </Space>
      }>
      <Table<Report> size="small" rowKey="id" columns={columns} dataSource={list.data?.items ?? []} loading={list.isFetching} data-testid="team-reports"
        pagination={{ current: page.page, pageSize: page.pageSize, total: list.data?.total ?? 0, size: 'small', onChange: (p, s) => setPage({ page: p, pageSize: s }) }} />
    </Card>
  );
}

/** Supervisor's view of the team: activity, pipeline, performance and overdue work per manager; approvals; reports. */
export function TeamView() {
  const { t } = useTranslation();
  const team = useTeam();
  const [member, setMember] = useState<TeamRow | null>(null);
  const [reading, setReading] = useState<number | null>(null);
  const perf = usePerformance(member?.userId ?? null);
  // The tab is in the address: a reload keeps it, Back returns to the tab before.
  const [tab, setTab] = useUrlParam<'members' | 'approvals' | 'reports'>('tab', 'members');
  return (
    <div data-testid="team-view">
      <Typography.Title level={4}>{t('managers.team.title')}</Typography.Title>
      <Tabs activeKey={tab} onChange={(k) => setTab(k as typeof tab)} items={[
        { key: 'members', label: <span data-testid="tab-members">{t('managers.team.members')}</span>, children: <Members onOpen={setMember} /> },
        { key: 'approvals', label: <Badge count={team.data?.pendingTransfers ?? 0} size="small" offset={[8, 0]}><span data-testid="tab-approvals">{t('managers.transfer.inbox')}</span></Badge>, children: <Approvals /> },
        { key: 'reports', label: <span data-testid="tab-reports">{t('managers.team.reports')}</span>, children: <Reports onRead={setReading} /> },
      ]} />
      <Drawer open={!!member} onClose={() => setMember(null)} width={720} title={member?.displayName}>
        <PerformanceCard perf={perf.data} loading={perf.isLoading} title={t('managers.admin.performance')} />
      </Drawer>
      <ReportDrawer id={reading} onClose={() => setReading(null)} canComment />
    </div>
  );
}
