import { useState } from 'react';
import { useNavigate } from 'react-router';
import { App, Button, Form, Input, Modal, Typography } from 'antd';
import { DisconnectOutlined } from '@ant-design/icons';
import { useTranslation } from 'react-i18next';
import { useDetach } from '../api.ts';
import { integrationErrorText } from '../format.ts';

/**
 * Undoes a wrong automatic attachment: asks for a reason (and, optionally, the customer the record joins), says what
 * will happen, then detaches; the user lands on the customer the record now belongs to.
 */
export function DetachRecordButton({ record }: { record: { id: number; recordKey: string } }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const navigate = useNavigate();
  const [open, setOpen] = useState(false);
  const [reason, setReason] = useState('');
  const [target, setTarget] = useState('');
  const detach = useDetach();
  const targetOk = !target.trim() || /^\d{1,20}$/.test(target.trim());
  const submit = async () => {
    try {
      const r = await detach.mutateAsync({ recordId: record.id, reason: reason.trim(), ...(target.trim() ? { targetCustomerNo: target.trim() } : {}) });
      void message.success(t('integration.lineage.detachDone', { no: r.toCustomerNo }));
      setOpen(false);
      navigate(`/customers/${r.toCustomerNo}`);
    } catch (err) {
      void message.error(integrationErrorText(t, err));
    }
  };
  return (
    <>
      <Button size="small" danger icon={<DisconnectOutlined />} onClick={() => setOpen(true)} data-testid={`detach-${record.id}`}>{t('integration.lineage.detach')}</Button>
      <Modal
        open={open} title={t('integration.lineage.detachTitle', { key: record.recordKey })} onCancel={() => setOpen(false)} onOk={() => void submit()}
        okText={t('integration.lineage.detach')} okButtonProps={{ disabled: !reason.trim() || !targetOk, danger: true, 'data-testid': 'detach-ok' } as never} confirmLoading={detach.isPending}
      >
        <Typography.Paragraph>{t('integration.lineage.detachConfirm')}</Typography.Paragraph>
        <Form layout="vertical">
          <Form.Item label={t('integration.lineage.detachReason')} required>
            <Input.TextArea rows={2} maxLength={500} value={reason} onChange={(e) => setReason(e.target.value)} data-testid="detach-reason" />
          </Form.Item>
          <Form.Item label={t('integration.lineage.detachTarget')} validateStatus={targetOk ? undefined : 'error'}>
            <Input maxLength={20} value={target} onChange={(e) => setTarget(e.target.value)} data-testid="detach-target" />
          </Form.Item>
        </Form>
      </Modal>
    </>
  );
}
