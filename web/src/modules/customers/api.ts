import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, download, toQuery } from '../../app/http.ts';
import type { Alias, FieldLineage, SourceRecordLink } from '../integration/api.ts';

// Hand-written from docs/api-contract.md until the OpenAPI types are generated.

export type CustomerStatus = 'potential' | 'active' | 'dormant' | 'churned';
export type Party = 'person' | 'organization';
export type IdType = 'resident_id' | 'uscc' | 'passport' | 'hk_macao_permit' | 'taiwan_permit' | 'foreign_permanent' | 'business_license' | 'other';
export type ContactKind = 'mobile' | 'phone' | 'email' | 'fax' | 'wechat';
export type AddressKind = 'home' | 'work' | 'registered' | 'mailing' | 'business';
export type Channel = 'phone' | 'sms' | 'email' | 'mail' | 'wechat' | 'visit';
export type RiskTolerance = 'C1' | 'C2' | 'C3' | 'C4' | 'C5';
export type Gender = 'M' | 'F';
/** Integer fen; PostgreSQL bigints may arrive as strings. */
export type Fen = number | string;

export const STATUSES: CustomerStatus[] = ['potential', 'active', 'dormant', 'churned'];
export const ID_TYPES: IdType[] = ['resident_id', 'uscc', 'passport', 'hk_macao_permit', 'taiwan_permit', 'foreign_permanent', 'business_license', 'other'];
export const CONTACT_KINDS: ContactKind[] = ['mobile', 'phone', 'email', 'fax', 'wechat'];
export const ADDRESS_KINDS: AddressKind[] = ['home', 'work', 'registered', 'mailing', 'business'];
export const CHANNELS: Channel[] = ['phone', 'sms', 'email', 'mail', 'wechat', 'visit'];
export const RISK_LEVELS: RiskTolerance[] = ['C1', 'C2', 'C3', 'C4', 'C5'];

export type AttributeDef = {
  key: string;
  label: string;
  labelEn: string;
  /** 'text' | 'integer' | 'enum' today; 'number', 'date' and 'boolean' are rendered too. */
  type: string;
  options?: string[];
};
export type CustomerTypeMeta = { code: string; parentCode: string | null; party: Party; name: string; nameEn: string; attributeSchema: AttributeDef[] };
export type LevelMeta = { code: string; name: string; nameEn: string; rank: number; minAumFen: Fen };
export type RelationTypeMeta = { code: string; name: string; nameEn: string; inverseName: string; inverseNameEn: string };
export type ProductMeta = { code: string; name: string; nameEn: string; category: string };
export type CustomerMeta = {
  types: CustomerTypeMeta[];
  levels: LevelMeta[];
  relationTypes: RelationTypeMeta[];
  statuses: CustomerStatus[];
  idTypes: IdType[];
  products: ProductMeta[];
};

export type CustomerSummary = {
  /** In the deleted list: the customer it was merged into (undone by unmerge, not restored), and whether it can be restored. */
  mergedInto?: string | null;
  restorable?: boolean;
  customerNo: string;
  name: string;
  party: Party;
  typeCode: string;
  typeName: string;
  typeNameEn: string;
  status: CustomerStatus;
  levelCode: string | null;
  levelName: string | null;
  levelNameEn: string | null;
  orgId: number;
  orgName: string;
  orgNameEn: string;
  managerId: number | null;
  managerName: string | null;
  mobile: string | null;
  aumFen: Fen;
  createdAt: string;
};

export type CustomerFilters = {
  q?: string;
  status?: CustomerStatus;
  levelCode?: string;
  typeCode?: string;
  party?: Party;
  managerId?: number;
  orgId?: number;
  /** The deleted customers instead (to restore one). */
  deleted?: boolean;
};
export type CustomerSort = 'customerNo' | 'name' | 'createdAt' | 'aum';
export type CustomerQuery = CustomerFilters & { sort?: CustomerSort; order?: 'asc' | 'desc'; page: number; pageSize: number };
/** A page of a list; `totalCapped`: there are more than `total` (counting stopped there). */
export type Page<T> = { items: T[]; total: number; totalCapped?: boolean; page: number; pageSize: number };

