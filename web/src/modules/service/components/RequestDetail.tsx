import { useMemo, useState } from 'react';
import { Link, useParams } from 'react-router';
import { Alert, App, Button, Card, Col, Descriptions, Form, Input, Modal, Rate, Result, Row, Select, Space, Spin, Timeline, Typography } from 'antd';
import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { useAuth } from '../../../app/auth.tsx';
import { applyFieldErrors, useFormLanguage } from '../../../app/formErrors.ts';
import { ApiError, errorText } from '../../../app/http.ts';
import { formatDateTime } from '../../../app/format.ts';
import { useLang } from '../../../app/useLang.ts';
import { serviceApi, useRequest, useRequestAction, useServiceMeta, type RequestDetail as Detail } from '../api.ts';
import { PriorityTag, ServiceNav, SlaTimer, StatusTag } from './ServiceCommon.tsx';
import { SimilarCases } from './SimilarCases.tsx';
import { ErrorResult } from '../../../app/ErrorResult.tsx';
import { useSingleFlight } from '../../../app/useSingleFlight.ts';

type ActionKey = 'assign' | 'respond' | 'wait' | 'resolve' | 'close' | 'reopen' | 'archive';

const STEP_COLOR: Record<string, string> = { escalate: 'red', resolve: 'green', close: 'gray', reopen: 'orange' };

