import { useState } from 'react';
import { Alert, App, Button, Card, DatePicker, Form, Input, InputNumber, Modal, Select, Space, Table, Tag, type TableProps } from 'antd';
import { DownloadOutlined } from '@ant-design/icons';
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import dayjs, { type Dayjs } from 'dayjs';
import { useTranslation } from 'react-i18next';
import { applyFieldErrors, useFormLanguage } from '../../../app/formErrors.ts';
import { errorText, issuesText, type FieldIssue } from '../../../app/http.ts';
import { formatDateTime } from '../../../app/format.ts';
import { useLang } from '../../../app/useLang.ts';
import { serviceApi, useServiceMeta, type Candidate, type Dispatch, type Staff } from '../api.ts';
import { CustomerPicker, ServiceNav } from './ServiceCommon.tsx';
import { useSingleFlight } from '../../../app/useSingleFlight.ts';

type Job = { customerNo: string; skill: string; slot: [Dayjs, Dayjs]; task: string; address?: string; reqNo?: string };

/** Field-service dispatch: find who is free and skilled for a slot, dispatch, then record the outcome. */
export function DispatchPage() {
  const { t } = useTranslation();
  const { pick } = useLang();
  const { message } = App.useApp();
  const qc = useQueryClient();
  const meta = useServiceMeta();
  const [form] = Form.useForm<Job>();
  useFormLanguage(form);
  const [job, setJob] = useState<Job | null>(null);
  const [unplaced, setUnplaced] = useState<FieldIssue[]>([]);
  const [page, setPage] = useState({ page: 1, pageSize: 20 });
  const [skillsOf, setSkillsOf] = useState<Staff | null>(null);
  const [leaveOf, setLeaveOf] = useState<Staff | null>(null);

  const cands = useQuery({
    queryKey: ['service', 'candidates', job?.skill, job?.slot[0].toISOString(), job?.slot[1].toISOString(), job?.customerNo],
    queryFn: () => serviceApi.candidates({ skill: job!.skill, startsAt: job!.slot[0].toISOString(), endsAt: job!.slot[1].toISOString(), customerNo: job!.customerNo }),
    enabled: !!job,
  });
  const list = useQuery({ queryKey: ['service', 'dispatches', page], queryFn: () => serviceApi.dispatches(page), placeholderData: keepPreviousData });
  const staff = useQuery({ queryKey: ['service', 'staff'], queryFn: serviceApi.staff });
  const refresh = () => {
    void qc.invalidateQueries({ queryKey: ['service', 'dispatches'] });
    void qc.invalidateQueries({ queryKey: ['service', 'candidates'] });
    void qc.invalidateQueries({ queryKey: ['service', 'staff'] });
  };

  const [sendOnce, sending] = useSingleFlight((c: Candidate) => send.mutateAsync(c).catch(() => undefined));
  const send = useMutation({
    mutationFn: (c: Candidate) => serviceApi.dispatch({
      customerNo: job!.customerNo, assigneeId: c.id, skill: job!.skill, startsAt: job!.slot[0].toISOString(), endsAt: job!.slot[1].toISOString(),
      task: job!.task, address: job!.address, reqNo: job!.reqNo || undefined,
    }),
    onSuccess: () => { message.success(t('service.dispatch.dispatched')); refresh(); },
    onError: (e) => {
      const left = applyFieldErrors(form, e);
      setUnplaced(left);
      if (!left.length) message.error(errorText(e));
    },
  });
  const record = useMutation({
    mutationFn: ({ id, status, outcome }: { id: number; status: 'done' | 'cancelled'; outcome: string }) => serviceApi.recordDispatch(id, { status, outcome }),
    onSuccess: refresh,
    onError: (e) => message.error(errorText(e)),
  });

  const skillName = (code: string) => {
    const s = meta.data?.skills.find((x) => x.code === code);
    return s ? pick(s.name, s.nameEn) : code;
  };

  const candCols: TableProps<Candidate>['columns'] = [
    { title: t('service.dispatch.assignee'), key: 'n', render: (_, c) => `${c.name} (${c.username})` },
    { title: t('service.fields.org'), key: 'o', render: (_, c) => pick(c.orgName, c.orgNameEn) },
    { title: t('service.dispatch.level'), dataIndex: 'level', width: 80 },
    { title: t('service.dispatch.load'), dataIndex: 'load', width: 80 },
    {
      title: t('service.fields.status'), key: 's', width: 200,
      render: (_, c) => (
        <Space size={2}>
          {c.available ? <Tag color="green">{t('service.dispatch.available')}</Tag> : null}
          {c.onLeave && <Tag color="red">{t('service.dispatch.onLeave')}</Tag>}
          {c.busy && <Tag color="orange">{t('service.dispatch.busy')}</Tag>}
          {c.near && <Tag color="blue">{t('service.dispatch.near')}</Tag>}
        </Space>
      ),
    },
    { title: t('common.actions'), key: 'a', width: 90, render: (_, c) => <Button size="small" type="primary" disabled={!c.available} loading={sending} onClick={() => void sendOnce(c)} data-testid="dispatch-send">{t('service.dispatch.dispatch')}</Button> },
  ];

  const listCols: TableProps<Dispatch>['columns'] = [
    { title: t('service.dispatch.slot'), key: 'slot', width: 250, render: (_, d) => `${formatDateTime(d.startsAt)} – ${dayjs(d.endsAt).format('HH:mm')}` },
    { title: t('service.dispatch.customer'), key: 'c', width: 150, render: (_, d) => d.customer.name },
    { title: t('service.dispatch.skill'), key: 'sk', width: 110, render: (_, d) => pick(d.skill.name, d.skill.nameEn) },
    { title: t('service.dispatch.assignee'), key: 'a', width: 90, render: (_, d) => d.assignee.name },
    { title: t('service.dispatch.task'), dataIndex: 'task', ellipsis: true },
    { title: t('service.fields.status'), dataIndex: 'status', width: 80, render: (v: Dispatch['status']) => <Tag>{t(`service.dispatch.status.${v}`)}</Tag> },
    { title: t('service.dispatch.outcome'), dataIndex: 'outcome', ellipsis: true, render: (v: string | null) => v ?? '—' },
    {
      title: t('common.actions'), key: 'act', width: 140,
      render: (_, d) => d.status === 'dispatched' && (
        <Space size="small">
          {(['done', 'cancelled'] as const).map((s) => (
            <Button key={s} size="small" type="link" danger={s === 'cancelled'} onClick={() => {
              let outcome = '';
              Modal.confirm({
                title: `${t('service.dispatch.record')} · ${d.customer.name}`,
                content: <Input.TextArea rows={3} maxLength={2000} onChange={(e) => { outcome = e.target.value; }} />,
                onOk: () => record.mutateAsync({ id: d.id, status: s, outcome: outcome.trim() || t(`service.dispatch.status.${s}`) }),
              });
            }}>{s === 'done' ? t('service.dispatch.markDone') : t('service.dispatch.markCancelled')}</Button>
          ))}
        </Space>
      ),
    },
  ];

  const staffCols: TableProps<Staff>['columns'] = [
    { title: t('service.dispatch.assignee'), key: 'n', width: 160, render: (_, s) => `${s.name} (${s.username})` },
    { title: t('service.fields.org'), key: 'o', width: 140, render: (_, s) => pick(s.orgName, s.orgNameEn) },
    { title: t('service.dispatch.skills'), key: 'sk', render: (_, s) => s.skills.map((k) => <Tag key={k.code}>{skillName(k.code)} · {k.level}</Tag>) },
    {
      title: t('common.actions'), key: 'a', width: 180,
      render: (_, s) => (
        <Space size="small">
          <Button size="small" type="link" onClick={() => setSkillsOf(s)}>{t('service.dispatch.editSkills')}</Button>
          <Button size="small" type="link" onClick={() => setLeaveOf(s)}>{t('service.dispatch.leave')}</Button>
        </Space>
      ),
    },
  ];

  return (
    <>
      <ServiceNav />
      <Card size="small" title={t('service.dispatch.title')}>
        {unplaced.length > 0 && <Alert type="error" style={{ marginBottom: 8 }} message={issuesText(unplaced)} />}
        <Form<Job> form={form} layout="inline" size="small" onFinish={(v) => { setUnplaced([]); setJob(v); }} data-testid="dispatch-form"
          initialValues={{ slot: [dayjs().add(1, 'day').hour(9).minute(0), dayjs().add(1, 'day').hour(11).minute(0)] }}>
          <Form.Item name="customerNo" rules={[{ required: true, message: t('common.required') }]}><CustomerPicker testId="dispatch-customer" /></Form.Item>
          <Form.Item name="skill" rules={[{ required: true, message: t('common.required') }]}>
            <Select style={{ width: 150 }} placeholder={t('service.dispatch.skill')} options={(meta.data?.skills ?? []).map((s) => ({ value: s.code, label: pick(s.name, s.nameEn) }))} />
          </Form.Item>
          <Form.Item name="slot" rules={[{ required: true, message: t('common.required') }]}><DatePicker.RangePicker showTime format="YYYY-MM-DD HH:mm" /></Form.Item>
          <Form.Item name="task" rules={[{ required: true, whitespace: true, message: t('common.required') }]}><Input placeholder={t('service.dispatch.task')} style={{ width: 200 }} maxLength={1000} /></Form.Item>
          <Form.Item name="address"><Input placeholder={t('service.dispatch.address')} style={{ width: 180 }} maxLength={300} /></Form.Item>
          <Form.Item name="reqNo"><Input placeholder={t('service.dispatch.reqNo')} style={{ width: 170 }} /></Form.Item>
          <Button type="primary" htmlType="submit">{t('service.dispatch.find')}</Button>
        </Form>
        {job && (
          <Table<Candidate> style={{ marginTop: 12 }} size="small" rowKey="id" title={() => t('service.dispatch.candidates')} columns={candCols}
            dataSource={cands.data?.items ?? []} loading={cands.isFetching} pagination={false} data-testid="dispatch-candidates" />
        )}
      </Card>
      <Card size="small" title={t('service.dispatch.list')} style={{ marginTop: 12 }}
        extra={<Button icon={<DownloadOutlined />} onClick={() => serviceApi.exportDispatches(t('service.dispatch.exportFileName')).catch((e) => message.error(errorText(e)))}>{t('common.export')}</Button>}>
        <Table<Dispatch> size="small" rowKey="id" columns={listCols} dataSource={list.data?.items ?? []} loading={list.isFetching}
          pagination={{ current: page.page, pageSize: page.pageSize, total: list.data?.total ?? 0, showTotal: (total) => t('common.total', { total }) }}
          onChange={(p) => setPage({ page: p.current ?? 1, pageSize: p.pageSize ?? 20 })} />
      </Card>
      <Card size="small" title={t('service.dispatch.staff')} style={{ marginTop: 12 }}>
        <Table<Staff> size="small" rowKey="id" columns={staffCols} dataSource={staff.data?.items ?? []} loading={staff.isFetching} pagination={{ pageSize: 20 }} />
      </Card>
      {skillsOf && <SkillsModal staff={skillsOf} onClose={() => setSkillsOf(null)} onDone={refresh} />}
      {leaveOf && <LeaveModal staff={leaveOf} onClose={() => setLeaveOf(null)} onDone={refresh} />}
    </>
  );
}

