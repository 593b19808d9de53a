import { Type, type Static } from '@sinclair/typebox';
import { Lit, Nullable, Opt } from '../../platform/schema.ts';
import { DATA_SCOPES, PERMISSIONS } from '../../platform/permissions.ts';

export const IdParams = Type.Object({ id: Type.Integer({ minimum: 1 }) });

// Text fields carry only their length here: blanks and characters are checked by the service after trimming,
// so a blank field is told it is required and a bad code is told which characters it may hold (admin.service.ts).
export const OrgInput = Type.Object({
  parentId: Type.Integer({ minimum: 1 }),
  code: Type.String({ maxLength: 40, description: 'letters, digits, _ and -' }),
  name: Type.String({ maxLength: 100 }),
  nameEn: Type.String({ maxLength: 100 }),
  kind: Lit(['branch', 'subbranch', 'department'] ),
}, { additionalProperties: false });
export type OrgInput = Static<typeof OrgInput>;
/** `parentId` moves the unit, with everything below it, under another parent. */
export const OrgPatch = Type.Object({
  name: Opt(Type.String({ maxLength: 100 })), nameEn: Opt(Type.String({ maxLength: 100 })), parentId: Opt(Type.Integer({ minimum: 1 })),
}, { additionalProperties: false });
export type OrgPatch = Static<typeof OrgPatch>;

const ManagerLevel = Lit(['junior', 'intermediate', 'senior'] );
export const UserInput = Type.Object({
  username: Type.String({ maxLength: 64, description: '2–64 letters, digits, _ . and -' }),
  displayName: Type.String({ maxLength: 100 }),
  password: Type.String({ maxLength: 256 }),
  orgId: Type.Integer({ minimum: 1 }),
  roleCode: Type.String({ maxLength: 40 }),
  managerLevel: Opt(Nullable(ManagerLevel)),
  email: Opt(Nullable(Type.String({ maxLength: 200 }))),
  mobile: Opt(Nullable(Type.String({ maxLength: 20 }))),
}, { additionalProperties: false });
export type UserInput = Static<typeof UserInput>;
export const UserPatch = Type.Object({
  displayName: Opt(Type.String({ maxLength: 100 })),
  orgId: Opt(Type.Integer({ minimum: 1 })),
  roleCode: Opt(Type.String({ maxLength: 40 })),
  status: Opt(Lit(['active', 'disabled'] )),
  managerLevel: Opt(Nullable(ManagerLevel)),
  email: Opt(Nullable(Type.String({ maxLength: 200 }))),
  mobile: Opt(Nullable(Type.String({ maxLength: 20 }))),
  /** With a change of org: the customers the user manages move to the new org with them (else such a change is refused, 409). */
  moveCustomers: Opt(Type.Boolean()),
}, { additionalProperties: false });
export type UserPatch = Static<typeof UserPatch>;
export const PasswordReset = Type.Object({ password: Type.String({ maxLength: 256 }) }, { additionalProperties: false });

export const RoleInput = Type.Object({
  code: Type.String({ maxLength: 40, description: 'lower-case letters, digits and _' }),
  name: Type.String({ maxLength: 100 }),
  nameEn: Type.String({ maxLength: 100 }),
  dataScope: Lit(DATA_SCOPES),
  permissions: Type.Array(Lit(PERMISSIONS), { maxItems: 100 }),
}, { additionalProperties: false });
export type RoleInput = Static<typeof RoleInput>;
export const RolePatch = Type.Partial(Type.Omit(RoleInput, ['code']), { additionalProperties: false });

export const UserQuery = Type.Object({
  q: Opt(Type.String({ maxLength: 64 })), orgId: Opt(Type.Integer({ minimum: 1 })),
  page: Opt(Type.Integer({ minimum: 1 })), pageSize: Opt(Type.Integer({ minimum: 1, maximum: 500 })),
}, { additionalProperties: false });

export const AuditQuery = Type.Object({
  actor: Opt(Type.String({ maxLength: 64 })),
  customerNo: Opt(Type.String({ maxLength: 20 })),
  action: Opt(Type.String({ maxLength: 40 })),
  from: Opt(Type.String({ format: 'date' })),
  to: Opt(Type.String({ format: 'date' })),
  page: Opt(Type.Integer({ minimum: 1 })),
  pageSize: Opt(Type.Integer({ minimum: 1, maximum: 500 })),
}, { additionalProperties: false });
export type AuditQuery = Static<typeof AuditQuery>;
