#!/usr/bin/env node
// `npm test`: every unit and API test, plus the browser tests when a Chromium is installed.
// Under CI (CI=true) a missing browser is a failure: the browser tests are never skipped there.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';

const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const ci = process.env.CI === 'true' || process.env.CI === '1';
const haveBrowser = fs.existsSync(CHROMIUM);
const env = { ...process.env };

if (!haveBrowser) {
  if (ci) {
    console.error(`npm test: no browser at ${CHROMIUM}; under CI the browser tests must run (apt-get install -y chromium).`);
    process.exit(1);
  }
  console.warn(`\n*** No Chromium at ${CHROMIUM}: the browser tests (e2e/) are SKIPPED. Install it with: apt-get install -y chromium ***\n`);
  env.BANYAN_SKIP_E2E = '1';
} else {
  // The browser tests drive the built UI.
  const build = spawnSync('npm', ['run', 'build:web', '--silent'], { stdio: 'inherit', env });
  if (build.status !== 0) process.exit(build.status ?? 1);
}

const args = ['vitest', 'run', ...process.argv.slice(2)];
if (!haveBrowser) args.push('--exclude', 'e2e/**');
const r = spawnSync('npx', args, { stdio: 'inherit', env });
if (!haveBrowser) console.warn(`\n*** Browser tests were skipped: no Chromium at ${CHROMIUM}. ***`);
process.exit(r.status ?? 1);
