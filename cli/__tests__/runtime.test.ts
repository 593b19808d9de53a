import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { describe, expect, it } from 'vitest';
import { StartupError } from '../../server/config.ts';
import { fieldError, invalid } from '../../server/platform/errors.ts';
import { operatorMessage, UsageError } from '../runtime.ts';

const root = path.resolve(import.meta.dirname, '../..');
const thrown = (fn: () => unknown): unknown => {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error('did not throw');
};

describe('operatorMessage: what the CLI tells the person at the terminal', () => {
  it('tells a broken rule once, field by field, in English and Chinese', () => {
    expect(operatorMessage(invalid([fieldError('roleCode', 'exists', '角色不存在', 'no such role')])))
      .toBe('roleCode: no such role（roleCode：角色不存在）');
    expect(operatorMessage(invalid([fieldError('a', 'required', '必填', 'is required'), fieldError('b', 'format', '格式不正确', 'has the wrong format')])))
      .toBe('2 fields are invalid（2 个字段不合法）\n  a: is required（必填）\n  b: has the wrong format（格式不正确）');
  });

  it('tells an unknown option or a missing value, and a file that cannot be opened, without a stack', () => {
    const unknown = thrown(() => parseArgs({ args: ['--custmers', '5'], options: { customers: { type: 'string' } } }));
    expect(operatorMessage(unknown)).toMatch(/^Unknown option '--custmers'.*\n\(banyan --help/s);
    const missing = thrown(() => parseArgs({ args: ['--source'], options: { source: { type: 'string' } } }));
    expect(operatorMessage(missing)).toMatch(/--source.*argument missing/);
    expect(operatorMessage(thrown(() => fs.statSync('/no/such/file.csv')))).toBe("ENOENT: no such file or directory, stat '/no/such/file.csv'");
    expect(operatorMessage(new UsageError('usage: banyan audit verify'))).toBe('usage: banyan audit verify');
    expect(operatorMessage(new StartupError('Port 3000 is already in use（端口 3000 已被占用）'))).toBe('Port 3000 is already in use（端口 3000 已被占用）');
  });

  it('tells a DATABASE_URL it cannot connect to, with the reason, in one line and not as a migration failure', () => {
    const r = spawnSync(process.execPath, [path.join(root, 'cli/banyan.mjs'), 'migrate'], { encoding: 'utf8', env: { ...process.env, DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none' } });
    expect(r.status).toBe(1);
    expect(r.stderr.trim()).toBe('banyan: Cannot connect to the database at DATABASE_URL (nobody@127.0.0.1:1/none): connect ECONNREFUSED 127.0.0.1:1（无法连接数据库）');
  });

  it('leaves a fault of the program itself to its stack trace', () => {
    expect(operatorMessage(new TypeError('x is undefined'))).toBeUndefined();
  });

  it('the command itself answers an unknown option with that message and exit code 1', () => {
    const r = spawnSync(process.execPath, [path.join(root, 'cli/banyan.mjs'), 'demo', '--custmers', '5'], { encoding: 'utf8', env: { ...process.env, DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none' } });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^banyan: Unknown option '--custmers'/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});
