import type { Db } from '../../db/database.ts';
import { normalizeMobile, validateEmail } from '../../../engines/identity/index.ts';
import { audit, diff, type Actor } from '../../platform/audit.ts';
import { can, hashPassword, type CurrentUser } from '../../platform/auth.ts';
import { redactPersonal } from '../customers/customers.service.ts';
import { type AppError, fieldError, invalid, notFound, type FieldError } from '../../platform/errors.ts';
import { checkPasswordStrength } from '../auth/auth.service.ts';
import * as repo from './admin.repository.ts';
import type { OrgInput, RoleInput, UserInput, UserPatch } from './admin.schemas.ts';

const USER_NOT_FOUND = { zh: '用户不存在', en: 'User not found' };

export async function orgTree(db: Db) {
  const rows = await repo.listOrgs(db);
  return {
    items: rows.map((o) => ({ id: o.id, parentId: o.parent_id, code: o.code, name: o.name, nameEn: o.name_en, kind: o.kind, path: o.path, userCount: o.user_count, customerCount: o.customer_count })),
  };
}

export async function createOrg(db: Db, actor: Actor, input: OrgInput) {
  return db.transaction().execute(async (trx) => {
    const parent = await repo.getOrg(trx, input.parentId);
    const errors: FieldError[] = [];
    if (!parent) errors.push(fieldError('parentId', 'exists', '上级机构不存在', 'no such parent unit'));
    else if (parent.kind === 'department') errors.push(fieldError('parentId', 'kind', '部门下不能再设机构', 'a department cannot have sub-units'));
    if (await repo.orgCodeTaken(trx, input.code)) errors.push(fieldError('code', 'unique', '机构代码已存在', 'is already used by another unit'));
    if (errors.length) throw invalid(errors);
    const id = await repo.insertOrg(trx, { parent_id: input.parentId, code: input.code, name: input.name, name_en: input.nameEn ?? '', kind: input.kind }, parent!.path);
    await audit(trx, actor, { action: 'create', entity: 'org_unit', entityId: id, changes: input });
    return { id };
  });
}

export async function updateOrg(db: Db, actor: Actor, id: number, patch: { name?: string; nameEn?: string }) {
  await db.transaction().execute(async (trx) => {
    const cur = await repo.getOrg(trx, id);
    if (!cur) throw notFound();
    const next = { name: patch.name, name_en: patch.nameEn };
    const d = diff(cur, next);
    if (!d) return;
    await repo.updateOrg(trx, id, Object.fromEntries(Object.entries(next).filter(([, v]) => v !== undefined)));
    await audit(trx, actor, { action: 'update', entity: 'org_unit', entityId: id, fields: d.fields, changes: d.changes });
  });
}

export async function listUsers(db: Db, q: { q?: string; orgId?: number; page?: number; pageSize?: number }) {
  const pageSize = q.pageSize ?? 50;
  const org = q.orgId ? await repo.getOrg(db, q.orgId) : undefined;
  const { items, total } = await repo.listUsers(db, { q: q.q, orgPath: org?.path, limit: pageSize, offset: ((q.page ?? 1) - 1) * pageSize });
  return {
    items: items.map((u) => ({
      id: u.id, username: u.username, displayName: u.display_name, orgId: u.org_id, orgName: u.org_name, roleCode: u.role_code,
      roleName: u.role_name, roleNameEn: u.role_name_en, status: u.status, managerLevel: u.manager_level, email: u.email, mobile: u.mobile,
      lockedUntil: u.locked_until && u.locked_until > new Date() ? u.locked_until : null, createdAt: u.created_at,
    })),
    total,
  };
}

async function checkUserFields(db: Db, input: { orgId?: number; roleCode?: string; email?: string | null; mobile?: string | null }, errors: FieldError[]) {
  const out: { org_id?: number; role_id?: number; email?: string | null; mobile?: string | null } = {};
  if (input.orgId !== undefined) {
    if (!(await repo.getOrg(db, input.orgId))) errors.push(fieldError('orgId', 'exists', '机构不存在', 'no such organisation unit'));
    else out.org_id = input.orgId;
  }
  if (input.roleCode !== undefined) {
    const role = await repo.getRoleByCode(db, input.roleCode);
    if (!role) errors.push(fieldError('roleCode', 'exists', '角色不存在', 'no such role'));
    else out.role_id = role.id;
  }
  if (input.email) {
    const v = validateEmail(input.email);
    if (!v.ok) errors.push(fieldError('email', 'emailFormat', '电子邮箱格式不正确', 'is not a valid e-mail address'));
    else out.email = v.value;
  } else if (input.email === null) out.email = null;
  if (input.mobile) {
    const v = normalizeMobile(input.mobile);
    if (!v.ok) errors.push(fieldError('mobile', 'mobileFormat', '手机号格式不正确', 'is not a valid mainland mobile number'));
    else out.mobile = v.value;
  } else if (input.mobile === null) out.mobile = null;
  return out;
}

export async function createUser(db: Db, actor: Actor, input: UserInput) {
  const errors: FieldError[] = [];
  const fields = await checkUserFields(db, input, errors);
  if (await repo.usernameTaken(db, input.username)) errors.push(fieldError('username', 'unique', '用户名已存在', 'is already taken'));
  try {
    checkPasswordStrength('password', input.password);
  } catch (e) {
    errors.push(...(e as AppError).fields);
  }
  if (errors.length) throw invalid(errors);
  const password_hash = await hashPassword(input.password);
  return db.transaction().execute(async (trx) => {
    const { id } = await repo.insertUser(trx, {
      username: input.username, display_name: input.displayName, password_hash, org_id: fields.org_id!, role_id: fields.role_id!,
      manager_level: input.managerLevel ?? null, email: fields.email ?? null, mobile: fields.mobile ?? null,
    });
    const { password: _pw, ...shown } = input;
    await audit(trx, actor, { action: 'create', entity: 'user', entityId: id, fields: Object.keys(shown), changes: shown });
    return { id };
  });
}

