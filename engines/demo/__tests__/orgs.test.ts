import { describe, expect, it } from 'vitest';
import { BUILTIN_ROLES } from '../../../server/platform/permissions.ts';
import { DEMO_USERS, generateOrgs, generateUsers, HEAD_OFFICE_CODE } from '../orgs.ts';

describe('generateOrgs', () => {
  const orgs = generateOrgs();
  const kinds = (k: string) => orgs.filter((o) => o.kind === k);

  it('has one head office, five city branches, twenty sub-branches and a few head-office departments', () => {
    expect(kinds('head').map((o) => o.code)).toEqual([HEAD_OFFICE_CODE]);
    expect(kinds('branch').map((o) => o.name)).toEqual(['北京分行', '上海分行', '广州分行', '杭州分行', '成都分行']);
    expect(kinds('subbranch')).toHaveLength(20);
    expect(kinds('department').length).toBeGreaterThanOrEqual(2);
  });

  it('lists parents before children, with unique codes', () => {
    const seen = new Set<string>();
    for (const o of orgs) {
      if (o.parentCode) expect(seen.has(o.parentCode), o.code).toBe(true);
      expect(seen.has(o.code)).toBe(false);
      seen.add(o.code);
    }
  });

  it('puts every sub-branch in a real district of its branch\'s city', () => {
    const prefix: Record<string, string> = { BJ: '1101', SH: '3101', GZ: '4401', HZ: '3301', CD: '5101' };
    for (const s of kinds('subbranch')) {
      expect(s.district!.code.startsWith(prefix[s.parentCode!]!), s.code).toBe(true);
      expect(s.name).toContain(s.city!.short);
      expect(s.nameEn).toMatch(/Sub-branch$/);
    }
  });
});

describe('generateUsers', () => {
  const orgs = generateOrgs();
  const users = generateUsers(orgs);

  it('has a user for every built-in role but admin (start-up creates that one)', () => {
    const roles = new Set(users.map((u) => u.roleCode));
    for (const r of BUILTIN_ROLES) expect(roles.has(r.code), r.code).toBe(r.code !== 'admin');
  });

  it('has sixty customer managers, three per sub-branch, one of each level', () => {
    const cms = users.filter((u) => u.roleCode === 'customer_manager');
    expect(cms.map((u) => u.username)).toEqual(Array.from({ length: 60 }, (_, i) => `cm${String(i + 1).padStart(2, '0')}`));
    for (const s of orgs.filter((o) => o.kind === 'subbranch')) {
      expect(cms.filter((u) => u.orgCode === s.code).map((u) => u.managerLevel).sort()).toEqual(['intermediate', 'junior', 'senior']);
    }
  });

  it('names the documented users and places them where their role sees what it should', () => {
    const at = (username: string) => users.find((u) => u.username === username)?.orgCode;
    expect(at('hq_manager')).toBe(HEAD_OFFICE_CODE);
    expect(['bj', 'sh', 'gz', 'hz', 'cd'].map((c) => at(`${c}_manager`))).toEqual(['BJ', 'SH', 'GZ', 'HZ', 'CD']);
    for (const u of ['agent1', 'marketing1', 'analyst1', 'auditor1']) expect(at(u), u).toBeDefined();
    expect(orgs.find((o) => o.code === at('marketing1'))!.kind).toBe('branch');
  });

  it('is stable, unique and matches DEMO_USERS', () => {
    expect(generateUsers(orgs)).toEqual(users);
    expect(new Set(users.map((u) => u.username)).size).toBe(users.length);
    expect(new Set(users.map((u) => u.mobile)).size).toBe(users.length);
    expect(DEMO_USERS).toEqual(users.map((u) => ({ username: u.username, role: u.roleCode, org: u.orgCode })));
  });
});
