import { useMemo, useState } from 'react';
import { Alert, App, Button, Card, Col, Descriptions, Empty, Form, Input, Modal, Popconfirm, Row, Select, Space, Spin, Tag, Tree, TreeSelect, Typography } from 'antd';
import { DeleteOutlined, DragOutlined, EditOutlined, PlusOutlined } from '@ant-design/icons';
import { useTranslation } from 'react-i18next';
import { useLang } from '../../../app/useLang.ts';
import { errorText } from '../../../app/http.ts';
import { applyFieldErrors, placeErrors, useFormLanguage } from '../../../app/formErrors.ts';
import { CHILD_KINDS, useCreateOrg, useDeleteOrg, useMoveOrg, useOrgs, useUpdateOrg, type OrgInput, type OrgKind, type OrgUnit } from '../api.ts';
import { buildOrgTree, moveTargetTree, type OrgNode } from '../orgTree.ts';
import { useSingleFlight } from '../../../app/useSingleFlight.ts';

type UnitValues = { code: string; name: string; nameEn: string; kind: OrgKind };

function AddChildModal({ parent, onClose }: { parent: OrgUnit | null; onClose: () => void }) {
  const { t } = useTranslation();
  const { pick } = useLang();
  const { message } = App.useApp();
  const [form] = Form.useForm<UnitValues>();
  useFormLanguage(form);
  const create = useCreateOrg();
  const [submit, submitting] = useSingleFlight(async () => {
    if (!parent) return;
    const v = await form.validateFields().catch(() => null);
    if (!v) return;
    const body: OrgInput = { parentId: parent.id, code: v.code.trim(), name: v.name.trim(), nameEn: v.nameEn.trim(), kind: v.kind };
    try {
      await create.mutateAsync(body);
      message.success(t('admin.org.created'));
      onClose();
    } catch (e) {
      if (placeErrors(form, e)) message.error(errorText(e));
    }
  });
  // Only the kinds the server accepts under this parent; the first (branch under the head office, sub-branch under a branch) is the usual one.
  const kinds = parent ? CHILD_KINDS[parent.kind] : [];
  const defaultKind: OrgKind | undefined = kinds[0];
  return (
    <Modal open={!!parent} title={t('admin.org.addChild')} onCancel={onClose} onOk={() => void submit()} confirmLoading={submitting} destroyOnHidden>
      <Form form={form} layout="vertical" preserve={false} initialValues={{ kind: defaultKind }}>
        <Form.Item label={t('admin.org.parent')}>{parent ? pick(parent.name, parent.nameEn) : ''}</Form.Item>
        <Form.Item
          name="code"
          label={t('admin.org.code')}
          rules={[
            { required: true, message: t('common.required') },
            { pattern: /^[A-Za-z0-9_-]+$/, message: t('admin.org.codeInvalid') },
          ]}
        >
          <Input maxLength={40} />
        </Form.Item>
        <Form.Item name="name" label={t('admin.org.name')} rules={[{ required: true, whitespace: true, message: t('common.required') }]}>
          <Input maxLength={100} />
        </Form.Item>
        <Form.Item name="nameEn" label={t('admin.org.nameEn')} rules={[{ required: true, whitespace: true, message: t('common.required') }]}>
          <Input maxLength={100} />
        </Form.Item>
        <Form.Item name="kind" label={t('admin.org.kind')} rules={[{ required: true, message: t('common.required') }]}>
          <Select options={kinds.map((k) => ({ value: k, label: t(`admin.org.kinds.${k}`) }))} />
        </Form.Item>
      </Form>
    </Modal>
  );
}

function EditUnitModal({ unit, onClose }: { unit: OrgUnit | null; onClose: () => void }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const [form] = Form.useForm<{ name: string; nameEn: string }>();
  useFormLanguage(form);
  const update = useUpdateOrg();
  const [submit, submitting] = useSingleFlight(async () => {
    if (!unit) return;
    const v = await form.validateFields().catch(() => null);
    if (!v) return;
    try {
      await update.mutateAsync({ id: unit.id, name: v.name.trim(), nameEn: v.nameEn.trim() });
      message.success(t('common.saved'));
      onClose();
    } catch (e) {
      if (placeErrors(form, e)) message.error(errorText(e));
    }
  });
  return (
    <Modal open={!!unit} title={t('admin.org.editUnit')} onCancel={onClose} onOk={() => void submit()} confirmLoading={submitting} destroyOnHidden>
      <Form form={form} layout="vertical" preserve={false} initialValues={{ name: unit?.name, nameEn: unit?.nameEn }}>
        <Form.Item name="name" label={t('admin.org.name')} rules={[{ required: true, whitespace: true, message: t('common.required') }]}>
          <Input maxLength={100} />
        </Form.Item>
        <Form.Item name="nameEn" label={t('admin.org.nameEn')} rules={[{ required: true, whitespace: true, message: t('common.required') }]}>
          <Input maxLength={100} />
        </Form.Item>
      </Form>
    </Modal>
  );
}

