import { describe, expect, it } from 'vitest';
import { pickBilingual } from '../bilingual.ts';

describe('pickBilingual', () => {
  it.each([
    ['新建客户 / new customer', 'zh', '新建客户'],
    ['新建客户 / new customer', 'en', 'new customer'],
    ['撤销合并 / unmerged: wrong person', 'en', 'unmerged: wrong person'],
    // A person's own text is left alone, slashes and all.
    ['客户要求更换经理', 'en', '客户要求更换经理'],
    ['moved to A/B team', 'zh', 'moved to A/B team'],
    ['调岗 / 离职', 'en', '调岗 / 离职'],
    ['', 'zh', ''],
  ] as const)('%s in %s → %s', (text, lang, want) => {
    expect(pickBilingual(text, lang)).toBe(want);
  });
  it('takes a missing reason as empty', () => expect(pickBilingual(null, 'zh')).toBe(''));
});
