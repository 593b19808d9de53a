import { useRef, useState } from 'react';
import { Alert, App, Button, Card, Descriptions, Drawer, Progress, Select, Space, Statistic, Table, Timeline, Tooltip, Typography, Upload } from 'antd';
import { FolderOpenOutlined, InboxOutlined, PlayCircleOutlined } from '@ant-design/icons';
import { useTranslation } from 'react-i18next';
import { formatDateTime } from '../../../app/format.ts';
import { errorText, ApiError } from '../../../app/http.ts';
import { useLang } from '../../../app/useLang.ts';
import { interfacesApi, uploadFile, useInvalidate, useLoad, useLoads, type Interface, type Load, type LogEntry } from '../api.ts';
import { forwardLoad } from '../progress.ts';
import { LoadStatusTag } from './LoadStatusTag.tsx';

/** The highest value seen for a key: a bar that never goes back, whatever order the polls answer in. */
function useMonotonic(key: number, value: number): number {
  const seen = useRef<{ key: number; max: number }>({ key, max: value });
  if (seen.current.key !== key) seen.current = { key, max: value };
  else if (value > seen.current.max) seen.current.max = value;
  return seen.current.max;
}

const pct = (x: number) => Math.floor(x * 1000) / 10;

/** The load as shown so far, never behind it (see forwardLoad). */
function useForward(load: Load): Load {
  const shown = useRef<Load | null>(null);
  shown.current = forwardLoad(shown.current, load);
  return shown.current;
}

/** Counts of one load, as a bank operator reads them. */
export function LoadReport({ load: polled }: { load: Load }) {
  const { t } = useTranslation();
  const { pick } = useLang();
  const load = useForward(polled);
  const r = load.report;
  const { resolution } = load;
  const running = load.status === 'queued' || load.status === 'running';
  // The whole load: rows read and written, then (when records go to integration) resolved; 100 % only when it has ended.
  const overall = load.progress;
  const expected = Math.max(resolution.expected ?? resolution.total, resolution.total);
  const resolvedShare = useMonotonic(load.id, expected ? resolution.done / expected : 0);
  const stage = load.stage ?? (running ? 'writing' : 'done');
  return (
    <Space direction="vertical" style={{ width: '100%' }}>
      <Space><LoadStatusTag status={load.status} />{load.fileName && <Typography.Text>{load.fileName}</Typography.Text>}<Typography.Text type="secondary">#{load.id}</Typography.Text></Space>
      {running && <Typography.Text type="secondary" data-testid="load-stage">{t(`interfaces.stage.${stage}`, { rows: r.read.toLocaleString() })}</Typography.Text>}
      <Progress data-testid="load-progress" percent={pct(overall)} status={load.status === 'failed' ? 'exception' : running ? 'active' : 'success'} />
      {/* Reading is quick; resolving the records into customers is what takes the minutes. */}
      {running && resolution.total > 0 && (
        <div data-testid="load-resolution">
          <Typography.Text type="secondary">{t('interfaces.report.resolving', { done: resolution.done.toLocaleString(), total: expected.toLocaleString() })}</Typography.Text>
          <Progress percent={pct(resolvedShare)} status="active" />
        </div>
      )}
      <Space size="large" wrap>
        {(['read', 'accepted', 'rejected', 'new', 'changed', 'unchanged'] as const).map((k) => (
          <Statistic key={k} title={t(`interfaces.report.${k}`)} value={r[k]} valueStyle={k === 'rejected' && r[k] ? { color: '#cf1322' } : undefined} />
        ))}
        {!!r.unverifiedIds && (
          <Tooltip title={t('interfaces.report.unverifiedIdsHelp')}>
            <Statistic data-testid="report-unverified-ids" title={t('interfaces.report.unverifiedIds')} value={r.unverifiedIds} valueStyle={{ color: '#d48806' }} />
          </Tooltip>
        )}
        {!!r.duplicates && (
          <Tooltip title={t('interfaces.report.duplicatesHelp')}>
            <Statistic title={t('interfaces.report.duplicates')} value={r.duplicates} valueStyle={{ color: '#d48806' }} />
          </Tooltip>
        )}
        {resolution.total > 0 && <Statistic title={t('interfaces.report.resolved')} value={`${resolution.done.toLocaleString()} / ${resolution.total.toLocaleString()}`} />}
      </Space>
      {load.error && <Alert type="error" showIcon message={pick(load.error.message.zh, load.error.message.en)}
        description={load.error.fields?.map((f) => <div key={f.field}>{f.field}: {pick(f.message.zh, f.message.en)}</div>)} />}
      {load.integrationError && <Alert type="warning" showIcon message={t('interfaces.report.integrationError')} description={load.integrationError} />}
    </Space>
  );
}

