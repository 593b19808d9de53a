import { useEffect, useMemo, useRef, useState } from 'react';
import { Alert, App, Button, Card, Checkbox, Collapse, Input, List, Select, Space, Table, Typography, Upload } from 'antd';
import { DeleteOutlined, DownloadOutlined, PlusOutlined, RollbackOutlined, UploadOutlined } from '@ant-design/icons';
import { useTranslation } from 'react-i18next';
import { formatDateTime } from '../../../app/format.ts';
import { ApiError, errorText } from '../../../app/http.ts';
import { useLang } from '../../../app/useLang.ts';
import { interfacesApi, useInvalidate, useMeta, useVersions, type CodeTable, type FieldMapping, type Interface, type InvalidIdPolicy, type Mapping } from '../api.ts';

/** Column → field, transformations and code tables of one interface; every save is a new version, old ones stay. */
export function MappingEditor({ iface }: { iface: Interface }) {
  const { t } = useTranslation();
  const { pick } = useLang();
  const { message } = App.useApp();
  const meta = useMeta();
  const versions = useVersions(iface.id);
  const invalidate = useInvalidate();
  const [draft, setDraft] = useState<Mapping | null>(null);
  const [note, setNote] = useState('');
  const [errors, setErrors] = useState<{ field: string; message: string }[]>([]);
  const [saving, setSaving] = useState(false);
  useEffect(() => { if (iface.mapping && !draft) setDraft(structuredClone(iface.mapping)); }, [iface.mapping, draft]);

  const targets = useMemo(() => [
    ...(meta.data?.coreFields ?? []).map((f) => ({ value: f.field, label: `${f.field} · ${pick(f.name.zh, f.name.en)}` })),
    ...(meta.data?.accountFields ?? []).map((f) => ({ value: `account.${f}`, label: `account.${f}` })),
    ...['attributes.job_level', 'attributes.occupation', 'attributes.income_fen', 'attributes.nationality', 'attributes.education'].map((f) => ({ value: f, label: f })),
  ], [meta.data, pick]);
  if (!draft) return null;
  const setField = (i: number, patch: Partial<FieldMapping>) => setDraft({ ...draft, fields: draft.fields.map((f, k) => (k === i ? { ...f, ...patch } : f)) });
  const setTable = (name: string, table: CodeTable | null) => {
    const codeTables = { ...draft.codeTables };
    if (table) codeTables[name] = table;
    else delete codeTables[name];
    setDraft({ ...draft, codeTables });
  };
  const save = async () => {
    setSaving(true);
    setErrors([]);
    try {
      await interfacesApi.saveMapping(iface.id, draft, note || null);
      message.success(t('interfaces.mapping.saved'));
      setNote('');
      await invalidate();
    } catch (e) {
      if (e instanceof ApiError && e.fields.length) setErrors(e.fields);
      else message.error(errorText(e));
    } finally {
      setSaving(false);
    }
  };

  return (
    <Space direction="vertical" style={{ width: '100%' }} size="middle">
      {errors.length > 0 && <Alert type="error" showIcon message={t('interfaces.mapping.invalid')} description={errors.map((e) => <div key={e.field}>{e.field}: {e.message}</div>)} />}
      <Space wrap>
        <Typography.Text strong>{t('interfaces.mapping.recordKey')}</Typography.Text>
        <Select mode="tags" style={{ minWidth: 260 }} value={draft.recordKey} onChange={(v) => setDraft({ ...draft, recordKey: v })} placeholder={t('interfaces.mapping.recordKeyNone')} />
        <Typography.Text type="secondary">{t('interfaces.mapping.recordKeyHelp')}</Typography.Text>
      </Space>
      <Space wrap>
        <Typography.Text strong>{t('interfaces.mapping.invalidIds')}</Typography.Text>
        <Select<InvalidIdPolicy> style={{ width: 260 }} data-testid="mapping-invalid-ids" value={draft.invalidIds ?? 'quarantine'}
          onChange={(v) => setDraft({ ...draft, invalidIds: v })}
          options={(['quarantine', 'keep'] as const).map((v) => ({ value: v, label: t(`interfaces.mapping.invalidIdsOpt.${v}`) }))} />
        <Typography.Text type="secondary" data-testid="mapping-invalid-ids-help">{t(`interfaces.mapping.invalidIdsHelp.${draft.invalidIds ?? 'quarantine'}`)}</Typography.Text>
      </Space>
      <Table<FieldMapping & { i: number }>
        size="small" pagination={false} rowKey="i" dataSource={draft.fields.map((f, i) => ({ ...f, i }))}
        columns={[
          { title: t('interfaces.mapping.column'), width: 180, render: (_, f) => <Input value={f.column} placeholder={f.value !== undefined ? t('interfaces.mapping.constant') : ''} onChange={(e) => setField(f.i, { column: e.target.value || undefined })} /> },
          { title: t('interfaces.mapping.field'), width: 240, render: (_, f) => <Select showSearch style={{ width: '100%' }} value={f.field} options={targets} onChange={(v) => setField(f.i, { field: v })} /> },
          {
            title: t('interfaces.mapping.transforms'), render: (_, f) => (
              <Select mode="multiple" style={{ width: '100%' }} value={f.transforms ?? []} onChange={(v) => setField(f.i, { transforms: v })}
                options={(meta.data?.transforms ?? []).map((x) => ({ value: x.name, label: pick(x.label.zh, x.label.en) }))} />
            ),
          },
          { title: t('interfaces.mapping.codeTable'), width: 150, render: (_, f) => <Select allowClear style={{ width: '100%' }} value={f.codeTable} onChange={(v) => setField(f.i, { codeTable: v })} options={Object.keys(draft.codeTables).map((k) => ({ value: k, label: k }))} /> },
          { title: t('interfaces.mapping.required'), width: 70, render: (_, f) => <Checkbox checked={!!f.required} onChange={(e) => setField(f.i, { required: e.target.checked })} /> },
          { title: '', width: 50, render: (_, f) => <Button size="small" danger icon={<DeleteOutlined />} aria-label="delete" onClick={() => setDraft({ ...draft, fields: draft.fields.filter((_, k) => k !== f.i) })} /> },
        ]}
        footer={() => <Button icon={<PlusOutlined />} onClick={() => setDraft({ ...draft, fields: [...draft.fields, { field: 'attributes.occupation', column: '' }] })}>{t('interfaces.mapping.addField')}</Button>}
      />
      <Card size="small" title={t('interfaces.mapping.codeTables')} extra={<Button size="small" icon={<PlusOutlined />} onClick={() => {
        let n = Object.keys(draft.codeTables).length + 1;
        while (draft.codeTables[`table_${n}`]) n++;
        const name = `table_${n}`;
        setTable(name, { entries: {}, otherwise: 'reject' });
      }}>{t('interfaces.mapping.addTable')}</Button>}>
        <Collapse size="small" items={Object.entries(draft.codeTables).map(([name, table]) => ({
          key: name,
          label: <Space><Typography.Text strong>{name}</Typography.Text>{table.name && <Typography.Text type="secondary">{pick(table.name.zh, table.name.en)}</Typography.Text>}<Typography.Text type="secondary">({Object.keys(table.entries).length})</Typography.Text></Space>,
          extra: <Button size="small" type="text" danger icon={<DeleteOutlined />} aria-label="delete" onClick={(e) => { e.stopPropagation(); setTable(name, null); }} />,
          children: (
            <Space direction="vertical" style={{ width: '100%' }}>
              <RenameTable name={name} taken={Object.keys(draft.codeTables)} onRename={(to) => setDraft(renameTable(draft, name, to))} />
              <CodeTableEditor table={table} onChange={(x) => setTable(name, x)} />
            </Space>
          ),
        }))} />
      </Card>
      <Space>
        <Input style={{ width: 360 }} value={note} onChange={(e) => setNote(e.target.value)} placeholder={t('interfaces.mapping.note')} maxLength={500} />
        <Button type="primary" loading={saving} onClick={save}>{t('interfaces.mapping.save', { version: iface.mappingVersion + 1 })}</Button>
        <Button icon={<RollbackOutlined />} onClick={() => iface.mapping && setDraft(structuredClone(iface.mapping))}>{t('interfaces.mapping.reset')}</Button>
        <Upload accept=".json,application/json" showUploadList={false} beforeUpload={async (file) => {
          const m = mappingOf(await file.text());
          if (!m) message.error(t('interfaces.mapping.importBad', { file: file.name }));
          else {
            setDraft(m.mapping);
            setNote(t('interfaces.mapping.importNote', { file: file.name, from: m.from ?? '—' }).slice(0, 500));
            message.info(t('interfaces.mapping.imported'));
          }
          return false;
        }}>
          <Button icon={<UploadOutlined />} data-testid="mapping-import">{t('interfaces.mapping.import')}</Button>
        </Upload>
      </Space>
      <Card size="small" title={t('interfaces.mapping.versions')}>
        <List size="small" loading={versions.isLoading} dataSource={versions.data?.items ?? []} renderItem={(v) => (
          <List.Item actions={[
            <Button key="j" size="small" icon={<DownloadOutlined />} onClick={() => interfacesApi.exportMapping(iface.id, v.version, 'json').catch((e) => message.error(errorText(e)))}>JSON</Button>,
            <Button key="x" size="small" icon={<DownloadOutlined />} onClick={() => interfacesApi.exportMapping(iface.id, v.version, 'xlsx').catch((e) => message.error(errorText(e)))}>Excel</Button>,
            <Button key="u" size="small" onClick={() => setDraft(structuredClone(v.mapping))}>{t('interfaces.mapping.useDraft')}</Button>,
          ]}>
            <Space>
              <Typography.Text strong>v{v.version}</Typography.Text>
              {v.version === versions.data?.current && <Typography.Text type="success">{t('interfaces.mapping.current')}</Typography.Text>}
              <Typography.Text type="secondary">{formatDateTime(v.createdAt)} {v.createdBy ?? ''}</Typography.Text>
              <Typography.Text>{v.note}</Typography.Text>
            </Space>
          </List.Item>
        )} />
      </Card>
    </Space>
  );
}

