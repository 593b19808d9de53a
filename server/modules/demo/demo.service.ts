/**
 * `banyan demo`: loads the demo bank — org tree, a user for every role, and N generated customers
 * with their accounts — into an empty database, in one transaction, bulk rows through COPY.
 */
import { Worker } from 'node:worker_threads';
import type pg from 'pg';
import type { Db } from '../../db/database.ts';
import { audit, SYSTEM_ACTOR } from '../../platform/audit.ts';
import { hashPassword } from '../../platform/auth.ts';
import { AppError } from '../../platform/errors.ts';
import { generateOrgs, generateUsers, HEAD_OFFICE_CODE } from '../../../engines/demo/index.ts';
import * as repo from './demo.repository.ts';
import type { DemoWorkerData, WorkerMessage } from './demo.worker.ts';

export { DEMO_USERS } from '../../../engines/demo/index.ts';

/** Every demo user signs in with this password (documented in the README). */
export const DEMO_PASSWORD = 'Banyan@2026';

/** The day the demo data describes; fixed, so a seed always gives the same bank. */
export const DEMO_AS_OF = '2026-06-30';

/**
 * From this many customers on, the bulk tables' secondary indexes and foreign keys are dropped
 * before the COPY and recreated after it, from their definitions in the catalogue: building an
 * index once and validating a foreign key with one join beat maintaining them row by row (at
 * 100,000 customers the COPY takes a third of the time). Smaller loads keep them live.
 */
export const REBUILD_FROM = 10_000;

export type LoadDemoOptions = {
  customers?: number;
  seed?: number;
  asOf?: string;
  /**
   * The day the demo is used (YYYY-MM-DD; default: the bank's today). The demo is shown live, so a
   * share of maturities falls in the 30 days after it, as well as after `asOf`.
   */
  today?: string;
  /** Month-end balance snapshots per open account (default 6). */
  snapshotMonths?: number;
  onProgress?: (done: number, total: number) => void;
  /**
   * Stops the load (e.g. Ctrl-C): before its commit, the statement running is cancelled and everything rolls back,
   * and the promise rejects with the signal's reason; after it, only the closing VACUUM is cut short.
   */
  signal?: AbortSignal;
  /** Called just before the load commits: from then on the signal no longer undoes it. */
  onCommit?: () => void;
};

export type LoadDemoResult = {
  customers: number;
  accounts: number;
  balances: number;
  users: number;
  orgs: number;
  /** Whether secondary indexes and foreign keys were dropped for the COPY and rebuilt after it. */
  rebuilt: boolean;
  /** Whether the loaded tables were vacuumed and analyzed (not when the signal stopped it after the commit). */
  analyzed: boolean;
};

const conflict = (zh: string, en: string) => new AppError('CONFLICT', { zh, en });

/**
 * Loads the demo bank. Refuses a database that already has customers or users other than `admin`;
 * reuses the head office start-up may have created. All or nothing: one transaction.
 * @example await loadDemoBank(db, pool, { customers: 20_000, seed: 42, onProgress: (d, t) => console.log(d, t) })
 */
