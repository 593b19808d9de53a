import { useState } from 'react';
import { Link } from 'react-router';
import { App, Button, Card, Form, Input, Modal, Popconfirm, Select, Space, Table, Tag, Typography, type TableProps } from 'antd';
import { DownloadOutlined, PlusOutlined } from '@ant-design/icons';
import { useTranslation } from 'react-i18next';
import { applyFieldErrors, useFormLanguage } from '../../../app/formErrors.ts';
import { errorText } from '../../../app/http.ts';
import { formatDateTime } from '../../../app/format.ts';
import { useNotes, useWpMutation, workplaceApi, type Note, type NoteInput } from '../api.ts';
import { WorkplaceTabs } from './WorkplaceTabs.tsx';
import { useSingleFlight } from '../../../app/useSingleFlight.ts';

function NoteModal({ note, onClose }: { note?: Note; onClose: () => void }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const [form] = Form.useForm<{ title: string; content?: string; tags?: string[]; customerNo?: string }>();
  useFormLanguage(form);
  const save = useWpMutation((body: NoteInput) => (note ? workplaceApi.updateNote(note.id, body) : workplaceApi.createNote(body)));
  const [submit, submitting] = useSingleFlight(async () => {
    const v = await form.validateFields().catch(() => null);
    if (!v) return;
    try {
      await save.mutateAsync({ title: v.title.trim(), content: v.content ?? '', tags: v.tags ?? [], customerNo: v.customerNo?.trim() || null });
      message.success(t('workplace.note.saved'));
      onClose();
    } catch (e) {
      applyFieldErrors(form, e, (p) => (p[0] === 'tags' ? ['tags'] : p));
      message.error(errorText(e));
    }
  });
  return (
    <Modal open width={640} title={note ? t('workplace.note.edit') : t('workplace.note.new')} onCancel={onClose} onOk={() => void submit()} confirmLoading={submitting} destroyOnHidden
      okButtonProps={{ 'data-testid': 'note-submit' } as Record<string, string>}>
      <Form form={form} layout="vertical" size="small" preserve={false}
        initialValues={note ? { title: note.title, content: note.content, tags: note.tags, customerNo: note.customerNo ?? undefined } : { tags: [] }}>
        <Form.Item name="title" label={t('workplace.note.itemTitle')} rules={[{ required: true, whitespace: true, message: t('workplace.note.titleRequired') }, { max: 200 }]}>
          <Input maxLength={200} data-testid="note-title" />
        </Form.Item>
        <Form.Item name="content" label={t('workplace.note.content')} rules={[{ max: 20000 }]}>
          <Input.TextArea rows={8} data-testid="note-content" />
        </Form.Item>
        <Form.Item
          name="tags"
          label={t('workplace.note.tags')}
          extra={t('workplace.note.tagsHelp')}
          rules={[{ validator: (_, v?: string[]) => (!v || v.every((x) => /^[^,\s]{1,30}$/.test(x)) ? Promise.resolve() : Promise.reject(new Error(t('workplace.note.tagsHelp')))) }]}
        >
          <Select mode="tags" tokenSeparators={[',', ' ', '，']} open={false} />
        </Form.Item>
        <Form.Item name="customerNo" label={t('workplace.note.customerNo')} rules={[{ pattern: /^\d{1,20}$/, message: t('workplace.note.customerNo') }]}>
          <Input maxLength={20} style={{ width: 200 }} />
        </Form.Item>
      </Form>
    </Modal>
  );
}

/** My notebook: searchable by text and tag, optionally tied to a customer. */
export function NotesPage() {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const [q, setQ] = useState('');
  const [tag, setTag] = useState<string | undefined>();
  const [page, setPage] = useState({ page: 1, pageSize: 20 });
  const [editing, setEditing] = useState<{ note?: Note } | null>(null);
  const list = useNotes({ q: q || undefined, tag, ...page });
  const remove = useWpMutation(workplaceApi.deleteNote);

  const columns: TableProps<Note>['columns'] = [
    { title: t('workplace.note.itemTitle'), dataIndex: 'title', width: 220, render: (v: string, r) => <a onClick={() => setEditing({ note: r })}>{v}</a> },
    { title: t('workplace.note.content'), dataIndex: 'content', ellipsis: true },
    { title: t('workplace.note.tags'), dataIndex: 'tags', width: 200, render: (v: string[]) => v.map((x) => <Tag key={x} style={{ cursor: 'pointer' }} onClick={() => setTag(x)}>{x}</Tag>) },
    { title: t('workplace.note.customer'), key: 'customer', width: 160, render: (_, r) => (r.customerNo ? <Link to={`/customers/${r.customerNo}`}>{r.customerName ?? r.customerNo}</Link> : '—') },
    { title: t('workplace.note.updatedAt'), dataIndex: 'updatedAt', width: 160, render: (v: string) => formatDateTime(v) },
    {
      title: t('common.actions'),
      key: 'actions',
      width: 80,
      render: (_, r) => (
        <Popconfirm title={t('workplace.note.deleteConfirm')} onConfirm={() => remove.mutate(r.id, { onError: (e) => message.error(errorText(e)) })}>
          <Button size="small" type="link" danger>{t('workplace.note.delete')}</Button>
        </Popconfirm>
      ),
    },
  ];

  return (
    <>
      <WorkplaceTabs />
      <Card
        size="small"
        title={<Typography.Text strong>{t('workplace.note.title')}</Typography.Text>}
        extra={
          <Space>
            <Button icon={<DownloadOutlined />} onClick={() => void workplaceApi.exportNotes({ q: q || undefined, tag }, `${t('workplace.note.exportName')}.xlsx`).catch((e) => message.error(errorText(e)))}>{t('common.export')}</Button>
            <Button type="primary" icon={<PlusOutlined />} onClick={() => setEditing({})} data-testid="note-new">{t('workplace.note.new')}</Button>
          </Space>
        }
      >
        <Space wrap style={{ marginBottom: 12 }}>
          <Input.Search allowClear placeholder={t('workplace.note.search')} onSearch={(v) => { setQ(v.trim()); setPage((p) => ({ ...p, page: 1 })); }} style={{ width: 320 }} data-testid="note-search" />
          <Select
            allowClear
            placeholder={t('workplace.note.allTags')}
            value={tag}
            onChange={(v) => { setTag(v); setPage((p) => ({ ...p, page: 1 })); }}
            style={{ width: 180 }}
            options={(list.data?.tags ?? []).map((x) => ({ value: x.tag, label: `${x.tag} (${x.count})` }))}
          />
        </Space>
        <Table<Note>
          size="small"
          rowKey="id"
          data-testid="note-table"
          loading={list.isFetching}
          columns={columns}
          dataSource={list.data?.items ?? []}
          pagination={{ current: page.page, pageSize: page.pageSize, total: list.data?.total ?? 0, showSizeChanger: true, showTotal: (n) => t('common.total', { total: n }) }}
          onChange={(p) => setPage({ page: p.current ?? 1, pageSize: p.pageSize ?? 20 })}
        />
      </Card>
      {editing && <NoteModal note={editing.note} onClose={() => setEditing(null)} />}
    </>
  );
}
