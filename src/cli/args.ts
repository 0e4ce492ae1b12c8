import { ConfigError } from '../core/errors.ts';

export interface ParsedArgs {
  readonly command: string | undefined;
  readonly flags: ReadonlyMap<string, string | true>;
  readonly positionals: readonly string[];
}

/** Parses `command --flag value --switch --key=value`; flags listed in `switches` take no value. */
export function parseArgs(argv: readonly string[], switches: ReadonlySet<string>): ParsedArgs {
  const flags = new Map<string, string | true>();
  const positionals: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      const name = eq === -1 ? arg.slice(2) : arg.slice(2, eq);
      if (eq !== -1) flags.set(name, arg.slice(eq + 1));
      else if (switches.has(name)) flags.set(name, true);
      else {
        const value = argv[i + 1];
        if (value === undefined || value.startsWith('--')) throw new ConfigError(`--${name} needs a value, e.g. --${name} <value>`);
        flags.set(name, value);
        i++;
      }
    } else if (arg === '-h') flags.set('help', true);
    else if (arg === '-v') flags.set('verbose', true);
    else positionals.push(arg);
  }
  return { command: positionals[0], flags, positionals: positionals.slice(1) };
}
