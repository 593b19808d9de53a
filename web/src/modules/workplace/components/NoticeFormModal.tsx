import { useMemo, useState } from 'react';
import dayjs, { type Dayjs } from 'dayjs';
import { Alert, App, Button, Checkbox, DatePicker, Form, Input, Modal, Radio, Select, Space, TreeSelect } from 'antd';
import { MinusCircleOutlined, PlusOutlined } from '@ant-design/icons';
import { useTranslation } from 'react-i18next';
import { applyFieldErrors, useFormLanguage } from '../../../app/formErrors.ts';
import { errorText, issuesText, type FieldIssue } from '../../../app/http.ts';
import { useLang } from '../../../app/useLang.ts';
import { useWorkplaceMeta, useWpMutation, workplaceApi, type Attachment, type Notice, type NoticeInput, type NoticePriority, type WorkplaceMeta } from '../api.ts';
import { useSingleFlight } from '../../../app/useSingleFlight.ts';

type Values = {
  title: string; priority: NoticePriority; pinned: boolean; format: 'text' | 'markdown'; body?: string; orgIds?: number[]; roles?: string[];
  publishAt?: Dayjs | null; expireAt?: Dayjs | null; attachments?: Attachment[];
};

type TreeNode = { value: number; title: string; disabled: boolean; children: TreeNode[] };

/** The org tree for the audience picker; units outside the publisher's reach are shown but cannot be picked. */
export function orgTree(orgs: WorkplaceMeta['orgs'], label: (o: WorkplaceMeta['orgs'][number]) => string): TreeNode[] {
  const nodes = new Map<number, TreeNode>(orgs.map((o) => [o.id, { value: o.id, title: label(o), disabled: !o.publishable, children: [] }]));
  const roots: TreeNode[] = [];
  for (const o of orgs) {
    const parent = o.parentId === null ? undefined : nodes.get(o.parentId);
    (parent ? parent.children : roots).push(nodes.get(o.id)!);
  }
  return roots;
}