export type Identity = { id: number; idType: IdType; idNo: string; country: string | null; expiresOn: string | null; isPrimary: boolean };
export type Contact = { id: number; kind: ContactKind; value: string; isPrimary: boolean };
export type Address = {
  id: number;
  kind: AddressKind;
  province: string | null;
  city: string | null;
  district: string | null;
  line: string;
  postcode: string | null;
  isPrimary: boolean;
};
export type ChannelPref = { channel: Channel; allowed: boolean; marketingConsent: boolean };
export type Relation = {
  id: number;
  direction: 'out' | 'in';
  typeCode: string;
  /** Already the inverse label when direction is 'in'. */
  label: string;
  labelEn: string;
  /** Null for a customer outside the caller's data scope (its name then comes masked). */
  customerNo: string | null;
  name: string;
  note: string | null;
  outsideScope?: true;
};
export type KeyPerson = {
  id: number;
  role: string;
  name: string;
  idNo: string | null;
  mobile: string | null;
  sharePct: string | number | null;
  personCustomerNo: string | null;
};
export type Account = {
  id: number;
  sourceSystem: string;
  accountNo: string;
  orgName: string;
  orgNameEn: string;
  productCode: string;
  productName: string;
  productNameEn: string;
  category: string;
  currency: string;
  status: string;
  openedOn: string | null;
  closedOn: string | null;
  balanceFen: Fen;
  isAsset: boolean;
};
export type HeldProduct = { code: string; name: string; nameEn: string; category: string; count: number; balanceFen: Fen };
export type ManagerChange = { fromManager: string | null; toManager: string | null; reason: string; by: string | null; at: string };

export type Customer360 = {
  customerNo: string;
  name: string;
  nameEn: string | null;
  party: Party;
  type: { code: string; name: string; nameEn: string };
  status: CustomerStatus;
  level: { code: string; name: string; nameEn: string } | null;
  gender: Gender | null;
  birthDate: string | null;
  nationality: string | null;
  occupation: string | null;
  employer: string | null;
  industry: string | null;
  riskTolerance: RiskTolerance | null;
  attributes: Record<string, unknown> | null;
  remarks: string | null;
  org: { id: number; name: string; nameEn: string };
  manager: { id: number; displayName: string } | null;
  createdAt: string;
  updatedAt: string;
  version: number;
  /** True when personal data in this answer is masked for the caller's role. */
  masked: boolean;
  identities: Identity[];
  contacts: Contact[];
  addresses: Address[];
  channelPrefs: ChannelPref[];
  relations: Relation[];
  keyPersons: KeyPerson[];
  keyPersonOf: { role: string; customerNo: string | null; name: string; outsideScope?: true }[];
  accounts: Account[];
  summary: { aumFen: Fen; loanFen: Fen; accountCount: number; products: HeldProduct[] };
  managerHistory: ManagerChange[];
  /** Integration (I2): source of each golden-record value, linked source records, merged-in numbers; set when the number asked for was merged away. */
  lineage?: Record<string, FieldLineage>;
  sourceRecords?: SourceRecordLink[];
  aliases?: Alias[];
  mergedInto?: string | null;
  requestedNo?: string;
};

export type IdentityInput = { idType: IdType; idNo: string; country?: string; expiresOn?: string; isPrimary?: boolean };
export type ContactInput = { kind: ContactKind; value: string; isPrimary?: boolean };
export type AddressInput = {
  kind: AddressKind;
  province?: string;
  city?: string;
  district?: string;
  line: string;
  postcode?: string;
  isPrimary?: boolean;
};

export type CustomerScalars = {
  typeCode: string;
  name: string;
  nameEn?: string | null;
  gender?: Gender | null;
  birthDate?: string | null;
  nationality?: string | null;
  occupation?: string | null;
  employer?: string | null;
  industry?: string | null;
  status?: CustomerStatus;
  levelCode?: string | null;
  riskTolerance?: RiskTolerance | null;
  orgId?: number;
  managerId?: number;
  remarks?: string | null;
  attributes?: Record<string, unknown>;
};
export type CustomerLists = {
  identities?: IdentityInput[];
  contacts?: ContactInput[];
  addresses?: AddressInput[];
  channelPrefs?: ChannelPref[];
};
export type CustomerInput = CustomerScalars & CustomerLists;
export type CustomerPatch = Partial<CustomerInput> & { version: number };

