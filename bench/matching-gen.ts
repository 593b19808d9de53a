/**
 * Writes synthetic source records like cn-dev (engines/matching/synthetic.ts) and their truth.
 *   node --import tsx bench/matching-gen.ts N OUT.csv [TRUTH.csv] [SEED]
 */
import fs from 'node:fs';
import { generateCnRecords } from '../engines/matching/synthetic.ts';

/** Writes N records to `out` (and the truth to `truth`); returns the number of entities. */
export function writeSynthetic(n: number, seed: number, out: string, truth?: string): number {
  const { header, lines, entities } = generateCnRecords(n, seed);
  const fd = fs.openSync(out, 'w');
  fs.writeSync(fd, `${header}\n`);
  for (let k = 0; k < lines.length; k += 20_000) fs.writeSync(fd, `${lines.slice(k, k + 20_000).join('\n')}\n`);
  fs.closeSync(fd);
  if (truth) {
    const td = fs.openSync(truth, 'w');
    fs.writeSync(td, 'record_id,entity_id\n');
    for (let k = 0; k < lines.length; k += 20_000) {
      fs.writeSync(td, `${lines.slice(k, k + 20_000).map((l, q) => `${l.slice(0, l.indexOf(','))},${entities[k + q]}`).join('\n')}\n`);
    }
    fs.closeSync(td);
  }
  return new Set(entities).size;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [nArg, outFile, truthFile, seedArg] = process.argv.slice(2);
  if (!nArg || !outFile) {
    console.error('usage: node --import tsx bench/matching-gen.ts N OUT.csv [TRUTH.csv] [SEED]');
    process.exit(1);
  }
  const entities = writeSynthetic(Number(nArg), Number(seedArg ?? 7), outFile, truthFile);
  console.log(`${nArg} records of ${entities} entities → ${outFile}`);
}