export function NoticeFormModal({ notice, open, onClose }: { notice?: Notice; open: boolean; onClose: () => void }) {
  const { t } = useTranslation();
  const { pick } = useLang();
  const { message } = App.useApp();
  const [form] = Form.useForm<Values>();
  useFormLanguage(form);
  const meta = useWorkplaceMeta(open);
  const [unplaced, setUnplaced] = useState<FieldIssue[]>([]);
  const save = useWpMutation((body: NoticeInput) => (notice ? workplaceApi.updateNotice(notice.id, body) : workplaceApi.createNotice(body)));
  const tree = useMemo(() => orgTree(meta.data?.orgs ?? [], (o) => pick(o.name, o.nameEn)), [meta.data, pick]);

  const initial: Partial<Values> = notice
    ? {
        title: notice.title, priority: notice.priority, pinned: notice.pinned, format: notice.format, body: notice.body, orgIds: notice.orgIds,
        roles: notice.roles, publishAt: dayjs(notice.publishAt), expireAt: notice.expireAt ? dayjs(notice.expireAt) : null, attachments: notice.attachments,
      }
    : { priority: 'normal', pinned: false, format: 'text', attachments: [] };

  const [submit, submitting] = useSingleFlight(async () => {
    const v = await form.validateFields().catch(() => null);
    if (!v) return;
    setUnplaced([]);
    const body: NoticeInput = {
      title: v.title.trim(), priority: v.priority, pinned: v.pinned, format: v.format, body: v.body ?? '',
      orgIds: v.orgIds?.length ? v.orgIds : undefined, roles: v.roles ?? [],
      publishAt: v.publishAt ? v.publishAt.toISOString() : null, expireAt: v.expireAt ? v.expireAt.toISOString() : null,
      attachments: (v.attachments ?? []).map((a) => ({ name: a.name.trim(), url: a.url.trim() })),
    };
    try {
      await save.mutateAsync(body);
      message.success(notice ? t('workplace.notice.saved') : t('workplace.notice.published'));
      onClose();
    } catch (e) {
      setUnplaced(applyFieldErrors(form, e));
      message.error(errorText(e));
    }
  });

  return (
    <Modal
      open={open}
      width={720}
      title={notice ? t('workplace.notice.edit') : t('workplace.notice.new')}
      onCancel={onClose}
      onOk={() => void submit()}
      okButtonProps={{ 'data-testid': 'notice-submit' } as Record<string, string>}
      confirmLoading={submitting}
      destroyOnHidden
    >
      {unplaced.length > 0 && <Alert type="error" style={{ marginBottom: 12 }} message={t('common.fixFields')} description={issuesText(unplaced)} />}
      <Form form={form} layout="vertical" preserve={false} initialValues={initial} size="small">
        <Form.Item name="title" label={t('workplace.notice.title')} rules={[{ required: true, whitespace: true, message: t('workplace.notice.titleRequired') }, { max: 200 }]}>
          <Input maxLength={200} data-testid="notice-form-title" />
        </Form.Item>
        <Space wrap>
          <Form.Item name="priority" label={t('workplace.notice.priority')}>
            <Radio.Group optionType="button" options={(['normal', 'important', 'urgent'] as const).map((p) => ({ value: p, label: t(`workplace.priority.${p}`) }))} />
          </Form.Item>
          <Form.Item name="pinned" label=" " valuePropName="checked">
            <Checkbox>{t('workplace.notice.pinned')}</Checkbox>
          </Form.Item>
          <Form.Item name="format" label={t('workplace.notice.format')}>
            <Radio.Group options={[{ value: 'text', label: t('workplace.notice.formatText') }, { value: 'markdown', label: t('workplace.notice.formatMarkdown') }]} />
          </Form.Item>
        </Space>
        <Form.Item name="body" label={t('workplace.notice.body')} extra={t('workplace.notice.markdownHelp')} rules={[{ max: 20000 }]}>
          <Input.TextArea rows={6} data-testid="notice-form-body" />
        </Form.Item>
        <Form.Item name="orgIds" label={t('workplace.notice.orgIds')} extra={t('workplace.notice.orgIdsHelp')}>
          <TreeSelect multiple treeDefaultExpandAll treeData={tree} loading={meta.isLoading} data-testid="notice-form-orgs" allowClear showSearch treeNodeFilterProp="title" />
        </Form.Item>
        <Form.Item name="roles" label={t('workplace.notice.roles')} extra={t('workplace.notice.rolesHelp')}>
          <Select mode="multiple" allowClear options={(meta.data?.roles ?? []).map((r) => ({ value: r.code, label: pick(r.name, r.nameEn) }))} data-testid="notice-form-roles" />
        </Form.Item>
        <Space wrap>
          <Form.Item name="publishAt" label={t('workplace.notice.publishAt')}>
            <DatePicker showTime format="YYYY-MM-DD HH:mm" />
          </Form.Item>
          <Form.Item
            name="expireAt"
            label={t('workplace.notice.expireAt')}
            dependencies={['publishAt']}
            rules={[
              ({ getFieldValue }) => ({
                validator: (_, v: Dayjs | null | undefined) => {
                  const start = (getFieldValue('publishAt') as Dayjs | null | undefined) ?? dayjs();
                  return !v || v.isAfter(start) ? Promise.resolve() : Promise.reject(new Error(t('workplace.notice.expireAfterPublish')));
                },
              }),
            ]}
          >
            <DatePicker showTime format="YYYY-MM-DD HH:mm" />
          </Form.Item>
        </Space>
        <Form.List name="attachments">
          {(fields, { add, remove }) => (
            <>
              {fields.map((f) => (
                <Space key={f.key} align="baseline">
                  <Form.Item name={[f.name, 'name']} rules={[{ required: true, whitespace: true, message: t('workplace.notice.nameRequired') }]}>
                    <Input placeholder={t('workplace.notice.attachmentName')} style={{ width: 200 }} />
                  </Form.Item>
                  <Form.Item name={[f.name, 'url']} rules={[{ required: true, pattern: /^https?:\/\/\S+$/, message: t('workplace.notice.urlInvalid') }]}>
                    <Input placeholder={t('workplace.notice.attachmentUrl')} style={{ width: 380 }} />
                  </Form.Item>
                  <MinusCircleOutlined onClick={() => remove(f.name)} />
                </Space>
              ))}
              <Button type="dashed" size="small" icon={<PlusOutlined />} onClick={() => add({ name: '', url: '' })}>{t('workplace.notice.addAttachment')}</Button>
            </>
          )}
        </Form.List>
      </Form>
    </Modal>
  );
}
