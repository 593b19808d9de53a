/**
 * Association rules "antecedent → holds target" from counts, and explained scores for customers who
 * do not hold the target yet. Pure: the counts come from SQL aggregates over the user's scope.
 *
 * For an antecedent A over a population of N customers, T of whom hold the target:
 *   support = n(A) / N, confidence = n(A ∧ target) / n(A), lift = confidence / (T / N).
 * A customer's score is the best confidence among the rules they match (the "best rule" classifier
 * of CBA): it reads as "of customers like this one, x % hold the product", which a manager can
 * check, and lets the service fetch the top N candidates rule by rule instead of scoring everyone.
 */
import type { Item } from './features.ts';

/** Counts for one antecedent (one item, or a product and a segment item). */
export type AntecedentCount = { items: readonly Item[]; count: number; withTarget: number };

export type AssociationStats = {
  population: number;
  targetHolders: number;
  antecedents: readonly AntecedentCount[];
};

export type Rule = {
  antecedent: Item[];
  /** Customers matching the antecedent, and those of them holding the target. */
  count: number;
  withTarget: number;
  support: number;
  confidence: number;
  lift: number;
};

export type MineOptions = {
  /** Fewest customers an antecedent must cover (default 10): tiny groups give noisy confidences. */
  minCount?: number;
  /** Least lift for a rule to count as evidence (default 1.1). */
  minLift?: number;
  /** Rules kept, best first (default 50). */
  maxRules?: number;
};

const round = (x: number, digits = 4) => Math.round(x * 10 ** digits) / 10 ** digits;
const keyOf = (items: readonly Item[]) => [...items].sort().join('&');

/** Best first: confidence, then lift, then coverage, then name (so equal inputs give equal order), e.g. rules.sort(compareRules). */
export function compareRules(a: Rule, b: Rule): number {
  return b.confidence - a.confidence || b.lift - a.lift || b.count - a.count || keyOf(a.antecedent).localeCompare(keyOf(b.antecedent));
}

/**
 * Rules with enough coverage and lift. A two-item rule is kept only when it beats each of its
 * one-item parts (it adds something the parts do not say).
 * @example
 * mineRules({ population: 100, targetHolders: 10, antecedents: [{ items: ['holds:DEP_LARGE_CD'], count: 20, withTarget: 8 }] })
 * // [{ antecedent: ['holds:DEP_LARGE_CD'], count: 20, withTarget: 8, support: 0.2, confidence: 0.4, lift: 4 }]
 */
export function mineRules(stats: AssociationStats, opts: MineOptions = {}): Rule[] {
  const minCount = opts.minCount ?? 10;
  const minLift = opts.minLift ?? 1.1;
  const maxRules = opts.maxRules ?? 50;
  const { population: n, targetHolders: t } = stats;
  if (n <= 0 || t <= 0) return [];
  const base = t / n;
  const all = new Map<string, Rule>();
  for (const a of stats.antecedents) {
    if (a.count <= 0 || a.withTarget > a.count) continue;
    const confidence = a.withTarget / a.count;
    all.set(keyOf(a.items), {
      antecedent: [...a.items].sort(), count: a.count, withTarget: a.withTarget,
      support: round(a.count / n), confidence: round(confidence), lift: round(confidence / base, 3),
    });
  }
  const kept: Rule[] = [];
  for (const r of all.values()) {
    if (r.count < minCount || r.lift < minLift || r.withTarget === 0) continue;
    if (r.antecedent.length > 1) {
      const parts = r.antecedent.map((i) => all.get(i));
      if (parts.some((p) => p && p.confidence >= r.confidence)) continue;
    }
    kept.push(r);
  }
  return kept.sort(compareRules).slice(0, maxRules);
}

/** Whether a customer's items include every item of the rule's antecedent: matches(rule, new Set(['holds:X', 'level:gold'])). */
export function matches(rule: Rule, items: ReadonlySet<Item>): boolean {
  return rule.antecedent.every((i) => items.has(i));
}

export type Scored = {
  /** Best confidence among matching rules; the base rate when none matches. */
  score: number;
  /** Lift of the best matching rule (1 when none matches). */
  lift: number;
  /** The matching rules that explain the score, best first. */
  reasons: Rule[];
  matched: number;
};

/**
 * Scores one customer with the rules (best first, as mineRules returns them).
 * @example scoreCustomer(new Set(['holds:DEP_LARGE_CD']), rules, 0.1) // { score: 0.4, lift: 4, reasons: [rule], matched: 1 }
 */
export function scoreCustomer(items: ReadonlySet<Item>, rules: readonly Rule[], baseRate: number, topReasons = 3): Scored {
  const hit = rules.filter((r) => matches(r, items)).sort(compareRules);
  if (!hit.length) return { score: round(baseRate), lift: 1, reasons: [], matched: 0 };
  return { score: hit[0]!.confidence, lift: hit[0]!.lift, reasons: hit.slice(0, topReasons), matched: hit.length };
}

export type Ranked<K> = Scored & { key: K };

/**
 * Ranks candidates (who must not hold the target: the caller excludes holders) by score; ties go
 * to the one more rules agree on, then to the higher summed lift of the reasons, then by key order.
 * @example rankCandidates([{ key: 'A', items: ['holds:X'] }], rules, 0.1, 10)
 */
export function rankCandidates<K extends string | number>(
  candidates: readonly { key: K; items: readonly Item[] }[],
  rules: readonly Rule[],
  baseRate: number,
  limit: number,
  topReasons = 3,
): Ranked<K>[] {
  const liftSum = (s: Scored) => s.reasons.reduce((x, r) => x + r.lift, 0);
  return candidates
    .map((c) => ({ key: c.key, ...scoreCustomer(new Set(c.items), rules, baseRate, topReasons) }))
    .sort((a, b) => b.score - a.score || b.matched - a.matched || liftSum(b) - liftSum(a) || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    .slice(0, limit);
}

/** Share of a group holding something, as a percentage with one decimal: penetration(1, 3) === 33.3. */
export function penetration(holders: number, customers: number): number {
  return customers > 0 ? Math.round((holders / customers) * 1000) / 10 : 0;
}