/** Moves a unit, with everything below it, under another parent; the server's refusal is shown on the picker. */
function MoveUnitModal({ unit, units, onClose }: { unit: OrgUnit | null; units: OrgUnit[]; onClose: () => void }) {
  const { t } = useTranslation();
  const { pick } = useLang();
  const { message } = App.useApp();
  const [form] = Form.useForm<{ parentId: number }>();
  useFormLanguage(form);
  const move = useMoveOrg();
  const targets = useMemo(() => (unit ? moveTargetTree(units, unit, (u) => pick(u.name, u.nameEn), CHILD_KINDS) : []), [units, unit, pick]);
  const [submit, submitting] = useSingleFlight(async () => {
    if (!unit) return;
    const v = await form.validateFields().catch(() => null);
    if (!v) return;
    if (v.parentId === unit.parentId) return onClose();
    try {
      await move.mutateAsync({ id: unit.id, parentId: v.parentId });
      message.success(t('admin.org.moved'));
      onClose();
    } catch (e) {
      if (placeErrors(form, e)) message.error(errorText(e));
    }
  });
  return (
    <Modal open={!!unit} title={unit ? t('admin.org.moveTitle', { name: pick(unit.name, unit.nameEn) }) : ''} onCancel={onClose} onOk={() => void submit()} confirmLoading={submitting} destroyOnHidden>
      <Typography.Paragraph type="secondary">{t('admin.org.moveHint')}</Typography.Paragraph>
      <Form form={form} layout="vertical" preserve={false} initialValues={{ parentId: unit?.parentId ?? undefined }}>
        <Form.Item name="parentId" label={t('admin.org.moveTo')} rules={[{ required: true, message: t('common.required') }]}>
          <TreeSelect data-testid="org-move-parent" treeData={targets} treeDefaultExpandAll showSearch treeNodeFilterProp="title" />
        </Form.Item>
      </Form>
    </Modal>
  );
}

