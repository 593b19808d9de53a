import { App, Form, Input, Modal, Select } from 'antd';
import { useTranslation } from 'react-i18next';
import { errorText } from '../../../app/http.ts';
import { useLang } from '../../../app/useLang.ts';
import { useManagers, useTransferManager, type Customer360 } from '../api.ts';
import { applyFieldErrors, placeErrors, useFormLanguage } from '../../../app/formErrors.ts';
import { useSingleFlight } from '../../../app/useSingleFlight.ts';

type Values = { managerId: number; reason: string };

export function TransferManagerModal({ customer, open, onClose }: { customer: Customer360; open: boolean; onClose: () => void }) {
  const { t } = useTranslation();
  const { pick } = useLang();
  const { message } = App.useApp();
  const [form] = Form.useForm<Values>();
  useFormLanguage(form);
  const managers = useManagers(open);
  const transfer = useTransferManager(customer.customerNo);

  const [submit, submitting] = useSingleFlight(async () => {
    const v = await form.validateFields().catch(() => null);
    if (!v) return;
    try {
      await transfer.mutateAsync({ managerId: v.managerId, reason: v.reason.trim() });
      message.success(t('customer.c360.transferred'));
      onClose();
    } catch (e) {
      if (placeErrors(form, e)) message.error(errorText(e));
    }
  });

  return (
    <Modal
      open={open}
      title={t('customer.c360.transferTitle')}
      onCancel={onClose}
      onOk={() => void submit()}
      confirmLoading={submitting}
      destroyOnHidden
    >
      <Form form={form} layout="vertical" preserve={false}>
        <Form.Item label={t('customer.fields.manager')}>{customer.manager?.displayName ?? t('customer.c360.unassigned')}</Form.Item>
        <Form.Item name="managerId" label={t('customer.c360.newManager')} rules={[{ required: true, message: t('customer.c360.managerRequired') }]}>
          <Select
            showSearch
            loading={managers.isLoading}
            optionFilterProp="label"
            data-testid="transfer-manager"
            options={(managers.data?.items ?? [])
              .filter((m) => m.id !== customer.manager?.id)
              .map((m) => ({ value: m.id, label: `${m.displayName} (${m.username}) · ${pick(m.orgName, m.orgNameEn)}` }))}
          />
        </Form.Item>
        <Form.Item
          name="reason"
          label={t('common.reason')}
          rules={[{ required: true, whitespace: true, message: t('customer.c360.reasonRequired') }]}
        >
          <Input.TextArea rows={3} maxLength={500} showCount data-testid="transfer-reason" />
        </Form.Item>
      </Form>
    </Modal>
  );
}
