import { describe, expect, it } from 'vitest';
import { splitCsv } from '../csv.ts';

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
    ['unclosed quote at the end', 'a,"bc\nd', [['a', 'bc\nd']]],
    ['Chinese text', '张伟,北京市西城区\n', [['张伟', '北京市西城区']]],
  ];
  it.each(cases)('%s, whole and in every chunk size', (_, text, expected) => {
    for (const size of [1, 2, 3, 5, 7, 1000]) expect(all(text, size)).toEqual(expected);
  });
  it('takes another delimiter', () => expect(all('a|b\n"x|y"|z\n', 4, '|')).toEqual([['a', 'b'], ['x|y', 'z']]));
});
