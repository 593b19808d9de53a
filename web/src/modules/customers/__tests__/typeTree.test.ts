import { describe, expect, it } from 'vitest';
import type { CustomerTypeMeta } from '../api.ts';
import { buildTypeTree } from '../typeTree.ts';

const type = (code: string, parentCode: string | null): CustomerTypeMeta => ({ code, parentCode, party: 'person', name: code, nameEn: code, attributeSchema: [] });
const TYPES = [type('personal', null), type('personal_resident', 'personal'), type('personal_business', 'personal'), type('other', null)];
const flat = (nodes: ReturnType<typeof buildTypeTree>): [string, boolean | undefined][] => nodes.flatMap((n) => [[n.value, n.selectable] as [string, boolean | undefined], ...flat(n.children)]);

describe('buildTypeTree', () => {
  it('nests the types under their parents', () => {
    const tree = buildTypeTree(TYPES, (t) => t.name);
    expect(tree.map((n) => n.value)).toEqual(['personal', 'other']);
    expect(tree[0]!.children.map((n) => n.value)).toEqual(['personal_resident', 'personal_business']);
  });

  it('lets the customer form pick only a leaf type (the server refuses a type with sub-types)', () => {
    expect(flat(buildTypeTree(TYPES, (t) => t.name, { leavesOnly: true }))).toEqual([
      ['personal', false], ['personal_resident', true], ['personal_business', true], ['other', true],
    ]);
    // The list's filter may still pick a whole branch.
    expect(flat(buildTypeTree(TYPES, (t) => t.name)).every(([, s]) => s === undefined)).toBe(true);
  });
});