export async function updateUser(db: Db, user: CurrentUser, actor: Actor, id: number, patch: UserPatch) {
  const errors: FieldError[] = [];
  const fields = await checkUserFields(db, patch, errors);
  if (id === user.id && patch.status === 'disabled') errors.push(fieldError('status', 'self', '不能停用自己的账号', 'you cannot disable your own account'));
  if (errors.length) throw invalid(errors);
  await db.transaction().execute(async (trx) => {
    const cur = await repo.getUser(trx, id);
    if (!cur) throw notFound(USER_NOT_FOUND);
    const next: Record<string, unknown> = { ...fields };
    if (patch.displayName !== undefined) next.display_name = patch.displayName;
    if (patch.status !== undefined) next.status = patch.status;
    if (patch.managerLevel !== undefined) next.manager_level = patch.managerLevel;
    const { password_hash: _h, ...before } = cur;
    const d = diff(before, next);
    if (!d) return;
    await repo.updateUser(trx, id, next);
    // A disabled user or a change of role or org takes effect at once: end their sessions.
    if (next.status === 'disabled' || next.role_id !== undefined || next.org_id !== undefined) await repo.deleteSessionsOf(trx, id);
    await audit(trx, actor, { action: 'update', entity: 'user', entityId: id, fields: d.fields, changes: d.changes });
  });
}

export async function resetPassword(db: Db, actor: Actor, id: number, password: string) {
  checkPasswordStrength('password', password);
  const hash = await hashPassword(password);
  await db.transaction().execute(async (trx) => {
    if (!(await repo.getUser(trx, id))) throw notFound(USER_NOT_FOUND);
    await repo.updateUser(trx, id, { password_hash: hash, password_changed_at: new Date(), failed_logins: 0, locked_until: null });
    await repo.deleteSessionsOf(trx, id);
    await audit(trx, actor, { action: 'reset_password', entity: 'user', entityId: id });
  });
}

export async function unlockUser(db: Db, actor: Actor, id: number) {
  await db.transaction().execute(async (trx) => {
    if (!(await repo.getUser(trx, id))) throw notFound(USER_NOT_FOUND);
    await repo.updateUser(trx, id, { failed_logins: 0, locked_until: null });
    await audit(trx, actor, { action: 'unlock', entity: 'user', entityId: id });
  });
}

export async function listRoles(db: Db) {
  const rows = await repo.listRoles(db);
  return rows.map((r) => ({ id: r.id, code: r.code, name: r.name, nameEn: r.name_en, dataScope: r.data_scope, permissions: r.permissions, builtin: r.builtin, userCount: r.user_count }));
}

export async function createRole(db: Db, actor: Actor, input: RoleInput) {
  if (await repo.getRoleByCode(db, input.code)) throw invalid([fieldError('code', 'unique', '角色代码已存在', 'is already used by another role')]);
  return db.transaction().execute(async (trx) => {
    const { id } = await repo.insertRole(trx, { code: input.code, name: input.name, name_en: input.nameEn, data_scope: input.dataScope, permissions: [...new Set(input.permissions)] });
    await audit(trx, actor, { action: 'create', entity: 'role', entityId: id, changes: input });
    return { id };
  });
}

export async function updateRole(db: Db, actor: Actor, id: number, patch: Partial<Omit<RoleInput, 'code'>>) {
  await db.transaction().execute(async (trx) => {
    const cur = await repo.getRole(trx, id);
    if (!cur) throw notFound();
    const next: Record<string, unknown> = {};
    if (patch.name !== undefined) next.name = patch.name;
    if (patch.nameEn !== undefined) next.name_en = patch.nameEn;
    if (patch.dataScope !== undefined) next.data_scope = patch.dataScope;
    if (patch.permissions !== undefined) next.permissions = [...new Set(patch.permissions)].sort();
    const d = diff({ ...cur, permissions: [...cur.permissions].sort() }, next);
    if (!d) return;
    if (cur.code === 'admin' && patch.permissions && !patch.permissions.includes('admin:role')) {
      throw invalid([fieldError('permissions', 'lockout', '系统管理员角色必须保留角色管理权限', 'the administrator role must keep admin:role')]);
    }
    await repo.updateRole(trx, id, next);
    await audit(trx, actor, { action: 'update', entity: 'role', entityId: id, fields: d.fields, changes: d.changes });
  });
}

/** An audit row for the viewer; roles that see personal data masked get its values redacted. */
export function presentAudit(r: Awaited<ReturnType<typeof repo.searchAudit>>['items'][number], clear: boolean) {
  return {
    id: r.id, at: r.at, actorName: r.actor_name, action: r.action, entity: r.entity, entityId: r.entity_id,
    customerNo: r.customer_no, customerName: r.customer_name, fields: r.fields, changes: clear ? r.changes : redactPersonal(r.changes), ip: r.ip,
  };
}

export async function searchAudit(db: Db, user: CurrentUser, q: repo.AuditFilter & { page?: number; pageSize?: number }) {
  const pageSize = q.pageSize ?? 50;
  const { items, total } = await repo.searchAudit(db, q, pageSize, ((q.page ?? 1) - 1) * pageSize);
  return { items: items.map((r) => presentAudit(r, can(user, 'pii:view'))), total, page: q.page ?? 1, pageSize };
}

