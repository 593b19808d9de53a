/** Every permission a role can hold. Routes name the one they need; roles are rows in `role`. */
export const PERMISSIONS = [
  'customer:read',
  'customer:write',
  'customer:assign',
  'customer:export',
  'pii:view',
  'pii:unmask',
  'admin:org',
  'admin:user',
  'admin:role',
  'audit:read',
  'audit:export',
  // Front office (contacts, activities, opportunities, requirements are customer records: customer:read / customer:write)
  'team:supervise', // approve transfers, read and comment on team reports, team dashboards
  'sales:plan', // set sales targets and commission rules, configure pipelines
  'service:handle', // take and work service requests
  'service:supervise', // service dashboard, reassign, SLA and category settings
  'product:manage', // edit the product catalogue, documents and sales scripts
  'notice:publish', // publish notices and announcements
  'integration:review', // decide merge reviews of customers in scope, propose and undo merges
  'integration:manage', // tune the match model (weights, thresholds, source order)
  'interface:manage', // data interfaces: sources, mappings, loads, quarantine (personal data), schedules
  'system:monitor', // read /metrics (Prometheus): request rates and durations by route, process and database pool figures
] as const;
export type Permission = (typeof PERMISSIONS)[number];

export const DATA_SCOPES = ['own', 'org', 'subtree', 'all'] as const;
export type DataScope = (typeof DATA_SCOPES)[number];

export type BuiltinRole = {
  code: string;
  name: string;
  nameEn: string;
  dataScope: DataScope;
  permissions: Permission[];
};

const CUSTOMER_WORK: Permission[] = ['customer:read', 'customer:write', 'customer:assign', 'customer:export'];
const SUPERVISION: Permission[] = ['team:supervise', 'sales:plan', 'service:handle', 'service:supervise', 'notice:publish'];

/**
 * The roles every bank starts with; administrators may add their own. Migration 0002 seeds them from
 * this list: once that has landed, a change here needs a migration that updates the `role` rows.
 */
export const BUILTIN_ROLES: BuiltinRole[] = [
  { code: 'admin', name: '系统管理员', nameEn: 'System administrator', dataScope: 'all', permissions: ['customer:read', 'admin:org', 'admin:user', 'admin:role', 'audit:read', 'product:manage', 'notice:publish', 'service:supervise', 'integration:manage', 'interface:manage', 'system:monitor'] },
  { code: 'head_manager', name: '总行管理者', nameEn: 'Head-office manager', dataScope: 'all', permissions: [...CUSTOMER_WORK, 'pii:unmask', ...SUPERVISION, 'product:manage', 'integration:review', 'integration:manage', 'interface:manage'] },
  { code: 'branch_manager', name: '分支行行长', nameEn: 'Branch manager', dataScope: 'subtree', permissions: [...CUSTOMER_WORK, 'pii:unmask', ...SUPERVISION, 'integration:review'] },
  { code: 'customer_manager', name: '客户经理', nameEn: 'Customer manager', dataScope: 'own', permissions: ['customer:read', 'customer:write', 'customer:export', 'pii:view', 'service:handle', 'integration:review'] },
  { code: 'service_agent', name: '客服坐席', nameEn: 'Service agent', dataScope: 'all', permissions: ['customer:read', 'pii:unmask', 'service:handle'] },
  { code: 'marketing', name: '营销人员', nameEn: 'Marketing staff', dataScope: 'subtree', permissions: ['customer:read', 'customer:export'] },
  { code: 'analyst', name: '数据分析师', nameEn: 'Data analyst', dataScope: 'all', permissions: ['customer:read', 'customer:export'] },
  { code: 'auditor', name: '审计员', nameEn: 'Auditor', dataScope: 'all', permissions: ['customer:read', 'audit:read', 'audit:export'] },
];
