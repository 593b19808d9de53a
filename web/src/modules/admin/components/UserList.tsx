import { useMemo, useState } from 'react';
import { App, Button, Card, Form, Input, Modal, Popconfirm, Select, Space, Table, Tag, Tooltip, TreeSelect, Typography, type TableProps } from 'antd';
import { EditOutlined, KeyOutlined, PlusOutlined, UnlockOutlined } from '@ant-design/icons';
import { useTranslation } from 'react-i18next';
import { useAuth } from '../../../app/auth.tsx';
import { useLang } from '../../../app/useLang.ts';
import { ApiError, errorText } from '../../../app/http.ts';
import { applyFieldErrors, placeErrors, useFormLanguage } from '../../../app/formErrors.ts';
import { formatDateTime } from '../../../app/format.ts';
import {
  MANAGER_LEVELS,
  useCreateUser,
  useOrgs,
  useResetPassword,
  useRoles,
  useUnlockUser,
  useUpdateUser,
  useUsers,
  type AdminUser,
  type ManagerLevel,
  type UserInput,
  type UserPatch,
  type UserQuery,
  type UserStatus,
} from '../api.ts';
import { buildOrgTree } from '../orgTree.ts';
import { useSingleFlight } from '../../../app/useSingleFlight.ts';

type UserValues = {
  username: string;
  displayName: string;
  password: string;
  orgId: number;
  roleCode: string;
  status: UserStatus;
  managerLevel?: ManagerLevel | null;
  email?: string | null;
  mobile?: string | null;
};

const optional = (v: string | null | undefined) => (v && v.trim() ? v.trim() : null);

function useOrgTreeData() {
  const { pick } = useLang();
  const orgs = useOrgs();
  return useMemo(() => buildOrgTree(orgs.data?.items ?? [], (u) => pick(u.name, u.nameEn)), [orgs.data, pick]);
}

/** Create when `user` is 'new', edit otherwise; username and password are set only on creation. */
function UserModal({ user, onClose }: { user: AdminUser | 'new' | null; onClose: () => void }) {
  const { t } = useTranslation();
  const { pick } = useLang();
  const { message, modal } = App.useApp();
  const [form] = Form.useForm<UserValues>();
  useFormLanguage(form);
  const orgTree = useOrgTreeData();
  const roles = useRoles();
  const create = useCreateUser();
  const update = useUpdateUser();
  const isNew = user === 'new';
  const editing = user && user !== 'new' ? user : null;
  // The server refuses changing one's own role or disabling oneself: say so rather than let the save fail.
  const { user: me } = useAuth();
  const self = !!editing && editing.id === me?.id;

  const [submit, submitting] = useSingleFlight(async (moveCustomers?: boolean) => {
    const v = await form.validateFields().catch(() => null);
    if (!v) return;
    try {
      if (isNew) {
        const body: UserInput = {
          username: v.username.trim(),
          displayName: v.displayName.trim(),
          password: v.password,
          orgId: v.orgId,
          roleCode: v.roleCode,
          managerLevel: v.managerLevel ?? null,
          email: optional(v.email),
          mobile: optional(v.mobile),
        };
        await create.mutateAsync(body);
      } else if (editing) {
        const patch: UserPatch = {
          displayName: v.displayName.trim(),
          orgId: v.orgId,
          roleCode: v.roleCode,
          status: v.status,
          managerLevel: v.managerLevel ?? null,
          email: optional(v.email),
          mobile: optional(v.mobile),
          ...(moveCustomers ? { moveCustomers } : {}),
        };
        await update.mutateAsync({ id: editing.id, patch });
      }
      message.success(t('common.saved'));
      onClose();
    } catch (e) {
      // A manager moved to another org while still managing customers: offer to move the customers along.
      const held = e instanceof ApiError && e.status === 409 ? e.fields.find((f) => f.field === 'orgId' && f.rule === 'hasCustomers') : undefined;
      if (held && !moveCustomers) {
        modal.confirm({
          title: t('admin.user.moveCustomers', { count: Number(/\d+/.exec(held.message)?.[0] ?? 0) }),
          content: held.message,
          okText: t('admin.user.moveCustomersOk'),
          onOk: () => submit(true),
        });
        return;
      }
      if (placeErrors(form, e)) message.error(errorText(e));
    }
  });

  const initial: Partial<UserValues> = editing
    ? {
        displayName: editing.displayName,
        orgId: editing.orgId,
        roleCode: editing.roleCode,
        status: editing.status,
        managerLevel: editing.managerLevel,
        email: editing.email,
        mobile: editing.mobile,
      }
    : { status: 'active' };

  return (
    <Modal
      open={!!user}
      title={editing ? t('admin.user.editUser', { name: editing.displayName }) : t('admin.user.newUser')}
      onCancel={onClose}
      onOk={() => void submit()}
      confirmLoading={submitting}
      destroyOnHidden
      width={560}
    >
      <Form form={form} layout="vertical" preserve={false} initialValues={initial}>
        {isNew && (
          <Form.Item
            name="username"
            label={t('admin.user.username')}
            rules={[
              { required: true, message: t('common.required') },
              { pattern: /^[A-Za-z0-9_.-]{2,64}$/, message: t('admin.user.usernameInvalid') },
            ]}
          >
            <Input autoComplete="off" />
          </Form.Item>
        )}
        <Form.Item name="displayName" label={t('admin.user.displayName')} rules={[{ required: true, whitespace: true, message: t('common.required') }]}>
          <Input maxLength={100} />
        </Form.Item>
        {isNew && (
          <Form.Item name="password" label={t('admin.user.password')} rules={[{ required: true, message: t('common.required') }]}>
            <Input.Password autoComplete="new-password" />
          </Form.Item>
        )}
        <Form.Item name="orgId" label={t('admin.user.org')} rules={[{ required: true, message: t('common.required') }]}>
          <TreeSelect treeData={orgTree} treeDefaultExpandAll showSearch treeNodeFilterProp="title" />
        </Form.Item>
        <Form.Item name="roleCode" label={t('admin.user.role')} rules={[{ required: true, message: t('common.required') }]} extra={self ? t('admin.user.selfHint') : undefined}>
          <Select disabled={self} options={(roles.data?.items ?? []).map((r) => ({ value: r.code, label: pick(r.name, r.nameEn) }))} loading={roles.isLoading} />
        </Form.Item>
        {editing && (
          <Form.Item name="status" label={t('admin.user.status')}>
            <Select disabled={self} options={(['active', 'disabled'] as const).map((s) => ({ value: s, label: t(`admin.user.statuses.${s}`) }))} />
          </Form.Item>
        )}
        <Form.Item name="managerLevel" label={t('admin.user.managerLevel')}>
          <Select allowClear options={MANAGER_LEVELS.map((l) => ({ value: l, label: t(`admin.user.levels.${l}`) }))} />
        </Form.Item>
        <Form.Item name="email" label={t('admin.user.email')} rules={[{ type: 'email', message: t('customer.form.emailInvalid') }]}>
          <Input maxLength={200} />
        </Form.Item>
        <Form.Item name="mobile" label={t('admin.user.mobile')}>
          <Input maxLength={20} />
        </Form.Item>
      </Form>
    </Modal>
  );
}

