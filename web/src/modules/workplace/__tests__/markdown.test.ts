import { describe, expect, it } from 'vitest';
import { parseInline, parseMarkdown } from '../markdown.ts';

describe('notice markdown', () => {
  it.each([
    ['plain', 'hello', [{ t: 'text', v: 'hello' }]],
    ['bold and italic', '**a** *b*', [{ t: 'b', c: [{ t: 'text', v: 'a' }] }, { t: 'text', v: ' ' }, { t: 'i', c: [{ t: 'text', v: 'b' }] }]],
    ['code', 'run `npm ci`', [{ t: 'text', v: 'run ' }, { t: 'code', v: 'npm ci' }]],
    ['http link', '[规则](https://x.cn/a)', [{ t: 'a', href: 'https://x.cn/a', c: [{ t: 'text', v: '规则' }] }]],
    ['javascript link stays text', '[x](javascript:alert(1))', [{ t: 'text', v: '[x](javascript:alert(1)' }, { t: 'text', v: ')' }]],
    ['html stays text', '<img src=x onerror=alert(1)>', [{ t: 'text', v: '<img src=x onerror=alert(1)>' }]],
  ])('%s', (_what, src, expected) => {
    expect(parseInline(src)).toEqual(expected);
  });

  it('blocks: headings, lists, paragraphs', () => {
    const blocks = parseMarkdown('# 通知\n\n第一段\n续行\n\n- 一\n- 二\n1. 甲\n');
    expect(blocks.map((b) => b.type)).toEqual(['h', 'p', 'ul', 'ol']);
    expect(blocks[2]).toEqual({ type: 'ul', items: [[{ t: 'text', v: '一' }], [{ t: 'text', v: '二' }]] });
    expect(blocks[1]).toEqual({ type: 'p', c: [{ t: 'text', v: '第一段\n续行' }] });
  });
});
