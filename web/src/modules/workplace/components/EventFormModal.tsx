import { useMemo, useState } from 'react';
import dayjs, { type Dayjs } from 'dayjs';
import { Alert, App, Button, Checkbox, DatePicker, Descriptions, Form, Input, Modal, Popconfirm, Select, TreeSelect } from 'antd';
import { useTranslation } from 'react-i18next';
import { applyFieldErrors, useFormLanguage } from '../../../app/formErrors.ts';
import { errorText, issuesText, type FieldIssue } from '../../../app/http.ts';
import { formatDateTime } from '../../../app/format.ts';
import { useLang } from '../../../app/useLang.ts';
import { useColleagues, useWorkplaceMeta, useWpMutation, workplaceApi, type CalendarEvent, type EventInput } from '../api.ts';
import { orgTree } from './NoticeFormModal.tsx';
import { useSingleFlight } from '../../../app/useSingleFlight.ts';

type Values = {
  title: string; range: [Dayjs, Dayjs]; allDay: boolean; location?: string; description?: string; customerNo?: string;
  shareOrgId?: number | null; shareUserIds?: number[]; remindAt?: Dayjs | null;
};

/** Server fields the form shows under other names. */
const place = (p: (string | number)[]) => (p[0] === 'startsAt' || p[0] === 'endsAt' ? ['range'] : p);

