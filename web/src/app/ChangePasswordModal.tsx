import { Alert, App, Form, Input, Modal } from 'antd';
import { useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { useState } from 'react';
import { api, errorText } from './http.ts';
import { ME_KEY } from './auth.tsx';
import { applyFieldErrors, placeErrors, useFormLanguage } from './formErrors.ts';
import { useSingleFlight } from './useSingleFlight.ts';

type Values = { currentPassword: string; newPassword: string; confirm: string };

/** `forced`: the administrator set the password and the user changes it before anything else (no cancel). */
export function ChangePasswordModal({ open, onClose, forced = false }: { open: boolean; onClose: () => void; forced?: boolean }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const qc = useQueryClient();
  const [form] = Form.useForm<Values>();
  useFormLanguage(form);
  const [saving, setSaving] = useState(false);

  const [submit, submitting] = useSingleFlight(async () => {
    // Invalid fields are already marked in the form; nothing more to report.
    const v = await form.validateFields().catch(() => null);
    if (!v) return;
    setSaving(true);
    try {
      await api<void>('/api/auth/password', { method: 'POST', body: { currentPassword: v.currentPassword, newPassword: v.newPassword } });
      message.success(t('app.passwordChanged'));
      form.resetFields();
      // The session's user no longer must change it: read it again (the pages open).
      if (forced) await qc.invalidateQueries({ queryKey: ME_KEY });
      onClose();
    } catch (e) {
      if (placeErrors(form, e)) message.error(errorText(e));
    } finally {
      setSaving(false);
    }
  });

  return (
    <Modal
      open={open} title={t('app.changePassword')} onCancel={onClose} onOk={() => void submit()} confirmLoading={saving} destroyOnHidden
      closable={!forced} maskClosable={!forced} keyboard={!forced} cancelButtonProps={forced ? { style: { display: 'none' } } : undefined}
    >
      {forced && <Alert type="warning" showIcon style={{ marginBottom: 16 }} message={t('app.passwordChangeRequired')} data-testid="password-change-required" />}
      <Form form={form} layout="vertical" preserve={false}>
        <Form.Item name="currentPassword" label={t('app.currentPassword')} rules={[{ required: true, message: t('common.required') }]}>
          <Input.Password autoComplete="current-password" />
        </Form.Item>
        <Form.Item name="newPassword" label={t('app.newPassword')} rules={[{ required: true, message: t('common.required') }]}>
          <Input.Password autoComplete="new-password" />
        </Form.Item>
        <Form.Item
          name="confirm"
          label={t('app.confirmPassword')}
          dependencies={['newPassword']}
          rules={[
            { required: true, message: t('common.required') },
            ({ getFieldValue }) => ({
              validator: (_, value) => (!value || value === getFieldValue('newPassword') ? Promise.resolve() : Promise.reject(new Error(t('app.passwordMismatch')))),
            }),
          ]}
        >
          <Input.Password autoComplete="new-password" />
        </Form.Item>
      </Form>
    </Modal>
  );
}
