import { randomUUID } from 'node:crypto';
import type { Db } from '../../db/database.ts';
import { audit, auditMany, diff, SYSTEM_ACTOR, type Actor } from '../../platform/audit.ts';
import { can, type CurrentUser } from '../../platform/auth.ts';
import { AppError, fieldError, forbidden, invalid, notFound, type FieldError } from '../../platform/errors.ts';
import { getParameter } from '../../platform/parameters.ts';
import * as customersRepo from '../customers/customers.repository.ts';
import { customerNotFound, maskBirthDate, seesClear } from '../customers/customers.service.ts';
import { addDays, localDate, monthDays, monthStart, previousMonthEnds, quarterStart, startOfDay, weekStart, yearStart } from './managers.dates.ts';
import { refreshManagerBooks } from './managers.books.ts';
import * as repo from './managers.repository.ts';
import type {
  AssignBody, AssignPreviewBody, AssignRule, HandoverBody, MyCustomerFilters, MyCustomerQuery, ProfileBody, ProfileQuery, ReminderBody, ReminderQuery,
  ReportBody, ReportQuery, SavedViewBody, TransferQuery, TransferRequestBody,
} from './managers.schemas.ts';
import type { ReportKind } from './managers.table.ts';

export const REMINDER_DAYS = 'managers.reminder_days';
export const DORMANT_DAYS = 'managers.dormant_days';
export const BULK_ASSIGN_MAX = 'managers.bulk_assign_max';

const paging = (q: { page?: number; pageSize?: number }, size = 20) => {
  const pageSize = q.pageSize ?? size;
  const page = q.page ?? 1;
  return { page, pageSize, limit: pageSize, offset: (page - 1) * pageSize };
};
const num = (v: string | number | null | undefined) => Number(v ?? 0);

const staffNotFound = () => notFound({ zh: '员工不存在', en: 'No such staff member' });

/** A supervisor may act on staff in their scope; anyone on themselves. 404 outside, as if absent. */
async function visibleStaff(db: Db, user: CurrentUser, userId: number) {
  if (userId !== user.id && !(can(user, 'team:supervise') && (await repo.staffInScope(db, user, userId)))) throw staffNotFound();
  const s = await repo.getStaff(db, userId);
  if (!s) throw staffNotFound();
  return s;
}

/** An active customer manager inside the user's staff scope, or a field error under `field`. */
async function targetManager(db: Db, user: CurrentUser, managerId: number, field: string, errors: FieldError[]) {
  const m = await repo.getStaff(db, managerId);
  if (!m || m.status !== 'active' || m.role_code !== 'customer_manager') {
    errors.push(fieldError(field, 'exists', '客户经理不存在或已停用', 'is not an active customer manager'));
    return undefined;
  }
  if (!(await repo.staffInScope(db, user, managerId))) {
    errors.push(fieldError(field, 'scope', '只能指派您管辖范围内的客户经理', 'must be a manager inside your scope'));
    return undefined;
  }
  return m;
}

// ---------------------------------------------------------------- managers & profiles

export async function listManagers(db: Db, user: CurrentUser, orgId?: number) {
  // Managers a user may hand customers to: those inside the user's own reach.
  const path = user.dataScope === 'all' ? null : user.orgPath;
  const rows = await repo.listManagers(db, path, orgId);
  const items = user.dataScope === 'own' || user.dataScope === 'org' ? rows.filter((r) => (user.dataScope === 'own' ? r.id === user.id : r.org_id === user.orgId)) : rows;
  return { items: items.map((r) => ({ id: r.id, username: r.username, displayName: r.display_name, orgId: r.org_id, orgName: r.org_name, orgNameEn: r.org_name_en, managerLevel: r.manager_level })) };
}

type ProfileDbRow = NonNullable<Awaited<ReturnType<typeof repo.getProfile>>>;
const presentProfile = (r: Omit<ProfileDbRow, 'role_code'>) => ({
  userId: r.id, username: r.username, displayName: r.display_name, status: r.status, orgId: r.org_id, orgName: r.org_name, orgNameEn: r.org_name_en,
  level: r.level ?? 'junior', recognizedOn: r.recognized_on, specialities: r.specialities ?? [], maxCustomers: r.max_customers, remarks: r.remarks,
  customerCount: r.customer_count, aumFen: num(r.aum_fen), updatedAt: r.updated_at,
});

export async function listProfiles(db: Db, user: CurrentUser, q: ProfileQuery) {
  const p = paging(q);
  const { rows, total } = await repo.listProfiles(db, user, { orgId: q.orgId, level: q.level, q: q.q, limit: p.limit, offset: p.offset });
  return { items: rows.map(presentProfile), total, page: p.page, pageSize: p.pageSize };
}

export async function* exportProfiles(db: Db, user: CurrentUser, q: ProfileQuery) {
  for await (const r of repo.streamProfiles(db, user, { orgId: q.orgId, level: q.level, q: q.q })) yield presentProfile(r);
}

export async function getProfile(db: Db, user: CurrentUser, userId: number) {
  await visibleStaff(db, user, userId);
  const r = await repo.getProfile(db, userId);
  if (!r) throw staffNotFound();
  return presentProfile(r);
}

export async function updateProfile(db: Db, user: CurrentUser, actor: Actor, userId: number, body: ProfileBody, now = new Date()) {
  if (!(await repo.staffInScope(db, user, userId))) throw staffNotFound();
  const before = await repo.getProfile(db, userId);
  if (!before) throw staffNotFound();
  const errors: FieldError[] = [];
  if (before.role_code !== 'customer_manager') errors.push(fieldError('userId', 'role', '只有客户经理有客户经理档案', 'only customer managers have a manager profile'));
  if (body.recognizedOn && body.recognizedOn > localDate(now)) errors.push(fieldError('recognizedOn', 'future', '认定日期不能晚于今天', 'cannot be in the future'));
  const specialities = [...new Set((body.specialities ?? before.specialities ?? []).map((s) => s.trim()))];
  if (errors.length) throw invalid(errors);
  const next = {
    level: body.level, recognized_on: body.recognizedOn !== undefined ? body.recognizedOn : before.recognized_on, specialities,
    max_customers: body.maxCustomers !== undefined ? body.maxCustomers : before.max_customers, remarks: body.remarks !== undefined ? body.remarks : before.remarks,
  };
  await db.transaction().execute(async (trx) => {
    await repo.upsertProfile(trx, { user_id: userId, ...next, updated_by: user.id });
    const d = diff({ level: before.level, recognized_on: before.recognized_on, specialities: before.specialities ?? [], max_customers: before.max_customers, remarks: before.remarks }, next);
    await audit(trx, actor, { action: 'update', entity: 'manager_profile', entityId: userId, fields: d?.fields ?? [], changes: d?.changes ?? {} });
  });
  return getProfile(db, user, userId);
}

