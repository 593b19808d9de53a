import { Type } from '@sinclair/typebox';

export const LoginBody = Type.Object(
  { username: Type.String({ minLength: 1, maxLength: 64 }), password: Type.String({ minLength: 1, maxLength: 256 }) },
  { additionalProperties: false },
);

export const Me = Type.Object({
  id: Type.Integer(),
  username: Type.String(),
  displayName: Type.String(),
  orgId: Type.Integer(),
  orgName: Type.String(),
  orgNameEn: Type.String(),
  roleCode: Type.String(),
  roleName: Type.String(),
  roleNameEn: Type.String(),
  dataScope: Type.String(),
  permissions: Type.Array(Type.String()),
  /** An administrator set the password: the user must change it (POST /api/auth/password) before anything else. */
  mustChangePassword: Type.Boolean(),
});

export const PasswordBody = Type.Object(
  { currentPassword: Type.String({ minLength: 1, maxLength: 256 }), newPassword: Type.String({ minLength: 1, maxLength: 256 }) },
  { additionalProperties: false },
);

export const TokenBody = Type.Object(
  { name: Type.String({ minLength: 1, maxLength: 100 }), expiresInDays: Type.Optional(Type.Integer({ minimum: 1, maximum: 3650 })) },
  { additionalProperties: false },
);