export async function loadDemoBank(db: Db, pool: pg.Pool, opts: LoadDemoOptions = {}): Promise<LoadDemoResult> {
  const total = opts.customers ?? 20_000;
  const seed = opts.seed ?? 42;
  const asOf = opts.asOf ?? DEMO_AS_OF;
  if (!Number.isInteger(total) || total < 1 || total > 10_000_000) throw new RangeError('loadDemoBank: customers must be an integer from 1 to 10,000,000');
  if (!Number.isInteger(seed)) throw new RangeError('loadDemoBank: seed must be an integer');
  if (!/^\d{4}-\d{2}-\d{2}$/.test(asOf)) throw new RangeError('loadDemoBank: asOf must be YYYY-MM-DD');
  // The bank's calendar day (UTC+8 all year).
  const today = opts.today ?? new Date(Date.now() + 8 * 3_600_000).toISOString().slice(0, 10);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(today)) throw new RangeError('loadDemoBank: today must be YYYY-MM-DD');

  const { signal } = opts;
  signal?.throwIfAborted();
  // argon2 is slow by design: hash once, outside the transaction, and share it.
  const passwordHash = await hashPassword(DEMO_PASSWORD);
  const orgSpecs = generateOrgs();
  const userSpecs = generateUsers(orgSpecs);

  const result = await repo.inLoadTransaction(pool, async (client, trx) => {
    await repo.lockCustomers(trx);
    if ((await repo.countCustomers(trx)) > 0) {
      throw conflict('数据库中已有客户，演示银行只能载入空库', 'The database already has customers: the demo bank loads into an empty database only');
    }
    const others = (await repo.listUsernames(trx)).filter((u) => u !== 'admin');
    if (others.length) {
      throw conflict(`数据库中已有用户（${others.slice(0, 5).join('、')}），演示银行只能载入空库`, `The database already has users (${others.slice(0, 5).join(', ')}): the demo bank loads into an empty database only`);
    }

    // Org tree: the head office may exist already (start-up creates it with the admin user).
    const taken = await repo.findOrgsByCode(trx, orgSpecs.map((o) => o.code).filter((c) => c !== HEAD_OFFICE_CODE));
    if (taken.length) throw conflict(`机构代码已存在：${taken.map((o) => o.code).join('、')}`, `Org codes already in use: ${taken.map((o) => o.code).join(', ')}`);
    const orgs = new Map<string, { id: number; path: string }>();
    for (const o of orgSpecs) {
      if (o.kind === 'head') {
        const head = await repo.getHeadOffice(trx);
        orgs.set(o.code, head ?? (await repo.insertOrg(trx, { parentId: null, parentPath: '/', code: o.code, name: o.name, nameEn: o.nameEn, kind: o.kind })));
        continue;
      }
      const parent = orgs.get(o.parentCode!)!;
      orgs.set(o.code, await repo.insertOrg(trx, { parentId: parent.id, parentPath: parent.path, code: o.code, name: o.name, nameEn: o.nameEn, kind: o.kind }));
    }

    const roles = await repo.roleIds(trx);
    const users = await repo.insertUsers(trx, userSpecs.map((u) => ({
      username: u.username, display_name: u.displayName, password_hash: passwordHash, org_id: orgs.get(u.orgCode)!.id,
      role_id: roles.get(u.roleCode)!, manager_level: u.managerLevel, email: u.email, mobile: u.mobile,
    })));
    const userId = new Map(users.map((u) => [u.username, u.id]));

    const start = await repo.nextIds(trx);
    const rebuild = total >= REBUILD_FROM;
    const indexes = rebuild ? await repo.listSecondaryIndexes(trx) : [];
    const foreignKeys = rebuild ? await repo.listForeignKeys(trx) : [];
    await repo.dropForeignKeys(trx, foreignKeys);
    await repo.dropIndexes(trx, indexes);

    let accounts = 0;
    let balances = 0;
    const batches = generateInWorker({
      seed, count: total, asOf, today, snapshotMonths: opts.snapshotMonths,
      orgs: [...orgs].map(([code, o]) => ({ id: o.id, code })),
      managers: userSpecs.filter((u) => u.roleCode === 'customer_manager').map((u) => ({ id: userId.get(u.username)!, orgCode: u.orgCode, managerLevel: u.managerLevel })),
      typeIds: await repo.customerTypeIds(trx),
      levels: await repo.levelThresholds(trx),
      assetProducts: await repo.assetProducts(trx),
      products: await repo.productRules(trx),
      startId: start.customer,
      startCustomerNo: start.customerNo,
      startIds: start,
    }, signal);
    for await (const batch of batches) {
      for (const [i, part] of repo.COPY_ORDER.entries()) {
        // COPY goes through the raw client, which the signal does not guard.
        signal?.throwIfAborted();
        const { table, columns } = repo.COPY_TARGETS[part];
        await repo.copyText(client, table, columns, batch.parts[i]!);
      }
      accounts += batch.accounts;
      balances += batch.balances;
      opts.onProgress?.(batch.done, total);
    }

    await repo.createIndexes(trx, indexes);
    await repo.addForeignKeys(trx, foreignKeys);
    await repo.advanceSequences(trx);
    await audit(trx, SYSTEM_ACTOR, { action: 'demo_load', entity: 'demo', changes: { customers: total, accounts, seed, asOf, today } });
    return { customers: total, accounts, balances, users: users.length, orgs: orgSpecs.length, rebuilt: rebuild, analyzed: false };
  }, { signal, onCommit: opts.onCommit });

  // Fresh statistics (or the planner guesses at million-row tables it has never seen) and a visibility map.
  // Interrupted now, the bank stays loaded and autovacuum gets to the statistics in time.
  try {
    await repo.vacuumAnalyze(pool, signal);
  } catch (err) {
    if (signal?.aborted) return result;
    throw err;
  }
  return { ...result, analyzed: true };
}

type WorkerBatch = Extract<WorkerMessage, { type: 'batch' }>;

/**
 * Runs the generator in a worker thread, holding its accounts to the product catalogue (engines/demo/catalogue.ts), and
 * yields its batches as COPY text, acknowledging each so the worker stays a couple of batches ahead and no further.
 */
async function* generateInWorker(options: DemoWorkerData, signal?: AbortSignal): AsyncGenerator<WorkerBatch> {
  // execArgv [] : the entry registers the TypeScript loader itself, exactly once.
  const worker = new Worker(new URL('./demo.worker-entry.mjs', import.meta.url), { workerData: options, execArgv: [] });
  const queue: WorkerMessage[] = [];
  let failure: Error | null = null;
  let exited = false;
  let wake: (() => void) | null = null;
  const notify = () => wake?.();
  worker.on('message', (m: WorkerMessage) => {
    queue.push(m);
    notify();
  });
  worker.on('error', (err) => {
    failure ??= err;
    notify();
  });
  worker.on('exit', () => {
    exited = true;
    notify();
  });
  // A batch can take seconds to generate: an interrupt does not wait for it.
  signal?.addEventListener('abort', notify);
  try {
    for (;;) {
      while (!queue.length && !failure && !exited && !signal?.aborted) await new Promise<void>((resolve) => (wake = resolve));
      signal?.throwIfAborted();
      const m = queue.shift();
      if (failure) throw failure;
      if (!m) throw new Error('demo generator: the worker stopped before it finished');
      if (m.type === 'end') return;
      if (m.type === 'error') throw new Error(`demo generator: ${m.message}`);
      worker.postMessage('ack');
      yield m;
    }
  } finally {
    signal?.removeEventListener('abort', notify);
    await worker.terminate();
  }
}
