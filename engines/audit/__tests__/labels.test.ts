import { describe, expect, it } from 'vitest';
import { AUDIT_FIELD_NAMES, auditName } from '../labels.ts';

describe('audit field names', () => {
  // What the audit page showed raw: a new user's fields, a user update's columns, what a merge moves.
  const seen = ['username', 'displayName', 'orgId', 'roleCode', 'managerLevel', 'display_name', 'role_id', 'manager_level', 'email', 'mobile', 'status',
    'customer_contact', 'customer_manager_history', 'customer_identity', 'customer_address', 'account', 'account_balance_daily', 'customer_key_person.person_customer_id'];
  it.each(seen)('%s has a name in both languages', (f) => {
    expect(auditName(AUDIT_FIELD_NAMES, 'zh-CN', f)).not.toBe(f);
    expect(auditName(AUDIT_FIELD_NAMES, 'en-US', f)).not.toBe(f);
    expect(auditName(AUDIT_FIELD_NAMES, 'zh-CN', f)).toMatch(/[\u4e00-\u9fff]/);
  });
  it('names them as people do', () => {
    expect(auditName(AUDIT_FIELD_NAMES, 'zh-CN', 'displayName')).toBe('姓名');
    expect(auditName(AUDIT_FIELD_NAMES, 'zh-CN', 'customer_manager_history')).toBe('管户历史');
    expect(auditName(AUDIT_FIELD_NAMES, 'en-US', 'roleCode')).toBe('Role');
  });
});
