import { describe, expect, it } from 'vitest';
import { quoteScanner, splitCsv } from '../csv.ts';

/** Feeds the text in chunks of `size` characters, as a stream would. */
function all(text: string, size: number, delim = ','): string[][] {
  const out: string[][] = [];
  let rest = '';
  for (let i = 0; i < text.length; i += size) {
    const r = splitCsv(rest + text.slice(i, i + size), delim, false);
    out.push(...r.records);
    rest = r.rest;
  }
  out.push(...splitCsv(rest, delim, true).records);
  return out;
}

describe('splitCsv', () => {
  const cases: [string, string, string[][]][] = [
    ['plain', 'a,b,c\n1,2,3\n', [['a', 'b', 'c'], ['1', '2', '3']]],
    ['CRLF and no final newline', 'a,b\r\n1,2', [['a', 'b'], ['1', '2']]],
    ['empty fields and lines', 'a,,c\n\n,,\n', [['a', '', 'c'], ['', '', '']]],
    ['quoted delimiter, doubled quote, line break', 'x,"a,b","say ""hi""","two\nlines"\nnext,1\n', [['x', 'a,b', 'say "hi"', 'two\nlines'], ['next', '1']]],
    ['quoted CRLF record end', '"a",b\r\nc,"d"\r\n', [['a', 'b'], ['c', 'd']]],
    ['stray quote in an unquoted field', '12"3,x\n', [['12"3', 'x']]],
    ['ragged rows as they are', 'a,b,c\n1,2\n1,2,3,4\n', [['a', 'b', 'c'], ['1', '2'], ['1', '2', '3', '4']]],
    ['Chinese text', '张伟,北京市西城区\n', [['张伟', '北京市西城区']]],
  ];
  it.each(cases)('%s, whole and in every chunk size', (_, text, expected) => {
    for (const size of [1, 2, 3, 5, 7, 1000]) expect(all(text, size)).toEqual(expected);
  });
  it('takes another delimiter', () => expect(all('a|b\n"x|y"|z\n', 4, '|')).toEqual([['a', 'b'], ['x|y', 'z']]));
});

describe('an unclosed quote', () => {
  const text = 'record_id,name,kind\nQ0,"王五",I\nQ1,"张三,I\nQ2,李四,I\nQ3,赵六,I\n';
  it('is no record: the records before it come out, and where its record starts', () => {
    const r = splitCsv(text, ',', true);
    expect(r.records).toEqual([['record_id', 'name', 'kind'], ['Q0', '王五', 'I']]);
    expect(r.unclosedAt).toBe(text.indexOf('Q1'));
    expect(splitCsv('a,"bc\nd', ',', true)).toEqual({ records: [], rest: '', unclosedAt: 0 });
  });
  it('is found with its line, read in chunks of any size, as splitCsv reads quotes', () => {
    for (const size of [1, 2, 3, 7, 1000]) {
      const q = quoteScanner(',');
      for (let i = 0; i < text.length; i += size) q.feed(text.slice(i, i + size));
      expect(q.end()).toBe(3);
    }
  });
  it.each([
    ['closed quotes, doubled quotes, line breaks inside', 'a,b\n"x ""y""","two\nlines"\n"end"""', ','],
    ['a stray quote inside an unquoted field', 'a,b\n12"3,x\n4,5"\n', ','],
    ['a quote after a closed one in the same field', 'a\n"x"y"z\n', ','],
    ['another delimiter', 'a|b\n1|"2|3"\n', '|'],
  ])('no false alarm: %s', (_, t, d) => {
    for (const size of [1, 2, 1000]) {
      const q = quoteScanner(d);
      for (let i = 0; i < t.length; i += size) q.feed(t.slice(i, i + size));
      expect(q.end()).toBeNull();
    }
    expect(splitCsv(t, d, true).unclosedAt).toBeUndefined();
  });
});