function ResetPasswordModal({ user, onClose }: { user: AdminUser | null; onClose: () => void }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const [form] = Form.useForm<{ password: string }>();
  useFormLanguage(form);
  const reset = useResetPassword();
  const [submit, submitting] = useSingleFlight(async () => {
    if (!user) return;
    const v = await form.validateFields().catch(() => null);
    if (!v) return;
    try {
      await reset.mutateAsync({ id: user.id, password: v.password });
      message.success(t('admin.user.passwordReset'));
      onClose();
    } catch (e) {
      if (placeErrors(form, e)) message.error(errorText(e));
    }
  });
  return (
    <Modal
      open={!!user}
      title={user ? t('admin.user.resetPasswordTitle', { name: user.displayName }) : ''}
      onCancel={onClose}
      onOk={() => void submit()}
      confirmLoading={submitting}
      destroyOnHidden
    >
      <Typography.Paragraph type="secondary">{t('admin.user.resetRevokes')}</Typography.Paragraph>
      <Form form={form} layout="vertical" preserve={false}>
        <Form.Item name="password" label={t('admin.user.newPassword')} rules={[{ required: true, message: t('common.required') }]}>
          <Input.Password autoComplete="new-password" />
        </Form.Item>
      </Form>
    </Modal>
  );
}

