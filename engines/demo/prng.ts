/**
 * Seeded pseudo-random numbers for the demo bank: sfc32 (Chris Doty-Humphrey's Small Fast Counter),
 * seeded through splitmix32 so that nearby seeds give unrelated streams. Pure and deterministic:
 * the same (seed, stream) always yields the same sequence, on every platform.
 */

export type Rng = {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform integer in [min, max], both inclusive. */
  int(min: number, max: number): number;
  chance(p: number): boolean;
  pick<T>(items: readonly T[]): T;
  /** Standard normal (Box–Muller). */
  normal(): number;
  /** Log-normal with the given median and sigma of the underlying normal. */
  logNormal(median: number, sigma: number): number;
};

function splitmix32(state: number): () => number {
  let s = state >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

/**
 * A generator for one (seed, stream) pair; streams let independent parts (each batch, the users)
 * draw without disturbing each other.
 * @example createRng(42, 0).int(1, 6) // the same die roll on every run
 */
export function createRng(seed: number, stream = 0): Rng {
  const mix = splitmix32((Math.imul(seed | 0, 0x2545f491) ^ Math.imul(stream | 0, 0x9e3779b1)) >>> 0);
  let a = mix();
  let b = mix();
  let c = mix();
  let d = mix() | 1;
  const u32 = () => {
    const t = (((a + b) >>> 0) + d) >>> 0;
    d = (d + 1) >>> 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) >>> 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) >>> 0;
    return t;
  };
  // The first outputs of sfc32 still carry the seed's structure.
  for (let i = 0; i < 12; i++) u32();
  const next = () => u32() / 4294967296;
  let spare: number | null = null;
  const normal = () => {
    if (spare !== null) {
      const v = spare;
      spare = null;
      return v;
    }
    let u = 0;
    while (u === 0) u = next();
    const r = Math.sqrt(-2 * Math.log(u));
    const th = 2 * Math.PI * next();
    spare = r * Math.sin(th);
    return r * Math.cos(th);
  };
  return {
    next,
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    chance: (p) => next() < p,
    pick: (items) => items[Math.floor(next() * items.length)]!,
    normal,
    logNormal: (median, sigma) => median * Math.exp(sigma * normal()),
  };
}

/** A table of items with relative weights, drawn from in O(log n). */
export type Weighted<T> = { items: readonly T[]; cumulative: Float64Array; total: number };

/** @example weighted([['a', 3], ['b', 1]]) // 'a' three times as often as 'b' */
export function weighted<T>(entries: readonly (readonly [T, number])[]): Weighted<T> {
  const cumulative = new Float64Array(entries.length);
  let total = 0;
  entries.forEach(([, w], i) => {
    total += w;
    cumulative[i] = total;
  });
  return { items: entries.map(([v]) => v), cumulative, total };
}

export function draw<T>(rng: Rng, table: Weighted<T>): T {
  const x = rng.next() * table.total;
  let lo = 0;
  let hi = table.cumulative.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (table.cumulative[mid]! > x) hi = mid;
    else lo = mid + 1;
  }
  return table.items[lo]!;
}