export function RequestDetail() {
  const { reqNo = '' } = useParams();
  const { t } = useTranslation();
  const { pick } = useLang();
  const { message } = App.useApp();
  const q = useRequest(reqNo);
  const act = useRequestAction(reqNo);
  const [open, setOpen] = useState<ActionKey | null>(null);

  const [take, takeBusy] = useSingleFlight(async () => {
    try {
      await act.mutateAsync({ action: 'take' });
      message.success(t('service.detail.takeDone'));
    } catch (e) {
      message.error(errorText(e));
    }
  });
  if (q.isLoading) return <Spin />;
  if (q.error) return <ErrorResult error={q.error} backTo="/service" onRetry={() => void q.refetch()} />;
  const r = q.data!;


  const buttons: [ActionKey | 'take', boolean][] = [
    ['take', r.can.take], ['assign', r.can.assign], ['respond', r.can.respond], ['wait', r.can.wait], ['resolve', r.can.resolve],
    ['close', r.can.close], ['reopen', r.can.reopen], ['archive', r.can.archive],
  ];

  return (
    <>
      <ServiceNav />
      <Row gutter={12}>
        <Col xs={24} xl={16}>
          <Card
            size="small"
            title={<span data-testid="service-detail-title">{t('service.detail.title', { reqNo: r.reqNo })} · {r.subject}</span>}
            extra={
              <Space wrap>
                {buttons.filter(([, ok]) => ok).map(([k]) => (
                  <Button key={k} size="small" type={k === 'resolve' ? 'primary' : 'default'} data-testid={`service-action-${k}`}
                    onClick={() => (k === 'take' ? void take() : setOpen(k))} loading={k === 'take' && takeBusy}>
                    {k === 'archive' ? t('service.action.archive') : t(`service.action.${k}`)}
                  </Button>
                ))}
              </Space>
            }
          >
            <Descriptions size="small" column={{ xs: 1, md: 2, xl: 3 }} bordered labelStyle={{ whiteSpace: 'nowrap' }}>
              <Descriptions.Item label={t('service.fields.status')}><span data-testid="service-detail-status"><StatusTag status={r.status} /></span></Descriptions.Item>
              <Descriptions.Item label={t('service.fields.sla')}><SlaTimer r={r} /></Descriptions.Item>
              <Descriptions.Item label={t('service.fields.dueAt')}>{formatDateTime(r.dueAt)}</Descriptions.Item>
              <Descriptions.Item label={t('service.fields.kind')}>{t(`service.kind.${r.kind}`)}</Descriptions.Item>
              <Descriptions.Item label={t('service.fields.priority')}><PriorityTag priority={r.priority} /></Descriptions.Item>
              <Descriptions.Item label={t('service.fields.channel')}>{t(`service.channel.${r.channel}`)}</Descriptions.Item>
              <Descriptions.Item label={t('service.fields.customer')}>
                <Link to={`/customers/${r.customer.customerNo}`}>{r.customer.name}</Link> <Typography.Text type="secondary">{r.customer.customerNo}</Typography.Text>
              </Descriptions.Item>
              <Descriptions.Item label={t('service.fields.category')}>{pick(r.categoryName, r.categoryNameEn) || '—'}</Descriptions.Item>
              <Descriptions.Item label={t('service.fields.org')}>{pick(r.org.name, r.org.nameEn)}</Descriptions.Item>
              <Descriptions.Item label={t('service.fields.assignee')}><span data-testid="service-detail-assignee">{r.assignee?.name ?? '—'}</span></Descriptions.Item>
              <Descriptions.Item label={t('service.fields.queue')}>{r.queue ? pick(r.queue.name, r.queue.nameEn) : '—'}</Descriptions.Item>
              <Descriptions.Item label={t('service.fields.responseDueAt')}>{formatDateTime(r.responseDueAt)}{r.respondedAt && ` → ${formatDateTime(r.respondedAt)}`}</Descriptions.Item>
              <Descriptions.Item label={t('service.fields.escalatedTo')}>{r.escalatedTo ? `${r.escalatedTo.name} · ${formatDateTime(r.escalatedAt)}` : '—'}</Descriptions.Item>
              <Descriptions.Item label={t('service.fields.createdBy')}>{r.createdBy.name} · {formatDateTime(r.createdAt)}</Descriptions.Item>
              <Descriptions.Item label={t('service.fields.satisfaction')}>{r.satisfaction ? <Rate disabled value={r.satisfaction} /> : '—'}</Descriptions.Item>
              <Descriptions.Item label={t('service.fields.description')} span={3}><Typography.Paragraph style={{ whiteSpace: 'pre-wrap', margin: 0 }}>{r.description || '—'}</Typography.Paragraph></Descriptions.Item>
              <Descriptions.Item label={t('service.fields.resolution')} span={3}>{r.resolution ?? '—'}</Descriptions.Item>
              <Descriptions.Item label={t('service.fields.rootCause')} span={3}>{r.rootCause ?? '—'}</Descriptions.Item>
              <Descriptions.Item label={t('service.fields.preventiveAction')} span={3}>{r.preventiveAction ?? '—'}</Descriptions.Item>
            </Descriptions>
          </Card>
          <Card size="small" title={t('service.detail.steps')} style={{ marginTop: 12 }}>
            <Timeline
              data-testid="service-steps"
              items={r.steps.map((s) => ({
                color: STEP_COLOR[s.action] ?? 'blue',
                children: (
                  <div>
                    <Typography.Text strong>{t(`service.action.${s.action}`)}</Typography.Text>{' '}
                    <Typography.Text type="secondary">
                      {formatDateTime(s.at)} · {s.user ?? t('service.detail.system')}
                      {s.toUser && ` → ${s.toUser}`}
                      {s.queueCode && ` → ${s.queueCode}`}
                      {s.fromStatus && s.toStatus && s.fromStatus !== s.toStatus && ` · ${t(`service.status.${s.fromStatus}`)} → ${t(`service.status.${s.toStatus}`)}`}
                    </Typography.Text>
                    {s.note && <div style={{ whiteSpace: 'pre-wrap' }}>{s.note}</div>}
                  </div>
                ),
              }))}
            />
          </Card>
        </Col>
        <Col xs={24} xl={8}>
          <Card size="small" title={t('service.detail.similar')}>
            <SimilarCases items={r.similar} />
          </Card>
        </Col>
      </Row>
      {open && <ActionModal r={r} action={open} onClose={() => setOpen(null)} submit={(body) => act.mutateAsync({ action: open, body })} />}
    </>
  );
}