// ---------------------------------------------------------------- performance

const CATEGORY_KEYS = ['deposit', 'loan', 'card', 'wealth', 'fund', 'insurance', 'other'] as const;

function summarise(rows: { category: string; is_asset: boolean; fen: string }[]) {
  const byCategory: Record<string, number> = {};
  let aum = 0;
  for (const r of rows) {
    byCategory[r.category] = (byCategory[r.category] ?? 0) + num(r.fen);
    if (r.is_asset && r.category !== 'loan') aum += num(r.fen);
  }
  return { aumFen: aum, depositsFen: byCategory.deposit ?? 0, loansFen: byCategory.loan ?? 0, byCategory };
}

const periodStarts = (today: string) => ({ month: monthStart(today), quarter: quarterStart(today), year: yearStart(today) });

/** After customers move, the managers' book snapshot rows are recomputed in the same transaction, so their workbench counts them. */
const refreshBooks = (trx: Db, managerIds: (number | null)[]) => refreshManagerBooks(trx, managerIds);

function bookTotals(rows: repo.BookRow[]) {
  const t = { customers: 0, aum_fen: 0, new_month: 0, new_quarter: 0, new_year: 0 };
  for (const r of rows) {
    t.customers += r.count;
    t.aum_fen += num(r.aum_fen);
    t.new_month += r.new_month;
    t.new_quarter += r.new_quarter;
    t.new_year += r.new_year;
  }
  return t;
}

/** A manager's figures (S2.5 我的业绩): balances, new customers, products sold vs targets, month-end trend. */
export async function performance(db: Db, user: CurrentUser, managerId: number, now = new Date(), months = 12) {
  const staff = await visibleStaff(db, user, managerId);
  const today = localDate(now);
  const starts = periodStarts(today);
  const monthEnds = previousMonthEnds(today, months);
  const [snapshotDate, book, sales, targets, trendRows] = await Promise.all([
    repo.latestSnapshot(db, today, managerId),
    repo.bookOf(db, managerId, today, starts),
    repo.salesByPeriod(db, managerId, starts),
    repo.targetsOn(db, managerId, [{ period: 'month', start: starts.month }, { period: 'quarter', start: starts.quarter }, { period: 'year', start: starts.year }]),
    repo.snapshotOn(db, [managerId], monthEnds),
  ]);
  // Balances come from the daily snapshot; before the first run (or for a manager it has not seen
  // yet) they are summed live, which is cheap exactly when the book is small or new.
  const balances = snapshotDate ? await repo.snapshotOn(db, [managerId], [snapshotDate]) : await repo.balancesByCategory(db, managerId);
  return presentPerformance({ managerId, displayName: staff.display_name, today, monthEnds, snapshotDate, book: book.rows, bookAsOf: book.computedAt, sales, targets, trendRows, balances });
}

type PerformanceParts = {
  managerId: number; displayName: string; today: string; monthEnds: string[]; snapshotDate: string | null;
  book: repo.BookRow[]; bookAsOf: Date | null; sales: repo.SalesRow; targets: repo.TargetRow[];
  trendRows: { as_of: string; category: string; is_asset: boolean; fen: string }[]; balances: { category: string; is_asset: boolean; fen: string }[];
};

function presentPerformance({ managerId, displayName, today, monthEnds, snapshotDate, book, bookAsOf, sales, targets, trendRows, balances }: PerformanceParts) {
  const totals = bookTotals(book);
  const current = summarise(balances);
  // customer.aum_fen is the bank's AUM figure (refreshed with balances); account sums only back it up.
  const aumFen = totals.aum_fen || current.aumFen;
  const actual = (metric: string, period: 'month' | 'quarter' | 'year'): number => {
    switch (metric) {
      case 'sales_amount': return num(sales[`${period}_fen`]);
      case 'products_sold': return sales[`${period}_n`];
      case 'new_customers': return totals[`new_${period}`];
      case 'aum': return aumFen;
      case 'deposits': return current.depositsFen;
      case 'loans': return current.loansFen;
      default: return 0;
    }
  };
  // A month end without loaded balances is unknown (null), not zero: the chart shows a gap.
  const trend: { month: string; asOf: string; aumFen: number | null; depositsFen: number | null; loansFen: number | null }[] = monthEnds.map((asOf) => {
    const rows = trendRows.filter((r) => r.as_of === asOf);
    if (!rows.length) return { month: asOf.slice(0, 7), asOf, aumFen: null, depositsFen: null, loansFen: null };
    const s = summarise(rows);
    return { month: asOf.slice(0, 7), asOf, aumFen: s.aumFen, depositsFen: s.depositsFen, loansFen: s.loansFen };
  });
  trend.push({ month: today.slice(0, 7), asOf: snapshotDate ?? today, aumFen, depositsFen: current.depositsFen, loansFen: current.loansFen });
  return {
    managerId, displayName, asOf: today, balancesAsOf: snapshotDate ?? today,
    // Customer counts, AUM and new customers come from the morning's book snapshot (null: counted live).
    bookAsOf,
    customers: totals.customers, aumFen, depositsFen: current.depositsFen, loansFen: current.loansFen,
    byCategory: Object.fromEntries(CATEGORY_KEYS.map((k) => [k, current.byCategory[k] ?? 0])),
    newCustomers: { month: totals.new_month, quarter: totals.new_quarter, year: totals.new_year },
    sales: {
      month: { amountFen: num(sales.month_fen), count: sales.month_n },
      quarter: { amountFen: num(sales.quarter_fen), count: sales.quarter_n },
      year: { amountFen: num(sales.year_fen), count: sales.year_n },
    },
    targets: targets.map((t) => {
      const target = Number(t.target);
      const act = actual(t.metric, t.period);
      return { metric: t.metric, period: t.period, periodStart: t.period_start, target: t.target, actual: act, ratio: target > 0 ? Math.round((act / target) * 1000) / 1000 : null };
    }),
    trend,
  };
}

// ---------------------------------------------------------------- assignment (C12)

