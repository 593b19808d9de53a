import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, ApiError, download, toQuery, type FieldIssue } from '../../app/http.ts';
import { i18n, langOf } from '../../app/i18n.ts';

// Hand-written from server/modules/interfaces (schemas and service) until the OpenAPI types are generated.

export type Msg = { zh: string; en: string };
export type CodeTable = { name?: Msg; match?: 'exact' | 'contains'; entries: Record<string, string>; otherwise?: 'reject' | 'keep' | 'blank' | 'default'; defaultValue?: string };
export type FieldMapping = { field: string; column?: string; value?: string; transforms?: string[]; codeTable?: string; required?: boolean };
export type InvalidIdPolicy = 'quarantine' | 'keep';
/** invalidIds: a resident ID or USCC failing its check quarantines the row (default) or is kept, marked unverified. */
export type Mapping = { recordKey: string[]; fields: FieldMapping[]; codeTables: Record<string, CodeTable>; invalidIds?: InvalidIdPolicy };

export type Source = {
  code: string; name: string; nameEn: string; kind: string; owner: string | null; valueRank: number; fieldTrust: Record<string, number>;
  description: string | null; records?: number; interfaces?: number; createdAt: string; updatedAt: string;
};
export type SourceInput = { code?: string; name: string; nameEn?: string; kind: string; owner?: string | null; valueRank?: number; fieldTrust?: Record<string, number>; description?: string | null };

/** duplicates: rows repeating a key another row of the same file has (the last one counts): neither new nor changed. */
/** unverifiedIds: accepted rows kept with an ID number that fails its check, marked unverified (the mapping's invalidIds: 'keep'). */
export type Report = { read: number; accepted: number; rejected: number; unverifiedIds?: number; new: number; changed: number; unchanged: number; duplicates?: number; superseded?: number };
export type Load = {
  id: number; interfaceId: number; sourceCode: string; mappingVersion: number; trigger: 'upload' | 'cli' | 'schedule' | 'manual' | 'resubmit';
  status: 'queued' | 'running' | 'succeeded' | 'failed'; fileName: string | null; fileSize: number | null; format: string | null; encoding: string | null;
  bytesDone: number; progress: number; report: Report; resolution: { done: number; total: number; expected?: number };
  stage?: 'queued' | 'writing' | 'resolving' | 'finishing' | 'done'; checkpointRow: number; batches: number; watermarkFrom: string | null; watermarkTo: string | null;
  error: { message: Msg; fields?: { field: string; rule: string; message: Msg }[] } | null; integrationError: string | null;
  createdBy: string | null; createdAt: string; startedAt: string | null; finishedAt: string | null;
};

export type Interface = {
  id: number; code: string; name: string; sourceCode: string; connector: 'file' | 'postgres'; encoding: string; delimiter: string;
  pgUrl: string | null; pgQuery: string | null; watermarkColumn: string | null; watermark: string | null; cron: string | null; nextRunAt: string | null;
  /** A file interface's landing folder (loaded on its schedule), the file names it takes and its flag files' suffix. */
  landingDir: string | null; landingPattern: string | null; landingFlag: string | null;
  enabled: boolean; ownerUserId: number | null; ownerName: string | null; mappingVersion: number; description: string | null;
  openQuarantine?: number; lastLoad?: Load | null; mapping?: Mapping; createdAt: string; updatedAt: string;
};
export type InterfaceInput = Partial<Omit<Interface, 'id' | 'mapping' | 'lastLoad' | 'openQuarantine' | 'createdAt' | 'updatedAt' | 'mappingVersion' | 'ownerName' | 'nextRunAt'>> & { mapping?: Mapping };

