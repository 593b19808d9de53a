import { App, Form, Input, InputNumber, Modal, Select } from 'antd';
import { useTranslation } from 'react-i18next';
import { errorText } from '../../../app/http.ts';
import { KEY_PERSON_ROLES, useAddKeyPerson } from '../api.ts';
import { placeErrors, useFormLanguage } from '../../../app/formErrors.ts';
import { toKeyPersonInput, type KeyPersonValues } from '../keyPerson.ts';
import { isMobile, isResidentId } from '../validation.ts';
import { useSingleFlight } from '../../../app/useSingleFlight.ts';

/** Registers a key person of an organisation (SPEC C7), optionally linked to a personal customer. */
export function AddKeyPersonModal({ customerNo, open, onClose }: { customerNo: string; open: boolean; onClose: () => void }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const [form] = Form.useForm<KeyPersonValues>();
  useFormLanguage(form);
  const add = useAddKeyPerson(customerNo);

  const [submit, submitting] = useSingleFlight(async () => {
    const v = await form.validateFields().catch(() => null);
    if (!v) return;
    try {
      await add.mutateAsync(toKeyPersonInput(v));
      message.success(t('customer.c360.keyPersonAdded'));
      onClose();
    } catch (e) {
      // Errors shown under their fields need no toast; anything else (e.g. 403, 404) does.
      if (placeErrors(form, e)) message.error(errorText(e));
    }
  });

  return (
    <Modal open={open} title={t('customer.c360.addKeyPerson')} onCancel={onClose} onOk={() => void submit()} confirmLoading={submitting} destroyOnHidden>
      <Form form={form} layout="vertical" preserve={false} data-testid="key-person-form">
        <Form.Item name="role" label={t('customer.c360.role')} rules={[{ required: true, message: t('customer.c360.keyPersonRoleRequired') }]}>
          <Select options={KEY_PERSON_ROLES.map((r) => ({ value: r, label: t(`customer.keyPersonRole.${r}`) }))} data-testid="key-person-role" />
        </Form.Item>
        <Form.Item name="name" label={t('customer.c360.personName')} rules={[{ required: true, whitespace: true, message: t('customer.c360.personNameRequired') }]}>
          <Input maxLength={100} data-testid="key-person-name" />
        </Form.Item>
        <Form.Item
          name="idNo"
          label={t('customer.c360.residentIdNo')}
          rules={[{ validator: (_, v: string | undefined) => (!v?.trim() || isResidentId(v) ? Promise.resolve() : Promise.reject(new Error(t('customer.form.residentIdInvalid')))) }]}
        >
          <Input maxLength={18} data-testid="key-person-id-no" />
        </Form.Item>
        <Form.Item
          name="mobile"
          label={t('customer.fields.mobile')}
          rules={[{ validator: (_, v: string | undefined) => (!v?.trim() || isMobile(v) ? Promise.resolve() : Promise.reject(new Error(t('customer.form.mobileInvalid')))) }]}
        >
          <Input maxLength={20} data-testid="key-person-mobile" />
        </Form.Item>
        {/* No min/max on the input itself: it would silently clamp 120 to 100 instead of saying why. */}
        <Form.Item name="sharePct" label={t('customer.c360.sharePct')} rules={[{ type: 'number', min: 0, max: 100, message: t('customer.c360.sharePctInvalid') }]}>
          <InputNumber style={{ width: '100%' }} addonAfter="%" data-testid="key-person-share" />
        </Form.Item>
        <Form.Item
          name="personCustomerNo"
          label={t('customer.c360.personCustomerNo')}
          extra={t('customer.c360.personCustomerNoHint')}
          rules={[{ pattern: /^\s*\d{1,20}\s*$/, message: t('customer.c360.customerNoInvalid') }]}
        >
          <Input maxLength={20} data-testid="key-person-customer-no" />
        </Form.Item>
      </Form>
    </Modal>
  );
}
