import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from './runtime.ts';

/** A mistake in how a command was called, told as the application's rules are: English, then Chinese. */
export const usageError = (en: string, zh: string, more?: string) => new UsageError(`${en}（${zh}）${more ? `\n${more}` : ''}`);

/** What node:util parseArgs said, in Chinese too. */
const PARSE_ZH: Record<string, (arg: string) => string> = {
  ERR_PARSE_ARGS_UNKNOWN_OPTION: (a) => `未知选项 ${a}`,
  ERR_PARSE_ARGS_INVALID_OPTION_VALUE: (a) => `选项 ${a} 的值缺失或不合法`,
  ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL: (a) => `多余的参数 ${a}`,
};

/**
 * parseArgs for the command `banyan <command>`: an unknown option, an option without its value or a stray argument is a
 * UsageError in English and Chinese that points to that command's own help.
 */
export function parseCommandArgs<O extends NonNullable<ParseArgsConfig['options']>>(command: string, args: string[], options: O, allowPositionals = false) {
  try {
    return parseArgs({ args, options, allowPositionals, strict: true });
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const zh = typeof e?.code === 'string' ? PARSE_ZH[e.code] : undefined;
    if (!zh) throw err;
    // Node's first sentence names the option ("Unknown option '--x'"); the rest is advice about '--' we do not need.
    const en = e.message.split(/\.\s/)[0]!.replace(/\.$/, '');
    const arg = /'([^']*)'/.exec(e.message)?.[1] ?? '';
    throw usageError(en, zh(arg), `banyan ${command} --help lists its options（banyan ${command} --help 列出其选项）`);
  }
}