const TABLE_NAME = /^[a-z][a-z0-9_]{0,59}$/;

/**
 * A mapping from a JSON file: one exported here (`{ interface, version, mapping }`, e.g. from a test system) or a
 * bare mapping. Only its shape is checked; saving it checks the rest, field by field, as for any edit.
 */
export function mappingOf(text: string): { mapping: Mapping; from: string | null } | null {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return null;
  }
  const o = v as { mapping?: unknown; interface?: unknown; version?: unknown };
  const m = (o && typeof o === 'object' && 'mapping' in o ? o.mapping : v) as Partial<Mapping> | null;
  if (!m || typeof m !== 'object' || !Array.isArray(m.fields) || (m.recordKey !== undefined && !Array.isArray(m.recordKey))) return null;
  if (m.codeTables !== undefined && (typeof m.codeTables !== 'object' || m.codeTables === null || Array.isArray(m.codeTables))) return null;
  const from = typeof o.interface === 'string' ? `${o.interface}${typeof o.version === 'number' ? ` v${o.version}` : ''}` : null;
  // The handling of invalid ID numbers travels with the mapping; a value this version does not know is left for the save to refuse.
  const invalidIds = m.invalidIds !== undefined ? { invalidIds: m.invalidIds } : {};
  return { mapping: { recordKey: m.recordKey ?? [], fields: m.fields, codeTables: m.codeTables ?? {}, ...invalidIds }, from };
}