export type Manager = { id: number; username: string; displayName: string; orgId: number; orgName: string; orgNameEn: string; managerLevel: string | null };
export type UnmaskKind = 'identity' | 'contact' | 'address' | 'account' | 'keyPerson';

export type KeyPersonRole = 'legal_rep' | 'actual_controller' | 'executive' | 'finance_head' | 'shareholder' | 'contact';
export const KEY_PERSON_ROLES: KeyPersonRole[] = ['legal_rep', 'actual_controller', 'executive', 'finance_head', 'shareholder', 'contact'];
/** Without `idType` the server takes `idNo` to be a resident ID and checks it (GB 11643). */
export type KeyPersonInput = {
  role: KeyPersonRole;
  name: string;
  idNo?: string;
  mobile?: string;
  sharePct?: number;
  personCustomerNo?: string;
};

const path = (customerNo: string) => `/api/customers/${encodeURIComponent(customerNo)}`;

export const customerKeys = {
  all: ['customers'] as const,
  meta: ['customers', 'meta'] as const,
  list: (q: CustomerQuery) => ['customers', 'list', q] as const,
  detail: (customerNo: string) => ['customers', 'detail', customerNo] as const,
  managers: (orgId?: number) => ['managers', orgId ?? null] as const,
};

export const customersApi = {
  meta: () => api<CustomerMeta>('/api/customers/meta'),
  list: (q: CustomerQuery) => api<Page<CustomerSummary>>(`/api/customers${toQuery(q)}`),
  get: (customerNo: string) => api<Customer360>(path(customerNo)),
  create: (body: CustomerInput) => api<Customer360>('/api/customers', { method: 'POST', body }),
  update: (customerNo: string, body: CustomerPatch) => api<Customer360>(path(customerNo), { method: 'PATCH', body }),
  transfer: (customerNo: string, body: { managerId: number; reason: string }) =>
    api<Customer360>(`${path(customerNo)}/manager`, { method: 'POST', body }),
  unmask: (customerNo: string, body: { kind: UnmaskKind; id: number }) => api<{ value: string }>(`${path(customerNo)}/unmask`, { method: 'POST', body }),
  addRelation: (customerNo: string, body: { relatedCustomerNo: string; typeCode: string; note?: string }) =>
    api<unknown>(`${path(customerNo)}/relations`, { method: 'POST', body }),
  removeRelation: (customerNo: string, id: number) => api<void>(`${path(customerNo)}/relations/${id}`, { method: 'DELETE' }),
  addKeyPerson: (customerNo: string, body: KeyPersonInput) => api<{ id: number }>(`${path(customerNo)}/key-persons`, { method: 'POST', body }),
  removeKeyPerson: (customerNo: string, id: number) => api<void>(`${path(customerNo)}/key-persons/${id}`, { method: 'DELETE' }),
  /** Soft delete (SPEC C2): the record and its history stay, flagged as deleted. */
  remove: (customerNo: string, body: { reason: string }) => api<void>(path(customerNo), { method: 'DELETE', body }),
  restore: (customerNo: string, body: { reason: string }) => api<Customer360>(`${path(customerNo)}/restore`, { method: 'POST', body }),
  managers: (orgId?: number) => api<{ items: Manager[] }>(`/api/managers${toQuery({ orgId })}`),
  /** The export honours the list's filters and sort but not its paging: it is the whole result. */
  export: (q: CustomerFilters & { sort?: CustomerSort; order?: 'asc' | 'desc' }, fileName: string) =>
    download(`/api/customers/export${toQuery(q)}`, fileName),
};

export function useCustomerMeta() {
  return useQuery({ queryKey: customerKeys.meta, queryFn: customersApi.meta, staleTime: Infinity });
}

export function useCustomers(q: CustomerQuery) {
  return useQuery({ queryKey: customerKeys.list(q), queryFn: () => customersApi.list(q), placeholderData: keepPreviousData });
}