export type MappingVersion = { version: number; note: string | null; createdAt: string; createdBy: string | null; mapping: Mapping };
export type Reason = { field: string; rule: string; message: Msg; value?: string };
export type QuarantineRow = {
  id: number; loadId: number; lastLoadId: number; rowNo: number; raw: Record<string, unknown>; reasons: Reason[]; status: 'open' | 'resolved' | 'discarded' | 'superseded';
  recordId: number | null; resolvedAt: string | null; note: string | null; createdAt: string;
  /** The row's record key, when its key columns hold one; the later load that wrote that key (status superseded). */
  recordKey?: string | null; supersededBy?: number | null;
};
export type Meta = {
  sourceKinds: string[]; trustFields: string[];
  /** Per source kind, the field trust a new source gets when none is set (the form starts from it). */
  defaultTrust?: Record<string, Record<string, number>>; encodings: string[]; idTypes: string[]; jobLevels: string[]; coreFields: { field: string; name: Msg }[]; accountFields: string[];
  transforms: { name: string; label: Msg }[]; defaultCodeTables: Record<string, CodeTable>; defaultMapping: Mapping;
  invalidIds?: { value: InvalidIdPolicy; label: Msg; help: Msg }[];
  /** The server folder landing folders must lie in. */
  landingRoot: string;
};
/** A source record kept with an ID number that fails its check: the number as given, and why it is unverified. */
export type UnverifiedRow = {
  id: number; recordKey: string; kind: 'person' | 'org'; name: string | null; idType: string | null; idNo: string | null;
  issue: { field: string; rule: string; message: Msg }; matchStatus: string; customerNo: string | null; firstLoadId: number | null; lastLoadId: number | null; updatedAt: string;
};
export type LogEntry = { id: number; at: string; level: string; message: string; messages?: Msg };
export type Owner = { id: number; username: string; displayName: string; orgName: string };
export type Page<T> = { items: T[]; total: number; page: number; pageSize: number };

const base = '/api/interfaces';

export const interfacesApi = {
  meta: () => api<Meta>(`${base}/meta`),
  sources: () => api<{ items: Source[] }>(`${base}/sources`),
  createSource: (body: SourceInput) => api<Source>(`${base}/sources`, { method: 'POST', body }),
  updateSource: (code: string, body: Partial<SourceInput>) => api<Source>(`${base}/sources/${encodeURIComponent(code)}`, { method: 'PATCH', body }),
  list: () => api<{ items: Interface[] }>(base),
  get: (id: number) => api<Interface>(`${base}/${id}`),
  create: (body: InterfaceInput) => api<Interface>(base, { method: 'POST', body }),
  update: (id: number, body: InterfaceInput) => api<Interface>(`${base}/${id}`, { method: 'PATCH', body }),
  versions: (id: number) => api<{ current: number; items: MappingVersion[] }>(`${base}/${id}/mappings`),
  saveMapping: (id: number, mapping: Mapping, note: string | null) => api<Interface>(`${base}/${id}/mappings`, { method: 'POST', body: { mapping, note } }),
  exportMapping: (id: number, version: number, format: 'json' | 'xlsx') => download(`${base}/${id}/mappings/${version}/export?format=${format}`, `mapping-v${version}.${format}`),
  loads: (id: number, page = 1) => api<Page<Load>>(`${base}/${id}/loads${toQuery({ page, pageSize: 50 })}`),
  load: (loadId: number) => api<Load>(`${base}/loads/${loadId}`),
  log: (loadId: number) => api<{ items: LogEntry[] }>(`${base}/loads/${loadId}/log`),
  owners: () => api<{ items: Owner[] }>(`${base}/owners`),
  scan: (id: number) => api<{ items: Load[] }>(`${base}/${id}/scan`, { method: 'POST', body: {} }),
  runNow: (id: number) => api<Load & { resumed: boolean }>(`${base}/${id}/run`, { method: 'POST', body: {} }),
  quarantine: (id: number, q: { status?: string; loadId?: number; page: number; pageSize: number }) => api<Page<QuarantineRow>>(`${base}/${id}/quarantine${toQuery(q)}`),
  unverified: (id: number, q: { loadId?: number; rule?: string; page: number; pageSize: number }) => api<Page<UnverifiedRow>>(`${base}/${id}/unverified-ids${toQuery(q)}`),
  fix: (id: number, qid: number, raw: Record<string, string>) => api<Report & { loadId: number }>(`${base}/${id}/quarantine/${qid}`, { method: 'PUT', body: { raw } }),
  resubmit: (id: number, ids?: number[]) => api<Report & { loadId: number }>(`${base}/${id}/quarantine/resubmit`, { method: 'POST', body: ids ? { ids } : {} }),
  discard: (id: number, qid: number, note: string) => api<{ id: number }>(`${base}/${id}/quarantine/${qid}/discard`, { method: 'POST', body: { note } }),
};

