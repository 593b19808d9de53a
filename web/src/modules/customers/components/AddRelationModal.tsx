import { App, Form, Input, Modal, Select } from 'antd';
import { useTranslation } from 'react-i18next';
import { useLang } from '../../../app/useLang.ts';
import { errorText } from '../../../app/http.ts';
import { useAddRelation, useCustomerMeta } from '../api.ts';
import { applyFieldErrors, placeErrors, useFormLanguage } from '../../../app/formErrors.ts';
import { useSingleFlight } from '../../../app/useSingleFlight.ts';

type Values = { relatedCustomerNo: string; typeCode: string; note?: string };

export function AddRelationModal({ customerNo, open, onClose }: { customerNo: string; open: boolean; onClose: () => void }) {
  const { t } = useTranslation();
  const { pick } = useLang();
  const { message } = App.useApp();
  const [form] = Form.useForm<Values>();
  useFormLanguage(form);
  const meta = useCustomerMeta();
  const add = useAddRelation(customerNo);

  const [submit, submitting] = useSingleFlight(async () => {
    const v = await form.validateFields().catch(() => null);
    if (!v) return;
    try {
      await add.mutateAsync({ relatedCustomerNo: v.relatedCustomerNo.trim(), typeCode: v.typeCode, note: v.note?.trim() || undefined });
      message.success(t('customer.c360.relationAdded'));
      onClose();
    } catch (e) {
      if (placeErrors(form, e)) message.error(errorText(e));
    }
  });

  return (
    <Modal open={open} title={t('customer.c360.addRelation')} onCancel={onClose} onOk={() => void submit()} confirmLoading={submitting} destroyOnHidden>
      <Form form={form} layout="vertical" preserve={false}>
        <Form.Item name="typeCode" label={t('customer.c360.relationType')} rules={[{ required: true, message: t('customer.c360.relationTypeRequired') }]}>
          {/* "This customer is <label> the related one", so the forward label is what the user picks. */}
          <Select data-testid="relation-type" options={(meta.data?.relationTypes ?? []).map((r) => ({ value: r.code, label: pick(r.name, r.nameEn) }))} />
        </Form.Item>
        <Form.Item
          name="relatedCustomerNo"
          label={t('customer.c360.relatedCustomerNo')}
          rules={[{ required: true, whitespace: true, message: t('customer.c360.relatedRequired') }]}
        >
          <Input data-testid="relation-customer-no" />
        </Form.Item>
        <Form.Item name="note" label={t('customer.c360.note')}>
          <Input maxLength={200} />
        </Form.Item>
      </Form>
    </Modal>
  );
}