async function checkRule(db: Db, rule: AssignRule, errors: FieldError[]) {
  const keys = Object.entries(rule).filter(([, v]) => v !== undefined && v !== false);
  // Never "every customer in my reach" by accident: a rule must say something.
  if (!keys.length) errors.push(fieldError('rule', 'empty', '请至少设置一个筛选条件', 'needs at least one condition'));
  if (rule.aumMinFen !== undefined && rule.aumMaxFen !== undefined && rule.aumMaxFen <= rule.aumMinFen) {
    errors.push(fieldError('rule.aumMaxFen', 'range', '资产上限必须大于下限', 'must be greater than aumMinFen'));
  }
  const unknown = await repo.unknownRuleRefs(db, rule);
  if (unknown.levelCode) errors.push(fieldError('rule.levelCode', 'exists', '客户等级不存在', 'is not a known customer level'));
  if (unknown.typeCode) errors.push(fieldError('rule.typeCode', 'exists', '客户类型不存在', 'is not a known customer type'));
  if (unknown.orgId) errors.push(fieldError('rule.orgId', 'exists', '机构不存在', 'is not a known org unit'));
}

export async function previewAssignment(db: Db, user: CurrentUser, body: AssignPreviewBody) {
  const errors: FieldError[] = [];
  await checkRule(db, body.rule, errors);
  const manager = await targetManager(db, user, body.managerId, 'managerId', errors);
  if (errors.length) throw invalid(errors);
  const [count, sample] = await Promise.all([
    repo.countByRule(db, user, body.rule, manager!.id),
    repo.sampleByRule(db, user, body.rule, manager!.id, 20),
  ]);
  return {
    count: count.n, aumFen: num(count.aum_fen), manager: { id: manager!.id, displayName: manager!.display_name, orgName: manager!.org_name },
    sample: sample.map((s) => ({ customerNo: s.customer_no, name: s.name, aumFen: num(s.aum_fen), managerName: s.manager_name, orgName: s.org_name })),
  };
}

/** Assigns customers one by one (rule.customerNos) or in bulk by rule; history and audit per customer, one transaction. */
export async function applyAssignment(db: Db, user: CurrentUser, actor: Actor, body: AssignBody) {
  const errors: FieldError[] = [];
  await checkRule(db, body.rule, errors);
  const manager = await targetManager(db, user, body.managerId, 'managerId', errors);
  if (errors.length) throw invalid(errors);
  const max = Number(await getParameter(db, BULK_ASSIGN_MAX, 5000));
  const reason = body.reason.trim();
  return db.transaction().execute(async (trx) => {
    const count = await repo.countByRule(trx, user, body.rule, manager!.id);
    if (body.expectedCount !== undefined && count.n !== body.expectedCount) {
      throw new AppError('CONFLICT', { zh: `符合条件的客户已变为 ${count.n} 户，请重新预览`, en: `${count.n} customers match now; preview again` });
    }
    if (count.n > max) throw invalid([fieldError('rule', 'tooMany', `一次最多分配 ${max} 户，当前 ${count.n} 户，请缩小条件`, `matches ${count.n} customers; at most ${max} per assignment`)]);
    const moved = await repo.assignByRule(trx, user, body.rule, { managerId: manager!.id, orgId: manager!.org_id }, reason, user.id);
    for (const m of moved) {
      await audit(trx, actor, {
        action: 'assign', entity: 'customer', entityId: m.customer_no, customerId: m.id, fields: ['manager_id', 'org_id'],
        changes: { manager_id: { from: m.from_manager_id, to: manager!.id }, org_id: { from: m.from_org_id, to: manager!.org_id }, reason },
      });
    }
    await refreshBooks(trx, [manager!.id, ...moved.map((m) => m.from_manager_id)]);
    const missing = body.rule.customerNos ? body.rule.customerNos.filter((no) => !moved.some((m) => m.customer_no === no)) : [];
    return { moved: moved.length, customerNos: moved.map((m) => m.customer_no), skipped: missing };
  });
}

// ---------------------------------------------------------------- transfer requests (移交)

type TransferRow = repo.TransferRow;
const presentTransfer = (r: TransferRow) => ({
  id: r.id, customerNo: r.customer_no, customerName: r.customer_name, aumFen: num(r.aum_fen),
  fromManagerId: r.from_manager_id, fromManagerName: r.from_manager_name, toManagerId: r.to_manager_id, toManagerName: r.to_manager_name,
  reason: r.reason, status: r.status, requestedBy: r.requested_by, requestedByName: r.requested_by_name, createdAt: r.created_at,
  decidedBy: r.decided_by, decidedByName: r.decided_by_name, decidedAt: r.decided_at, decisionNote: r.decision_note,
});
const transferNotFound = () => notFound({ zh: '移交申请不存在', en: 'No such transfer request' });

/** A manager asks to move a customer to another manager of the same branch; the branch manager decides. */
export async function requestTransfer(db: Db, user: CurrentUser, actor: Actor, body: TransferRequestBody) {
  const reason = body.reason.trim();
  const cust = await repo.getCustomer(db, user, body.customerNo);
  if (!cust) throw customerNotFound();
  const errors: FieldError[] = [];
  if (cust.manager_id === null) errors.push(fieldError('customerNo', 'unassigned', '该客户尚未分配客户经理，请使用客户分配', 'has no manager yet; assign it instead'));
  if (cust.manager_id === body.toManagerId) errors.push(fieldError('toManagerId', 'same', '已经是该客户的客户经理', 'already manages this customer'));
  const to = await repo.getStaff(db, body.toManagerId);
  if (!to || to.status !== 'active' || to.role_code !== 'customer_manager') errors.push(fieldError('toManagerId', 'exists', '客户经理不存在或已停用', 'is not an active customer manager'));
  if (errors.length) throw invalid(errors);
  const from = (await repo.getStaff(db, cust.manager_id!))!;
  const branch = await repo.branchPathOf(db, from.org_path);
  if (!to!.org_path.startsWith(branch)) {
    throw invalid([fieldError('toManagerId', 'branch', '只能移交给本分行的客户经理，跨分行请联系上级行分配', 'must be a manager of the same branch; cross-branch moves are assigned by head office')]);
  }
  return db.transaction().execute(async (trx) => {
    if (await repo.hasPendingTransfer(trx, cust.id)) throw new AppError('CONFLICT', { zh: '该客户已有待审批的移交申请', en: 'This customer already has a pending transfer request' });
    const { id } = await repo.insertTransferRequest(trx, { customer_id: cust.id, from_manager_id: cust.manager_id, to_manager_id: to!.id, reason, requested_by: user.id });
    await audit(trx, actor, {
      action: 'create', entity: 'customer_transfer_request', entityId: id, customerId: cust.id, fields: ['to_manager_id'],
      changes: { customerNo: body.customerNo, from_manager_id: cust.manager_id, to_manager_id: to!.id, reason },
    });
    return presentTransfer((await repo.getTransferRequest(trx, user, id))!);
  });
}