function SkillsModal({ staff, onClose, onDone }: { staff: Staff; onClose: () => void; onDone: () => void }) {
  const { t } = useTranslation();
  const { pick } = useLang();
  const { message } = App.useApp();
  const meta = useServiceMeta();
  const [levels, setLevels] = useState<Record<string, number | null>>(Object.fromEntries(staff.skills.map((s) => [s.code, s.level])));
  const [saving, setSaving] = useState(false);
  const [ok, submitting] = useSingleFlight(async () => {
    setSaving(true);
    try {
      await serviceApi.setSkills(staff.id, Object.entries(levels).filter(([, l]) => l).map(([code, level]) => ({ code, level: level! })));
      onDone();
      onClose();
    } catch (e) {
      message.error(errorText(e));
    } finally {
      setSaving(false);
    }
  });
  return (
    <Modal open title={`${t('service.dispatch.editSkills')} · ${staff.name}`} onCancel={onClose} onOk={() => void ok()} confirmLoading={saving}>
      <Space direction="vertical">
        {(meta.data?.skills ?? []).map((s) => (
          <Space key={s.code}>
            <span style={{ display: 'inline-block', width: 160 }}>{pick(s.name, s.nameEn)}</span>
            <InputNumber min={1} max={5} placeholder={t('service.dispatch.level')} value={levels[s.code] ?? null} onChange={(v) => setLevels({ ...levels, [s.code]: v })} />
          </Space>
        ))}
      </Space>
    </Modal>
  );
}

