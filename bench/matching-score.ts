/** Pairwise precision / recall / F1 of a clustering against a truth, as data/er/README.md defines them. */
import fs from 'node:fs';

/** record_id → cluster (or entity) id, from a two-column CSV with a header. */
export function readAssignment(file: string): Map<string, string> {
  const m = new Map<string, string>();
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (!line) continue;
    const c = line.indexOf(',');
    m.set(line.slice(0, c), line.slice(c + 1));
  }
  return m;
}

/** FEBRL truth: rec-123-org and rec-123-dup-0 are one entity. */
export function febrlTruth(files: string[]): Map<string, string> {
  const m = new Map<string, string>();
  for (const f of files) {
    for (const line of fs.readFileSync(f, 'utf8').split('\n').slice(1)) {
      const id = line.split(',')[0]!.trim();
      if (id) m.set(id, id.split('-')[1]!);
    }
  }
  return m;
}

const pairsIn = (k: number) => (k * (k - 1)) / 2;

/** Pairwise scores; a record missing from `predicted` is a singleton; onlyAcross restricts pairs to records of different groups (linkage). */
export function pairwiseScores(predicted: Map<string, string>, truth: Map<string, string>, groupOf?: (id: string) => string) {
  const joint = new Map<string, number>();
  const pred = new Map<string, number>();
  const tru = new Map<string, number>();
  // Counting by group labels so linkage counts only cross-group pairs: pairs(all) − Σ pairs(within group).
  const bump = (m: Map<string, number>, k: string, d = 1) => m.set(k, (m.get(k) ?? 0) + d);
  for (const [id, ent] of truth) {
    const cl = predicted.get(id) ?? `singleton:${id}`;
    const g = groupOf?.(id) ?? '';
    bump(joint, `${cl}\u0000${ent}`);
    bump(pred, cl);
    bump(tru, ent);
    if (groupOf) {
      bump(joint, `${cl}\u0000${ent}\u0000${g}`);
      bump(pred, `${cl}\u0000${g}`);
      bump(tru, `${ent}\u0000${g}`);
    }
  }
  const sum = (m: Map<string, number>) => {
    let all = 0;
    let within = 0;
    for (const [k, v] of m) {
      const parts = k.split('\u0000').length;
      const isGroup = groupOf ? parts === (m === joint ? 3 : 2) : false;
      if (isGroup) within += pairsIn(v);
      else all += pairsIn(v);
    }
    return all - within;
  };
  const tp = sum(joint);
  const pp = sum(pred);
  const tpairs = sum(tru);
  const precision = pp ? tp / pp : 1;
  const recall = tpairs ? tp / tpairs : 1;
  const f1 = precision + recall ? (2 * precision * recall) / (precision + recall) : 0;
  return { tp, predictedPairs: pp, truePairs: tpairs, precision, recall, f1 };
}
