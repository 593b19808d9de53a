/** String similarity measures used by the comparisons. Pure; strings are compared by UTF-16 code unit (CJK is one unit). */

/**
 * Jaro-Winkler similarity in [0, 1] (prefix scale 0.1, up to 4 characters).
 * @example jaroWinkler('martha', 'marhta') // ≈ 0.961
 */
export function jaroWinkler(a: string, b: string): number {
  if (a === b) return a.length ? 1 : 0;
  const la = a.length;
  const lb = b.length;
  if (!la || !lb) return 0;
  const window = Math.max(0, (Math.max(la, lb) >> 1) - 1);
  // Bit masks of matched positions; names and addresses are short, arrays keep it general.
  const ma = new Uint8Array(la);
  const mb = new Uint8Array(lb);
  let matches = 0;
  for (let i = 0; i < la; i++) {
    const lo = Math.max(0, i - window);
    const hi = Math.min(lb - 1, i + window);
    const c = a.charCodeAt(i);
    for (let j = lo; j <= hi; j++) {
      if (!mb[j] && b.charCodeAt(j) === c) {
        ma[i] = 1;
        mb[j] = 1;
        matches++;
        break;
      }
    }
  }
  if (!matches) return 0;
  let t = 0;
  for (let i = 0, j = 0; i < la; i++) {
    if (!ma[i]) continue;
    while (!mb[j]) j++;
    if (a.charCodeAt(i) !== b.charCodeAt(j)) t++;
    j++;
  }
  const jaro = (matches / la + matches / lb + (matches - t / 2) / matches) / 3;
  let prefix = 0;
  while (prefix < 4 && prefix < la && prefix < lb && a.charCodeAt(prefix) === b.charCodeAt(prefix)) prefix++;
  return jaro + prefix * 0.1 * (1 - jaro);
}

/**
 * Optimal-string-alignment edit distance (insert, delete, substitute, swap of neighbours), giving up
 * above `max` (returns max + 1) so that comparing long unequal strings stays cheap.
 * @example editDistance('1804974', '1809474') // 1 (a swap)
 */
export function editDistance(a: string, b: string, max = 3): number {
  if (a === b) return 0;
  const la = a.length;
  const lb = b.length;
  if (Math.abs(la - lb) > max) return max + 1;
  if (max <= 1) return withinOneEdit(a, b) ? 1 : 2;
  if (!la) return lb;
  if (!lb) return la;
  let prev2 = new Array<number>(lb + 1).fill(0);
  let prev = new Array<number>(lb + 1);
  let cur = new Array<number>(lb + 1);
  for (let j = 0; j <= lb; j++) prev[j] = j;
  for (let i = 1; i <= la; i++) {
    cur[0] = i;
    let rowMin = i;
    const ca = a.charCodeAt(i - 1);
    for (let j = 1; j <= lb; j++) {
      const cb = b.charCodeAt(j - 1);
      let v = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (ca === cb ? 0 : 1));
      if (i > 1 && j > 1 && ca === b.charCodeAt(j - 2) && a.charCodeAt(i - 2) === cb) v = Math.min(v, prev2[j - 2]! + 1);
      cur[j] = v;
      if (v < rowMin) rowMin = v;
    }
    if (rowMin > max) return max + 1;
    [prev2, prev, cur] = [prev, cur, prev2];
  }
  return prev[lb]!;
}

/** a ≠ b are one insert, delete, substitution or neighbour swap apart (linear time, no allocation). */
function withinOneEdit(a: string, b: string): boolean {
  const la = a.length;
  const lb = b.length;
  let i = 0;
  while (i < la && i < lb && a.charCodeAt(i) === b.charCodeAt(i)) i++;
  let ea = la - 1;
  let eb = lb - 1;
  while (ea >= i && eb >= i && a.charCodeAt(ea) === b.charCodeAt(eb)) {
    ea--;
    eb--;
  }
  // What differs is a[i..ea] vs b[i..eb].
  const da = ea - i + 1;
  const db = eb - i + 1;
  if (da <= 1 && db <= 1) return true;
  return da === 2 && db === 2 && a.charCodeAt(i) === b.charCodeAt(i + 1) && a.charCodeAt(i + 1) === b.charCodeAt(i);
}

/**
 * Jaccard overlap of two token lists (as sets), in [0, 1].
 * @example tokenOverlap(['利大街', '281号'], ['利大街', '282号']) // 1/3
 */
export function tokenOverlap(a: readonly string[], b: readonly string[]): number {
  if (!a.length || !b.length) return 0;
  let common = 0;
  for (const t of a) if (b.includes(t)) common++;
  return common / (a.length + b.length - common);
}
