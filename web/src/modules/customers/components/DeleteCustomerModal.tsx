import { Alert, App, Form, Input, Modal, Spin } from 'antd';
import { useQuery } from '@tanstack/react-query';
import { useNavigate } from 'react-router';
import { useTranslation } from 'react-i18next';
import { api, errorText, type Messages } from '../../../app/http.ts';
import { placeErrors } from '../../../app/formErrors.ts';
import { useDeleteCustomer, type Customer360 } from '../api.ts';

type Values = { reason: string };

/** GET /api/customers/:no/deletion-check: what keeps the customer from being deleted (open accounts, balances). */
type DeletionCheck = {
  customerNo: string;
  deletable: boolean;
  blockers: { code: 'openAccounts' | 'balances'; count: number; message: Messages }[];
  message: Messages | null;
};

/** Soft delete (SPEC C2): the customer leaves searches and views, but the record and its history stay. */
export function DeleteCustomerModal({ customer, open, onClose }: { customer: Customer360; open: boolean; onClose: () => void }) {
  const { t, i18n } = useTranslation();
  const { message } = App.useApp();
  const navigate = useNavigate();
  const [form] = Form.useForm<Values>();
  const remove = useDeleteCustomer(customer.customerNo);
  const lang: keyof Messages = i18n.language === 'en-US' ? 'en' : 'zh';
  // Asked before the user types a reason: a customer still holding accounts or balances cannot be deleted.
  const check = useQuery({
    queryKey: ['customers', customer.customerNo, 'deletion-check'],
    queryFn: ({ signal }) => api<DeletionCheck>(`/api/customers/${encodeURIComponent(customer.customerNo)}/deletion-check`, { signal }),
    enabled: open,
    staleTime: 0,
  });
  const blocked = check.data ? !check.data.deletable : false;

  const submit = async () => {
    const v = await form.validateFields().catch(() => null);
    if (!v) return;
    try {
      await remove.mutateAsync(v.reason.trim());
      message.success(t('customer.c360.deleted', { name: customer.name, customerNo: customer.customerNo }), 6);
      // Replace, so that Back does not return to a page that no longer exists.
      navigate('/customers', { replace: true });
    } catch (e) {
      // Errors shown under their fields need no toast; anything else (e.g. 403, 404) does.
      if (placeErrors(form, e)) message.error(errorText(e));
    }
  };

  return (
    <Modal
      open={open}
      title={t('customer.c360.deleteTitle', { name: customer.name })}
      onCancel={onClose}
      onOk={() => void submit()}
      okText={t('common.delete')}
      okButtonProps={{ danger: true, disabled: blocked || check.isLoading }}
      confirmLoading={remove.isPending}
      destroyOnHidden
    >
      {check.isLoading && <Spin style={{ display: 'block', marginBottom: 16 }} />}
      {check.isError && <Alert type="error" showIcon message={errorText(check.error)} style={{ marginBottom: 16 }} />}
      {blocked && check.data?.message ? (
        <Alert
          type="error"
          showIcon
          data-testid="delete-blocked"
          message={check.data.message[lang]}
          style={{ marginBottom: 16 }}
        />
      ) : (
        <Alert type="warning" showIcon message={t('customer.c360.deleteNote')} style={{ marginBottom: 16 }} />
      )}
      <Form form={form} layout="vertical" preserve={false} disabled={blocked}>
        <Form.Item label={t('customer.fields.customerNo')}>{customer.customerNo}</Form.Item>
        <Form.Item name="reason" label={t('common.reason')} rules={[{ required: true, whitespace: true, message: t('customer.c360.deleteReasonRequired') }]}>
          <Input.TextArea rows={3} maxLength={500} showCount data-testid="delete-reason" />
        </Form.Item>
      </Form>
    </Modal>
  );
}
