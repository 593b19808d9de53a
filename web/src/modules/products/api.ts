import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, download, toQuery } from '../../app/http.ts';

// Hand-written from server/modules/products (schemas and service) until the OpenAPI types are generated.

export type Category = 'deposit' | 'loan' | 'card' | 'wealth' | 'fund' | 'insurance' | 'other';
export type RiskRating = 'R1' | 'R2' | 'R3' | 'R4' | 'R5';
export type ProductStatus = 'active' | 'suspended' | 'retired';
export type DocumentKind = 'prospectus' | 'contract' | 'risk_disclosure' | 'brochure' | 'faq' | 'training' | 'other';
export type ScriptScenario = 'general' | 'phone' | 'visit' | 'counter' | 'objection' | 'maturity' | 'wechat';
export type MatrixDimension = 'level' | 'type' | 'age' | 'aum' | 'party' | 'risk';
/** Integer fen; PostgreSQL bigints may arrive as strings. */
export type Fen = number | string;

export const CATEGORIES: Category[] = ['deposit', 'loan', 'card', 'wealth', 'fund', 'insurance', 'other'];
export const RISK_RATINGS: RiskRating[] = ['R1', 'R2', 'R3', 'R4', 'R5'];
export const PRODUCT_STATUSES: ProductStatus[] = ['active', 'suspended', 'retired'];
export const DOCUMENT_KINDS: DocumentKind[] = ['prospectus', 'contract', 'risk_disclosure', 'brochure', 'faq', 'training', 'other'];
export const SCRIPT_SCENARIOS: ScriptScenario[] = ['general', 'phone', 'visit', 'counter', 'objection', 'maturity', 'wechat'];
export const MATRIX_DIMENSIONS: MatrixDimension[] = ['level', 'type', 'age', 'aum', 'party', 'risk'];
/** Mirrors the server's rule (B3): wealth products and funds must carry a risk rating, agency insurance may. */
export const RATING_REQUIRED: Category[] = ['wealth', 'fund'];
export const RATING_ALLOWED: Category[] = ['wealth', 'fund', 'insurance'];

export type Product = {
  code: string;
  name: string;
  nameEn: string;
  category: Category;
  riskRating: RiskRating | null;
  isAsset: boolean;
  status: ProductStatus;
  description: string | null;
  attributes: Record<string, string | number | boolean | null>;
  termDays: number | null;
  minAmountFen: Fen | null;
  ratePct: string | null;
  launchOn: string | null;
  retireOn: string | null;
  targetSegment: string | null;
  issuer: string | null;
  version: number;
  createdAt: string;
  updatedAt: string;
};

export type ProductDocument = { id: number; title: string; kind: DocumentKind; url: string | null; body: string | null; version: string; updatedAt: string };
export type SalesScript = { id: number; title: string; content: string; scenario: ScriptScenario; audience: string | null; updatedAt: string };

export type ProductDetail = Product & {
  documents: ProductDocument[];
  scripts: SalesScript[];
  holdings: { holders: number; accounts: number; balanceFen: Fen; maturingIn30Days: number };
};

export type ProductFilters = { q?: string; category?: Category; riskRating?: RiskRating; status?: ProductStatus };
export type ProductQuery = ProductFilters & { page: number; pageSize: number };
export type Page<T> = { items: T[]; total: number; page: number; pageSize: number };

export type ProductInput = {
  code: string;
  name: string;
  nameEn?: string;
  category: Category;
  riskRating?: RiskRating | null;
  isAsset?: boolean;
  status?: ProductStatus;
  description?: string | null;
  attributes?: Record<string, string | number | boolean | null>;
  termDays?: number | null;
  minAmountFen?: number | null;
  ratePct?: string | null;
  launchOn?: string | null;
  retireOn?: string | null;
  targetSegment?: string | null;
  issuer?: string | null;
};
export type ProductPatch = Partial<Omit<ProductInput, 'code'>> & { version?: number };

export type DocumentInput = { title: string; kind: DocumentKind; url?: string | null; body?: string | null; version?: string };
export type ScriptInput = { title: string; content: string; scenario?: ScriptScenario; audience?: string | null };

export type Label = { zh: string; en: string };
export type Rule = { antecedent: string[]; labels: Label[]; count: number; withTarget: number; support: number; confidence: number; lift: number };
export type Prospect = {
  customerNo: string;
  name: string;
  party: 'person' | 'organization';
  levelCode: string | null;
  levelName: string | null;
  levelNameEn: string | null;
  managerName: string | null;
  aumFen: Fen;
  riskTolerance: string | null;
  needsRiskAssessment: boolean;
  score: number;
  lift: number;
  matchedRules: number;
  reasons: Rule[];
};
export type Prospects = {
  product: { code: string; name: string; nameEn: string; riskRating: RiskRating | null; status: ProductStatus };
  /** Off-shelf products list no candidates. */
  onSale: boolean;
  asOf: string;
  /** Below 1 when counts come from a fixed sample of a large scope. */
  sampleRate: number;
  population: number;
  holders: number;
  baseRate: number;
  minCount: number;
  rules: Rule[];
  candidates: Prospect[];
};

export type Matrix = {
  dimension: MatrixDimension;
  asOf: string;
  sampleRate: number;
  segments: { key: string; name: string; nameEn: string; customers: number }[];
  products: { code: string; name: string; nameEn: string; category: Category }[];
  cells: { segment: string; product: string; holders: number; penetrationPct: number }[];
};

