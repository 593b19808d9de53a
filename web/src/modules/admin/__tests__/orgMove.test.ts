import { describe, expect, it } from 'vitest';
import type { OrgKind, OrgUnit } from '../api.ts';
import { moveTargetTree } from '../orgTree.ts';

// The server's kind rules (api.ts CHILD_KINDS; api.ts itself needs a browser).
const CHILD_KINDS: Record<OrgKind, OrgKind[]> = { head: ['branch', 'department'], branch: ['subbranch', 'department'], subbranch: [], department: [] };
const u = (id: number, parentId: number | null, kind: OrgUnit['kind'], path: string): OrgUnit => ({ id, parentId, code: `C${id}`, name: `n${id}`, nameEn: `e${id}`, kind, path });
const units = [u(1, null, 'head', '/1/'), u(2, 1, 'branch', '/1/2/'), u(3, 2, 'subbranch', '/1/2/3/'), u(4, 1, 'branch', '/1/4/'), u(5, 4, 'department', '/1/4/5/')];

const flat = (nodes: { key: number; disabled: boolean; children: never[] }[]): Record<number, boolean> =>
  Object.assign({}, ...nodes.map((n) => ({ [n.key]: n.disabled, ...flat(n.children) })));

describe('moveTargetTree', () => {
  it('disables the moved unit, its subtree, and units that cannot hold its kind', () => {
    const sub = flat(moveTargetTree(units, units[2], (x) => x.name, CHILD_KINDS) as never);
    expect(sub).toEqual({ 1: true, 2: false, 3: true, 4: false, 5: true });
    const branch = flat(moveTargetTree(units, units[1], (x) => x.name, CHILD_KINDS) as never);
    expect(branch).toEqual({ 1: false, 2: true, 3: true, 4: true, 5: true });
  });
});
