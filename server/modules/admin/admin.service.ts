import { sql } from 'kysely';
import type { Db } from '../../db/database.ts';
import { normalizeMobile, validateEmail } from '../../../engines/identity/index.ts';
import { audit, auditMany, diff, type Actor } from '../../platform/audit.ts';
import { can, hashPassword, type CurrentUser } from '../../platform/auth.ts';
import { redactPersonal } from '../customers/customers.service.ts';
import { AppError, fieldError, invalid, notFound, type FieldError } from '../../platform/errors.ts';
import { checkPasswordStrength, revokeTokensOf } from '../auth/auth.service.ts';
import { JOB_TIME_ZONE } from '../../platform/jobs.ts';
import * as repo from './admin.repository.ts';
import type { OrgInput, OrgPatch, RoleInput, UserInput, UserPatch } from './admin.schemas.ts';

const USER_NOT_FOUND = { zh: '用户不存在', en: 'User not found' };

type OrgKind = 'head' | 'branch' | 'subbranch' | 'department';
const KIND_NAMES: Record<OrgKind, [string, string]> = { head: ['总行', 'head office'], branch: ['分行', 'branch'], subbranch: ['支行', 'sub-branch'], department: ['部门', 'department'] };
/** Head office → branch → sub-branch; departments under the head office or a branch; nothing below a sub-branch or a department. */
const CHILD_KINDS: Record<OrgKind, OrgKind[]> = { head: ['branch', 'department'], branch: ['subbranch', 'department'], subbranch: [], department: [] };
/** Siblings are listed departments first, then branches, then sub-branches, each by code. */
const KIND_ORDER: Record<OrgKind, number> = { head: 0, department: 1, branch: 2, subbranch: 3 };

const ORG_CODE = /^[A-Za-z0-9_-]+$/;
const USERNAME = /^[A-Za-z0-9_.-]{2,64}$/;
const ROLE_CODE = /^[a-z0-9_]+$/;

/**
 * A text field as stored: trimmed; a blank one is reported as required, and one that breaks `pattern` with
 * `rule`'s own message (the schema's generic "wrong format" said neither which field nor what is allowed).
 */
function text(errors: FieldError[], field: string, value: string, pattern?: { re: RegExp; zh: string; en: string }): string {
  const v = value.trim();
  if (!v) errors.push(fieldError(field, 'required', '必填，不能为空', 'is required'));
  else if (pattern && !pattern.re.test(v)) errors.push(fieldError(field, 'pattern', pattern.zh, pattern.en));
  return v;
}

const ORG_CODE_RULE = { re: ORG_CODE, zh: '只能包含字母、数字、下划线（_）和连字符（-），不能有空格', en: 'may contain only letters, digits, underscores (_) and hyphens (-), no spaces' };
const USERNAME_RULE = { re: USERNAME, zh: '须为 2–64 个字符，只能包含字母、数字、下划线（_）、点（.）和连字符（-），不能有空格', en: 'must be 2–64 characters of letters, digits, underscores (_), dots (.) and hyphens (-), no spaces' };
const ROLE_CODE_RULE = { re: ROLE_CODE, zh: '只能包含小写字母、数字和下划线（_）', en: 'may contain only lower-case letters, digits and underscores (_)' };

const usernameTaken = (u: string) => fieldError('username', 'unique', `“${u}”已被其他用户使用`, `"${u}" is already taken by another user`);
const orgCodeTaken = (c: string) => fieldError('code', 'unique', `代码“${c}”已被其他机构使用`, `"${c}" is already used by another unit`);
const roleCodeTaken = (c: string) => fieldError('code', 'unique', `代码“${c}”已被其他角色使用`, `"${c}" is already used by another role`);

/** Two requests racing past the checks above meet the unique constraint: answered as the check would have. */
async function uniqueOr<T>(work: () => Promise<T>, byConstraint: Record<string, FieldError>): Promise<T> {
  try {
    return await work();
  } catch (e) {
    const hit = (e as { code?: string; constraint?: string }).code === '23505' ? byConstraint[(e as { constraint?: string }).constraint ?? ''] : undefined;
    throw hit ? invalid([hit]) : e;
  }
}

