import { App, Form, Input, Modal, Select } from 'antd';
import { useTranslation } from 'react-i18next';
import { applyFieldErrors, useFormLanguage } from '../../../app/formErrors.ts';
import { ApiError, errorText } from '../../../app/http.ts';
import { useSingleFlight } from '../../../app/useSingleFlight.ts';
import {
  DOCUMENT_KINDS, SCRIPT_SCENARIOS, useSaveDocument, useSaveScript, type DocumentInput, type ProductDocument, type SalesScript, type ScriptInput,
} from '../api.ts';

/** Adds or edits a product document: a link or a stored text (or both). */
export function DocumentModal({ code, doc, onClose }: { code: string; doc?: ProductDocument; onClose: () => void }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const [form] = Form.useForm<DocumentInput>();
  useFormLanguage(form);
  const save = useSaveDocument(code);

  const [submit, submitting] = useSingleFlight(async () => {
    const v = await form.validateFields();
    try {
      await save.mutateAsync({ id: doc?.id, body: { title: v.title.trim(), kind: v.kind, url: v.url?.trim() || null, body: v.body?.trim() || null, version: v.version?.trim() || undefined } });
      message.success(t('common.saved'));
      onClose();
    } catch (e) {
      const left = applyFieldErrors(form, e);
      if (!(e instanceof ApiError) || !e.fields.length || left.length) message.error(errorText(e));
    }
  });

  return (
    <Modal open width={640} title={doc ? t('products.doc.editTitle') : t('products.doc.addTitle')} onCancel={onClose}
      onOk={() => void submit().catch(() => undefined)} confirmLoading={submitting} destroyOnHidden>
      <Form form={form} layout="vertical" size="small" data-testid="document-form"
        initialValues={doc ? { title: doc.title, kind: doc.kind, url: doc.url ?? '', body: doc.body ?? '', version: doc.version } : { kind: 'prospectus', version: '1.0' }}>
        <Form.Item name="title" label={t('products.doc.title')} rules={[{ required: true, whitespace: true, message: t('common.required') }, { max: 200 }]}>
          <Input data-testid="document-title" />
        </Form.Item>
        <Form.Item name="kind" label={t('products.doc.kind')} rules={[{ required: true }]}>
          <Select options={DOCUMENT_KINDS.map((k) => ({ value: k, label: t(`products.docKind.${k}`) }))} />
        </Form.Item>
        <Form.Item name="version" label={t('products.doc.version')} rules={[{ max: 20 }]}>
          <Input style={{ width: 160 }} />
        </Form.Item>
        <Form.Item name="url" label={t('products.doc.url')} rules={[{ pattern: /^https?:\/\/\S+$/, message: t('products.doc.urlFormat') }]}>
          <Input placeholder="https://" />
        </Form.Item>
        <Form.Item
          name="body"
          label={t('products.doc.body')}
          dependencies={['url']}
          rules={[
            ({ getFieldValue }) => ({
              validator: (_r, v: string | undefined) => (!v?.trim() && !String(getFieldValue('url') ?? '').trim() ? Promise.reject(new Error(t('products.doc.urlOrBody'))) : Promise.resolve()),
            }),
          ]}
        >
          <Input.TextArea rows={6} data-testid="document-body" />
        </Form.Item>
      </Form>
    </Modal>
  );
}

/** Adds or edits a sales script (营销话术). */
export function ScriptModal({ code, script, onClose }: { code: string; script?: SalesScript; onClose: () => void }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const [form] = Form.useForm<ScriptInput>();
  useFormLanguage(form);
  const save = useSaveScript(code);

  const [submit, submitting] = useSingleFlight(async () => {
    const v = await form.validateFields();
    try {
      await save.mutateAsync({ id: script?.id, body: { title: v.title.trim(), content: v.content.trim(), scenario: v.scenario, audience: v.audience?.trim() || null } });
      message.success(t('common.saved'));
      onClose();
    } catch (e) {
      const left = applyFieldErrors(form, e);
      if (!(e instanceof ApiError) || !e.fields.length || left.length) message.error(errorText(e));
    }
  });

  return (
    <Modal open width={640} title={script ? t('products.script.editTitle') : t('products.script.addTitle')} onCancel={onClose}
      onOk={() => void submit().catch(() => undefined)} confirmLoading={submitting} destroyOnHidden>
      <Form form={form} layout="vertical" size="small" data-testid="script-form"
        initialValues={script ? { title: script.title, content: script.content, scenario: script.scenario, audience: script.audience ?? '' } : { scenario: 'general' }}>
        <Form.Item name="title" label={t('products.script.title')} rules={[{ required: true, whitespace: true, message: t('common.required') }, { max: 200 }]}>
          <Input data-testid="script-title" />
        </Form.Item>
        <Form.Item name="scenario" label={t('products.script.scenario')} rules={[{ required: true }]}>
          <Select options={SCRIPT_SCENARIOS.map((s) => ({ value: s, label: t(`products.scenario.${s}`) }))} />
        </Form.Item>
        <Form.Item name="audience" label={t('products.script.audience')} rules={[{ max: 200 }]}>
          <Input />
        </Form.Item>
        <Form.Item name="content" label={t('products.script.content')} rules={[{ required: true, whitespace: true, message: t('common.required') }, { max: 10000 }]}>
          <Input.TextArea rows={8} data-testid="script-content" />
        </Form.Item>
      </Form>
    </Modal>
  );
}
