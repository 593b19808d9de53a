import { Type, type Static } from '@sinclair/typebox';
import { Lit, Nullable, Opt } from '../../platform/schema.ts';

const Str = (max: number, min = 0) => Type.String({ maxLength: max, minLength: min });
const DateStr = Type.String({ format: 'date' });

export const ID_TYPES = ['resident_id', 'uscc', 'passport', 'hk_macao_permit', 'taiwan_permit', 'foreign_permanent', 'business_license', 'other'] as const;

export const IdentityInput = Type.Object({
  idType: Lit(ID_TYPES), idNo: Str(40, 1), country: Opt(Nullable(Str(3))), expiresOn: Opt(Nullable(DateStr)), isPrimary: Opt(Type.Boolean()),
}, { additionalProperties: false });
export const ContactInput = Type.Object({
  kind: Lit(['mobile', 'phone', 'email', 'fax', 'wechat'] ), value: Str(100, 1), isPrimary: Opt(Type.Boolean()),
}, { additionalProperties: false });
export const AddressInput = Type.Object({
  kind: Lit(['home', 'work', 'registered', 'mailing', 'business'] ), province: Opt(Nullable(Str(40))), city: Opt(Nullable(Str(40))),
  district: Opt(Nullable(Str(40))), line: Str(200, 1), postcode: Opt(Nullable(Str(10))), isPrimary: Opt(Type.Boolean()),
}, { additionalProperties: false });
export const ChannelPrefInput = Type.Object({
  channel: Lit(['phone', 'sms', 'email', 'mail', 'wechat', 'visit'] ), allowed: Type.Boolean(), marketingConsent: Type.Boolean(),
}, { additionalProperties: false });

const scalarFields = {
  nameEn: Opt(Nullable(Str(200))),
  gender: Opt(Nullable(Lit(['M', 'F'] ))),
  birthDate: Opt(Nullable(DateStr)),
  nationality: Opt(Nullable(Str(3))),
  occupation: Opt(Nullable(Str(100))),
  employer: Opt(Nullable(Str(200))),
  industry: Opt(Nullable(Str(10))),
  status: Opt(Lit(['potential', 'active', 'dormant', 'churned'] )),
  levelCode: Opt(Nullable(Str(40))),
  riskTolerance: Opt(Nullable(Lit(['C1', 'C2', 'C3', 'C4', 'C5'] ))),
  remarks: Opt(Nullable(Str(2000))),
  attributes: Opt(Type.Record(Type.String(), Type.Unknown())),
  identities: Opt(Type.Array(IdentityInput, { maxItems: 20 })),
  contacts: Opt(Type.Array(ContactInput, { maxItems: 30 })),
  addresses: Opt(Type.Array(AddressInput, { maxItems: 20 })),
  channelPrefs: Opt(Type.Array(ChannelPrefInput, { maxItems: 6 })),
};

export const CustomerInput = Type.Object({
  typeCode: Str(40, 1),
  name: Type.String({ minLength: 1, maxLength: 200, pattern: '\\S' }),
  orgId: Opt(Type.Integer({ minimum: 1 })),
  managerId: Opt(Nullable(Type.Integer({ minimum: 1 }))),
  ...scalarFields,
}, { additionalProperties: false });
export type CustomerInput = Static<typeof CustomerInput>;

export const CustomerPatch = Type.Object({
  /** Another leaf type of the same party (an SME grown large, a company loaded as 公司客户 classified). */
  typeCode: Opt(Str(40, 1)),
  name: Opt(Type.String({ minLength: 1, maxLength: 200, pattern: '\\S' })),
  version: Opt(Type.Integer({ minimum: 1 })),
  ...scalarFields,
}, { additionalProperties: false });
export type CustomerPatch = Static<typeof CustomerPatch>;

export const SearchQuery = Type.Object({
  q: Opt(Str(100)),
  status: Opt(Lit(['potential', 'active', 'dormant', 'churned'] )),
  levelCode: Opt(Str(40)),
  typeCode: Opt(Str(40)),
  party: Opt(Lit(['person', 'organization'] )),
  managerId: Opt(Type.Integer({ minimum: 1 })),
  orgId: Opt(Type.Integer({ minimum: 1 })),
  /** The deleted customers instead (to restore one): for those who may edit customers. */
  deleted: Opt(Type.Boolean()),
  sort: Opt(Lit(['customerNo', 'name', 'createdAt', 'aum'] )),
  order: Opt(Lit(['asc', 'desc'] )),
  page: Opt(Type.Integer({ minimum: 1, maximum: 100000 })),
  pageSize: Opt(Type.Integer({ minimum: 1, maximum: 200 })),
}, { additionalProperties: false });
export type SearchQuery = Static<typeof SearchQuery>;

export const CustomerNoParams = Type.Object({ customerNo: Type.String({ pattern: '^\\d{1,20}$' }) });

export const TransferBody = Type.Object({ managerId: Type.Integer({ minimum: 1 }), reason: Str(500, 1) }, { additionalProperties: false });
export const DeleteBody = Type.Object({ reason: Str(500, 1) }, { additionalProperties: false });
export const UnmaskBody = Type.Object({
  kind: Lit(['identity', 'contact', 'address', 'account', 'keyPerson'] ), id: Type.Integer({ minimum: 1 }),
}, { additionalProperties: false });
export const KeyPersonBody = Type.Object({
  role: Lit(['legal_rep', 'actual_controller', 'executive', 'finance_head', 'shareholder', 'contact'] as const),
  name: Str(100, 1),
  idType: Opt(Nullable(Lit(ID_TYPES))),
  idNo: Opt(Nullable(Str(40))),
  mobile: Opt(Nullable(Str(20))),
  sharePct: Opt(Nullable(Type.Number({ minimum: 0, maximum: 100 }))),
  personCustomerNo: Opt(Nullable(Type.String({ pattern: '^\\d{1,20}$' }))),
}, { additionalProperties: false });
export type KeyPersonBody = Static<typeof KeyPersonBody>;

export const RelationBody = Type.Object({
  relatedCustomerNo: Type.String({ pattern: '^\\d{1,20}$' }), typeCode: Str(40, 1), note: Opt(Nullable(Str(500))),
}, { additionalProperties: false });