/** Parents before children, siblings in KIND_ORDER then by code (a text path put /1/6/10/ before /1/6/7/). */
function treeOrder<T extends { id: number; parent_id: number | null; kind: OrgKind; code: string }>(rows: T[]): T[] {
  const children = new Map<number | null, T[]>();
  for (const r of rows) children.set(r.parent_id, [...(children.get(r.parent_id) ?? []), r]);
  const bySibling = (a: T, b: T) => KIND_ORDER[a.kind] - KIND_ORDER[b.kind] || a.code.localeCompare(b.code, 'en', { numeric: true });
  const out: T[] = [];
  const walk = (parentId: number | null) => {
    for (const r of (children.get(parentId) ?? []).sort(bySibling)) {
      out.push(r);
      walk(r.id);
    }
  };
  walk(null);
  return out;
}

/**
 * The org tree. Its names and codes fill the org pickers of every signed-in user; how many users and customers
 * each unit holds is for those who administer units or users.
 */
export async function orgTree(db: Db, user: CurrentUser) {
  const withCounts = can(user, 'admin:org') || can(user, 'admin:user');
  const rows = treeOrder(await repo.listOrgs(db, withCounts));
  return {
    items: rows.map((o) => ({
      id: o.id, parentId: o.parent_id, code: o.code, name: o.name, nameEn: o.name_en, kind: o.kind, path: o.path,
      ...(withCounts ? { userCount: o.user_count, customerCount: o.customer_count } : {}),
    })),
  };
}

/**
 * The tree's shape (creating, moving and deleting units) changes one request at a time: a move rewrites the paths
 * of a whole subtree, and a unit added or deleted under it meanwhile would otherwise keep a stale path or vanish mid-move.
 */
const lockTreeShape = (trx: Db) => sql`SELECT pg_advisory_xact_lock(hashtext('banyan:org_unit:tree'))`.execute(trx);

const nameTakenUnder = (field: string, name: string) =>
  fieldError(field, 'unique', `上级机构下已有名为“${name}”的机构`, `the parent unit already has a unit named "${name}"`);

export async function createOrg(db: Db, actor: Actor, input: OrgInput) {
  const errors: FieldError[] = [];
  const code = text(errors, 'code', input.code, ORG_CODE_RULE);
  const name = text(errors, 'name', input.name);
  // The English name is what the en-US UI shows: blank, it showed the Chinese one instead.
  const nameEn = text(errors, 'nameEn', input.nameEn);
  return db.transaction().execute(async (trx) => {
    await lockTreeShape(trx);
    // The parent stays locked until commit, so two units cannot take the same name under it at once.
    const parent = await repo.lockOrg(trx, input.parentId);
    if (!parent) errors.push(fieldError('parentId', 'exists', '上级机构不存在', 'no such parent unit'));
    else {
      const allowed = CHILD_KINDS[parent.kind];
      const [pZh, pEn] = KIND_NAMES[parent.kind];
      if (!allowed.length) errors.push(fieldError('parentId', 'hierarchy', `${pZh}下不能再设下级机构`, `a ${pEn} cannot have units below it`));
      else if (!allowed.includes(input.kind)) {
        errors.push(fieldError('kind', 'hierarchy', `${pZh}下只能设${allowed.map((k) => KIND_NAMES[k][0]).join('或')}，不能设${KIND_NAMES[input.kind][0]}`,
          `only a ${allowed.map((k) => KIND_NAMES[k][1]).join(' or ')} may be placed under a ${pEn}, not a ${KIND_NAMES[input.kind][1]}`));
      }
      if (name && (await repo.orgNameTaken(trx, parent.id, name))) errors.push(nameTakenUnder('name', name));
    }
    if (code && (await repo.orgCodeTaken(trx, code))) errors.push(orgCodeTaken(code));
    if (errors.length) throw invalid(errors);
    const row = { parent_id: input.parentId, code, name, name_en: nameEn, kind: input.kind };
    const id = await uniqueOr(() => repo.insertOrg(trx, row, parent!.path), { org_unit_code_key: orgCodeTaken(code), org_unit_code_lower_key: orgCodeTaken(code) });
    await audit(trx, actor, { action: 'create', entity: 'org_unit', entityId: id, changes: { ...input, code, name, nameEn } });
    return { id };
  });
}