/** The mapping with a code table renamed, in its place, and every field that used it following it. */
export function renameTable(m: Mapping, from: string, to: string): Mapping {
  return {
    ...m,
    codeTables: Object.fromEntries(Object.entries(m.codeTables).map(([k, v]) => [k === from ? to : k, v])),
    fields: m.fields.map((f) => (f.codeTable === from ? { ...f, codeTable: to } : f)),
  };
}

function RenameTable({ name, taken, onRename }: { name: string; taken: string[]; onRename: (to: string) => void }) {
  const { t } = useTranslation();
  const [value, setValue] = useState(name);
  const error = value === name ? null : !TABLE_NAME.test(value) ? t('interfaces.mapping.tableNameRule') : taken.includes(value) ? t('interfaces.mapping.tableNameTaken') : null;
  return (
    <Space wrap>
      <Typography.Text>{t('interfaces.mapping.tableName')}</Typography.Text>
      <Input style={{ width: 200 }} value={value} status={error ? 'error' : undefined} onChange={(e) => setValue(e.target.value.trim())} data-testid={`table-name-${name}`} />
      <Button size="small" disabled={value === name || !!error} onClick={() => onRename(value)}>{t('interfaces.mapping.rename')}</Button>
      {error && <Typography.Text type="danger">{error}</Typography.Text>}
    </Space>
  );
}