/** Managers a customer may be moved to by request: active customer managers of the current manager's branch. */
export async function transferTargets(db: Db, user: CurrentUser, customerNo: string) {
  const cust = await repo.getCustomer(db, user, customerNo);
  if (!cust) throw customerNotFound();
  if (cust.manager_id === null) return { items: [] };
  const from = await repo.getStaff(db, cust.manager_id);
  const rows = from ? await repo.listManagers(db, await repo.branchPathOf(db, from.org_path)) : [];
  return {
    items: rows.filter((r) => r.id !== cust.manager_id)
      .map((r) => ({ id: r.id, username: r.username, displayName: r.display_name, orgId: r.org_id, orgName: r.org_name, managerLevel: r.manager_level })),
  };
}

export async function listTransfers(db: Db, user: CurrentUser, q: TransferQuery) {
  const p = paging(q);
  const { rows, total } = await repo.listTransferRequests(db, user, { status: q.status, mine: q.mine, limit: p.limit, offset: p.offset });
  return { items: rows.map(presentTransfer), total, page: p.page, pageSize: p.pageSize };
}

export async function getTransfer(db: Db, user: CurrentUser, id: number) {
  const r = await repo.getTransferRequest(db, user, id);
  if (!r) throw transferNotFound();
  return presentTransfer(r);
}

/** The supervisor (team:supervise over both managers) approves — the customer moves, with history — or rejects. */
export async function decideTransfer(db: Db, user: CurrentUser, actor: Actor, id: number, decision: 'approve' | 'reject', note: string | null) {
  const trimmed = note?.trim() || null;
  if (decision === 'reject' && !trimmed) throw invalid([fieldError('note', 'required', '驳回时必须填写意见', 'is required when rejecting')]);
  const out = await db.transaction().execute(async (trx) => {
    const r = await repo.getTransferRequest(trx, user, id, true);
    if (!r) throw transferNotFound();
    for (const m of [r.from_manager_id, r.to_manager_id]) if (m !== null && !(await repo.staffInScope(trx, user, m))) throw forbidden();
    if (r.status !== 'pending') throw new AppError('CONFLICT', { zh: '该申请已处理', en: 'This request has already been decided' });
    // Merged away or moved to another manager since: the request no longer applies. It is cancelled (committed),
    // then the decision is refused with a 409 that says so.
    const [stale] = await repo.cancelStaleTransfers(trx, user.id, [id]);
    if (stale) {
      await auditStaleCancel(trx, actor, stale);
      return { stale };
    }
    if (decision === 'reject') {
      await repo.decideTransferRequest(trx, id, 'rejected', user.id, trimmed);
      await audit(trx, actor, { action: 'reject', entity: 'customer_transfer_request', entityId: id, customerId: r.customer_id, fields: ['status'], changes: { status: { from: 'pending', to: 'rejected' }, note: trimmed } });
    } else {
      const cust = await customersRepo.getCustomerForUpdate(trx, r.customer_no, user);
      if (!cust) throw customerNotFound();
      if (cust.manager_id !== r.from_manager_id) throw new AppError('CONFLICT', { zh: '客户的客户经理已变更，此申请不再适用', en: "The customer's manager has changed since the request" });
      const to = await repo.getStaff(trx, r.to_manager_id);
      if (!to || to.status !== 'active') throw invalid([fieldError('toManagerId', 'exists', '接收的客户经理已停用', 'the receiving manager is no longer active')]);
      const reason = `移交申请 #${id}: ${r.reason}`;
      await customersRepo.updateCustomer(trx, cust.id, { manager_id: to.id, org_id: to.org_id });
      await customersRepo.insertManagerHistory(trx, { customer_id: cust.id, from_manager_id: cust.manager_id, to_manager_id: to.id, reason, by_user_id: user.id });
      await repo.decideTransferRequest(trx, id, 'approved', user.id, trimmed);
      await audit(trx, actor, {
        action: 'transfer', entity: 'customer', entityId: cust.customer_no, customerId: cust.id, fields: ['manager_id', 'org_id'],
        changes: { manager_id: { from: cust.manager_id, to: to.id }, org_id: { from: cust.org_id, to: to.org_id }, reason, requestId: id },
      });
      await audit(trx, actor, { action: 'approve', entity: 'customer_transfer_request', entityId: id, customerId: cust.id, fields: ['status'], changes: { status: { from: 'pending', to: 'approved' }, note: trimmed } });
      await refreshBooks(trx, [cust.manager_id, to.id]);
    }
    return { request: presentTransfer((await repo.getTransferRequest(trx, user, id))!) };
  });
  if ('stale' in out && out.stale) {
    const merged = out.stale.decision_note === repo.STALE_NOTE.merged;
    throw new AppError('CONFLICT', merged
      ? { zh: '申请中的客户已被合并到另一客户，此申请已自动撤销；如仍需移交，请对合并后的客户重新申请', en: 'The customer of this request has been merged into another; the request was cancelled. File a new request for the surviving customer if still needed' }
      : { zh: '客户的客户经理已变更（客户被合并到另一客户或重新分配），此申请已自动撤销', en: "The customer's manager has changed since the request (merged into another customer or reassigned); the request was cancelled" });
  }
  return out.request;
}

function auditStaleCancel(trx: Db, actor: Actor, r: { id: number; customer_id: number; decision_note: string }) {
  return audit(trx, actor, {
    action: 'cancel', entity: 'customer_transfer_request', entityId: r.id, customerId: r.customer_id, fields: ['status'],
    changes: { status: { from: 'pending', to: 'cancelled' }, note: r.decision_note },
  });
}

/** Job: cancels every pending request that no longer fits its customer (merged away, manager changed), so none stays pending forever. */
export async function cancelStaleTransfers(db: Db) {
  return db.transaction().execute(async (trx) => {
    const rows = await repo.cancelStaleTransfers(trx, null);
    for (const r of rows) await auditStaleCancel(trx, SYSTEM_ACTOR, r);
    return { cancelled: rows.length };
  });
}

export async function cancelTransfer(db: Db, user: CurrentUser, actor: Actor, id: number) {
  return db.transaction().execute(async (trx) => {
    const r = await repo.getTransferRequest(trx, user, id, true);
    if (!r) throw transferNotFound();
    if (r.requested_by !== user.id) throw forbidden();
    if (r.status !== 'pending') throw new AppError('CONFLICT', { zh: '该申请已处理', en: 'This request has already been decided' });
    await repo.decideTransferRequest(trx, id, 'cancelled', user.id, null);
    await audit(trx, actor, { action: 'cancel', entity: 'customer_transfer_request', entityId: id, customerId: r.customer_id, fields: ['status'], changes: { status: { from: 'pending', to: 'cancelled' } } });
    return presentTransfer((await repo.getTransferRequest(trx, user, id))!);
  });
}

