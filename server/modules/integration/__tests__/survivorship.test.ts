import { describe, expect, it } from 'vitest';
import { goldenRecord, pickField, type SurvivorRecord } from '../integration.survivorship.ts';

const rec = (id: number, sourceCode: string, trust: Record<string, number>, updatedAt: string, values: SurvivorRecord['values']): SurvivorRecord =>
  ({ id, sourceCode, fieldTrust: trust, valueRank: 50, updatedAt: new Date(updatedAt), values });

const core = rec(1, 'CORE', { address: 50, employer: 30 }, '2026-01-01', { name: '李娜', address: '中关村大街 27 号', employer: '某某公司', mobile: '+8613900001111' });
const card = rec(2, 'CARD', { address: 95 }, '2025-06-01', { name: '李娜', address: '学院路 5 号', mobile: '+8613900002222' });
const loan = rec(3, 'LOAN', { employer: 95 }, '2024-01-01', { name: '李娜', employer: '中关村科技' });

describe('survivorship (I2)', () => {
  it.each([
    ['address', [core, card, loan], 'CARD', 'trust'],
    ['employer', [core, card, loan], 'LOAN', 'trust'],
    // Same trust (value rank 50) for mobile: the most recent record wins.
    ['mobile', [core, card], 'CORE', 'recency'],
    // Three sources give the same name: they agree (not "only source"); one source alone is the only one.
    ['name', [core, card, loan], 'CORE', 'agreed'],
    ['name', [loan], 'LOAN', 'only'],
  ] as const)('%s comes from the right source', (field, records, source, rule) => {
    expect(pickField(field, [...records])).toMatchObject({ sourceCode: source, rule });
  });

  it('breaks a tie of trust and date by completeness', () => {
    const a = rec(4, 'A', {}, '2026-01-01', { email: 'a@x.cn' });
    const b = rec(5, 'B', {}, '2026-01-01', { email: 'b@x.cn', mobile: '+8613900003333', name: 'x' });
    expect(pickField('email', [a, b])).toMatchObject({ sourceCode: 'B', rule: 'completeness' });
  });

  it("keeps a manager's value that survivorship did not put there, and takes the sources' otherwise", () => {
    const lineage = [{ field: 'employer', value: '中关村科技', sourceCode: 'LOAN' }];
    const g = goldenRecord([core, card, loan], { employer: '自由职业', address: null }, lineage);
    expect(g.find((x) => x.field === 'employer')).toMatchObject({ sourceCode: 'MANUAL', rule: 'manual', value: '自由职业' });
    expect(g.find((x) => x.field === 'address')).toMatchObject({ sourceCode: 'CARD' });
    // Unchanged since survivorship chose it: the sources decide again.
    const again = goldenRecord([core, card, loan], { employer: '中关村科技' }, lineage);
    expect(again.find((x) => x.field === 'employer')).toMatchObject({ sourceCode: 'LOAN' });
  });
});