/** Why `parent` cannot take `unit` (with its subtree) as a child, if it cannot: a cycle, or kinds that do not fit. */
function moveRefusal(unit: { id: number; kind: OrgKind; path: string; parent_id: number | null }, parent: { kind: OrgKind; path: string }): FieldError | undefined {
  if (unit.parent_id === null) return fieldError('parentId', 'hierarchy', '总行不能移动', 'the head office cannot be moved');
  if (parent.path.startsWith(unit.path)) {
    return fieldError('parentId', 'cycle', '不能移到该机构自身或其下级机构之下', 'a unit cannot be moved under itself or one of its own sub-units');
  }
  const allowed = CHILD_KINDS[parent.kind];
  const [pZh, pEn] = KIND_NAMES[parent.kind];
  const [uZh, uEn] = KIND_NAMES[unit.kind];
  if (!allowed.length) return fieldError('parentId', 'hierarchy', `${pZh}下不能再设下级机构`, `a ${pEn} cannot have units below it`);
  if (!allowed.includes(unit.kind)) {
    return fieldError('parentId', 'hierarchy', `${pZh}下只能设${allowed.map((k) => KIND_NAMES[k][0]).join('或')}，不能设${uZh}`,
      `only a ${allowed.map((k) => KIND_NAMES[k][1]).join(' or ')} may be placed under a ${pEn}, not a ${uEn}`);
  }
  return undefined;
}

/**
 * Renames a unit and/or moves it, with its whole subtree, under another parent. A move rewrites the materialised
 * paths of the subtree in the same transaction; users and customers keep their org ids, so data scope (which reads
 * the paths) follows at once, and the write forgets the cached sessions (app.ts), whose org paths are read afresh.
 */
export async function updateOrg(db: Db, actor: Actor, id: number, patch: OrgPatch) {
  const errors: FieldError[] = [];
  const name = patch.name === undefined ? undefined : text(errors, 'name', patch.name);
  const nameEn = patch.nameEn === undefined ? undefined : text(errors, 'nameEn', patch.nameEn);
  if (errors.length) throw invalid(errors);
  await db.transaction().execute(async (trx) => {
    const moving = patch.parentId !== undefined;
    if (moving) await lockTreeShape(trx);
    const cur = await repo.lockOrg(trx, id);
    if (!cur) throw notFound();
    const next = { name, name_en: nameEn };
    const d = diff(cur, next);
    const parentId = moving && patch.parentId !== cur.parent_id ? patch.parentId! : cur.parent_id;
    const moved = parentId !== cur.parent_id;
    if (!d && !moved) return;
    const newName = name ?? cur.name;
    let newPath = cur.path;
    if (moved) {
      const parent = await repo.lockOrg(trx, parentId!);
      if (!parent) throw invalid([fieldError('parentId', 'exists', '上级机构不存在', 'no such parent unit')]);
      const refusal = moveRefusal(cur, parent);
      if (refusal) throw invalid([refusal]);
      if (await repo.orgNameTaken(trx, parent.id, newName, id)) throw invalid([nameTakenUnder('parentId', newName)]);
      newPath = `${parent.path}${id}/`;
    } else if (name !== undefined && name !== cur.name) {
      if (cur.parent_id !== null) await repo.lockOrg(trx, cur.parent_id);
      if (await repo.orgNameTaken(trx, cur.parent_id, name, id)) throw invalid([nameTakenUnder('name', name)]);
    }
    if (d) {
      await repo.updateOrg(trx, id, Object.fromEntries(Object.entries(next).filter(([, v]) => v !== undefined)));
      await audit(trx, actor, { action: 'update', entity: 'org_unit', entityId: id, fields: d.fields, changes: d.changes });
    }
    if (moved) {
      const units = await repo.moveOrg(trx, id, parentId!, cur.path, newPath);
      await audit(trx, actor, {
        action: 'move', entity: 'org_unit', entityId: id, fields: ['parent_id', 'path'],
        changes: { parent_id: { from: cur.parent_id, to: parentId }, path: { from: cur.path, to: newPath }, units },
      });
    }
  });
}