// ---------------------------------------------------------------- handover

/**
 * Spreads customers (biggest first) over the receiving managers, each to whoever has the least AUM
 * so far (then fewest customers): the receivers end up with similar books.
 * e.g. planHandover([{id:1,aum:9},{id:2,aum:5},{id:3,aum:4}], [7, 8]) → 7:[1], 8:[2,3]
 */
export function planHandover(customers: { id: number; aum: number }[], managerIds: number[]): Map<number, number[]> {
  const load = managerIds.map((id) => ({ id, aum: 0, n: 0, ids: [] as number[] }));
  for (const c of [...customers].sort((a, b) => b.aum - a.aum || a.id - b.id)) {
    const target = load.reduce((best, x) => (x.aum < best.aum || (x.aum === best.aum && x.n < best.n) ? x : best));
    target.aum += c.aum;
    target.n += 1;
    target.ids.push(c.id);
  }
  return new Map(load.map((l) => [l.id, l.ids]));
}

/** A leaving manager's whole book handed over in one action (to one manager, or spread across several). */
export async function handover(db: Db, user: CurrentUser, actor: Actor, fromId: number, body: HandoverBody) {
  if (!(await repo.staffInScope(db, user, fromId))) throw staffNotFound();
  const from = await repo.getStaff(db, fromId);
  if (!from) throw staffNotFound();
  const errors: FieldError[] = [];
  const targets: repo.StaffRow[] = [];
  for (const [i, id] of body.toManagerIds.entries()) {
    if (id === fromId) {
      errors.push(fieldError(`toManagerIds.${i}`, 'self', '不能交接给本人', 'cannot be the leaving manager'));
      continue;
    }
    const m = await targetManager(db, user, id, `toManagerIds.${i}`, errors);
    if (m) targets.push(m);
  }
  if (errors.length) throw invalid(errors);
  const reason = body.reason.trim();
  return db.transaction().execute(async (trx) => {
    const book = await repo.customersOfForUpdate(trx, fromId);
    const plan = planHandover(book.map((c) => ({ id: c.id, aum: num(c.aum_fen) })), targets.map((t) => t.id));
    const distribution: { managerId: number; displayName: string; count: number; aumFen: number; customerNos: string[] }[] = [];
    const histReason = `离岗交接: ${reason}`;
    for (const t of targets) {
      const moved = await repo.moveCustomers(trx, plan.get(t.id) ?? [], { managerId: t.id, orgId: t.org_id }, histReason, user.id);
      for (const m of moved) {
        await audit(trx, actor, {
          action: 'handover', entity: 'customer', entityId: m.customer_no, customerId: m.id, fields: ['manager_id', 'org_id'],
          changes: { manager_id: { from: m.from_manager_id, to: t.id }, org_id: { from: m.from_org_id, to: t.org_id }, reason: histReason },
        });
      }
      const ids = new Set(plan.get(t.id));
      distribution.push({
        managerId: t.id, displayName: t.display_name, count: moved.length,
        aumFen: book.filter((c) => ids.has(c.id)).reduce((s, c) => s + num(c.aum_fen), 0), customerNos: moved.map((m) => m.customer_no),
      });
    }
    await refreshBooks(trx, [fromId, ...targets.map((t) => t.id)]);
    const cancelled = await repo.cancelPendingFrom(trx, fromId, user.id, `交接: ${reason}`);
    const { id } = await repo.insertHandover(trx, {
      from_manager_id: fromId, to_manager_ids: targets.map((t) => t.id), customer_count: book.length,
      distribution: distribution.map((d) => ({ managerId: d.managerId, count: d.count, aumFen: d.aumFen })), reason, created_by: user.id,
    });
    await audit(trx, actor, {
      action: 'handover', entity: 'manager', entityId: fromId, fields: ['customers'],
      changes: { handoverId: id, from: fromId, to: distribution.map((d) => ({ managerId: d.managerId, count: d.count })), reason, cancelledRequests: cancelled.map((c) => c.id) },
    });
    return { handoverId: id, moved: book.length, distribution, cancelledRequests: cancelled.length };
  });
}

// ---------------------------------------------------------------- reminders

/**
 * Snapshots every manager's book: today's balances from the accounts, the book's counts and AUM by
 * status and level (manager_book_snapshot), and any of the last 12 month
 * ends not yet taken from account_balance_daily. Recomputing today's rows makes a rerun harmless.
 */
export async function snapshotPerformance(db: Db, now: Date) {
  const today = localDate(now);
  return db.transaction().execute(async (trx) => {
    const current = await repo.snapshotCurrent(trx, today);
    const books = await repo.snapshotBooks(trx, today, periodStarts(today));
    const monthEnds = await repo.missingMonthEnds(trx, previousMonthEnds(today, 12));
    let history = 0;
    for (const d of monthEnds) history += await repo.snapshotMonthEnd(trx, d);
    await audit(trx, SYSTEM_ACTOR, { action: 'generate', entity: 'manager_balance_snapshot', fields: ['balance_fen'], changes: { today, rows: current, bookRows: books, monthEnds, historyRows: history } });
    return { current, books, monthEnds: monthEnds.length, history };
  });
}

/** Generates reminders from the database's state; idempotent through reminder.source_key. */
export async function generateReminders(db: Db, now: Date) {
  const days = Number(await getParameter(db, REMINDER_DAYS, 7));
  const dormantDays = Number(await getParameter(db, DORMANT_DAYS, 180));
  const today = localDate(now);
  const until = addDays(today, days);
  return db.transaction().execute(async (trx) => {
    const made = {
      birthday: await repo.generateBirthdays(trx, monthDays(today, days)),
      maturity: await repo.generateMaturities(trx, today, until),
      dormant: await repo.generateDormant(trx, addDays(today, -dormantDays), today),
      serviceDue: await repo.generateServiceDue(trx, until),
      followUp: await repo.generateFollowUps(trx, until),
    };
    // One audit row per run that created something; a run that finds nothing new writes nothing.
    if (Object.values(made).some((n) => n > 0)) {
      await audit(trx, SYSTEM_ACTOR, { action: 'generate', entity: 'reminder', fields: Object.keys(made), changes: { today, days, dormantDays, created: made } });
    }
    return made;
  });
}

type ReminderDbRow = Awaited<ReturnType<typeof repo.listReminders>>['rows'][number];
/**
 * A birthday reminder needs the day, not the birth date: the detail carries the month-day only (rows generated before
 * kept the full date; it is cut here), so listing reminders reads no personal data and needs no audit row.
 */
