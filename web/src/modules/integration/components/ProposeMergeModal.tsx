import { App, Form, Input, Modal } from 'antd';
import { useNavigate } from 'react-router';
import { useTranslation } from 'react-i18next';
import { placeErrors } from '../../../app/formErrors.ts';
import { usePropose } from '../api.ts';
import { integrationErrorText } from '../format.ts';

type Values = { customerNo: string; otherCustomerNo: string; note?: string };

/** A manager proposes two customers as one (I5, I6); the pair joins the review queue with the engine's evidence. */
export function ProposeMergeModal({ open, onClose, customerNo }: { open: boolean; onClose: () => void; customerNo?: string }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const navigate = useNavigate();
  const [form] = Form.useForm<Values>();
  const propose = usePropose();
  const submit = async () => {
    const v = await form.validateFields();
    try {
      const r = await propose.mutateAsync({ customerNo: v.customerNo.trim(), otherCustomerNo: v.otherCustomerNo.trim(), note: v.note?.trim() || undefined });
      void message.success(r.created ? t('integration.propose.done') : t('integration.propose.exists'));
      form.resetFields();
      onClose();
      navigate(`/integration/reviews/${r.id}`);
    } catch (err) {
      // Field errors under their fields; anything else as a message, fields by their labels (never the request's keys).
      if (placeErrors(form, err)) void message.error(integrationErrorText(t, err));
    }
  };
  const no = [{ required: true, message: t('integration.propose.customerNo') }, { pattern: /^\d{1,20}$/, message: t('integration.propose.customerNo') }];
  return (
    <Modal open={open} title={t('integration.propose.title')} onCancel={onClose} onOk={submit} okText={t('integration.propose.submit')} confirmLoading={propose.isPending} destroyOnHidden>
      <Form form={form} layout="vertical" initialValues={{ customerNo }} data-testid="propose-form">
        <Form.Item name="customerNo" label={t('integration.propose.customerNo')} rules={no}>
          <Input disabled={!!customerNo} />
        </Form.Item>
        <Form.Item name="otherCustomerNo" label={t('integration.propose.otherCustomerNo')} rules={no}>
          <Input data-testid="propose-other" />
        </Form.Item>
        <Form.Item name="note" label={t('integration.propose.note')} rules={[{ max: 500 }]}>
          <Input.TextArea rows={2} />
        </Form.Item>
      </Form>
    </Modal>
  );
}
