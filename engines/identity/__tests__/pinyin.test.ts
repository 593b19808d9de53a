import { describe, expect, it } from 'vitest';
import { namePinyin } from '../pinyin.ts';

describe('namePinyin', () => {
  it.each([
    ['张伟', 'zhangwei', 'zw'],
    ['王小明', 'wangxiaoming', 'wxm'],
    ['欧阳娜娜', 'ouyangnana', 'oynn'],
    // surname readings of polyphonic characters
    ['单田芳', 'shantianfang', 'stf'],
    ['曾国藩', 'zengguofan', 'zgf'],
    ['仇英', 'qiuying', 'qy'],
    ['吕布', 'lvbu', 'lb'],
    // spaces / punctuation dropped, Latin letters and digits kept lower-cased
    [' 李 雷 ', 'lilei', 'll'],
    ['阿沛·阿旺晋美', 'apeiawangjinmei', 'apawjm'],
    ['Tom李2号', 'tomli2hao', 'tl2h'],
    ['ALICE', 'alice', 'a'],
    ['', '', ''],
  ])('%s → %s / %s', (name, full, initials) => {
    expect(namePinyin(name)).toEqual({ full, initials });
  });
});