/** Uploads a file as multipart/form-data (the server streams it to disk); reports upload progress. */
export function uploadFile(id: number, file: File, encoding: string, onProgress: (pct: number) => void): Promise<Load & { resumed: boolean }> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', `${base}/${id}/loads${toQuery({ encoding: encoding === 'auto' ? undefined : encoding })}`);
    xhr.withCredentials = true;
    xhr.setRequestHeader('Accept-Language', langOf(i18n.language) === 'en' ? 'en-US,en;q=0.9' : 'zh-CN,zh;q=0.9');
    xhr.upload.onprogress = (e) => { if (e.lengthComputable) onProgress(Math.round((e.loaded / e.total) * 100)); };
    xhr.onload = () => {
      let body: { error?: { code?: string; message?: string; fields?: FieldIssue[] } } & Record<string, unknown> = {};
      try {
        body = JSON.parse(xhr.responseText);
      } catch {
        /* not JSON */
      }
      if (xhr.status >= 200 && xhr.status < 300) resolve(body as unknown as Load & { resumed: boolean });
      else reject(new ApiError(xhr.status, body.error?.code ?? `HTTP_${xhr.status}`, body.error?.message ?? xhr.statusText, body.error?.fields ?? []));
    };
    xhr.onerror = () => reject(new Error('network error'));
    const fd = new FormData();
    fd.append('file', file);
    xhr.send(fd);
  });
}

export const useMeta = () => useQuery({ queryKey: ['interfaces', 'meta'], queryFn: interfacesApi.meta, staleTime: 10 * 60_000 });
export const useOwners = () => useQuery({ queryKey: ['interfaces', 'owners'], queryFn: interfacesApi.owners, staleTime: 5 * 60_000 });
export const useSources = () => useQuery({ queryKey: ['interfaces', 'sources'], queryFn: interfacesApi.sources });
export const useInterfaces = () => useQuery({ queryKey: ['interfaces', 'list'], queryFn: interfacesApi.list, refetchInterval: 15_000 });
export const useInterface = (id: number) => useQuery({ queryKey: ['interfaces', 'one', id], queryFn: () => interfacesApi.get(id) });
export const useVersions = (id: number) => useQuery({ queryKey: ['interfaces', 'versions', id], queryFn: () => interfacesApi.versions(id) });
export const useLoads = (id: number, page: number) => useQuery({
  queryKey: ['interfaces', 'loads', id, page], queryFn: () => interfacesApi.loads(id, page),
  // While a run is under way the history refreshes itself.
  refetchInterval: (q) => (q.state.data?.items.some((l) => l.status === 'queued' || l.status === 'running') ? 2000 : 15_000),
});
/** Polls a load while it runs, for the progress bar. */
export const useLoad = (loadId: number | null) => useQuery({
  queryKey: ['interfaces', 'load', loadId], queryFn: () => interfacesApi.load(loadId!), enabled: loadId !== null,
  refetchInterval: (q) => (q.state.data && (q.state.data.status === 'succeeded' || q.state.data.status === 'failed') ? false : 1000),
});
export const useQuarantine = (id: number, q: { status?: string; page: number; pageSize: number }) =>
  useQuery({ queryKey: ['interfaces', 'quarantine', id, q], queryFn: () => interfacesApi.quarantine(id, q) });

export const useUnverified = (id: number, q: { rule?: string; page: number; pageSize: number }) =>
  useQuery({ queryKey: ['interfaces', 'unverified', id, q], queryFn: () => interfacesApi.unverified(id, q) });

export function useInvalidate() {
  const qc = useQueryClient();
  return () => qc.invalidateQueries({ queryKey: ['interfaces'] });
}

export function useSaveSource() {
  const inv = useInvalidate();
  return useMutation({
    mutationFn: ({ code, body }: { code?: string; body: SourceInput }) => (code ? interfacesApi.updateSource(code, body) : interfacesApi.createSource(body)),
    onSuccess: inv,
  });
}
