import { Alert, App, Form, Input, Modal } from 'antd';
import { useNavigate } from 'react-router';
import { useTranslation } from 'react-i18next';
import { errorText } from '../../../app/http.ts';
import { placeErrors, useFormLanguage } from '../../../app/formErrors.ts';
import { useRestoreCustomer, type CustomerSummary } from '../api.ts';
import { useSingleFlight } from '../../../app/useSingleFlight.ts';

type Values = { reason: string };

/** Brings a deleted customer back (SPEC C2: soft delete keeps the record), with a reason for the audit log. */
export function RestoreCustomerModal({ customer, onClose }: { customer: CustomerSummary; onClose: () => void }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const navigate = useNavigate();
  const [form] = Form.useForm<Values>();
  useFormLanguage(form);
  const restore = useRestoreCustomer(customer.customerNo);

  const [submit, submitting] = useSingleFlight(async () => {
    const v = await form.validateFields().catch(() => null);
    if (!v) return;
    try {
      await restore.mutateAsync(v.reason.trim());
      message.success(t('customer.list.restored', { name: customer.name, customerNo: customer.customerNo }), 6);
      navigate(`/customers/${encodeURIComponent(customer.customerNo)}`);
    } catch (e) {
      if (placeErrors(form, e)) message.error(errorText(e));
    }
  });

  return (
    <Modal open title={t('customer.list.restoreTitle', { name: customer.name })} onCancel={onClose} onOk={() => void submit()}
      okText={t('customer.list.restore')} okButtonProps={{ 'data-testid': 'restore-ok' }} confirmLoading={submitting} destroyOnHidden>
      <Alert type="info" showIcon message={t('customer.list.restoreNote')} style={{ marginBottom: 16 }} />
      <Form form={form} layout="vertical" preserve={false}>
        <Form.Item label={t('customer.fields.customerNo')}>{customer.customerNo}</Form.Item>
        <Form.Item name="reason" label={t('common.reason')} rules={[{ required: true, whitespace: true, message: t('customer.list.restoreReasonRequired') }]}>
          <Input.TextArea rows={3} maxLength={500} showCount data-testid="restore-reason" />
        </Form.Item>
      </Form>
    </Modal>
  );
}