export type Holdings = {
  customerNo: string;
  name: string;
  riskTolerance: string | null;
  asOf: string;
  assetFen: Fen;
  liabilityFen: Fen;
  productCount: number;
  categories: {
    category: Category;
    balanceFen: Fen;
    products: {
      code: string; name: string; nameEn: string; riskRating: RiskRating | null; isAsset: boolean; accounts: number; balanceFen: Fen;
      nextMaturityOn: string | null; firstOpenedOn: string; aboveTolerance: boolean;
    }[];
  }[];
};

const enc = encodeURIComponent;

export const productsApi = {
  list: (q: ProductQuery) => api<Page<Product>>(`/api/products${toQuery(q)}`),
  get: (code: string) => api<ProductDetail>(`/api/products/${enc(code)}`),
  create: (body: ProductInput) => api<Product>('/api/products', { method: 'POST', body }),
  update: (code: string, body: ProductPatch) => api<Product>(`/api/products/${enc(code)}`, { method: 'PATCH', body }),
  export: (f: ProductFilters, fallbackName: string) => download(`/api/products/export${toQuery(f)}`, fallbackName),
  addDocument: (code: string, body: DocumentInput) => api<ProductDocument>(`/api/products/${enc(code)}/documents`, { method: 'POST', body }),
  updateDocument: (code: string, id: number, body: Partial<DocumentInput>) => api<ProductDocument>(`/api/products/${enc(code)}/documents/${id}`, { method: 'PATCH', body }),
  removeDocument: (code: string, id: number) => api<void>(`/api/products/${enc(code)}/documents/${id}`, { method: 'DELETE' }),
  addScript: (code: string, body: ScriptInput) => api<SalesScript>(`/api/products/${enc(code)}/scripts`, { method: 'POST', body }),
  updateScript: (code: string, id: number, body: Partial<ScriptInput>) => api<SalesScript>(`/api/products/${enc(code)}/scripts/${id}`, { method: 'PATCH', body }),
  removeScript: (code: string, id: number) => api<void>(`/api/products/${enc(code)}/scripts/${id}`, { method: 'DELETE' }),
  exportProspects: (code: string, fallbackName: string) => download(`/api/products/${enc(code)}/prospects/export`, fallbackName),
  prospects: (code: string, limit: number) => api<Prospects>(`/api/products/${enc(code)}/prospects${toQuery({ limit })}`),
  matrix: (dimension: MatrixDimension, category?: Category) => api<Matrix>(`/api/products/matrix${toQuery({ dimension, category })}`),
  holdings: (customerNo: string) => api<Holdings>(`/api/customers/${enc(customerNo)}/holdings`),
};

export const productKeys = {
  list: (q: ProductQuery) => ['products', 'list', q] as const,
  detail: (code: string) => ['products', 'detail', code] as const,
  exportProspects: (code: string, fallbackName: string) => download(`/api/products/${enc(code)}/prospects/export`, fallbackName),
  prospects: (code: string, limit: number) => ['products', 'prospects', code, limit] as const,
  matrix: (d: MatrixDimension, c?: Category) => ['products', 'matrix', d, c ?? ''] as const,
  holdings: (customerNo: string) => ['products', 'holdings', customerNo] as const,
};

export function useProducts(q: ProductQuery) {
  return useQuery({ queryKey: productKeys.list(q), queryFn: () => productsApi.list(q), placeholderData: keepPreviousData });
}

export function useProduct(code: string) {
  return useQuery({ queryKey: productKeys.detail(code), queryFn: () => productsApi.get(code) });
}

export function useProspects(code: string, limit: number, enabled = true) {
  // Mining runs over the user's whole scope: keep an answer for a few minutes.
  return useQuery({ queryKey: productKeys.prospects(code, limit), queryFn: () => productsApi.prospects(code, limit), enabled, staleTime: 5 * 60_000 });
}

export function useMatrix(d: MatrixDimension, c?: Category) {
  return useQuery({ queryKey: productKeys.matrix(d, c), queryFn: () => productsApi.matrix(d, c), staleTime: 5 * 60_000, placeholderData: keepPreviousData });
}

export function useHoldings(customerNo: string) {
  return useQuery({ queryKey: productKeys.holdings(customerNo), queryFn: () => productsApi.holdings(customerNo) });
}

/** Every catalogue write changes the detail and possibly the list. */
function useInvalidate(code?: string) {
  const qc = useQueryClient();
  return () => {
    void qc.invalidateQueries({ queryKey: ['products', 'list'] });
    if (code) void qc.invalidateQueries({ queryKey: productKeys.detail(code) });
  };
}

export function useCreateProduct() {
  const done = useInvalidate();
  return useMutation({ mutationFn: productsApi.create, onSuccess: done });
}

export function useUpdateProduct(code: string) {
  const done = useInvalidate(code);
  return useMutation({ mutationFn: (body: ProductPatch) => productsApi.update(code, body), onSuccess: done });
}

export function useSaveDocument(code: string) {
  const done = useInvalidate(code);
  return useMutation({
    mutationFn: ({ id, body }: { id?: number; body: DocumentInput }) => (id ? productsApi.updateDocument(code, id, body) : productsApi.addDocument(code, body)),
    onSuccess: done,
  });
}

export function useRemoveDocument(code: string) {
  const done = useInvalidate(code);
  return useMutation({ mutationFn: (id: number) => productsApi.removeDocument(code, id), onSuccess: done });
}

export function useSaveScript(code: string) {
  const done = useInvalidate(code);
  return useMutation({
    mutationFn: ({ id, body }: { id?: number; body: ScriptInput }) => (id ? productsApi.updateScript(code, id, body) : productsApi.addScript(code, body)),
    onSuccess: done,
  });
}

export function useRemoveScript(code: string) {
  const done = useInvalidate(code);
  return useMutation({ mutationFn: (id: number) => productsApi.removeScript(code, id), onSuccess: done });
}