/** Upload with a progress bar: first the upload itself, then the load as the server works through it. */
export function UploadPanel({ iface }: { iface: Interface }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const invalidate = useInvalidate();
  const [encoding, setEncoding] = useState(iface.encoding);
  const [uploadPct, setUploadPct] = useState<number | null>(null);
  const [loadId, setLoadId] = useState<number | null>(null);
  const [problem, setProblem] = useState<ApiError | null>(null);
  const load = useLoad(loadId);
  if (iface.connector === 'postgres') return <PullPanel iface={iface} />;
  return (
    <Space direction="vertical" style={{ width: '100%' }}>
      {iface.landingDir && <LandingPanel iface={iface} />}
      <Space>
        <Typography.Text>{t('interfaces.upload.encoding')}</Typography.Text>
        <Select value={encoding} onChange={setEncoding} style={{ width: 180 }} options={['auto', 'utf8', 'gb18030', 'gbk'].map((e) => ({ value: e, label: t(`interfaces.encoding.${e}`) }))} />
      </Space>
      <Upload.Dragger
        accept=".csv,.txt,.xlsx,.jsonl,.json" showUploadList={false} multiple={false}
        customRequest={async ({ file }) => {
          setProblem(null);
          setLoadId(null);
          setUploadPct(0);
          try {
            const l = await uploadFile(iface.id, file as File, encoding, setUploadPct);
            setLoadId(l.id);
            if (l.resumed) message.info(t('interfaces.upload.resumed'));
            void invalidate();
          } catch (e) {
            if (e instanceof ApiError) setProblem(e);
            else message.error(errorText(e));
          } finally {
            setUploadPct(null);
          }
        }}
      >
        <p className="ant-upload-drag-icon"><InboxOutlined /></p>
        <p className="ant-upload-text">{t('interfaces.upload.drop')}</p>
        <p className="ant-upload-hint">{t('interfaces.upload.hint')}</p>
      </Upload.Dragger>
      {uploadPct !== null && <Progress percent={uploadPct} status="active" format={(p) => `${t('interfaces.upload.uploading')} ${p}%`} />}
      {problem && <Alert type="error" showIcon message={problem.message} description={problem.fields.map((f) => <div key={f.field}>{f.field}: {f.message}</div>)} />}
      {load.data && <LoadReport load={load.data} />}
    </Space>
  );
}

/** A load started by a scan, followed until it ends. */
function ScannedLoad({ id }: { id: number }) {
  const load = useLoad(id);
  return load.data ? <LoadReport load={load.data} /> : null;
}

/** Where the interface's scheduled files come from, and a scan of it now (besides the schedule). */
function LandingPanel({ iface }: { iface: Interface }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const invalidate = useInvalidate();
  const [scanned, setScanned] = useState<number[] | null>(null);
  return (
    <Card size="small" title={t('interfaces.landing.title')} data-testid="landing-panel">
      <Space direction="vertical" style={{ width: '100%' }}>
        <Descriptions size="small" column={1} bordered items={[
          { key: 'dir', label: t('interfaces.landing.dir'), children: <Typography.Text code copyable>{iface.landingDir}</Typography.Text> },
          { key: 'pattern', label: t('interfaces.landing.pattern'), children: <Typography.Text code>{iface.landingPattern ?? '*'}</Typography.Text> },
          { key: 'flag', label: t('interfaces.landing.flag'), children: iface.landingFlag ? <Typography.Text code>{iface.landingFlag}</Typography.Text> : t('interfaces.landing.noFlag') },
          { key: 'cron', label: t('interfaces.schedule'), children: iface.cron ? `${iface.cron}${iface.nextRunAt ? ` · ${t('interfaces.settings.nextRun')} ${formatDateTime(iface.nextRunAt)}` : ''}` : t('interfaces.landing.noSchedule') },
        ]} />
        <Button icon={<FolderOpenOutlined />} data-testid="landing-scan" onClick={async () => {
          try {
            const r = await interfacesApi.scan(iface.id);
            setScanned(r.items.map((l) => l.id));
            message.info(t('interfaces.landing.scanned', { count: r.items.length }));
            void invalidate();
          } catch (e) {
            message.error(errorText(e));
          }
        }}>{t('interfaces.landing.scan')}</Button>
        {scanned?.map((id) => <ScannedLoad key={id} id={id} />)}
      </Space>
    </Card>
  );
}

function PullPanel({ iface }: { iface: Interface }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const [loadId, setLoadId] = useState<number | null>(null);
  const load = useLoad(loadId);
  const invalidate = useInvalidate();
  return (
    <Space direction="vertical" style={{ width: '100%' }}>
      <Descriptions size="small" column={1} bordered items={[
        { key: 'url', label: t('interfaces.settings.pgUrl'), children: iface.pgUrl },
        { key: 'q', label: t('interfaces.settings.pgQuery'), children: <Typography.Text code style={{ whiteSpace: 'pre-wrap' }}>{iface.pgQuery}</Typography.Text> },
        { key: 'wm', label: t('interfaces.settings.watermark'), children: `${iface.watermarkColumn ?? '—'} = ${iface.watermark ?? '—'}` },
      ]} />
      <Button type="primary" icon={<PlayCircleOutlined />} onClick={async () => {
        try {
          const l = await interfacesApi.runNow(iface.id);
          setLoadId(l.id);
          void invalidate();
        } catch (e) {
          message.error(errorText(e));
        }
      }}>{t('interfaces.runNow')}</Button>
      {load.data && <LoadReport load={load.data} />}
    </Space>
  );
}

