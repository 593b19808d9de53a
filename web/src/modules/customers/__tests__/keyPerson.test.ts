import { describe, expect, it } from 'vitest';
import { toKeyPersonInput, type KeyPersonValues } from '../keyPerson.ts';

describe('toKeyPersonInput', () => {
  it.each<[string, KeyPersonValues, ReturnType<typeof toKeyPersonInput>]>([
    ['only the required fields', { role: 'executive', name: ' 李四 ' }, { role: 'executive', name: '李四' }],
    [
      'blanks are left out, not sent empty',
      { role: 'contact', name: '王五', idNo: '  ', mobile: '', sharePct: null, personCustomerNo: ' ' },
      { role: 'contact', name: '王五' },
    ],
    [
      'every field, normalised',
      { role: 'legal_rep', name: '张伟', idNo: ' 11010519491231002x ', mobile: '138-0013 8000', sharePct: 35.5, personCustomerNo: ' 100000001 ' },
      { role: 'legal_rep', name: '张伟', idNo: '11010519491231002X', mobile: '13800138000', sharePct: 35.5, personCustomerNo: '100000001' },
    ],
    ['a zero share is a share', { role: 'shareholder', name: '赵六', sharePct: 0 }, { role: 'shareholder', name: '赵六', sharePct: 0 }],
  ])('%s', (_label, values, body) => expect(toKeyPersonInput(values)).toEqual(body));
});
