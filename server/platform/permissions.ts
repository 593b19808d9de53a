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

/** The roles every bank starts with; administrators may add their own. */
export const BUILTIN_ROLES: BuiltinRole[] = [
  { code: 'admin', name: '系统管理员', nameEn: 'System administrator', dataScope: 'all', permissions: ['customer:read', 'admin:org', 'admin:user', 'admin:role', 'audit:read'] },
  { code: 'head_manager', name: '总行管理者', nameEn: 'Head-office manager', dataScope: 'all', permissions: [...CUSTOMER_WORK, 'pii:unmask'] },
  { code: 'branch_manager', name: '分支行行长', nameEn: 'Branch manager', dataScope: 'subtree', permissions: [...CUSTOMER_WORK, 'pii:unmask'] },
  { code: 'customer_manager', name: '客户经理', nameEn: 'Customer manager', dataScope: 'own', permissions: ['customer:read', 'customer:write', 'customer:export', 'pii:view'] },
  { code: 'service_agent', name: '客服坐席', nameEn: 'Service agent', dataScope: 'all', permissions: ['customer:read', 'pii:unmask'] },
  { code: 'marketing', name: '营销人员', nameEn: 'Marketing staff', dataScope: 'subtree', permissions: ['customer:read', 'customer:export'] },
  { code: 'analyst', name: '数据分析师', nameEn: 'Data analyst', dataScope: 'all', permissions: ['customer:read', 'customer:export'] },
  { code: 'auditor', name: '审计员', nameEn: 'Auditor', dataScope: 'all', permissions: ['customer:read', 'audit:read', 'audit:export'] },
];
