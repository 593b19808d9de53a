import { useState } from 'react';
import { App, Button, DatePicker, Drawer, Empty, Form, Input, List, Modal, Select, Space, Tag, Typography } from 'antd';
import dayjs, { type Dayjs } from 'dayjs';
import { useTranslation } from 'react-i18next';
import { applyFieldErrors, useFormLanguage } from '../../../app/formErrors.ts';
import { errorText } from '../../../app/http.ts';
import { formatDateTime } from '../../../app/format.ts';
import { managersApi, REPORT_KINDS, useManagersMutation, useReport, type ReportKind } from '../api.ts';
import { useSingleFlight } from '../../../app/useSingleFlight.ts';

type Values = { kind: ReportKind; period: Dayjs; content: string };

/** The period a report covers starts on a Monday (weekly) or the 1st (monthly). */
const periodStart = (kind: ReportKind, d: Dayjs) => (kind.startsWith('weekly') ? d.subtract((d.day() + 6) % 7, 'day') : d.startOf('month')).format('YYYY-MM-DD');

/** Writes or rewrites the user's weekly/monthly plan or summary; submitting hands it to the supervisor. */
export function ReportEditor({ open, onClose }: { open: boolean; onClose: () => void }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const [form] = Form.useForm<Values>();
  useFormLanguage(form);
  const kind = Form.useWatch('kind', form) ?? 'weekly_summary';
  const save = useManagersMutation((a: { v: Values; submit: boolean }) =>
    managersApi.saveReport({ kind: a.v.kind, periodStart: periodStart(a.v.kind, a.v.period), content: a.v.content.trim(), submit: a.submit }));

  const [submit, submitting] = useSingleFlight(async (asSubmit: boolean) => {
    const v = await form.validateFields().catch(() => null);
    if (!v) return;
    try {
      await save.mutateAsync({ v, submit: asSubmit });
      message.success(asSubmit ? t('managers.report.submittedOk') : t('managers.report.saved'));
      onClose();
    } catch (e) {
      applyFieldErrors(form, e, (p) => (p[0] === 'periodStart' ? ['period'] : p));
      message.error(errorText(e));
    }
  });

  return (
    <Modal open={open} title={t('managers.report.editTitle')} onCancel={onClose} width={640} destroyOnHidden
      footer={[
        <Button key="c" onClick={onClose}>{t('common.cancel')}</Button>,
        <Button key="s" onClick={() => void submit(false)} loading={submitting}>{t('managers.report.save')}</Button>,
        <Button key="p" type="primary" onClick={() => void submit(true)} loading={submitting} data-testid="report-submit">{t('managers.report.submit')}</Button>,
      ]}>
      <Form form={form} layout="vertical" preserve={false} initialValues={{ kind: 'weekly_summary', period: dayjs() }}>
        <Space>
          <Form.Item name="kind" label={t('managers.fields.kind')} rules={[{ required: true }]}>
            <Select style={{ width: 160 }} options={REPORT_KINDS.map((k) => ({ value: k, label: t(`managers.reportKind.${k}`) }))} />
          </Form.Item>
          <Form.Item name="period" label={t('managers.fields.periodStart')} rules={[{ required: true, message: t('common.required') }]}>
            <DatePicker picker={kind.startsWith('weekly') ? 'week' : 'month'} />
          </Form.Item>
        </Space>
        <Form.Item name="content" label={t('managers.fields.content')} rules={[{ required: true, whitespace: true, message: t('managers.report.contentRequired') }, { max: 20000 }]}>
          <Input.TextArea rows={10} data-testid="report-content" />
        </Form.Item>
      </Form>
    </Modal>
  );
}

/** One report with its comments; supervisors (and the author) add comments. */
export function ReportDrawer({ id, onClose, canComment }: { id: number | null; onClose: () => void; canComment: boolean }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const report = useReport(id);
  const [text, setText] = useState('');
  const comment = useManagersMutation((content: string) => managersApi.comment(id!, content));
  const r = report.data;

  const [send, sendBusy] = useSingleFlight(async () => {
    if (!text.trim()) {
      message.warning(t('managers.report.contentRequired'));
      return;
    }
    try {
      await comment.mutateAsync(text.trim());
      setText('');
      message.success(t('managers.report.commented'));
    } catch (e) {
      message.error(errorText(e));
    }
  });

  return (
    <Drawer open={id !== null} onClose={onClose} width={560} loading={report.isLoading}
      title={r ? `${r.authorName} · ${t(`managers.reportKind.${r.kind}`)} · ${r.periodStart}` : ''}>
      {r && (
        <>
          <Space style={{ marginBottom: 8 }}>
            {r.submittedAt ? <Tag color="green">{formatDateTime(r.submittedAt)}</Tag> : <Tag>{t('managers.report.draft')}</Tag>}
          </Space>
          <Typography.Paragraph style={{ whiteSpace: 'pre-wrap' }} data-testid="report-body">{r.content}</Typography.Paragraph>
          <Typography.Title level={5}>{t('managers.fields.comments')}</Typography.Title>
          {r.comments.length === 0 ? <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} /> : (
            <List size="small" dataSource={r.comments} data-testid="report-comments"
              renderItem={(k) => (
                <List.Item>
                  <List.Item.Meta title={<Space>{k.authorName}<Typography.Text type="secondary">{formatDateTime(k.createdAt)}</Typography.Text></Space>} description={<span style={{ whiteSpace: 'pre-wrap' }}>{k.content}</span>} />
                </List.Item>
              )} />
          )}
          {canComment && (
            <Space.Compact style={{ width: '100%', marginTop: 12 }}>
              <Input.TextArea rows={2} value={text} onChange={(e) => setText(e.target.value)} maxLength={2000} placeholder={t('managers.report.commentPlaceholder')} data-testid="comment-input" />
              <Button type="primary" onClick={() => void send()} loading={sendBusy} data-testid="comment-submit">{t('managers.report.addComment')}</Button>
            </Space.Compact>
          )}
        </>
      )}
    </Drawer>
  );
}