type EntryRow = { id: number; from: string; to: string };

/**
 * A code table's entries, edited as rows kept in a stable array: an object re-sorts its keys (integer-like ones such as
 * "30" first), so a row typed into would jump and the next keystroke land in another. The table takes the rows as entries.
 */
function CodeTableEditor({ table, onChange }: { table: CodeTable; onChange: (t: CodeTable) => void }) {
  const { t } = useTranslation();
  const nextId = useRef(0);
  const toRows = (entries: Record<string, string>) => Object.entries(entries).map(([from, to]) => ({ id: nextId.current++, from, to }));
  const [rows, setRowsState] = useState<EntryRow[]>(() => toRows(table.entries));
  const emitted = useRef(table.entries);
  // Replaced from outside (undo, a version loaded): start again from its entries.
  useEffect(() => {
    if (table.entries !== emitted.current) {
      emitted.current = table.entries;
      setRowsState(toRows(table.entries));
    }
  }, [table.entries]); // eslint-disable-line react-hooks/exhaustive-deps
  const setRows = (next: EntryRow[]) => {
    setRowsState(next);
    const entries = Object.fromEntries(next.map((r) => [r.from, r.to]));
    emitted.current = entries;
    onChange({ ...table, entries });
  };
  const counts = new Map<string, number>();
  for (const r of rows) counts.set(r.from, (counts.get(r.from) ?? 0) + 1);
  return (
    <Space direction="vertical" style={{ width: '100%' }}>
      <Space wrap>
        <Select value={table.match ?? 'exact'} style={{ width: 160 }} onChange={(v) => onChange({ ...table, match: v })} options={['exact', 'contains'].map((m) => ({ value: m, label: t(`interfaces.mapping.match.${m}`) }))} />
        <Typography.Text>{t('interfaces.mapping.otherwise')}</Typography.Text>
        <Select value={table.otherwise ?? 'reject'} style={{ width: 160 }} onChange={(v) => onChange({ ...table, otherwise: v })} options={['reject', 'keep', 'blank', 'default'].map((m) => ({ value: m, label: t(`interfaces.mapping.otherwiseOpt.${m}`) }))} />
        {table.otherwise === 'default' && <Input style={{ width: 160 }} value={table.defaultValue} onChange={(e) => onChange({ ...table, defaultValue: e.target.value })} placeholder={t('interfaces.mapping.defaultValue')} />}
      </Space>
      <Table<EntryRow> size="small" rowKey="id" pagination={rows.length > 20 ? { pageSize: 20 } : false} dataSource={rows} columns={[
        {
          title: t('interfaces.mapping.sourceValue'), render: (_, r) => (
            <Input value={r.from} status={(counts.get(r.from) ?? 0) > 1 ? 'warning' : undefined} title={(counts.get(r.from) ?? 0) > 1 ? t('interfaces.mapping.duplicateValue') : undefined}
              onChange={(e) => setRows(rows.map((x) => (x.id === r.id ? { ...x, from: e.target.value } : x)))} />
          ),
        },
        { title: t('interfaces.mapping.banyanValue'), render: (_, r) => <Input value={r.to} placeholder={t('interfaces.mapping.blank')} onChange={(e) => setRows(rows.map((x) => (x.id === r.id ? { ...x, to: e.target.value } : x)))} /> },
        { title: '', width: 50, render: (_, r) => <Button size="small" danger icon={<DeleteOutlined />} aria-label="delete" onClick={() => setRows(rows.filter((x) => x.id !== r.id))} /> },
      ]} footer={() => <Button size="small" icon={<PlusOutlined />} onClick={() => {
        let n = rows.length + 1;
        while (counts.has(`value${n}`)) n++;
        setRows([...rows, { id: nextId.current++, from: `value${n}`, to: '' }]);
      }}>{t('interfaces.mapping.addEntry')}</Button>} />
    </Space>
  );
}
