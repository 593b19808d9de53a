import { useState } from 'react';
import { Alert, App, Button, Card, Checkbox, Col, Form, Input, Modal, Row, Select, Table, Tag, Tooltip, Typography, type TableProps } from 'antd';
import { EditOutlined, PlusOutlined } from '@ant-design/icons';
import { useTranslation } from 'react-i18next';
import { useLang } from '../../../app/useLang.ts';
import { errorText } from '../../../app/http.ts';
import { applyFieldErrors, placeErrors, useFormLanguage } from '../../../app/formErrors.ts';
import type { Permission } from '../../../app/auth.tsx';
import { DATA_SCOPES, useCreateRole, useRoles, useUpdateRole, type Role, type RoleInput } from '../api.ts';
import { useSingleFlight } from '../../../app/useSingleFlight.ts';

type RoleValues = RoleInput;

/** Rough width in px of `s` at 12px: CJK characters about 12, others about 7. */
const textWidth = (s: string) => [...s].reduce((w, c) => w + (/[\u2e80-\uffff]/.test(c) ? 12 : 7), 0);

/**
 * A permission column wide enough for its header on at most two lines, broken only between words (a header once
 * broke mid-word, "View customer / s", at 76px): at least its longest word, and half the whole label.
 */
export function permissionColumnWidth(label: string): number {
  const longestWord = Math.max(...label.split(/\s+/).map(textWidth));
  return Math.min(200, Math.max(72, longestWord, Math.ceil(textWidth(label) / 2)) + 20);
}

function RoleModal({ role, permissions, onClose }: { role: Role | 'new' | null; permissions: Permission[]; onClose: () => void }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const [form] = Form.useForm<RoleValues>();
  useFormLanguage(form);
  const create = useCreateRole();
  const update = useUpdateRole();
  const editing = role && role !== 'new' ? role : null;

  const [submit, submitting] = useSingleFlight(async () => {
    const v = await form.validateFields().catch(() => null);
    if (!v) return;
    try {
      if (editing) {
        await update.mutateAsync({ id: editing.id, patch: { name: v.name.trim(), nameEn: v.nameEn.trim(), dataScope: v.dataScope, permissions: v.permissions } });
      } else {
        await create.mutateAsync({ ...v, code: v.code.trim(), name: v.name.trim(), nameEn: v.nameEn.trim() });
      }
      message.success(t('common.saved'));
      onClose();
    } catch (e) {
      if (placeErrors(form, e)) message.error(errorText(e));
    }
  });

  return (
    <Modal
      open={!!role}
      title={editing ? t('admin.role.editRole', { name: editing.name }) : t('admin.role.newRole')}
      onCancel={onClose}
      onOk={() => void submit()}
      confirmLoading={submitting}
      destroyOnHidden
      width={640}
    >
      <Form
        form={form}
        layout="vertical"
        preserve={false}
        initialValues={editing ? { ...editing } : { dataScope: 'own', permissions: ['customer:read'] }}
      >
        {editing?.builtin && <Alert type="info" showIcon message={t('admin.role.builtinNote')} style={{ marginBottom: 12 }} />}
        <Row gutter={12}>
          <Col span={8}>
            <Form.Item
              name="code"
              label={t('admin.role.code')}
              rules={[
                { required: true, message: t('common.required') },
                { pattern: /^[a-z0-9_]+$/, message: t('admin.role.codeInvalid') },
              ]}
            >
              <Input maxLength={40} disabled={!!editing} />
            </Form.Item>
          </Col>
          <Col span={8}>
            <Form.Item name="name" label={t('admin.role.name')} rules={[{ required: true, whitespace: true, message: t('common.required') }]}>
              <Input maxLength={100} />
            </Form.Item>
          </Col>
          <Col span={8}>
            <Form.Item name="nameEn" label={t('admin.role.nameEn')} rules={[{ required: true, whitespace: true, message: t('common.required') }]}>
              <Input maxLength={100} />
            </Form.Item>
          </Col>
        </Row>
        <Form.Item name="dataScope" label={t('admin.role.dataScope')} rules={[{ required: true, message: t('common.required') }]}>
          <Select options={DATA_SCOPES.map((s) => ({ value: s, label: t(`admin.role.scopes.${s}`) }))} />
        </Form.Item>
        <Form.Item name="permissions" label={t('admin.role.permissions')}>
          <Checkbox.Group style={{ width: '100%' }}>
            <Row gutter={[8, 8]}>
              {permissions.map((p) => (
                <Col span={12} key={p}>
                  <Checkbox value={p}>
                    {t(`admin.role.perm.${p}`, { defaultValue: p })} <Typography.Text type="secondary">{p}</Typography.Text>
                  </Checkbox>
                </Col>
              ))}
            </Row>
          </Checkbox.Group>
        </Form.Item>
      </Form>
    </Modal>
  );
}

export function RoleList() {
  const { t } = useTranslation();
  const { pick } = useLang();
  const roles = useRoles();
  const [editing, setEditing] = useState<Role | 'new' | null>(null);
  const permissions = roles.data?.permissions ?? [];

  const columns: TableProps<Role>['columns'] = [
    { title: t('admin.role.code'), dataIndex: 'code', width: 140, fixed: 'left' },
    {
      title: t('admin.role.name'),
      key: 'name',
      width: 140,
      fixed: 'left',
      render: (_, r) => (
        <>
          {pick(r.name, r.nameEn)} {r.builtin && <Tag>{t('admin.role.builtin')}</Tag>}
        </>
      ),
    },
    { title: t('admin.role.dataScope'), dataIndex: 'dataScope', width: 110, render: (v: string) => t(`admin.role.scopes.${v}`, { defaultValue: v }) },
    { title: t('admin.role.userCount'), dataIndex: 'userCount', width: 70, align: 'right' },
    // One read-only column per permission gives the whole role × permission matrix at a glance.
    ...permissions.map((p) => ({
      title: (
        <Tooltip title={p}>
          <span style={{ fontSize: 12, wordBreak: 'keep-all', overflowWrap: 'normal' }}>{t(`admin.role.perm.${p}`, { defaultValue: p })}</span>
        </Tooltip>
      ),
      key: p,
      width: permissionColumnWidth(t(`admin.role.perm.${p}`, { defaultValue: p })),
      align: 'center' as const,
      render: (_: unknown, r: Role) => <Checkbox checked={r.permissions.includes(p)} disabled />,
    })),
    {
      title: t('common.actions'),
      key: 'actions',
      width: 80,
      fixed: 'right',
      render: (_, r) => (
        <Button size="small" type="link" icon={<EditOutlined />} onClick={() => setEditing(r)}>
          {t('common.edit')}
        </Button>
      ),
    },
  ];

  return (
    <Card
      size="small"
      title={<Typography.Text strong>{t('admin.role.title')}</Typography.Text>}
      extra={
        <Button type="primary" icon={<PlusOutlined />} onClick={() => setEditing('new')} data-testid="role-new">
          {t('admin.role.newRole')}
        </Button>
      }
    >
      {roles.isError && <Alert type="error" showIcon message={errorText(roles.error)} style={{ marginBottom: 12 }} />}
      <Table<Role>
        data-testid="role-table"
        size="small"
        rowKey="id"
        columns={columns}
        dataSource={roles.data?.items ?? []}
        loading={roles.isFetching}
        pagination={false}
        // As wide as its columns: the fixed Actions column then never covers the last permission.
        scroll={{ x: columns.reduce((w, c) => w + (Number(c.width) || 0), 0) }}
        bordered
      />
      <RoleModal role={editing} permissions={permissions} onClose={() => setEditing(null)} />
    </Card>
  );
}
