#!/usr/bin/env node
// `npm run bench -- <name> [args…]` runs bench/<name>.ts; each prints its figures and the ratio to its limit.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const [name, ...rest] = process.argv.slice(2);
const dir = path.resolve(import.meta.dirname, '../bench');
const available = fs.readdirSync(dir).filter((f) => f.endsWith('.ts')).map((f) => f.slice(0, -3));
if (!name || !available.includes(name)) {
  console.error(`usage: npm run bench -- <name>\navailable: ${available.join(', ')}`);
  process.exit(name ? 1 : 0);
}
const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(dir, `${name}.ts`), ...rest], { stdio: 'inherit' });
process.exit(r.status ?? 1);