/**
 * Deletes an empty unit. One that still holds sub-units, users or customers (or anything else filed under it:
 * accounts, tickets, notices …) is refused with what it holds; the head office never goes.
 */
export async function deleteOrg(db: Db, actor: Actor, id: number) {
  await db.transaction().execute(async (trx) => {
    await lockTreeShape(trx);
    const cur = await repo.lockOrg(trx, id);
    if (!cur) throw notFound({ zh: '机构不存在', en: 'No such organisation unit' });
    if (cur.parent_id === null) throw new AppError('CONFLICT', { zh: '总行不能删除', en: 'The head office cannot be deleted' });
    const held = await repo.orgHoldings(trx, id);
    const parts: [number, string, string][] = [[held.children, '个下级机构', 'sub-unit'], [held.users, '个用户', 'user'], [held.customers, '个客户', 'customer']];
    const listed = parts.filter(([n]) => n > 0);
    if (listed.length) {
      throw new AppError('CONFLICT', {
        zh: `机构“${cur.name}”不为空，不能删除：仍有${listed.map(([n, zh]) => `${n} ${zh}`).join('、')}`,
        en: `"${cur.name_en || cur.name}" is not empty and cannot be deleted: it still holds ${listed.map(([n, , en]) => `${n} ${en}${n === 1 ? '' : 's'}`).join(', ')}`,
      });
    }
    try {
      await repo.deleteOrg(trx, id);
    } catch (e) {
      if ((e as { code?: string }).code !== '23503') throw e;
      throw new AppError('CONFLICT', {
        zh: `机构“${cur.name}”仍有其他业务数据（如账户、工单、公告），不能删除`,
        en: `"${cur.name_en || cur.name}" still has other records filed under it (accounts, tickets, notices …) and cannot be deleted`,
      });
    }
    await audit(trx, actor, { action: 'delete', entity: 'org_unit', entityId: id, changes: { code: cur.code, name: cur.name, nameEn: cur.name_en, kind: cur.kind, parentId: cur.parent_id, path: cur.path } });
  });
}