export function UserList() {
  const { t } = useTranslation();
  const { pick } = useLang();
  const { message } = App.useApp();
  const orgTree = useOrgTreeData();
  const [query, setQuery] = useState<UserQuery>({ page: 1, pageSize: 50 });
  const users = useUsers(query);
  const unlock = useUnlockUser();
  const [editing, setEditing] = useState<AdminUser | 'new' | null>(null);
  const [resetting, setResetting] = useState<AdminUser | null>(null);

  const columns: TableProps<AdminUser>['columns'] = [
    { title: t('admin.user.username'), dataIndex: 'username', width: 130 },
    { title: t('admin.user.displayName'), dataIndex: 'displayName', width: 110 },
    {
      title: t('admin.user.org'),
      key: 'org',
      width: 160,
      ellipsis: { showTitle: false },
      render: (_, r) => <Tooltip title={pick(r.orgName, r.orgNameEn)}>{pick(r.orgName, r.orgNameEn)}</Tooltip>,
    },
    { title: t('admin.user.role'), key: 'role', width: 130, render: (_, r) => pick(r.roleName, r.roleNameEn) },
    {
      title: t('admin.user.status'),
      key: 'status',
      width: 150,
      render: (_, r) => (
        <Space size={4}>
          <Tag color={r.status === 'active' ? 'green' : 'default'}>{t(`admin.user.statuses.${r.status}`, { defaultValue: r.status })}</Tag>
          {r.lockedUntil && (
            <Tag color="red" title={`${t('admin.user.lockedUntil')} ${formatDateTime(r.lockedUntil)}`}>
              {t('admin.user.locked')}
            </Tag>
          )}
        </Space>
      ),
    },
    { title: t('admin.user.managerLevel'), dataIndex: 'managerLevel', width: 100, render: (v: string | null) => (v ? t(`admin.user.levels.${v}`, { defaultValue: v }) : '—') },
    // Every column has its width: a column without one would take what is left, and at 1366 px nothing is, so the pinned
    // actions would lie over it.
    {
      title: t('admin.user.email'),
      dataIndex: 'email',
      width: 200,
      ellipsis: { showTitle: false },
      render: (v: string | null) => (v ? <Tooltip title={v}>{v}</Tooltip> : '—'),
    },
    { title: t('admin.user.mobile'), dataIndex: 'mobile', width: 130, render: (v: string | null) => v ?? '—' },
    { title: t('admin.user.createdAt'), dataIndex: 'createdAt', width: 160, render: (v: string) => formatDateTime(v) },
    {
      title: t('common.actions'),
      key: 'actions',
      width: 230,
      fixed: 'right',
      render: (_, r) => (
        <Space size={0}>
          <Button size="small" type="link" icon={<EditOutlined />} onClick={() => setEditing(r)}>
            {t('common.edit')}
          </Button>
          <Button size="small" type="link" icon={<KeyOutlined />} onClick={() => setResetting(r)}>
            {t('admin.user.resetPassword')}
          </Button>
          {r.lockedUntil && (
            <Popconfirm
              title={t('admin.user.unlockConfirm', { name: r.displayName })}
              onConfirm={() =>
                unlock.mutateAsync(r.id).then(
                  () => void message.success(t('admin.user.unlocked')),
                  (e) => void message.error(errorText(e)),
                )
              }
            >
              <Button size="small" type="link" icon={<UnlockOutlined />}>
                {t('admin.user.unlock')}
              </Button>
            </Popconfirm>
          )}
        </Space>
      ),
    },
  ];

  return (
    <Card
      size="small"
      title={<Typography.Text strong>{t('admin.user.title')}</Typography.Text>}
      extra={
        <Button type="primary" icon={<PlusOutlined />} onClick={() => setEditing('new')} data-testid="user-new">
          {t('admin.user.newUser')}
        </Button>
      }
    >
      <Space wrap style={{ marginBottom: 12 }}>
        <Input.Search
          allowClear
          placeholder={t('admin.user.searchPlaceholder')}
          onSearch={(v) => setQuery((q) => ({ ...q, q: v.trim() || undefined, page: 1 }))}
          style={{ width: 260 }}
          data-testid="user-search"
        />
        <TreeSelect
          allowClear
          placeholder={t('admin.user.orgPlaceholder')}
          treeData={orgTree}
          treeDefaultExpandAll
          showSearch
          treeNodeFilterProp="title"
          style={{ width: 240 }}
          value={query.orgId}
          onChange={(v: number | undefined) => setQuery((q) => ({ ...q, orgId: v, page: 1 }))}
          popupMatchSelectWidth={false}
        />
      </Space>
      <Table<AdminUser>
        data-testid="user-table"
        size="small"
        rowKey="id"
        columns={columns}
        dataSource={users.data?.items ?? []}
        loading={users.isFetching}
        // As wide as its columns: below that it scrolls, under the pinned actions rather than behind them.
        scroll={{ x: columns.reduce((n, c) => n + (Number(c.width) || 0), 0) }}
        pagination={{
          current: query.page,
          pageSize: query.pageSize,
          total: users.data?.total ?? 0,
          showSizeChanger: true,
          pageSizeOptions: [20, 50, 100],
          showTotal: (total) => t('common.total', { total }),
          size: 'small',
          onChange: (page, pageSize) => setQuery((q) => ({ ...q, page: pageSize === q.pageSize ? page : 1, pageSize })),
        }}
        locale={users.isError ? { emptyText: errorText(users.error) } : undefined}
      />
      <UserModal user={editing} onClose={() => setEditing(null)} />
      <ResetPasswordModal user={resetting} onClose={() => setResetting(null)} />
    </Card>
  );
}