function reminderDetail(kind: string, detail: unknown) {
  if (kind !== 'birthday' || !detail || typeof detail !== 'object') return detail;
  const { birthDate, ...rest } = detail as { birthDate?: string | null; monthDay?: string };
  return { ...rest, monthDay: rest.monthDay ?? (birthDate ? birthDate.slice(5, 10) : null) };
}
const presentReminder = (r: ReminderDbRow) => ({
  id: r.id, kind: r.kind, title: r.title, detail: reminderDetail(r.kind, r.detail), dueOn: r.due_on, customerNo: r.customer_no, customerName: r.customer_name,
  doneAt: r.done_at, dismissedAt: r.dismissed_at, createdAt: r.created_at,
});

export async function listReminders(db: Db, user: CurrentUser, q: ReminderQuery) {
  const p = paging(q);
  const { rows, total, capped } = await repo.listReminders(db, user, { kind: q.kind, state: q.state ?? 'open', limit: p.limit, offset: p.offset });
  return { items: rows.map(presentReminder), total, totalCapped: capped, page: p.page, pageSize: p.pageSize };
}

export async function setReminderState(db: Db, user: CurrentUser, actor: Actor, id: number, state: 'done' | 'dismissed' | 'open') {
  await db.transaction().execute(async (trx) => {
    const r = await repo.getOwnReminder(trx, user.id, id);
    if (!r) throw notFound({ zh: '提醒不存在', en: 'No such reminder' });
    await repo.setReminderState(trx, id, state);
    await audit(trx, actor, { action: 'update', entity: 'reminder', entityId: id, customerId: r.customer_id, fields: ['state'], changes: { state: { from: r.done_at ? 'done' : r.dismissed_at ? 'dismissed' : 'open', to: state } } });
  });
  return { id, state };
}

export async function createReminder(db: Db, user: CurrentUser, actor: Actor, body: ReminderBody) {
  let customerId: number | null = null;
  if (body.customerNo) {
    customerId = (await customersRepo.findCustomerId(db, body.customerNo, user)) ?? null;
    if (!customerId) throw invalid([fieldError('customerNo', 'exists', '客户不存在或不在您的管辖范围', 'no such customer in your scope')]);
  }
  return db.transaction().execute(async (trx) => {
    const { id } = await repo.insertReminder(trx, { user_id: user.id, customer_id: customerId, kind: 'custom', title: body.title.trim(), due_on: body.dueOn, source_key: `custom:${randomUUID()}`, detail: {} });
    await audit(trx, actor, { action: 'create', entity: 'reminder', entityId: id, customerId, fields: ['title', 'due_on'], changes: { title: body.title.trim(), dueOn: body.dueOn } });
    return { id };
  });
}

// ---------------------------------------------------------------- workbench

const myFilter = (q: MyCustomerFilters & { page?: number; pageSize?: number }) => {
  const p = paging(q);
  return {
    f: { q: q.q?.trim() || undefined, status: q.status, levelCode: q.levelCode, party: q.party, aumMinFen: q.aumMinFen, aumMaxFen: q.aumMaxFen, sort: q.sort ?? 'aum', order: q.order ?? 'desc', limit: p.limit, offset: p.offset } as repo.MyCustomerFilter,
    p,
  };
};

type MyCustomerRow = Awaited<ReturnType<typeof repo.listMyCustomers>>['rows'][number];
/** The birth date is personal data: in clear for roles with pii:view (each such read audited), else the year only, as in the 360° view. */
const presentMyCustomer = (r: MyCustomerRow, clear: boolean) => ({
  customerNo: r.customer_no, name: r.name, party: r.party, status: r.status, levelCode: r.level_code, levelName: r.level_name, levelNameEn: r.level_name_en,
  aumFen: num(r.aum_fen), birthDate: clear ? r.birth_date : maskBirthDate(r.birth_date), lastContactAt: r.last_contact_at, createdAt: r.created_at,
});

/** The audit `read` entries of customers whose birth date was shown in clear, one each, saying where (`via`). */
export const birthDateReads = (rows: { id: number; customer_no: string }[], via: string) =>
  rows.map((r) => ({ action: 'read', entity: 'customer', entityId: r.customer_no, customerId: r.id, fields: ['birth_date'], changes: { via } }));

/** One audit `read` row per customer whose birth date was shown in clear, all in one transaction (as the customer search does). */
export async function auditBirthDateReads(db: Db, actor: Actor, rows: { id: number; customer_no: string }[], via: string) {
  if (!rows.length) return;
  await db.transaction().execute((trx) => auditMany(trx, actor, birthDateReads(rows, via)));
}
const clearBirthDates = (user: CurrentUser, rows: MyCustomerRow[]) => (seesClear(user) ? rows.filter((r) => r.birth_date) : []);

export async function myCustomers(db: Db, user: CurrentUser, actor: Actor, q: MyCustomerQuery) {
  const { f, p } = myFilter(q);
  const { rows, total } = await repo.listMyCustomers(db, user.id, f);
  await auditBirthDateReads(db, actor, clearBirthDates(user, rows), 'workbench.customers');
  return { items: rows.map((r) => presentMyCustomer(r, seesClear(user))), total, page: p.page, pageSize: p.pageSize };
}

/** Streams the rows; `read` collects the customers whose birth date went out in clear, for the caller to audit with the export. */
export async function* exportMyCustomers(db: Db, user: CurrentUser, q: MyCustomerQuery, read: { id: number; customer_no: string }[]) {
  const { f } = myFilter(q);
  const clear = seesClear(user);
  for await (const r of repo.streamMyCustomers(db, user.id, f)) {
    if (clear && r.birth_date) read.push({ id: r.id, customer_no: r.customer_no });
    yield presentMyCustomer(r, clear);
  }
}

const presentTask = (r: repo.TaskRow) => ({
  id: r.id, type: r.type, status: r.status, priority: r.priority, startsAt: r.starts_at, dueAt: r.ends_at, description: r.description,
  customerNo: r.customer_no, customerName: r.customer_name,
});

export async function myTasks(db: Db, user: CurrentUser, q: { page?: number; pageSize?: number }) {
  const p = paging(q);
  const { rows, total, capped, overdue } = await repo.listOpenTasks(db, user, p.limit, p.offset);
  return { items: rows.map(presentTask), total, totalCapped: capped, overdue, page: p.page, pageSize: p.pageSize };
}

const presentContact = (r: repo.ContactRow) => ({ id: r.id, channel: r.channel, startedAt: r.started_at, summary: r.summary, connected: r.connected, customerNo: r.customer_no, customerName: r.customer_name });