/** Creates or edits one of my events; someone else's shared event opens read-only. */
export function EventFormModal({ event, defaultStart, onClose }: { event?: CalendarEvent; defaultStart?: Dayjs; onClose: () => void }) {
  const { t } = useTranslation();
  const { pick } = useLang();
  const { message } = App.useApp();
  const [form] = Form.useForm<Values>();
  useFormLanguage(form);
  const [who, setWho] = useState('');
  const [unplaced, setUnplaced] = useState<FieldIssue[]>([]);
  const meta = useWorkplaceMeta();
  const people = useColleagues(who, true);
  const save = useWpMutation((body: EventInput) => (event ? workplaceApi.updateEvent(event.id, body) : workplaceApi.createEvent(body)));
  const remove = useWpMutation(workplaceApi.deleteEvent);
  const tree = useMemo(() => orgTree((meta.data?.orgs ?? []).map((o) => ({ ...o, publishable: true })), (o) => pick(o.name, o.nameEn)), [meta.data, pick]);
  const readOnly = !!event && !event.mine;

  const [submit, submitting] = useSingleFlight(async () => {
    const v = await form.validateFields().catch(() => null);
    if (!v) return;
    setUnplaced([]);
    const [s, e] = v.allDay ? [v.range[0].startOf('day'), v.range[1].endOf('day')] : v.range;
    const body: EventInput = {
      title: v.title.trim(), startsAt: s.toISOString(), endsAt: e.toISOString(), allDay: v.allDay, location: v.location?.trim() || null,
      description: v.description?.trim() || null, customerNo: v.customerNo?.trim() || null, shareOrgId: v.shareOrgId ?? null,
      shareUserIds: v.shareUserIds ?? [], remindAt: v.remindAt ? v.remindAt.toISOString() : null,
    };
    try {
      await save.mutateAsync(body);
      message.success(t('workplace.calendar.saved'));
      onClose();
    } catch (err) {
      setUnplaced(applyFieldErrors(form, err, place));
      message.error(errorText(err));
    }
  });
  if (readOnly) {
    return (
      <Modal open title={event.title} onCancel={onClose} footer={null}>
        <Alert type="info" showIcon message={t('workplace.calendar.readOnly')} style={{ marginBottom: 12 }} />
        <Descriptions size="small" column={1} bordered>
          <Descriptions.Item label={t('workplace.calendar.time')}>{formatDateTime(event.startsAt)} – {formatDateTime(event.endsAt)}</Descriptions.Item>
          <Descriptions.Item label={t('workplace.calendar.owner')}>{event.ownerName}</Descriptions.Item>
          <Descriptions.Item label={t('workplace.calendar.location')}>{event.location ?? '—'}</Descriptions.Item>
          <Descriptions.Item label={t('workplace.calendar.customerNo')}>{event.customerNo ? `${event.customerNo} ${event.customerName ?? ''}` : '—'}</Descriptions.Item>
          <Descriptions.Item label={t('workplace.calendar.description')}><div style={{ whiteSpace: 'pre-wrap' }}>{event.description ?? '—'}</div></Descriptions.Item>
        </Descriptions>
      </Modal>
    );
  }

  const start = defaultStart ?? dayjs().add(1, 'hour').startOf('hour');
  const initial: Partial<Values> = event
    ? {
        title: event.title, range: [dayjs(event.startsAt), dayjs(event.endsAt)], allDay: event.allDay, location: event.location ?? undefined,
        description: event.description ?? undefined, customerNo: event.customerNo, shareOrgId: event.shareOrgId,
        shareUserIds: event.shareUsers.map((u) => u.id), remindAt: event.remindAt ? dayjs(event.remindAt) : null,
      }
    : { range: [start, start.add(1, 'hour')], allDay: false, shareUserIds: [] };
  const knownPeople = new Map([...(event?.shareUsers ?? []).map((u) => [u.id, u.displayName] as const), ...(people.data?.items ?? []).map((p) => [p.id, `${p.displayName} (${p.username}) · ${pick(p.orgName, p.orgNameEn)}`] as const)]);


  return (
    <Modal
      open
      width={640}
      title={event ? t('workplace.calendar.edit') : t('workplace.calendar.new')}
      onCancel={onClose}
      destroyOnHidden
      footer={[
        event && (
          <Popconfirm key="del" title={t('workplace.calendar.deleteConfirm')} onConfirm={() => remove.mutate(event.id, { onSuccess: () => { message.success(t('workplace.calendar.deleted')); onClose(); }, onError: (e) => message.error(errorText(e)) })}>
            <Button danger style={{ float: 'left' }}>{t('workplace.calendar.delete')}</Button>
          </Popconfirm>
        ),
        <Button key="cancel" onClick={onClose}>{t('common.cancel')}</Button>,
        <Button key="ok" type="primary" loading={submitting} onClick={() => void submit()} data-testid="event-submit">{t('common.save')}</Button>,
      ]}
    >
      {unplaced.length > 0 && <Alert type="error" style={{ marginBottom: 12 }} message={t('common.fixFields')} description={issuesText(unplaced)} />}
      <Form form={form} layout="vertical" size="small" initialValues={initial} preserve={false}>
        <Form.Item name="title" label={t('workplace.calendar.eventTitle')} rules={[{ required: true, whitespace: true, message: t('workplace.calendar.titleRequired') }, { max: 200 }]}>
          <Input maxLength={200} data-testid="event-title" />
        </Form.Item>
        <Form.Item noStyle shouldUpdate={(a, b) => a.allDay !== b.allDay}>
          {({ getFieldValue }) => (
            <Form.Item
              name="range"
              label={t('workplace.calendar.time')}
              rules={[
                { required: true, message: t('workplace.calendar.timeRequired') },
                { validator: (_, v?: [Dayjs, Dayjs]) => (!v || !v[1].isBefore(v[0]) ? Promise.resolve() : Promise.reject(new Error(t('workplace.calendar.endBeforeStart')))) },
              ]}
            >
              <DatePicker.RangePicker showTime={!getFieldValue('allDay') && { format: 'HH:mm' }} format={getFieldValue('allDay') ? 'YYYY-MM-DD' : 'YYYY-MM-DD HH:mm'} />
            </Form.Item>
          )}
        </Form.Item>
        <Form.Item name="allDay" valuePropName="checked">
          <Checkbox>{t('workplace.calendar.allDay')}</Checkbox>
        </Form.Item>
        <Form.Item name="location" label={t('workplace.calendar.location')} rules={[{ max: 200 }]}>
          <Input maxLength={200} />
        </Form.Item>
        <Form.Item name="customerNo" label={t('workplace.calendar.customerNo')} rules={[{ pattern: /^\d{1,20}$/, message: t('workplace.calendar.customerNo') }]}>
          <Input maxLength={20} style={{ width: 200 }} />
        </Form.Item>
        <Form.Item name="shareOrgId" label={t('workplace.calendar.shareOrg')}>
          <TreeSelect allowClear treeDefaultExpandAll treeData={tree} showSearch treeNodeFilterProp="title" />
        </Form.Item>
        <Form.Item name="shareUserIds" label={t('workplace.calendar.shareUsers')}>
          <Select
            mode="multiple"
            showSearch
            filterOption={false}
            onSearch={setWho}
            loading={people.isFetching}
            options={[...knownPeople].map(([value, label]) => ({ value, label }))}
          />
        </Form.Item>
        <Form.Item name="remindAt" label={t('workplace.calendar.remindAt')}>
          <DatePicker showTime format="YYYY-MM-DD HH:mm" />
        </Form.Item>
        <Form.Item name="description" label={t('workplace.calendar.description')} rules={[{ max: 4000 }]}>
          <Input.TextArea rows={3} />
        </Form.Item>
      </Form>
    </Modal>
  );
}
