import type { Lookup } from '../config/config.ts';
import type { Logger } from '../core/log.ts';
import type { ParsedArgs } from './args.ts';
import type { CliIo } from './main.ts';

/** `login`: wired to the Garmin client once it lands. */
export async function runLoginCommand(_args: ParsedArgs, io: CliIo, _lookup: Lookup, _log: Logger): Promise<number> {
  io.err('error: login is not available yet');
  return 2;
}
