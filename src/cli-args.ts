/**
 * The command line → flag values, with messages a user can act on. Node's
 * strict parseArgs() says "argument is ambiguous" for `--rtp-timeout -1`
 * and for a flag whose value is missing before the next flag, so it runs
 * non-strict here (tokens only) and every rule is checked below: a value
 * starting with one dash is a value (then judged by the flag's own rule,
 * e.g. "must be a positive number"), a value starting with `--` means the
 * value was forgotten.
 */
import { parseArgs } from 'node:util';

export interface FlagKinds {
  readonly [name: string]: { readonly boolean?: true };
}

/** Thrown with one line; the caller turns it into CALLREC_ERR_CONFIG. */
export class ArgsError extends Error {}

/** Flag name → its string value, or true for a switch; `help` is always a switch. */
export function readArgs(argv: readonly string[], flags: FlagKinds): Record<string, string | true> {
  const options: Record<string, { type: 'string' | 'boolean' }> = { help: { type: 'boolean' } };
  for (const [name, kind] of Object.entries(flags)) options[name] = { type: kind.boolean ? 'boolean' : 'string' };
  const { tokens } = parseArgs({ args: [...argv], options, strict: false, allowPositionals: true, tokens: true });
  const values: Record<string, string | true> = {};
  for (const token of tokens) {
    if (token.kind === 'positional') throw new ArgsError(`unexpected argument "${token.value}" (every setting is a --flag)`);
    if (token.kind === 'option-terminator') continue;
    const known = Object.hasOwn(options, token.name) && token.rawName.startsWith('--');
    if (!known) throw new ArgsError(`unknown flag ${token.rawName} (callrec --help lists them)`);
    if (options[token.name].type === 'boolean') {
      if (token.value !== undefined) throw new ArgsError(`${token.rawName} is a switch and takes no value (got "${token.value}")`);
      values[token.name] = true;
      continue;
    }
    if (token.value === undefined || (!token.inlineValue && token.value.startsWith('--'))) {
      throw new ArgsError(`${token.rawName} needs a value${token.value === undefined ? '' : ` (it is followed by ${token.value})`}`);
    }
    values[token.name] = token.value;
  }
  return values;
}
