import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, toQuery } from '../../app/http.ts';

// Hand-written from server/modules/integration (schemas and service) until the OpenAPI types are generated.

export type Fen = number | string;
/** A text the server gives in both languages. */
export type Msg = { zh: string; en: string };
export type Zone = 'match' | 'review' | 'nonmatch';
export type ReviewStatus = 'pending' | 'confirmed' | 'rejected';

/** Per golden-record field, where its value came from (360° view). */
export type FieldLineage = {
  value: string | null; source: string; sourceName: string | null; sourceNameEn: string | null; recordId: number | null; recordKey: string | null;
  rule: 'trust' | 'recency' | 'completeness' | 'only' | 'agreed' | 'manual'; trust: number; candidates: number; chosenAt: string;
};
/** idUnverified: the record's ID number fails its check and was kept unverified: it is not the customer's ID. */
export type SourceRecordLink = { id: number; source: string; sourceName: string; sourceNameEn: string; recordKey: string; name: string | null; status: string; updatedAt: string; idUnverified?: boolean };
export type Alias = { customerNo: string; mergeId: number; at: string };
/** What the 360° view carries for integration. */
export type Integration360 = {
  customerNo: string; name: string; party: 'person' | 'organization';
  lineage?: Record<string, FieldLineage>; sourceRecords?: SourceRecordLink[]; aliases?: Alias[]; mergedInto?: string | null; requestedNo?: string;
};

export type ReviewItem = {
  id: number; status: ReviewStatus; origin: 'engine' | 'manager'; score: number | null; probability: number | null; zone: Zone | null; conflict: string | null;
  priorityFen: Fen; managerId: number | null; managerName: string | null; mine: boolean;
  a: { customerNo: string; name: string; aumFen: Fen }; b: { customerNo: string; name: string; aumFen: Fen };
  createdAt: string; decidedAt: string | null; decidedBy: string | null; mergeId: number | null;
};
export type ReviewQuery = { status: ReviewStatus; mine?: boolean; page: number; pageSize: number };
export type Page<T> = { items: T[]; total: number; page: number; pageSize: number };

export type SideRecord = {
  id: number; source: string; sourceName: string; sourceNameEn: string; recordKey: string; highlighted: boolean; name: string | null; idNo: string | null;
  /** The record's ID number fails its check (kept unverified by its load): never the customer's ID. */
  idUnverified?: boolean; mobile: string | null; birthDate: string | null; address: string | null;
};
export type Side = {
  customerNo: string; name: string; party: string; status: string; deleted: boolean; aumFen: Fen; managerName: string | null; orgName: string;
  fields: Record<string, string | null>; records: SideRecord[];
};
export type FieldEvidence = { field: string; level: string; weight: number };
export type ReviewDetail = {
  id: number; status: ReviewStatus; origin: 'engine' | 'manager'; note: string | null; mergeId: number | null; score: number | null; probability: number | null;
  zone: Zone | null; conflict: string | null; fields: FieldEvidence[]; a: Side; b: Side; decidedAt: string | null;
  /** The user proposed this pair: another reviewer confirms it (four eyes); they may withdraw (reject) it. */
  proposedByMe: boolean;
  /** Sent back with the decision (with both customer numbers): a pair changed since is refused (409). */
  version: string;
};
export type Decision = { decision: 'confirm' | 'reject'; note?: string; survivorNo?: string; overrideConflict?: boolean; aNo?: string; bNo?: string; version?: string };

export type MergeItem = {
  id: number; reason: string; mergedAt: string; mergedBy: string | null; undoneAt: string | null; undoneBy: string | null; undoReason: string | null; reviewId: number | null;
  /** A customer outside the user's scope comes without number and name. */
  survivor: { customerNo: string | null; name: string | null }; merged: { customerNo: string | null; name: string | null };
};
/** A source record detached from a customer (into a new one, or another). */
export type DetachItem = {
  id: number; reason: string; detachedAt: string; detachedBy: string | null; createdCustomer: boolean; accounts: number;
  record: { id: number; source: string; recordKey: string }; from: { customerNo: string | null; name: string | null }; to: { customerNo: string | null; name: string | null };
};
export type DetachResult = { detachId: number; recordId: number; fromCustomerNo: string; toCustomerNo: string; createdCustomer: boolean; accounts: number };

