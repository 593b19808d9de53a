import fs from 'node:fs';
import path from 'node:path';
import { fieldError, invalid } from '../../platform/errors.ts';

/**
 * Landing folders (I1 scheduling): the bank's file transfer drops each night's extract into a folder on the
 * server, and the file interface loads it on its cron schedule. A file is taken once it is complete: its flag
 * file has arrived (`cust_20261207.csv.ok` or `cust_20261207.ok`, when the interface names a flag suffix) or,
 * without flags, it has not changed for a minute. Taking it moves it to `loading/`, so no other run takes it
 * again; after its load it moves on to `done/` or `failed/`. Files still arriving under a transfer tool's
 * temporary name (`.tmp`, `.part` …) and hidden files are never taken.
 */
export type Landing = { dir: string; pattern: string; flag: string | null };

export const LANDING_FOLDERS = { loading: 'loading', done: 'done', failed: 'failed' } as const;
/** Without flag files, a file is complete once it has not changed for this long. */
export const QUIET_MS = 60_000;
const PARTIAL = /\.(tmp|temp|part|partial|filepart|crdownload)$/i;
const FLAG = /^\.[A-Za-z0-9_]{1,10}$/;

/** A file-name pattern with `*` and `?`, case-insensitive (`*.csv` takes `CUST.CSV` too). */
export function globRegExp(pattern: string): RegExp {
  const body = [...pattern].map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[\\^$.|+()[\]{}]/g, '\\$&'))).join('');
  return new RegExp(`^${body}$`, 'i');
}

const inside = (root: string, p: string) => {
  const rel = path.relative(root, p);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
};

/**
 * The landing folder as it is stored: absolute, created if missing, and inside the landing root even after its
 * links are followed (an interface never reads anything outside it). Bad values are told by field and rule.
 */
export function checkLanding(root: string, v: { dir: string; pattern?: string | null; flag?: string | null }): Landing {
  const outside = () => invalid([fieldError('landingDir', 'inside', `落地目录必须位于 ${root} 之内`, `the landing folder must be inside ${root}`)]);
  const dir = path.resolve(root, v.dir.trim());
  if (!inside(root, dir)) throw outside();
  try {
    fs.mkdirSync(dir, { recursive: true });
    fs.accessSync(dir, fs.constants.R_OK | fs.constants.W_OK);
  } catch (err) {
    const why = (err as { code?: string }).code ?? String(err);
    throw invalid([fieldError('landingDir', 'writable', `落地目录无法创建或读写（${why}）`, `the landing folder cannot be created, read or written (${why})`)]);
  }
  if (!fs.statSync(dir).isDirectory()) throw invalid([fieldError('landingDir', 'directory', '落地目录不是文件夹', 'the landing folder is not a folder')]);
  if (!inside(fs.realpathSync(root), fs.realpathSync(dir))) throw outside();
  const pattern = v.pattern?.trim() || '*';
  if (/[/\\]/.test(pattern)) throw invalid([fieldError('landingPattern', 'name', '文件名模式只匹配文件名，不能含 / 或 \\', 'the pattern matches file names: no / or \\')]);
  const flag = v.flag?.trim() || null;
  if (flag && !FLAG.test(flag)) throw invalid([fieldError('landingFlag', 'suffix', '标志文件后缀以点开头，后跟 1–10 个字母、数字或下划线（如 .ok、.flg）', 'a flag suffix is a dot and 1–10 letters, digits or underscores (e.g. .ok, .flg)')]);
  return { dir, pattern, flag };
}

/** The flag files that may mark `name` complete: `name.ok` and, with the extension replaced, `stem.ok`. */
function flagsOf(l: Landing, name: string): string[] {
  if (!l.flag) return [];
  const stem = name.slice(0, name.length - path.extname(name).length);
  return [...new Set([name + l.flag, stem + l.flag])];
}

/** The complete files waiting in the folder, in name order (a date in the name loads the days in order). */
export function readyFiles(l: Landing, now: number): string[] {
  const re = globRegExp(l.pattern);
  const names = fs.readdirSync(l.dir, { withFileTypes: true }).filter((e) => e.isFile()).map((e) => e.name);
  const present = new Set(names);
  const isFlag = (n: string) => !!l.flag && n.toLowerCase().endsWith(l.flag.toLowerCase());
  return names
    .filter((n) => !n.startsWith('.') && !PARTIAL.test(n) && !isFlag(n) && re.test(n))
    .filter((n) => {
      if (l.flag) return flagsOf(l, n).some((f) => present.has(f));
      try {
        return now - fs.statSync(path.join(l.dir, n)).mtimeMs >= QUIET_MS;
      } catch {
        return false; // gone meanwhile
      }
    })
    .sort();
}

/** A free path for `name` in `dir`: the name itself, else with the time put before its extension. */
function freePath(dir: string, name: string): string {
  fs.mkdirSync(dir, { recursive: true });
  const p = path.join(dir, name);
  if (!fs.existsSync(p)) return p;
  const ext = path.extname(name);
  return path.join(dir, `${name.slice(0, name.length - ext.length)}.${new Date().toISOString().replace(/\D/g, '').slice(0, 17)}${ext}`);
}

/** Takes a ready file: moves it into `loading/` and its flag away. Null when another run took it first. */
export function claim(l: Landing, name: string): string | null {
  const to = freePath(path.join(l.dir, LANDING_FOLDERS.loading), name);
  try {
    fs.renameSync(path.join(l.dir, name), to);
  } catch (err) {
    if ((err as { code?: string }).code === 'ENOENT') return null;
    throw err;
  }
  for (const f of flagsOf(l, name)) fs.rmSync(path.join(l.dir, f), { force: true });
  return to;
}

/** Files left in `loading/` (a run stopped between taking a file and queueing its load, or before moving it on). */
export function taken(l: Landing): string[] {
  const dir = path.join(l.dir, LANDING_FOLDERS.loading);
  if (!fs.existsSync(dir)) return [];
  const re = globRegExp(l.pattern);
  return fs.readdirSync(dir, { withFileTypes: true }).filter((e) => e.isFile() && re.test(e.name)).map((e) => path.join(dir, e.name)).sort();
}

/** After its load, a taken file moves on to `done/` or `failed/`; returns where, or null when it was not a taken file. */
export function settle(file: string, ok: boolean): string | null {
  if (path.basename(path.dirname(file)) !== LANDING_FOLDERS.loading || !fs.existsSync(file)) return null;
  const to = freePath(path.join(path.dirname(path.dirname(file)), ok ? LANDING_FOLDERS.done : LANDING_FOLDERS.failed), path.basename(file));
  fs.renameSync(file, to);
  return to;
}