export function useCustomer(customerNo: string) {
  return useQuery({ queryKey: customerKeys.detail(customerNo), queryFn: () => customersApi.get(customerNo) });
}

export function useManagers(enabled: boolean, orgId?: number) {
  return useQuery({ queryKey: customerKeys.managers(orgId), queryFn: () => customersApi.managers(orgId), enabled, staleTime: 5 * 60_000 });
}

/** Shared tail of every customer write: the answer is the fresh 360 view, and lists may have changed. */
function useStore360() {
  const qc = useQueryClient();
  return (c: Customer360) => {
    qc.setQueryData(customerKeys.detail(c.customerNo), c);
    void qc.invalidateQueries({ queryKey: ['customers', 'list'] });
  };
}

export function useCreateCustomer() {
  const store = useStore360();
  return useMutation({ mutationFn: customersApi.create, onSuccess: store });
}

export function useUpdateCustomer(customerNo: string) {
  const store = useStore360();
  return useMutation({ mutationFn: (body: CustomerPatch) => customersApi.update(customerNo, body), onSuccess: store });
}

export function useTransferManager(customerNo: string) {
  const store = useStore360();
  return useMutation({ mutationFn: (body: { managerId: number; reason: string }) => customersApi.transfer(customerNo, body), onSuccess: store });
}

export function useUnmask(customerNo: string) {
  return useMutation({ mutationFn: (body: { kind: UnmaskKind; id: number }) => customersApi.unmask(customerNo, body) });
}

export function useAddRelation(customerNo: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: { relatedCustomerNo: string; typeCode: string; note?: string }) => customersApi.addRelation(customerNo, body),
    // Both ends show the relation, so both cached views are stale.
    onSuccess: (_r, body) => {
      void qc.invalidateQueries({ queryKey: customerKeys.detail(customerNo) });
      void qc.invalidateQueries({ queryKey: customerKeys.detail(body.relatedCustomerNo) });
    },
  });
}

export function useRemoveRelation(customerNo: string) {
  const qc = useQueryClient();
  return useMutation({
    // The server ends a relation from either of its two customers.
    mutationFn: (r: Relation) => customersApi.removeRelation(customerNo, r.id),
    onSuccess: (_r, rel) => {
      void qc.invalidateQueries({ queryKey: customerKeys.detail(customerNo) });
      if (rel.customerNo) void qc.invalidateQueries({ queryKey: customerKeys.detail(rel.customerNo) });
    },
  });
}

export function useAddKeyPerson(customerNo: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: KeyPersonInput) => customersApi.addKeyPerson(customerNo, body),
    // A linked personal customer lists the company under "key person of", so their view is stale too.
    onSuccess: (_r, body) => {
      void qc.invalidateQueries({ queryKey: customerKeys.detail(customerNo) });
      if (body.personCustomerNo) void qc.invalidateQueries({ queryKey: customerKeys.detail(body.personCustomerNo) });
    },
  });
}

export function useRemoveKeyPerson(customerNo: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (kp: KeyPerson) => customersApi.removeKeyPerson(customerNo, kp.id),
    onSuccess: (_r, kp) => {
      void qc.invalidateQueries({ queryKey: customerKeys.detail(customerNo) });
      if (kp.personCustomerNo) void qc.invalidateQueries({ queryKey: customerKeys.detail(kp.personCustomerNo) });
    },
  });
}

export function useRestoreCustomer(customerNo: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (reason: string) => customersApi.restore(customerNo, { reason }),
    onSuccess: () => void qc.invalidateQueries({ queryKey: ['customers'] }),
  });
}

export function useDeleteCustomer(customerNo: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (reason: string) => customersApi.remove(customerNo, { reason }),
    onSuccess: () => {
      // Dropped rather than refetched: the page still on screen would flash a 404 before it navigates away.
      qc.removeQueries({ queryKey: customerKeys.detail(customerNo), exact: true });
      // Lists, and other customers' views that showed this one as a relation or key person.
      void qc.invalidateQueries({ queryKey: ['customers', 'list'] });
      void qc.invalidateQueries({ queryKey: ['customers', 'detail'] });
    },
  });
}