export async function listUsers(db: Db, q: { q?: string; orgId?: number; page?: number; pageSize?: number }) {
  const pageSize = q.pageSize ?? 50;
  const org = q.orgId ? await repo.getOrg(db, q.orgId) : undefined;
  // In the org tree's order: a text path put the users of /1/10/ before those of /1/2/.
  const orgOrder = treeOrder(await repo.listOrgs(db, false)).map((o) => o.id);
  const { items, total } = await repo.listUsers(db, { q: q.q, orgPath: org?.path, orgOrder, limit: pageSize, offset: ((q.page ?? 1) - 1) * pageSize });
  return {
    items: items.map((u) => ({
      id: u.id, username: u.username, displayName: u.display_name, orgId: u.org_id, orgName: u.org_name, orgNameEn: u.org_name_en, roleCode: u.role_code,
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
    const code = text(errors, 'roleCode', input.roleCode);
    const role = code ? await repo.getRoleByCode(db, code) : undefined;
    if (code && !role) errors.push(fieldError('roleCode', 'exists', `角色“${code}”不存在`, `no role has the code "${code}"`));
    else if (role) out.role_id = role.id;
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

/**
 * `mustChangePassword`: the password is the administrator's (the admin API, `banyan user add`): the user changes it at
 * the first sign-in. Seeds and demo users set up by code leave it off.
 */
export async function createUser(db: Db, actor: Actor, input: UserInput, opts: { mustChangePassword?: boolean } = {}) {
  const errors: FieldError[] = [];
  const username = text(errors, 'username', input.username, USERNAME_RULE);
  const displayName = text(errors, 'displayName', input.displayName);
  const fields = await checkUserFields(db, input, errors);
  if (username && USERNAME.test(username) && (await repo.usernameTaken(db, username))) errors.push(usernameTaken(username));
  if (!input.password) errors.push(fieldError('password', 'required', '必填，不能为空', 'is required'));
  else {
    try {
      checkPasswordStrength('password', input.password);
    } catch (e) {
      errors.push(...(e as AppError).fields);
    }
  }
  if (errors.length) throw invalid(errors);
  const password_hash = await hashPassword(input.password);
  return db.transaction().execute(async (trx) => {
    const { id } = await uniqueOr(() => repo.insertUser(trx, {
      username, display_name: displayName, password_hash, org_id: fields.org_id!, role_id: fields.role_id!,
      manager_level: input.managerLevel ?? null, email: fields.email ?? null, mobile: fields.mobile ?? null,
      must_change_password: opts.mustChangePassword ?? false,
    }), { app_user_username_key: usernameTaken(username), app_user_username_lower_key: usernameTaken(username) });
    const { password: _pw, ...shown } = { ...input, username, displayName, ...(opts.mustChangePassword ? { mustChangePassword: true } : {}) };
    await audit(trx, actor, { action: 'create', entity: 'user', entityId: id, fields: Object.keys(shown), changes: shown });
    return { id };
  });
}

/**
 * Edits a user. Administrators cannot change their own role or disable themselves, and no change may leave the
 * bank without an active system administrator (the last one could otherwise lock everyone out of administration)
 * nor without an active user holding each of admin:user, admin:org and admin:role (409, keepAdministrators).
 * Disabling a user ends their sessions and revokes their API tokens; a change of role or org ends their sessions.
 * A customer's org follows their manager's (data scope reads customer.org_id): moving a user who still manages
 * customers to another org is refused (409) unless `moveCustomers`, which moves those customers along, each audited.
 */
export async function updateUser(db: Db, user: CurrentUser, actor: Actor, id: number, patch: UserPatch) {
  const errors: FieldError[] = [];
  const displayName = patch.displayName === undefined ? undefined : text(errors, 'displayName', patch.displayName);
  const fields = await checkUserFields(db, patch, errors);
  if (id === user.id && patch.status === 'disabled') errors.push(fieldError('status', 'self', '不能停用自己的账号', 'you cannot disable your own account'));
  await db.transaction().execute(async (trx) => {
    // Before the user is read, so that the checks below see what the changes serialised before this one left.
    if (patch.status !== undefined || fields.role_id !== undefined) await repo.lockAdministration(trx);
    const cur = await repo.getUser(trx, id);
    if (!cur && !errors.length) throw notFound(USER_NOT_FOUND);
    if (cur && id === user.id && fields.role_id !== undefined && fields.role_id !== cur.role_id) {
      errors.push(fieldError('roleCode', 'self', '不能修改自己的角色，请由另一位管理员修改', 'you cannot change your own role; ask another administrator'));
    }
    if (errors.length) throw invalid(errors);
    const next: Record<string, unknown> = { ...fields };
    if (displayName !== undefined) next.display_name = displayName;
    if (patch.status !== undefined) next.status = patch.status;
    if (patch.managerLevel !== undefined) next.manager_level = patch.managerLevel;
    const { password_hash: _h, ...before } = cur!;
    const d = diff(before, next);
    if (!d) return;
    const after = { role_id: fields.role_id ?? cur!.role_id, status: patch.status ?? cur!.status };
    await keepAnAdministrator(trx, cur!, after);
    await keepAdministrators(trx, cur!, after);
    let movedCustomers: number | undefined;
    if (d.changes.org_id) {
      const orgId = fields.org_id!;
      if (!patch.moveCustomers) {
        const n = await repo.countManagedOutside(trx, id, orgId);
        if (n) {
          const f = fieldError('orgId', 'hasCustomers', `该用户仍管理 ${n} 位客户：请先将客户移交给其他客户经理，或选择让这些客户随其一并转到新机构（moveCustomers）`,
            `this user still manages ${n} customers: hand them over to another manager first, or move them to the new unit along with the user (moveCustomers)`);
          throw new AppError('CONFLICT', { zh: `orgId：${f.message.zh}`, en: `orgId: ${f.message.en}` }, [f]);
        }
      } else {
        const moved = await repo.moveManagedCustomers(trx, id, orgId);
        movedCustomers = moved.length;
        await auditMany(trx, actor, moved.map((c) => ({
          action: 'update', entity: 'customer', entityId: c.customer_no, customerId: Number(c.id), fields: ['org_id'],
          changes: { org_id: { from: c.from_org, to: orgId }, reason: { managerMoved: id } },
        })));
      }
    }
    await repo.updateUser(trx, id, next);
    // A disabled user or a change of role or org takes effect at once: end their sessions.
    if (d.changes.status || d.changes.role_id || d.changes.org_id) await repo.deleteSessionsOf(trx, id);
    await audit(trx, actor, { action: 'update', entity: 'user', entityId: id, fields: d.fields, changes: movedCustomers === undefined ? d.changes : { ...d.changes, movedCustomers } });
    if (d.changes.status && next.status === 'disabled') await revokeTokensOf(trx, actor, id, 'disabled');
  });
}

/** Refuses a change that takes the last active system administrator (role `admin`) out of that role or out of service. */
async function keepAnAdministrator(trx: Db, cur: { id: number; role_id: number; status: string }, after: { role_id: number; status: string }) {
  const admin = await repo.getRoleByCode(trx, 'admin');
  if (!admin) return;
  const isAdmin = (u: { role_id: number; status: string }) => u.status === 'active' && u.role_id === admin.id;
  if (!isAdmin(cur) || isAdmin(after)) return;
  if ((await repo.lockActiveUsersOfRole(trx, admin.id, cur.id)).length) return;
  const field = after.role_id !== admin.id ? 'roleCode' : 'status';
  throw invalid([fieldError(field, 'lastAdmin', '这是最后一位启用的系统管理员，不能更改其角色或停用', 'this is the last active system administrator: their role cannot be changed nor the account disabled')]);
}

/**
 * An administrator's reset, for a forgotten password or a compromised account: the new password, lock-out cleared,
 * every session ended and every API token revoked (a token taken with the account would otherwise keep working).
 */
export async function resetPassword(db: Db, actor: Actor, id: number, password: string) {
  if (!password) throw invalid([fieldError('password', 'required', '必填，不能为空', 'is required')]);
  checkPasswordStrength('password', password);
  const hash = await hashPassword(password);
  await db.transaction().execute(async (trx) => {
    if (!(await repo.getUser(trx, id))) throw notFound(USER_NOT_FOUND);
    // The administrator knows this password: the user must change it at the next sign-in.
    await repo.updateUser(trx, id, { password_hash: hash, password_changed_at: new Date(), failed_logins: 0, locked_until: null, must_change_password: true });
    await repo.deleteSessionsOf(trx, id);
    const revoked = await revokeTokensOf(trx, actor, id, 'reset_password');
    await audit(trx, actor, { action: 'reset_password', entity: 'user', entityId: id, changes: { revokedTokens: revoked, mustChangePassword: true } });
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

/** Role names are unique in both languages, as pickers show one or the other. */
async function checkRoleNames(trx: Db, errors: FieldError[], names: { name?: string; nameEn?: string }, exceptId?: number) {
  if (names.name && (await repo.findRoleNamed(trx, 'name', names.name, exceptId))) {
    errors.push(fieldError('name', 'unique', `已有名为“${names.name}”的角色`, `another role is already named "${names.name}"`));
  }
  if (names.nameEn && (await repo.findRoleNamed(trx, 'name_en', names.nameEn, exceptId))) {
    errors.push(fieldError('nameEn', 'unique', `已有英文名为“${names.nameEn}”的角色`, `another role is already named "${names.nameEn}" in English`));
  }
}

export async function createRole(db: Db, actor: Actor, input: RoleInput) {
  const errors: FieldError[] = [];
  const code = text(errors, 'code', input.code, ROLE_CODE_RULE);
  const name = text(errors, 'name', input.name);
  const nameEn = text(errors, 'nameEn', input.nameEn);
  return db.transaction().execute(async (trx) => {
    await repo.lockRoles(trx);
    if (code && ROLE_CODE.test(code) && (await repo.getRoleByCode(trx, code))) errors.push(roleCodeTaken(code));
    await checkRoleNames(trx, errors, { name, nameEn });
    if (errors.length) throw invalid(errors);
    const { id } = await uniqueOr(() => repo.insertRole(trx, { code, name, name_en: nameEn, data_scope: input.dataScope, permissions: [...new Set(input.permissions)] }), { role_code_key: roleCodeTaken(code) });
    await audit(trx, actor, { action: 'create', entity: 'role', entityId: id, changes: { ...input, code, name, nameEn } });
    return { id };
  });
}

export async function updateRole(db: Db, actor: Actor, id: number, patch: Partial<Omit<RoleInput, 'code'>>) {
  const errors: FieldError[] = [];
  const name = patch.name === undefined ? undefined : text(errors, 'name', patch.name);
  const nameEn = patch.nameEn === undefined ? undefined : text(errors, 'nameEn', patch.nameEn);
  if (errors.length) throw invalid(errors);
  await db.transaction().execute(async (trx) => {
    await repo.lockRoles(trx);
    const cur = await repo.getRole(trx, id);
    if (!cur) throw notFound();
    const next: Record<string, unknown> = {};
    if (name !== undefined) next.name = name;
    if (nameEn !== undefined) next.name_en = nameEn;
    if (patch.dataScope !== undefined) next.data_scope = patch.dataScope;
    if (patch.permissions !== undefined) next.permissions = [...new Set(patch.permissions)].sort();
    const d = diff({ ...cur, permissions: [...cur.permissions].sort() }, next);
    if (!d) return;
    await keepAdministration(trx, cur, patch);
    await checkRoleNames(trx, errors, { name, nameEn }, id);
    if (errors.length) throw invalid(errors);
    await repo.updateRole(trx, id, next);
    await audit(trx, actor, { action: 'update', entity: 'role', entityId: id, fields: d.fields, changes: d.changes });
  });
}

const ADMIN_PERMISSIONS = [['admin:user', '用户', 'users'], ['admin:org', '机构', 'the org tree'], ['admin:role', '角色', 'roles']] as const;

const lockoutConflict = (f: FieldError) => new AppError('CONFLICT', { zh: `${f.field}：${f.message.zh}`, en: `${f.field}: ${f.message.en}` }, [f]);

/**
 * Refuses (409) disabling a user, or giving them a role without it, when they are the last active user holding one of
 * admin:user, admin:org and admin:role, whatever their role: the guard on roles (keepAdministration) lets the system
 * administrator role give one up while another role's active user holds it, and that user must then not go either.
 */
async function keepAdministrators(trx: Db, cur: { id: number; role_id: number; status: string }, after: { role_id: number; status: string }) {
  if (cur.status !== 'active' || (after.status === cur.status && after.role_id === cur.role_id)) return;
  const before = (await repo.getRole(trx, cur.role_id))?.permissions ?? [];
  const kept = after.status !== 'active' ? [] : after.role_id === cur.role_id ? before : (await repo.getRole(trx, after.role_id))?.permissions ?? [];
  const disabling = after.status !== 'active';
  for (const [p, zh, en] of ADMIN_PERMISSIONS) {
    if (!before.includes(p) || kept.includes(p)) continue;
    if (await repo.permissionHeldByAnotherUser(trx, p, cur.id)) continue;
    throw lockoutConflict(disabling
      ? fieldError('status', 'lockout', `这是唯一一位拥有“${p}”权限的启用用户：停用后将无人能管理${zh}`,
        `this is the only active user holding "${p}": disabled, no one could administer ${en}`)
      : fieldError('roleCode', 'lockout', `这是唯一一位拥有“${p}”权限的启用用户，新角色没有该权限：更改后将无人能管理${zh}`,
        `this is the only active user holding "${p}" and the new role lacks it: no one could administer ${en}`));
  }
}

/**
 * Refuses (409) a role change that would leave no one able to administer: each of admin:user, admin:org and admin:role
 * stays held by a role with an active user, and the system administrator role keeps data scope `all`.
 */
async function keepAdministration(trx: Db, cur: { id: number; code: string; permissions: string[] }, patch: Partial<Omit<RoleInput, 'code'>>) {
  if (cur.code === 'admin' && patch.dataScope !== undefined && patch.dataScope !== 'all') {
    throw lockoutConflict(fieldError('dataScope', 'lockout', '系统管理员角色的数据范围必须为“全部”', 'the system administrator role must keep data scope "all"'));
  }
  if (!patch.permissions) return;
  if (cur.code === 'admin' && !patch.permissions.includes('admin:role')) {
    throw lockoutConflict(fieldError('permissions', 'lockout', '系统管理员角色必须保留“admin:role”（角色管理）权限', 'the system administrator role must keep "admin:role"'));
  }
  const dropped = ADMIN_PERMISSIONS.filter(([p]) => cur.permissions.includes(p) && !patch.permissions!.includes(p));
  if (dropped.length) await repo.lockAdministration(trx);
  for (const [p, zh, en] of dropped) {
    if (await repo.permissionHeldElsewhere(trx, p, cur.id)) continue;
    throw lockoutConflict(fieldError('permissions', 'lockout', `没有其他有启用用户的角色拥有“${p}”权限：去掉后将无人能管理${zh}`,
      `no other role with an active user holds "${p}": without it no one could administer ${en}`));
  }
}

/** An audit row for the viewer; roles that see personal data masked get its values redacted. */
export function presentAudit(r: Awaited<ReturnType<typeof repo.searchAudit>>['items'][number], clear: boolean) {
  return {
    id: r.id, at: r.at, actorName: r.actor_name, action: r.action, entity: r.entity, entityId: r.entity_id,
    customerNo: r.customer_no, customerName: r.customer_name, fields: r.fields, changes: clear ? r.changes : redactPersonal(r.changes), ip: r.ip,
  };
}

/** A date range that ends before it starts finds nothing by mistake: it is refused. */
export function checkAuditRange(q: repo.AuditFilter) {
  if (q.from && q.to && q.from > q.to) throw invalid([fieldError('to', 'range', '结束日期不能早于开始日期', 'cannot be before the start date')]);
}

export async function searchAudit(db: Db, user: CurrentUser, q: repo.AuditFilter & { page?: number; pageSize?: number }) {
  checkAuditRange(q);
  const pageSize = q.pageSize ?? 50;
  const { items, total } = await repo.searchAudit(db, q, pageSize, ((q.page ?? 1) - 1) * pageSize);
  // The bank's time zone, in which the date filter takes its days (and the export writes its times): the page shows times in it too.
  return { items: items.map((r) => presentAudit(r, can(user, 'pii:view'))), total, page: q.page ?? 1, pageSize, timeZone: JOB_TIME_ZONE };
}