export async function myWorklog(db: Db, user: CurrentUser, q: { page?: number; pageSize?: number }) {
  const p = paging(q);
  const rows = await repo.listRecentContacts(db, user, p.limit + 1, p.offset);
  return { items: rows.slice(0, p.limit).map(presentContact), hasMore: rows.length > p.limit, page: p.page, pageSize: p.pageSize };
}

export async function pipeline(db: Db, ownerIds: number[]) {
  return presentStages(await repo.pipelineOf(db, ownerIds));
}

function presentStages(rows: repo.StageRow[]) {
  return rows.map((r) => ({
    ownerId: r.owner_id, stageId: r.stage_id, stageCode: r.stage_code, stageName: r.stage_name, stageNameEn: r.stage_name_en, pipelineName: r.pipeline_name,
    pipelineNameEn: r.pipeline_name_en, count: r.count, valueFen: num(r.value_fen), weightedFen: num(r.weighted_fen),
  }));
}

/** The manager's book by status and by level (S2.5 我的客户分析). */
export function customerMix(rows: repo.BookRow[]) {
  const byStatus: Record<string, number> = { potential: 0, active: 0, dormant: 0, churned: 0 };
  const levels = new Map<string, { levelCode: string | null; levelName: string | null; levelNameEn: string | null; rank: number; count: number; aumFen: number }>();
  for (const r of rows) {
    byStatus[r.status] = (byStatus[r.status] ?? 0) + r.count;
    const key = r.level_code ?? '';
    const l = levels.get(key) ?? { levelCode: r.level_code, levelName: r.level_name, levelNameEn: r.level_name_en, rank: r.rank ?? -1, count: 0, aumFen: 0 };
    l.count += r.count;
    l.aumFen += num(r.aum_fen);
    levels.set(key, l);
  }
  return { byStatus, byLevel: [...levels.values()].sort((a, b) => b.rank - a.rank).map(({ rank: _rank, ...l }) => l) };
}

const at = (v: string | null | undefined) => (v == null ? null : new Date(v));

/** Every widget of the workbench in one round trip (one prepared statement, repo.workbenchOf). */
export async function workbench(db: Db, user: CurrentUser, actor: Actor, now = new Date()) {
  const days = Number(await getParameter(db, REMINDER_DAYS, 7));
  const today = localDate(now);
  const starts = periodStarts(today);
  const monthEnds = previousMonthEnds(today, 12);
  const supervise = can(user, 'team:supervise');
  const w = await repo.workbenchOf(db, user, { today, until: addDays(today, days), starts, monthEnds, supervise });
  const book = (w.book ?? []) as repo.BookRow[];
  // Only the book snapshot's rows carry computed_at; counted live, the book is as of now.
  const bookAsOf = w.book_as_of ? repo.latestComputed(w.book as { computed_at: string }[] | null) : null;
  const n = w.task_count;
  const customers = (w.customers ?? []).map((r) => ({ ...r, created_at: at(r.created_at)!, last_contact_at: at(r.last_contact_at) }));
  await auditBirthDateReads(db, actor, clearBirthDates(user, customers), 'workbench');
  return {
    user: { id: user.id, displayName: user.displayName, orgName: user.orgName, roleCode: user.roleCode },
    today, reminderDays: days, bookAsOf,
    customers: { total: bookTotals(book).customers, items: customers.map((r) => presentMyCustomer(r, seesClear(user))) },
    analysis: customerMix(book),
    tasks: {
      total: Math.min(n.n, repo.WORKBENCH_COUNT_CAP), totalCapped: n.n > repo.WORKBENCH_COUNT_CAP, overdue: Math.min(n.overdue, repo.WORKBENCH_COUNT_CAP),
      items: (w.tasks ?? []).map((r) => presentTask({ ...r, starts_at: at(r.starts_at)!, ends_at: at(r.ends_at) })),
    },
    reminders: {
      total: Math.min(w.reminder_count, repo.WORKBENCH_COUNT_CAP), totalCapped: w.reminder_count > repo.WORKBENCH_COUNT_CAP,
      items: (w.reminders ?? []).map((r) => presentReminder({ ...r, created_at: at(r.created_at)!, done_at: at(r.done_at), dismissed_at: at(r.dismissed_at) } as ReminderDbRow)),
    },
    performance: presentPerformance({
      managerId: user.id, displayName: user.displayName, today, monthEnds, snapshotDate: w.snapshot_date, book, bookAsOf,
      sales: w.sales, targets: w.targets ?? [], trendRows: w.trend ?? [], balances: w.balances ?? [],
    }),
    pipeline: presentStages(w.pipeline ?? []),
    worklog: (w.worklog ?? []).map((r) => presentContact({ ...r, started_at: at(r.started_at)! })),
    reports: (w.reports ?? []).map((r) => presentReport({ ...r, created_at: at(r.created_at)!, updated_at: at(r.updated_at)!, submitted_at: at(r.submitted_at) } as ReportDbRow)),
    transfers: { pending: w.transfer_count, items: (w.transfers ?? []).map((r) => presentTransfer({ ...r, created_at: at(r.created_at)!, decided_at: at(r.decided_at) })) },
    approvalsPending: w.approvals,
  };
}

// ---------------------------------------------------------------- saved views

const WORKBENCH_CUSTOMERS = 'workbench.customers';

export async function listViews(db: Db, user: CurrentUser) {
  const rows = await repo.listViews(db, user.id, WORKBENCH_CUSTOMERS);
  return { items: rows.map((r) => ({ id: r.id, name: r.name, filters: r.filters, createdAt: r.created_at })) };
}

export async function saveView(db: Db, user: CurrentUser, actor: Actor, body: SavedViewBody) {
  const name = body.name.trim();
  return db.transaction().execute(async (trx) => {
    const { id } = await repo.insertView(trx, { user_id: user.id, list: WORKBENCH_CUSTOMERS, name, filters: body.filters });
    await audit(trx, actor, { action: 'create', entity: 'saved_view', entityId: id, fields: ['name', 'filters'], changes: { name, filters: body.filters } });
    return { id, name, filters: body.filters };
  });
}

export async function deleteView(db: Db, user: CurrentUser, actor: Actor, id: number) {
  await db.transaction().execute(async (trx) => {
    const r = await repo.deleteView(trx, user.id, id);
    if (!r) throw notFound({ zh: '视图不存在', en: 'No such saved view' });
    await audit(trx, actor, { action: 'delete', entity: 'saved_view', entityId: id, changes: { name: r.name } });
  });
}

// ---------------------------------------------------------------- team (supervisor)

