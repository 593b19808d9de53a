import type { AttributeDef, CustomerTypeMeta, Party } from './api.ts';

export type TypeNode = { value: string; title: string; children: TypeNode[]; selectable?: boolean };

/**
 * Customer types arrive flat with parentCode; pickers show them as a tree (personal → resident …). With `leavesOnly`
 * (the customer form: a customer is of a leaf type, as the server requires) a type with sub-types only groups them.
 * @example buildTypeTree(types, (t) => t.name, { leavesOnly: true }) // [{ value: 'personal', selectable: false, children: [{ value: 'personal_resident', selectable: true, … }] }]
 */
export function buildTypeTree(types: CustomerTypeMeta[], label: (t: CustomerTypeMeta) => string, opts: { leavesOnly?: boolean } = {}): TypeNode[] {
  const nodes = new Map(types.map((t) => [t.code, { value: t.code, title: label(t), children: [] as TypeNode[] } as TypeNode]));
  const roots: TypeNode[] = [];
  for (const t of types) {
    const node = nodes.get(t.code)!;
    const parent = t.parentCode ? nodes.get(t.parentCode) : undefined;
    (parent ? parent.children : roots).push(node);
  }
  if (opts.leavesOnly) for (const node of nodes.values()) node.selectable = node.children.length === 0;
  return roots;
}

/** A sub-type inherits its ancestors' attributes (SME also has the corporate registered capital). */
export function attributesFor(types: CustomerTypeMeta[], code: string | undefined): AttributeDef[] {
  const byCode = new Map(types.map((t) => [t.code, t]));
  const chain: CustomerTypeMeta[] = [];
  for (let t = code ? byCode.get(code) : undefined; t && !chain.includes(t); t = t.parentCode ? byCode.get(t.parentCode) : undefined) {
    chain.unshift(t);
  }
  const seen = new Set<string>();
  const out: AttributeDef[] = [];
  for (const t of chain) {
    for (const a of t.attributeSchema ?? []) {
      if (seen.has(a.key)) continue;
      seen.add(a.key);
      out.push(a);
    }
  }
  return out;
}

export function partyOf(types: CustomerTypeMeta[], code: string | undefined): Party | undefined {
  return types.find((t) => t.code === code)?.party;
}
