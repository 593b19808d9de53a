import { sql, type Expression, type SqlBool } from 'kysely';
import type { DataScope } from './permissions.ts';

/** What the data-scope predicate needs to know about the user. */
export type ScopeSubject = { id: number; orgId: number; orgPath: string; dataScope: DataScope };

/**
 * THE data-scope predicate (Q1): every query that lists or reads customers goes through it.
 * `alias` is the alias of the `customer` table in the caller's query.
 * own → customers the user manages; org → customers of the user's org unit;
 * subtree → customers of the org unit and everything below it; all → every customer.
 */
export function customerScope(user: ScopeSubject, alias = 'customer'): Expression<SqlBool> {
  const col = (c: string) => sql.ref(`${alias}.${c}`);
  switch (user.dataScope) {
    case 'all':
      return sql<boolean>`true`;
    case 'own':
      return sql<boolean>`${col('manager_id')} = ${user.id}`;
    case 'org':
      return sql<boolean>`${col('org_id')} = ${user.orgId}`;
    case 'subtree':
      return sql<boolean>`${col('org_id')} IN (SELECT o.id FROM org_unit o WHERE o.path LIKE ${user.orgPath + '%'})`;
  }
}

/**
 * The staff counterpart of the data-scope predicate: whose own work (tasks, journals, plans,
 * reports, pipelines) `user` may read. `alias` is the alias of an `app_user` table in the query.
 * own → the user alone; org → users of the user's org unit; subtree → of that unit and below; all → everyone.
 */
export function staffScope(user: ScopeSubject, alias = 'app_user'): Expression<SqlBool> {
  const col = (c: string) => sql.ref(`${alias}.${c}`);
  switch (user.dataScope) {
    case 'all':
      return sql<boolean>`true`;
    case 'own':
      return sql<boolean>`${col('id')} = ${user.id}`;
    case 'org':
      return sql<boolean>`${col('org_id')} = ${user.orgId}`;
    case 'subtree':
      return sql<boolean>`${col('org_id')} IN (SELECT o.id FROM org_unit o WHERE o.path LIKE ${user.orgPath + '%'})`;
  }
}