export function OrgTree() {
  const { t } = useTranslation();
  const { pick } = useLang();
  const orgs = useOrgs();
  const [selectedId, setSelectedId] = useState<number | null>(null);
  const [filter, setFilter] = useState('');
  const [adding, setAdding] = useState<OrgUnit | null>(null);
  const [editing, setEditing] = useState<OrgUnit | null>(null);
  const [moving, setMoving] = useState<OrgUnit | null>(null);
  const del = useDeleteOrg();
  const { message, modal } = App.useApp();
  const [remove, removeBusy] = useSingleFlight(async (unit: OrgUnit) => {
    try {
      await del.mutateAsync(unit.id);
      message.success(t('admin.org.deleted'));
      setSelectedId(null);
    } catch (e) {
      // A unit that still holds units, users or customers: the server says what, with counts.
      modal.error({ title: t('admin.org.deleteConfirm', { name: pick(unit.name, unit.nameEn) }), content: errorText(e) });
    }
  });

  const units = orgs.data?.items ?? [];
  const tree = useMemo(() => {
    const f = filter.trim().toLowerCase();
    const match = f ? (u: OrgUnit) => [u.name, u.nameEn, u.code].some((s) => s?.toLowerCase().includes(f)) : undefined;
    return buildOrgTree(units, (u) => pick(u.name, u.nameEn), match);
  }, [units, pick, filter]);
  const selected = units.find((u) => u.id === selectedId) ?? null;
  const parent = selected?.parentId ? units.find((u) => u.id === selected.parentId) : undefined;

  const renderTitle = (n: OrgNode) => (
    <Space size={6}>
      <span>{n.title}</span>
      <Typography.Text type="secondary" style={{ fontSize: 12 }}>
        {n.unit.code}
      </Typography.Text>
      <Tag bordered={false} color="blue" title={t('admin.org.userCount')}>
        {n.unit.userCount ?? '—'}
      </Tag>
      <Tag bordered={false} color="green" title={t('admin.org.customerCount')}>
        {n.unit.customerCount ?? '—'}
      </Tag>
    </Space>
  );

  return (
    <Row gutter={12}>
      <Col xs={24} lg={12}>
        <Card
          size="small"
          title={t('admin.org.title')}
          extra={
            <Space size={4}>
              <Tag color="blue">{t('admin.org.userCount')}</Tag>
              <Tag color="green">{t('admin.org.customerCount')}</Tag>
            </Space>
          }
        >
          <Input.Search allowClear placeholder={t('admin.org.searchPlaceholder')} onChange={(e) => setFilter(e.target.value)} style={{ marginBottom: 8 }} />
          {orgs.isError && <Alert type="error" showIcon message={errorText(orgs.error)} />}
          {orgs.isPending ? (
            <Spin />
          ) : (
            <Tree<OrgNode>
              data-testid="org-tree"
              showLine
              blockNode
              // Remount when filtering or when a unit is added, so every branch (and the new unit) shows.
              key={`${filter.trim()}|${units.length}`}
              defaultExpandAll
              treeData={tree}
              titleRender={renderTitle}
              selectedKeys={selectedId ? [selectedId] : []}
              onSelect={(keys) => setSelectedId(keys.length ? Number(keys[0]) : null)}
            />
          )}
        </Card>
      </Col>
      <Col xs={24} lg={12}>
        <Card
          size="small"
          title={selected ? pick(selected.name, selected.nameEn) : t('admin.org.title')}
          extra={
            selected && (
              <Space>
                <Button size="small" icon={<EditOutlined />} onClick={() => setEditing(selected)}>
                  {t('common.edit')}
                </Button>
                <Button
                  size="small"
                  icon={<DragOutlined />}
                  disabled={selected.parentId === null}
                  title={selected.parentId === null ? t('admin.org.headFixed') : undefined}
                  onClick={() => setMoving(selected)}
                  data-testid="org-move"
                >
                  {t('admin.org.move')}
                </Button>
                <Popconfirm
                  title={t('admin.org.deleteConfirm', { name: pick(selected.name, selected.nameEn) })}
                  description={t('admin.org.deleteHint')}
                  okButtonProps={{ danger: true, loading: del.isPending }}
                  onConfirm={() => remove(selected)}
                  disabled={selected.parentId === null}
                >
                  <Button size="small" danger icon={<DeleteOutlined />} disabled={selected.parentId === null} title={selected.parentId === null ? t('admin.org.headFixed') : undefined} data-testid="org-delete">
                    {t('admin.org.delete')}
                  </Button>
                </Popconfirm>
                <Button
                  size="small"
                  type="primary"
                  icon={<PlusOutlined />}
                  disabled={!CHILD_KINDS[selected.kind].length}
                  title={CHILD_KINDS[selected.kind].length ? undefined : t('admin.org.noChildren')}
                  onClick={() => setAdding(selected)}
                  data-testid="org-add-child"
                >
                  {t('admin.org.addChild')}
                </Button>
              </Space>
            )
          }
        >
          {selected ? (
            <Descriptions size="small" column={1} bordered>
              <Descriptions.Item label={t('admin.org.code')}>{selected.code}</Descriptions.Item>
              <Descriptions.Item label={t('admin.org.name')}>{selected.name}</Descriptions.Item>
              <Descriptions.Item label={t('admin.org.nameEn')}>{selected.nameEn || '—'}</Descriptions.Item>
              <Descriptions.Item label={t('admin.org.kind')}>{t(`admin.org.kinds.${selected.kind}`, { defaultValue: selected.kind })}</Descriptions.Item>
              <Descriptions.Item label={t('admin.org.parent')}>{parent ? pick(parent.name, parent.nameEn) : '—'}</Descriptions.Item>
              <Descriptions.Item label={t('admin.org.path')}>
                <Typography.Text code>{selected.path}</Typography.Text>
              </Descriptions.Item>
              <Descriptions.Item label={t('admin.org.userCount')}>{selected.userCount ?? '—'}</Descriptions.Item>
              <Descriptions.Item label={t('admin.org.customerCount')}>{selected.customerCount ?? '—'}</Descriptions.Item>
            </Descriptions>
          ) : (
            <Empty description={t('admin.org.selectHint')} />
          )}
        </Card>
      </Col>
      <AddChildModal parent={adding} onClose={() => setAdding(null)} />
      <EditUnitModal unit={editing} onClose={() => setEditing(null)} />
      <MoveUnitModal unit={moving} units={units} onClose={() => setMoving(null)} />
    </Row>
  );
}
