/** The demo bank's organisation and staff: head office, five city branches, twenty sub-branches. Pure. */
import { CITIES, ERA_NAMES, GIVEN_FEMALE, GIVEN_MALE, SURNAMES, type City, type District } from './data.ts';
import { createRng, draw, weighted } from './prng.ts';

export type OrgKind = 'head' | 'branch' | 'subbranch' | 'department';

export type OrgSpec = {
  code: string;
  parentCode: string | null;
  name: string;
  nameEn: string;
  kind: OrgKind;
  /** Branches and sub-branches: the city they serve. */
  city?: City;
  /** Sub-branches: the district they sit in; their customers live and bank there. */
  district?: District;
};

export type ManagerLevel = 'junior' | 'intermediate' | 'senior';

export type DemoUserSpec = {
  username: string;
  displayName: string;
  roleCode: string;
  orgCode: string;
  managerLevel: ManagerLevel | null;
  email: string;
  mobile: string;
};

/** Code of the head office; the same code start-up gives it, so either may create it first. */
export const HEAD_OFFICE_CODE = 'HQ';

const DEPARTMENTS: readonly [string, string, string][] = [
  ['HQ-RETAIL', '零售银行部', 'Retail Banking Department'],
  ['HQ-CORP', '公司银行部', 'Corporate Banking Department'],
  ['HQ-SERVICE', '客户服务中心', 'Customer Service Centre'],
  ['HQ-AUDIT', '审计部', 'Internal Audit Department'],
];

/**
 * The org tree, parents before children: head office, its departments, a branch per city and a
 * sub-branch per district.
 * @example generateOrgs().filter((o) => o.kind === 'subbranch').length // 20
 */
export function generateOrgs(): OrgSpec[] {
  const orgs: OrgSpec[] = [{ code: HEAD_OFFICE_CODE, parentCode: null, name: '总行', nameEn: 'Head office', kind: 'head' }];
  for (const [code, name, nameEn] of DEPARTMENTS) orgs.push({ code, parentCode: HEAD_OFFICE_CODE, name, nameEn, kind: 'department' });
  for (const city of CITIES) {
    orgs.push({ code: city.key, parentCode: HEAD_OFFICE_CODE, name: `${city.short}分行`, nameEn: `${city.nameEn} Branch`, kind: 'branch', city });
    city.districts.forEach((district, i) => {
      const short = district.name.replace(/(新区|区)$/, '');
      orgs.push({
        code: `${city.key}${String(i + 1).padStart(2, '0')}`, parentCode: city.key, kind: 'subbranch', city, district,
        name: `${city.short}${short}支行`, nameEn: `${city.nameEn} ${district.nameEn} Sub-branch`,
      });
    });
  }
  return orgs;
}

const MANAGERS_PER_SUBBRANCH = 3;
const LEVELS: readonly ManagerLevel[] = ['senior', 'intermediate', 'junior'];

/**
 * A user for every role: `hq_manager`, a branch manager per branch (`bj_manager` …), three customer
 * managers per sub-branch (`cm01` … `cm60`, one of each level), `agent1`, `marketing1`, `analyst1`,
 * `auditor1`. The names are drawn from a fixed seed, so they never change.
 * @example generateUsers(generateOrgs()).find((u) => u.username === 'cm01')?.orgCode // 'BJ01'
 */
export function generateUsers(orgs: readonly OrgSpec[]): DemoUserSpec[] {
  const rng = createRng(20260630, 7);
  const surnames = weighted(SURNAMES);
  const nameOf = () => {
    const male = rng.chance(0.5);
    const decade = rng.pick([1970, 1980, 1990] as const);
    return draw(rng, surnames) + (rng.chance(0.5) ? rng.pick(ERA_NAMES[decade]![male ? 'M' : 'F']) : rng.pick([...(male ? GIVEN_MALE : GIVEN_FEMALE)]) + rng.pick([...(male ? GIVEN_MALE : GIVEN_FEMALE)]));
  };
  const users: DemoUserSpec[] = [];
  const add = (username: string, roleCode: string, orgCode: string, managerLevel: ManagerLevel | null = null) =>
    users.push({
      username, displayName: nameOf(), roleCode, orgCode, managerLevel,
      email: `${username}@banyan-demo.example`,
      // 170 is not drawn for customers, so staff and customer mobiles never coincide.
      mobile: `+86170${String(users.length + 1).padStart(8, '0')}`,
    });
  add('hq_manager', 'head_manager', HEAD_OFFICE_CODE);
  for (const b of orgs.filter((o) => o.kind === 'branch')) add(`${b.code.toLowerCase()}_manager`, 'branch_manager', b.code);
  let n = 0;
  for (const s of orgs.filter((o) => o.kind === 'subbranch')) {
    for (let i = 0; i < MANAGERS_PER_SUBBRANCH; i++) add(`cm${String(++n).padStart(2, '0')}`, 'customer_manager', s.code, LEVELS[i]!);
  }
  add('agent1', 'service_agent', 'HQ-SERVICE');
  add('marketing1', 'marketing', orgs.find((o) => o.kind === 'branch')!.code);
  add('analyst1', 'analyst', 'HQ-RETAIL');
  add('auditor1', 'auditor', 'HQ-AUDIT');
  return users;
}

/** The demo users (all share the demo password), for the README and tests. */
export const DEMO_USERS: readonly { username: string; role: string; org: string }[] = generateUsers(generateOrgs()).map((u) => ({
  username: u.username, role: u.roleCode, org: u.orgCode,
}));