export type ComparisonLevel = { label: string; m: number; u: number; weight?: number };
/** `kind`: persons and companies each have their own comparison of some fields (cn.id, cn.mobile …). */
export type Comparison = { name: string; kind?: 'person' | 'org'; field: string; levels: ComparisonLevel[] };
export type MatchModel = { preset: string; comparisons: Comparison[]; priorMatchProbability: number; matchThreshold: number; reviewThreshold: number; trainedOn?: { records: number; pairs: number; iterations: number; note: string } };
export type ModelView = {
  /** training: how m and u were obtained, in both languages (null: the built-in defaults). */
  version: number; builtin: boolean; model: MatchModel; training: Msg | null; sourceOrder: string[]; valueRank: string[]; orderSteps: { source: string; records: number; overlap: number }[];
  orderOverridden: boolean;
  /** records: all the source holds (estimated from statistics when recordsExact is false); orderSteps' records: its sample (≤ orderSample). */
  sources: { code: string; name: string; nameEn: string; valueRank: number; fieldTrust: Record<string, number>; records: number }[];
  recordsExact: boolean; orderSample: number;
  history: { version: number; note: Msg | null; active: boolean; status: VersionStatus; activatedAt: string | null; createdAt: string; createdBy: string | null }[];
};
/** active: the one matching uses; draft: never activated (an estimate nobody decided on yet); earlier: active once, may be activated again. */
export type VersionStatus = 'active' | 'draft' | 'earlier';
export type ModelVersion = {
  version: number; status: VersionStatus; active: boolean; note: Msg | null; model: MatchModel; sourceOrder: string[] | null; training: Msg | null;
  createdAt: string; createdBy: string | null; activatedAt: string | null;
};
export type EstimateStatus = 'queued' | 'running' | 'done' | 'failed';
export type Estimate = {
  id: number; status: EstimateStatus; records: number | null; candidatePairs: number | null; version: number | null; error: { zh: string; en: string } | null;
  requestedBy: string | null; createdAt: string; startedAt: string | null; finishedAt: string | null;
};
export type ModelPatch = {
  matchThreshold?: number; reviewThreshold?: number; weights?: { comparison: string; kind?: 'person' | 'org'; level: string; weight: number | null }[]; sourceOrder?: string[] | null; note?: string;
};

/** A source record whose resolution into a customer failed, with the error (an administrator retries it). */
export type FailedRecord = {
  id: number; source: string; sourceName: string; sourceNameEn: string | null; recordKey: string; kind: 'person' | 'org'; name: string | null;
  error: string | null; attempts: number; updatedAt: string;
};
export type RetryResult = { retried: number; matched: number; created: number; review: number; failed: number; failures: { recordId: number; reason: string }[] };

export const integrationKeys = {
  reviews: (q: ReviewQuery) => ['integration', 'reviews', q] as const,
  review: (id: number) => ['integration', 'review', id] as const,
  merges: (customerNo?: string) => ['integration', 'merges', customerNo ?? null] as const,
  model: ['integration', 'model'] as const,
  modelVersion: (v: number) => ['integration', 'model-version', v] as const,
  estimates: ['integration', 'estimates'] as const,
  failed: (page: number) => ['integration', 'failed', page] as const,
};

export const integrationApi = {
  reviews: (q: ReviewQuery) => api<Page<ReviewItem>>(`/api/integration/reviews${toQuery(q)}`),
  review: (id: number) => api<ReviewDetail>(`/api/integration/reviews/${id}`),
  decide: (id: number, body: Decision) => api<{ id: number; status: ReviewStatus; mergeId: number | null; survivorNo?: string }>(`/api/integration/reviews/${id}/decision`, { method: 'POST', body }),
  propose: (body: { customerNo: string; otherCustomerNo: string; note?: string }) => api<{ id: number; created: boolean }>('/api/integration/reviews', { method: 'POST', body }),
  merges: (customerNo?: string) => api<{ items: MergeItem[]; detaches?: DetachItem[] }>(`/api/integration/merges${toQuery({ customerNo })}`),
  detach: (recordId: number, body: { reason: string; targetCustomerNo?: string }) => api<DetachResult>(`/api/integration/records/${recordId}/detach`, { method: 'POST', body }),
  unmerge: (id: number, reason: string) => api<{ mergeId: number; survivorNo: string; mergedNo: string }>(`/api/integration/merges/${id}/unmerge`, { method: 'POST', body: { reason } }),
  model: () => api<ModelView>('/api/integration/model'),
  saveModel: (body: ModelPatch) => api<ModelView>('/api/integration/model', { method: 'PUT', body }),
  modelVersion: (v: number) => api<ModelVersion>(`/api/integration/model/versions/${v}`),
  activateModel: (v: number) => api<ModelView>(`/api/integration/model/versions/${v}/activate`, { method: 'POST' }),
  estimates: () => api<{ items: Estimate[] }>('/api/integration/model/estimates?limit=1'),
  estimate: () => api<{ created: boolean; estimate: Estimate }>('/api/integration/model/estimates', { method: 'POST' }),
  failed: (page: number, pageSize: number) => api<Page<FailedRecord>>(`/api/integration/failed-records${toQuery({ page, pageSize })}`),
  retry: (recordIds: number[]) => api<RetryResult>('/api/integration/failed-records/retry', { method: 'POST', body: { recordIds } }),
};