/** Per manager in the supervisor's staff scope: activity this week/month, pipeline, performance, overdue items. */
export async function team(db: Db, user: CurrentUser, orgId?: number, now = new Date()) {
  const today = localDate(now);
  const week = startOfDay(weekStart(today));
  const month = startOfDay(monthStart(today));
  const members = await repo.teamMembers(db, user, orgId);
  const ids = members.map((m) => m.id);
  const snapshotDate = await repo.latestSnapshot(db, today);
  const [totals, balances, contacts, activities, overdue, sales, stages, pending, reports] = await Promise.all([
    repo.teamCustomerTotals(db, ids),
    snapshotDate
      ? repo.snapshotOn(db, ids, [snapshotDate]).then((rows) => rows.filter((r) => r.category === 'deposit' || r.category === 'loan'))
      : repo.teamBalances(db, ids),
    repo.teamContactCounts(db, ids, week, month),
    repo.teamActivityCounts(db, ids, week, month, now),
    repo.teamOverdue(db, ids, now, today),
    repo.teamSales(db, ids, monthStart(today)),
    pipeline(db, ids),
    repo.listTransferRequests(db, user, { status: 'pending', limit: 0, offset: 0 }),
    repo.listReports(db, user, { submittedOnly: true, limit: 0, offset: 0 }),
  ]);
  const by = <T extends Record<string, unknown>>(rows: T[], key: keyof T) => new Map(rows.map((r) => [r[key] as number, r]));
  const t = by(totals, 'manager_id');
  const c = by(contacts, 'owner_id');
  const a = by(activities, 'owner_id');
  const o = by(overdue, 'user_id');
  const s = by(sales, 'owner_id');
  const items = members.map((m) => {
    const bal = (cat: string) => balances.filter((b) => b.manager_id === m.id && b.category === cat).reduce((n, b) => n + num(b.fen), 0);
    const mine = stages.filter((x) => x.ownerId === m.id);
    const od = o.get(m.id);
    return {
      userId: m.id, username: m.username, displayName: m.display_name, orgId: m.org_id, orgName: m.org_name, orgNameEn: m.org_name_en, level: m.level,
      customers: t.get(m.id)?.customers ?? 0, aumFen: num(t.get(m.id)?.aum_fen), depositsFen: bal('deposit'), loansFen: bal('loan'),
      contacts: { week: c.get(m.id)?.week ?? 0, month: c.get(m.id)?.month ?? 0 },
      activities: { week: a.get(m.id)?.week ?? 0, month: a.get(m.id)?.month ?? 0, doneMonth: a.get(m.id)?.done_month ?? 0 },
      pipeline: { count: mine.reduce((x, y) => x + y.count, 0), valueFen: mine.reduce((x, y) => x + y.valueFen, 0), weightedFen: mine.reduce((x, y) => x + y.weightedFen, 0) },
      salesMonth: { amountFen: num(s.get(m.id)?.amount_fen), count: s.get(m.id)?.count ?? 0 },
      overdue: { activities: od?.activities ?? 0, service: od?.service ?? 0, reminders: od?.reminders ?? 0 },
    };
  });
  return { asOf: today, balancesAsOf: snapshotDate ?? today, weekStart: weekStart(today), monthStart: monthStart(today), items, pendingTransfers: pending.total, submittedReports: reports.total };
}

// ---------------------------------------------------------------- plans and summary reports

type ReportDbRow = Awaited<ReturnType<typeof repo.listReports>>['rows'][number];
function presentReport(r: ReportDbRow) {
  return {
    id: r.id, userId: r.user_id, authorName: r.author_name, orgName: r.org_name, orgNameEn: r.org_name_en, kind: r.kind, periodStart: r.period_start,
    content: r.content, submittedAt: r.submitted_at, createdAt: r.created_at, updatedAt: r.updated_at, commentCount: r.comment_count,
  };
}

function checkPeriod(kind: ReportKind, periodStart: string): FieldError | null {
  if (kind.startsWith('weekly') && weekStart(periodStart) !== periodStart) return fieldError('periodStart', 'weekStart', '周报的期间必须从周一开始', 'must be a Monday for weekly reports');
  if (kind.startsWith('monthly') && monthStart(periodStart) !== periodStart) return fieldError('periodStart', 'monthStart', '月报的期间必须从 1 日开始', 'must be the first day of a month for monthly reports');
  return null;
}

/** Saves (creates or rewrites) the user's plan/summary for a period; `submit` hands it to the supervisor. */
export async function saveReport(db: Db, user: CurrentUser, actor: Actor, body: ReportBody) {
  const e = checkPeriod(body.kind, body.periodStart);
  if (e) throw invalid([e]);
  const content = body.content.trim();
  const id = await db.transaction().execute(async (trx) => {
    const { id, before } = await repo.upsertReport(trx, { user_id: user.id, kind: body.kind, period_start: body.periodStart, content, submit: !!body.submit });
    await audit(trx, actor, {
      action: before ? 'update' : 'create', entity: 'work_report', entityId: id, fields: ['content', ...(body.submit ? ['submitted_at'] : [])],
      changes: { kind: body.kind, periodStart: body.periodStart, submitted: !!body.submit || !!before?.submitted_at, length: content.length },
    });
    return id;
  });
  return getReport(db, user, id);
}

export async function listReports(db: Db, user: CurrentUser, q: ReportQuery) {
  const p = paging(q);
  const { rows, total } = await repo.listReports(db, user, { userId: q.userId, kind: q.kind, submittedOnly: q.submittedOnly, limit: p.limit, offset: p.offset });
  return { items: rows.map(presentReport), total, page: p.page, pageSize: p.pageSize };
}

const reportNotFound = () => notFound({ zh: '报告不存在', en: 'No such report' });

export async function getReport(db: Db, user: CurrentUser, id: number) {
  const r = await repo.getReport(db, user, id);
  if (!r) throw reportNotFound();
  const comments = await repo.listComments(db, id);
  return { ...presentReport(r), comments: comments.map((k) => ({ id: k.id, userId: k.user_id, authorName: k.author_name, content: k.content, createdAt: k.created_at })) };
}

/** The supervisor comments on a report of their team; the author may answer. */
export async function addComment(db: Db, user: CurrentUser, actor: Actor, id: number, content: string) {
  const r = await repo.getReport(db, user, id);
  if (!r) throw reportNotFound();
  if (r.user_id !== user.id && !can(user, 'team:supervise')) throw forbidden();
  await db.transaction().execute(async (trx) => {
    const k = await repo.insertComment(trx, { report_id: id, user_id: user.id, content: content.trim() });
    await audit(trx, actor, { action: 'comment', entity: 'work_report', entityId: id, fields: ['comment'], changes: { commentId: k.id, length: content.trim().length } });
  });
  return getReport(db, user, id);
}