function ActionModal({ r, action, onClose, submit }: { r: Detail; action: ActionKey; onClose: () => void; submit: (body: unknown) => Promise<unknown> }) {
  const { t } = useTranslation();
  const { pick } = useLang();
  const { can } = useAuth();
  const { message } = App.useApp();
  const [form] = Form.useForm();
  useFormLanguage(form);
  const [saving, setSaving] = useState(false);
  const meta = useServiceMeta();
  const staff = useQuery({ queryKey: ['service', 'staff'], queryFn: serviceApi.staff, enabled: action === 'assign' && can('service:supervise') });
  const people = useMemo(() => {
    const m = new Map<number, string>();
    for (const q of meta.data?.queues ?? []) for (const p of q.members) m.set(p.id, p.name);
    for (const s of staff.data?.items ?? []) m.set(s.id, s.name);
    return [...m].map(([value, label]) => ({ value, label }));
  }, [meta.data, staff.data]);

  const title: Record<ActionKey, string> = {
    assign: t('service.detail.assignTitle'), respond: t('service.detail.respondTitle'), wait: t('service.detail.waitTitle'), resolve: t('service.detail.resolveTitle'),
    close: t('service.detail.closeTitle'), reopen: t('service.detail.reopenTitle'), archive: t('service.detail.archiveTitle'),
  };
  const required = [{ required: true, whitespace: true, message: t('common.required') }];
  const causeRequired = action === 'archive' || (action === 'resolve' && r.kind === 'complaint');

  const [ok, submitting] = useSingleFlight(async () => {
    const v = await form.validateFields();
    setSaving(true);
    try {
      // An untouched (or cleared) rating is no rating, not a zero.
      await submit(action === 'close' ? { ...v, satisfaction: v.satisfaction || null } : v);
      message.success(t('service.detail.done'));
      onClose();
    } catch (e) {
      if (!applyFieldErrors(form, e).length && !(e instanceof ApiError && e.fields.length)) message.error(errorText(e));
    } finally {
      setSaving(false);
    }
  });

  return (
    <Modal open title={title[action]} onCancel={onClose} onOk={() => void ok()} confirmLoading={saving} okButtonProps={{ 'data-testid': 'service-action-ok' } as Record<string, string>} destroyOnClose>
      <Form form={form} layout="vertical" size="small" initialValues={{ rootCause: r.rootCause ?? undefined, preventiveAction: r.preventiveAction ?? undefined }}>
        {action === 'assign' && (
          <>
            <Form.Item name="queueCode" label={t('service.fields.queue')}>
              <Select allowClear options={(meta.data?.queues ?? []).filter((q) => q.active).map((q) => ({ value: q.code, label: pick(q.name, q.nameEn) }))} />
            </Form.Item>
            <Form.Item name="assigneeId" label={t('service.fields.assignee')}>
              <Select allowClear showSearch optionFilterProp="label" options={people} data-testid="service-assign-user" />
            </Form.Item>
            <Form.Item name="note" label={t('service.fields.note')}><Input.TextArea rows={2} maxLength={1000} /></Form.Item>
          </>
        )}
        {(action === 'respond' || action === 'wait') && (
          <Form.Item name="note" label={t('service.fields.note')} rules={required}><Input.TextArea rows={4} maxLength={4000} data-testid="service-action-note" /></Form.Item>
        )}
        {action === 'resolve' && (
          <Form.Item name="resolution" label={t('service.fields.resolution')} rules={required}><Input.TextArea rows={3} maxLength={4000} data-testid="service-action-resolution" /></Form.Item>
        )}
        {(action === 'resolve' || action === 'archive') && (
          <>
            {causeRequired && action === 'resolve' && <Alert type="info" showIcon style={{ marginBottom: 8 }} message={t('service.detail.complaintNeedsCause')} />}
            <Form.Item name="rootCause" label={t('service.fields.rootCause')} rules={causeRequired ? required : []}><Input.TextArea rows={2} maxLength={2000} data-testid="service-action-root-cause" /></Form.Item>
            <Form.Item name="preventiveAction" label={t('service.fields.preventiveAction')} rules={causeRequired ? required : []}><Input.TextArea rows={2} maxLength={2000} data-testid="service-action-preventive" /></Form.Item>
          </>
        )}
        {action === 'close' && (
          <>
            <Form.Item name="satisfaction" label={t('service.fields.satisfaction')}><Rate data-testid="service-action-satisfaction" /></Form.Item>
            <Form.Item name="satisfactionNote" label={t('service.fields.satisfactionNote')}><Input.TextArea rows={2} maxLength={1000} /></Form.Item>
          </>
        )}
        {action === 'reopen' && (
          <Form.Item name="reason" label={t('service.fields.reason')} rules={required}><Input.TextArea rows={3} maxLength={1000} /></Form.Item>
        )}
      </Form>
    </Modal>
  );
}
