import { describe, expect, it } from 'vitest';
import { issueText, lastPartLabel, withFieldLabels } from '../fieldLabels.ts';

const labels: Record<string, string> = { idNo: '证件号码', q: 'Search' };
const labelOf = lastPartLabel((n) => labels[n]);

describe('withFieldLabels', () => {
  it('names a list item field by its label, not its request path', () => {
    const fields = [{ field: 'identities.0.idNo' }];
    expect(withFieldLabels('identities.0.idNo：该证件已登记在另一位客户名下', fields, labelOf)).toBe('证件号码：该证件已登记在另一位客户名下');
    expect(withFieldLabels('identities.0.idNo: is already registered to another customer', fields, lastPartLabel((n) => (n === 'idNo' ? 'ID number' : null))))
      .toBe('ID number: is already registered to another customer');
  });
  it('names the search box', () => {
    expect(withFieldLabels('q: must be at most 100 characters', [{ field: 'q' }], labelOf)).toBe('Search: must be at most 100 characters');
  });
  it('drops a path that has no label rather than show it', () => {
    expect(withFieldLabels('stages.1.code: is listed twice', [{ field: 'stages.1.code' }], () => null)).toBe('is listed twice');
  });
  it('leaves other messages alone', () => {
    expect(withFieldLabels('Someone else changed this customer', [{ field: 'q' }], labelOf)).toBe('Someone else changed this customer');
  });
  it('lists one field error by label', () => {
    expect(issueText({ field: 'identities.0.idNo', message: '已登记' }, labelOf)).toBe('证件号码: 已登记');
    expect(issueText({ field: 'x.y', message: 'bad' }, () => null)).toBe('bad');
  });
});
