import type { Db } from '../../db/database.ts';

/** Users who can be given customers: active customer managers under `orgPath` (or anywhere). */
export function listManagers(db: Db, orgPath: string | null, orgId?: number) {
  let q = db.selectFrom('app_user as u').innerJoin('org_unit as o', 'o.id', 'u.org_id').innerJoin('role as r', 'r.id', 'u.role_id')
    .select(['u.id', 'u.username', 'u.display_name', 'u.org_id', 'o.name as org_name', 'u.manager_level'])
    .where('u.status', '=', 'active').where('r.code', '=', 'customer_manager');
  if (orgPath) q = q.where('o.path', 'like', `${orgPath}%`);
  if (orgId) q = q.where('u.org_id', '=', orgId);
  return q.orderBy('o.path').orderBy('u.username').execute();
}