function LeaveModal({ staff, onClose, onDone }: { staff: Staff; onClose: () => void; onDone: () => void }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const [form] = Form.useForm<{ slot: [Dayjs, Dayjs]; reason?: string }>();
  useFormLanguage(form);
  const [saving, setSaving] = useState(false);
  const [ok, submitting] = useSingleFlight(async () => {
    const v = await form.validateFields();
    setSaving(true);
    try {
      await serviceApi.addLeave(staff.id, { startsAt: v.slot[0].toISOString(), endsAt: v.slot[1].toISOString(), reason: v.reason });
      onDone();
      onClose();
    } catch (e) {
      if (!applyFieldErrors(form, e, (p) => (p[0] === 'startsAt' || p[0] === 'endsAt' ? ['slot'] : p)).length) message.error(errorText(e));
    } finally {
      setSaving(false);
    }
  });
  return (
    <Modal open title={`${t('service.dispatch.leave')} · ${staff.name}`} onCancel={onClose} onOk={() => void ok()} confirmLoading={saving}>
      <Form form={form} layout="vertical" size="small">
        <Form.Item name="slot" label={t('service.dispatch.slot')} rules={[{ required: true, message: t('common.required') }]}><DatePicker.RangePicker showTime format="YYYY-MM-DD HH:mm" /></Form.Item>
        <Form.Item name="reason" label={t('service.dispatch.leaveReason')}><Input maxLength={500} /></Form.Item>
      </Form>
    </Modal>
  );
}