/** Run history: every load with its report; the log of one in a drawer. */
export function LoadHistory({ iface }: { iface: Interface }) {
  const { t } = useTranslation();
  const [page, setPage] = useState(1);
  const loads = useLoads(iface.id, page);
  const [open, setOpen] = useState<Load | null>(null);
  // A running load's share never goes back between refreshes (see forwardLoad).
  const shown = useRef(new Map<number, number>());
  const progressOf = (l: Load) => {
    const p = Math.max(shown.current.get(l.id) ?? 0, l.progress);
    shown.current.set(l.id, p);
    return p;
  };
  const tip = (text: string | null | undefined) => (text ? <Tooltip title={text} placement="topLeft">{text}</Tooltip> : '—');
  // Fits a 1366 px window beside the menu, in both languages: the counts under short headers (the full name on
  // hover), the file name takes what is left and is cut with an ellipsis (whole on hover); narrower, the table scrolls.
  return (
    <>
      <Table<Load>
        rowKey="id" size="small" loading={loads.isLoading} dataSource={loads.data?.items} scroll={{ x: 1020 }} data-testid="load-history"
        pagination={{ current: page, pageSize: 50, total: loads.data?.total, onChange: setPage }}
        onRow={(l) => ({ onClick: () => setOpen(l), style: { cursor: 'pointer' } })}
        columns={[
          { title: '#', dataIndex: 'id', width: 56 },
          { title: t('interfaces.history.at'), dataIndex: 'createdAt', width: 146, render: (d: string) => formatDateTime(d) },
          { title: t('interfaces.history.status'), key: 'status', width: 112, render: (_, l) => <Space size={4}><LoadStatusTag status={l.status} />{(l.status === 'running' || l.status === 'queued') && `${Math.round(progressOf(l) * 100)}%`}</Space> },
          { title: t('interfaces.history.file'), dataIndex: 'fileName', ellipsis: { showTitle: false }, render: (f: string | null) => tip(f) },
          ...(['read', 'accepted', 'rejected', 'new', 'changed', 'unchanged', 'duplicates'] as const).map((k) => ({
            title: <Tooltip title={t(`interfaces.report.${k}`)}>{t(`interfaces.history.short.${k}`)}</Tooltip>, key: k,
            // The counts that run to millions on a daily full extract get the room for them.
            width: k === 'read' || k === 'accepted' || k === 'unchanged' ? 76 : 64, align: 'right' as const,
            render: (_: unknown, l: Load) => (l.report[k] ?? 0).toLocaleString(),
          })),
          {
            title: t('interfaces.history.triggerBy'), key: 'triggerBy', width: 112, ellipsis: { showTitle: false },
            render: (_, l) => tip([t(`interfaces.trigger.${l.trigger}`), l.createdBy].filter(Boolean).join(' · ')),
          },
        ]}
      />
      <LoadDrawer load={open} onClose={() => setOpen(null)} />
    </>
  );
}

function LoadDrawer({ load, onClose }: { load: Load | null; onClose: () => void }) {
  const { t } = useTranslation();
  const { pick } = useLang();
  const live = useLoad(load?.id ?? null);
  const [log, setLog] = useState<LogEntry[] | null>(null);
  const shown = live.data ?? load;
  return (
    <Drawer open={!!load} onClose={() => { setLog(null); onClose(); }} width={640} title={`${t('interfaces.history.load')} #${load?.id ?? ''}`}
      afterOpenChange={(o) => { if (o && load) void interfacesApi.log(load.id).then((r) => setLog(r.items)); }}>
      {shown && <LoadReport load={shown} />}
      {shown && (
        <Descriptions size="small" column={2} style={{ marginTop: 16 }} items={[
          { key: 'v', label: t('interfaces.mappingVersion'), children: `v${shown.mappingVersion}` },
          { key: 'f', label: t('interfaces.history.format'), children: `${shown.format ?? '—'} ${shown.encoding ?? ''}` },
          { key: 'c', label: t('interfaces.history.checkpoint'), children: shown.checkpointRow },
          { key: 'b', label: t('interfaces.history.batches'), children: shown.batches },
          { key: 'w', label: t('interfaces.settings.watermark'), children: `${shown.watermarkFrom ?? '—'} → ${shown.watermarkTo ?? '—'}` },
          { key: 's', label: t('interfaces.history.finished'), children: formatDateTime(shown.finishedAt) },
        ]} />
      )}
      <Typography.Title level={5} style={{ marginTop: 16 }}>{t('interfaces.history.log')}</Typography.Title>
      <Timeline items={(log ?? []).map((l) => ({ color: l.level === 'error' ? 'red' : l.level === 'warn' ? 'orange' : 'blue', children: `${formatDateTime(l.at).slice(11)} ${l.messages ? pick(l.messages.zh, l.messages.en) : l.message}` }))} />
    </Drawer>
  );
}
