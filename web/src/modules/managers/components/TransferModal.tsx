import { useQuery } from '@tanstack/react-query';
import { App, Form, Input, Modal, Select } from 'antd';
import { useTranslation } from 'react-i18next';
import { applyFieldErrors, placeErrors, useFormLanguage } from '../../../app/formErrors.ts';
import { api, errorText } from '../../../app/http.ts';
import { managersApi, useManagersMutation, type Manager } from '../api.ts';
import { useLang } from '../../../app/useLang.ts';
import { useSingleFlight } from '../../../app/useSingleFlight.ts';

type Values = { toManagerId: number; reason: string };

/** A manager asks to move one customer to a colleague of the same branch; the branch manager decides. */
export function TransferModal({ customer, onClose }: { customer: { customerNo: string; name: string } | null; onClose: () => void }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const { pick } = useLang();
  const [form] = Form.useForm<Values>();
  useFormLanguage(form);
  const targets = useQuery({
    queryKey: ['managers', 'transfer-targets', customer?.customerNo],
    queryFn: () => api<{ items: Manager[] }>(`/api/managers/transfer-targets?customerNo=${customer!.customerNo}`),
    enabled: !!customer,
  });
  const request = useManagersMutation((v: Values) => managersApi.requestTransfer({ customerNo: customer!.customerNo, toManagerId: v.toManagerId, reason: v.reason.trim() }));

  const [submit, submitting] = useSingleFlight(async () => {
    const v = await form.validateFields().catch(() => null);
    if (!v) return;
    try {
      await request.mutateAsync(v);
      message.success(t('managers.transfer.submitted'));
      onClose();
    } catch (e) {
      if (placeErrors(form, e)) message.error(errorText(e));
    }
  });

  return (
    <Modal open={!!customer} title={`${t('managers.transfer.title')} · ${customer?.name ?? ''}`} onCancel={onClose} onOk={() => void submit()}
      okText={t('managers.transfer.submit')} confirmLoading={submitting} destroyOnHidden>
      <Form form={form} layout="vertical" preserve={false}>
        <Form.Item name="toManagerId" label={t('managers.fields.toManager')} rules={[{ required: true, message: t('common.required') }]}>
          <Select showSearch optionFilterProp="label" loading={targets.isLoading} data-testid="transfer-to"
            options={(targets.data?.items ?? []).map((m) => ({ value: m.id, label: `${m.displayName} (${m.username}) · ${pick(m.orgName, m.orgNameEn)}` }))} />
        </Form.Item>
        <Form.Item name="reason" label={t('managers.fields.reason')} rules={[{ required: true, whitespace: true, message: t('common.required') }]}>
          <Input.TextArea rows={3} maxLength={500} showCount data-testid="transfer-reason" />
        </Form.Item>
      </Form>
    </Modal>
  );
}