export function useReviews(q: ReviewQuery) {
  return useQuery({ queryKey: integrationKeys.reviews(q), queryFn: () => integrationApi.reviews(q), placeholderData: keepPreviousData });
}
export function useReview(id: number) {
  return useQuery({ queryKey: integrationKeys.review(id), queryFn: () => integrationApi.review(id) });
}
export function useMerges(customerNo?: string) {
  return useQuery({ queryKey: integrationKeys.merges(customerNo), queryFn: () => integrationApi.merges(customerNo) });
}
export function useModel() {
  return useQuery({ queryKey: integrationKeys.model, queryFn: integrationApi.model });
}

/** After a decision or a merge, the queue, the merges and every customer view may have changed. */
function useDone() {
  const qc = useQueryClient();
  return () => {
    void qc.invalidateQueries({ queryKey: ['integration'] });
    void qc.invalidateQueries({ queryKey: ['customers'] });
  };
}
export function useDecide(id: number) {
  const done = useDone();
  return useMutation({ mutationFn: (d: Decision) => integrationApi.decide(id, d), onSuccess: done });
}
export function usePropose() {
  const done = useDone();
  return useMutation({ mutationFn: integrationApi.propose, onSuccess: done });
}
export function useUnmerge() {
  const done = useDone();
  return useMutation({ mutationFn: ({ id, reason }: { id: number; reason: string }) => integrationApi.unmerge(id, reason), onSuccess: done });
}
/** Detaching a record changes two customers, the merges list and the 360° views. */
export function useDetach() {
  const done = useDone();
  return useMutation({ mutationFn: ({ recordId, ...body }: { recordId: number; reason: string; targetCustomerNo?: string }) => integrationApi.detach(recordId, body), onSuccess: done });
}
export function useFailedRecords(page: number, pageSize: number) {
  return useQuery({ queryKey: integrationKeys.failed(page), queryFn: () => integrationApi.failed(page, pageSize), placeholderData: keepPreviousData });
}
/** A retry may create customers and review pairs: everything integration shows may have changed. */
export function useRetryFailed() {
  const done = useDone();
  return useMutation({ mutationFn: integrationApi.retry, onSuccess: done });
}
export function useSaveModel() {
  const qc = useQueryClient();
  return useMutation({ mutationFn: integrationApi.saveModel, onSuccess: (m) => qc.setQueryData(integrationKeys.model, m) });
}
/** One saved version as it was saved (null: none asked for). */
export function useModelVersion(v: number | null) {
  return useQuery({ queryKey: integrationKeys.modelVersion(v ?? 0), queryFn: () => integrationApi.modelVersion(v!), enabled: v !== null });
}
/** Makes a version the active one (a draft, or an earlier one again); the page then shows the new state. */
export function useActivateModel() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: integrationApi.activateModel,
    onSuccess: (m) => {
      qc.setQueryData(integrationKeys.model, m);
      void qc.invalidateQueries({ queryKey: ['integration', 'model-version'] });
    },
  });
}

/** Queued or running: not finished yet. */
export const estimating = (e?: Estimate) => e?.status === 'queued' || e?.status === 'running';
const openEstimate = (items?: Estimate[]) => items?.some(estimating) ?? false;

/** The latest model estimate (one at a time runs), polled while it is queued or running; the model is re-read when it finishes. */
export function useEstimates(enabled: boolean) {
  const qc = useQueryClient();
  return useQuery({
    queryKey: integrationKeys.estimates, enabled,
    queryFn: async () => {
      const before = qc.getQueryData<{ items: Estimate[] }>(integrationKeys.estimates);
      const r = await integrationApi.estimates();
      if (openEstimate(before?.items) && !openEstimate(r.items)) void qc.invalidateQueries({ queryKey: integrationKeys.model });
      return r;
    },
    refetchInterval: (q) => (openEstimate(q.state.data?.items) ? 2_000 : false),
  });
}
export function useStartEstimate() {
  const qc = useQueryClient();
  return useMutation({ mutationFn: integrationApi.estimate, onSuccess: () => qc.invalidateQueries({ queryKey: integrationKeys.estimates }) });
}
