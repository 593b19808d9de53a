import { randomBytes } from 'node:crypto';
import type { Db } from '../../db/database.ts';
import { audit, SYSTEM_ACTOR } from '../../platform/audit.ts';
import { hashPassword } from '../../platform/auth.ts';
import * as repo from './admin.repository.ts';

/** The head office, created if there is none yet (first start, or a first `banyan import` before any start). */
export async function ensureHeadOffice(db: Db): Promise<number> {
  return (await repo.getHeadOffice(db))?.id ?? (await repo.insertHeadOffice(db));
}

/**
 * First start: a head office and the `admin` user. The password comes from BANYAN_ADMIN_PASSWORD or is
 * generated; a generated one is returned so it can be printed once.
 */
export async function ensureAdmin(db: Db, password: string | undefined): Promise<{ created: boolean; generatedPassword?: string }> {
  if (await repo.usernameTaken(db, 'admin')) return { created: false };
  const generated = password ? undefined : randomBytes(12).toString('base64url');
  const hash = await hashPassword(password ?? generated!);
  await db.transaction().execute(async (trx) => {
    const head = await ensureHeadOffice(trx);
    const role = await repo.getRoleByCode(trx, 'admin');
    const { id } = await repo.insertUser(trx, {
      username: 'admin', display_name: '系统管理员', password_hash: hash, org_id: head, role_id: role!.id, manager_level: null, email: null, mobile: null,
    });
    await audit(trx, SYSTEM_ACTOR, { action: 'create', entity: 'user', entityId: id, changes: { username: 'admin' } });
  });
  return { created: true, generatedPassword: generated };
}
