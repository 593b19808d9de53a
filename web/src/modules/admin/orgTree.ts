import type { OrgUnit } from './api.ts';

export type OrgNode = { key: number; value: number; title: string; unit: OrgUnit; children: OrgNode[] };

/**
 * Nests the flat org list by parentId, keeping the server's order among siblings. With `filter`, only
 * units that match, or lie above one that does, are kept.
 */
export function buildOrgTree(units: OrgUnit[], label: (u: OrgUnit) => string, filter?: (u: OrgUnit) => boolean): OrgNode[] {
  const nodes = new Map(units.map((u) => [u.id, { key: u.id, value: u.id, title: label(u), unit: u, children: [] as OrgNode[] }]));
  const roots: OrgNode[] = [];
  for (const u of units) {
    const n = nodes.get(u.id)!;
    const parent = u.parentId !== null ? nodes.get(u.parentId) : undefined;
    (parent ? parent.children : roots).push(n);
  }
  if (!filter) return roots;
  const prune = (list: OrgNode[]): OrgNode[] =>
    list.flatMap((n) => {
      const children = prune(n.children);
      return filter(n.unit) || children.length ? [{ ...n, children }] : [];
    });
  return prune(roots);
}

/**
 * The org tree as a picker of where `unit` may be moved: the unit itself and everything below it are disabled (a unit
 * cannot go under its own subtree), and so are units that may not hold a unit of its kind (CHILD_KINDS, as the server).
 */
export function moveTargetTree(units: OrgUnit[], unit: OrgUnit, label: (u: OrgUnit) => string, childKinds: Record<OrgUnit['kind'], OrgUnit['kind'][]>) {
  type Target = OrgNode & { disabled: boolean; children: Target[] };
  const mark = (nodes: OrgNode[]): Target[] =>
    nodes.map((n) => ({ ...n, disabled: n.unit.path.startsWith(unit.path) || !childKinds[n.unit.kind].includes(unit.kind), children: mark(n.children) }));
  return mark(buildOrgTree(units, label));
}
