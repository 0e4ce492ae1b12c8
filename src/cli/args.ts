import { parseArgs as nodeParseArgs } from 'node:util';

/** A usage mistake on the command line: exit 2, and the message says what to type instead. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export type CommandName = 'sync' | 'demo' | 'status' | 'login' | 'doctor' | 'undo' | 'rollback';

interface FlagSpec {
  readonly type: 'boolean' | 'string';
  readonly short?: string;
  readonly value?: string;
  readonly help: string;
}

const verbose: FlagSpec = { type: 'boolean', short: 'v', help: 'more detail' };
const help: FlagSpec = { type: 'boolean', short: 'h', help: 'show this help' };
const settingsFile: FlagSpec = {
  type: 'string',
  value: 'FILE',
  help: 'read settings from FILE (default: ./.env when present)',
};
const db: FlagSpec = {
  type: 'string',
  value: 'PATH',
  help: 'SQLite database (default db/sports_sync.sqlite, or SYNC_DB_PATH)',
};
const json: FlagSpec = { type: 'boolean', help: 'print one JSON document on stdout (logs go to stderr)' };
/** The flags every command that reads the settings and the database ends with, in the order help lists them. */
const ledgerFlags = { 'settings-file': settingsFile, db, json, verbose, help } as const;

export interface CommandSpec {
  readonly summary: string;
  readonly flags: Readonly<Record<string, FlagSpec>>;
  readonly examples: readonly string[];
}

export const COMMANDS: Readonly<Record<CommandName, CommandSpec>> = {
  sync: {
    summary: 'Sync workouts between the platforms in SYNC_PLATFORM',
    flags: {
      'dry-run': { type: 'boolean', help: 'change nothing anywhere; say what would be done' },
      'full-scan': { type: 'boolean', help: 're-list the whole window instead of stopping at known activities' },
      'confirm-deletes': {
        type: 'boolean',
        help: 'with DELETE_DUPLICATE=1: delete duplicates found for the first time too',
      },
      ...ledgerFlags,
    },
    examples: [
      'node cli.js sync --dry-run',
      'node cli.js sync --settings-file ~/sports.env',
      'node cli.js sync --json > report.json',
    ],
  },
  demo: {
    summary: 'Sync three emulated platforms end to end, no accounts needed',
    flags: {
      reset: { type: 'boolean', help: 'start again from the seeded world' },
      dir: { type: 'string', value: 'DIR', help: 'where the demo keeps its files (default db/demo)' },
      'dry-run': { type: 'boolean', help: 'change nothing; say what would be done' },
      json,
      verbose,
      help,
    },
    examples: ['node cli.js demo', 'node cli.js demo --reset', 'node cli.js demo --json'],
  },
  status: {
    summary: 'Show what the database knows: counts, last runs, tokens, pauses, transfers set aside',
    flags: ledgerFlags,
    examples: ['node cli.js status', 'node cli.js status --db db/demo/sports_sync.sqlite', 'node cli.js status --json'],
  },
  undo: {
    summary: 'Upload deleted duplicates again from the backups kept in the database',
    flags: {
      'dry-run': { type: 'boolean', help: 'list what would be restored; change nothing' },
      platform: { type: 'string', value: 'GARMINCOM|GARMINCN|COROS', help: 'only deletions on this platform' },
      id: { type: 'string', value: 'ID', help: 'only the deleted record with this id' },
      ...ledgerFlags,
    },
    examples: [
      'node cli.js undo --dry-run',
      'node cli.js undo --platform COROS',
      'node cli.js undo --platform GARMINCOM --id 21400000123',
    ],
  },
  rollback: {
    summary:
      'List (with --dry-run) or delete every copy this tool uploaded, from the ledger; originals are never touched',
    flags: {
      'dry-run': { type: 'boolean', help: 'only list the copies' },
      platform: { type: 'string', value: 'GARMINCOM|GARMINCN|COROS', help: 'only copies on this platform' },
      ...ledgerFlags,
    },
    examples: ['node cli.js rollback --dry-run', 'node cli.js rollback --platform COROS'],
  },
  login: {
    summary: 'Sign in to Garmin once and get a token for one consumer (the Action or this computer)',
    flags: {
      for: {
        type: 'string',
        value: 'action|local',
        help: 'who the token is for: action prints the secret; local keeps it in the local database only',
      },
      region: { type: 'string', value: 'com|cn', help: 'garmin.com (default) or garmin.cn' },
      email: { type: 'string', value: 'EMAIL', help: 'account email (default GARMIN_EMAIL_COM/CN, or prompted)' },
      password: {
        type: 'string',
        value: 'PASSWORD',
        help: 'account password (default GARMIN_PASSWORD_COM/CN, or prompted; a flag stays in shell history)',
      },
      ticket: {
        type: 'string',
        value: 'ST-…|URL',
        help: 'a service ticket from a browser sign-in (or the whole address bar after it) instead of the password',
      },
      service: {
        type: 'string',
        value: 'web|mobile',
        help: 'the service a bare ticket belongs to (default web: https://connect.<domain>/app)',
      },
      force: { type: 'boolean', help: 'sign in even during a login pause (Garmin may block the account for longer)' },
      db,
      'settings-file': settingsFile,
      verbose,
      help,
    },
    examples: [
      'node cli.js login --for action',
      'node cli.js login --for local --region cn',
      'node cli.js login --for action --ticket ST-0123456-AbCdEf-sso',
    ],
  },
  doctor: {
    summary: 'Check every setting, host, token, clock and the database; writes nothing',
    flags: { 'settings-file': settingsFile, db, verbose, help },
    examples: ['node cli.js doctor', 'node cli.js doctor --settings-file ~/sports.env'],
  },
};

const COMMAND_NAMES = Object.keys(COMMANDS) as CommandName[];

/** Flags that Node itself (or an older version of this CLI) used: a clear word instead of "unknown". */
const RENAMED: Readonly<Record<string, string>> = {
  'env-file': "--env-file is Node's own flag and was renamed; use --settings-file FILE",
};

export type FlagValues = Readonly<Record<string, string | boolean | undefined>>;

export interface ParsedArgs {
  readonly command: CommandName | 'help' | 'version';
  /** For `help <command>` and `<command> --help`. */
  readonly helpFor?: CommandName | undefined;
  readonly flags: FlagValues;
}

/** Edit distance, for "did you mean". */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length]!;
}

/** The closest known word, when close enough to be a typo. */
export function closest(word: string, known: readonly string[]): string | undefined {
  let best: { name: string; score: number } | undefined;
  for (const name of known) {
    const squashed = name.replace(/-/g, '') === word.replace(/-/g, '') ? 0 : distance(word, name);
    if (best === undefined || squashed < best.score) best = { name, score: squashed };
  }
  return best && best.score <= Math.max(2, Math.floor(best.name.length / 3)) ? best.name : undefined;
}

const TRUE_WORDS = new Set(['true', '1', 'yes']);
const FALSE_WORDS = new Set(['false', '0', 'no']);

/** `--flag=true|1|false|0` for a boolean becomes `--flag` / `--no-flag`; unknown flags fail with a suggestion. */
function normalise(argv: readonly string[], command: CommandName): string[] {
  const spec = COMMANDS[command].flags;
  const names = Object.keys(spec);
  const result: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      result.push(...argv.slice(i));
      break;
    }
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      const name = eq === -1 ? arg.slice(2) : arg.slice(2, eq);
      const negated = name.startsWith('no-') && spec[name.slice(3)]?.type === 'boolean' ? name.slice(3) : undefined;
      const flag = spec[negated ?? name];
      if (!flag) {
        if (RENAMED[name]) throw new UsageError(RENAMED[name]);
        const suggestion = closest(name, names);
        throw new UsageError(
          `unknown option --${name} for ${command}${suggestion ? `; did you mean --${suggestion}?` : ''} (see: ` +
            `node cli.js ${command} --help)`,
        );
      }
      if (flag.type === 'boolean' && eq !== -1) {
        const value = arg.slice(eq + 1).toLowerCase();
        if (negated) throw new UsageError(`--${name} takes no value`);
        if (TRUE_WORDS.has(value)) result.push(`--${name}`);
        else if (FALSE_WORDS.has(value)) result.push(`--no-${name}`);
        else
          throw new UsageError(
            `--${name}=${arg.slice(eq + 1)} is not a yes/no value; use --${name}, --${name}=true|1 or ` +
              `--${name}=false|0`,
          );
        continue;
      }
      if (flag.type === 'string' && eq === -1) {
        const value = argv[i + 1];
        if (value === undefined || (value.startsWith('-') && value !== '-'))
          throw new UsageError(`--${name} needs a value: --${name} ${flag.value ?? '<value>'}`);
      }
    } else if (/^-[A-Za-z]$/.test(arg)) {
      const letter = arg.slice(1);
      if (!Object.values(spec).some((flag) => flag.short === letter))
        throw new UsageError(`unknown option ${arg} for ${command} (see: node cli.js ${command} --help)`);
    }
    result.push(arg);
  }
  return result;
}

/** Parses `<command> [options]` strictly: unknown commands, options and extra arguments are usage errors. */
export function parseArgs(argv: readonly string[]): ParsedArgs {
  const [first, ...rest] = argv;
  if (first === undefined) return { command: 'help', flags: {} };
  if (first === '--version' || first === '-V' || first === 'version') {
    if (rest.length) throw new UsageError(`--version takes no arguments`);
    return { command: 'version', flags: {} };
  }
  if (first === '--help' || first === '-h' || first === 'help') {
    const topic = rest[0];
    if (topic === undefined) return { command: 'help', flags: {} };
    if (!COMMAND_NAMES.includes(topic as CommandName)) throw unknownCommand(topic);
    return { command: 'help', helpFor: topic as CommandName, flags: {} };
  }
  if (first.startsWith('-'))
    throw new UsageError(
      `put the command first, e.g. node cli.js sync ${first}; commands: ${COMMAND_NAMES.join(', ')}`,
    );
  if (!COMMAND_NAMES.includes(first as CommandName)) throw unknownCommand(first);
  const command = first as CommandName;
  const spec = COMMANDS[command].flags;
  const options: Record<string, { type: 'boolean' | 'string'; short?: string }> = {};
  for (const [name, flag] of Object.entries(spec))
    options[name] = { type: flag.type, ...(flag.short ? { short: flag.short } : {}) };
  const normalised = normalise(rest, command);
  let parsed;
  try {
    parsed = nodeParseArgs({ args: normalised, options, strict: true, allowPositionals: true, allowNegative: true });
  } catch (error) {
    throw new UsageError(`${(error as Error).message.split('\n')[0]} (see: node cli.js ${command} --help)`);
  }
  if (parsed.positionals.length)
    throw new UsageError(
      `${command} takes no arguments, but got "${parsed.positionals[0]}" (see: node cli.js ${command} --help)`,
    );
  if (parsed.values.help) return { command: 'help', helpFor: command, flags: {} };
  return { command, flags: parsed.values as FlagValues };
}

function unknownCommand(word: string): UsageError {
  const suggestion = closest(word, COMMAND_NAMES);
  return new UsageError(
    `unknown command "${word}"${suggestion ? `; did you mean "${suggestion}"?` : ''}; commands: ` +
      `${COMMAND_NAMES.join(', ')}`,
  );
}

export function stringFlag(flags: FlagValues, name: string): string | undefined {
  const value = flags[name];
  return typeof value === 'string' ? value : undefined;
}

export function booleanFlag(flags: FlagValues, name: string): boolean | undefined {
  const value = flags[name];
  return typeof value === 'boolean' ? value : undefined;
}

export function commandHelp(command: CommandName): string {
  const spec = COMMANDS[command];
  const lines = [`Usage: node cli.js ${command} [options]`, '', spec.summary, '', 'Options:'];
  for (const [name, flag] of Object.entries(spec.flags)) {
    const short = flag.short ? `-${flag.short}, ` : '    ';
    const valueHint = flag.type === 'string' ? ` ${flag.value ?? 'VALUE'}` : '';
    const left = `${short}--${name}${valueHint}`;
    lines.push(`  ${left.padEnd(30)} ${flag.help}`);
  }
  lines.push('', 'Yes/no options also take --name=true|1 or --name=false|0.', '', 'Examples:');
  for (const example of spec.examples) lines.push(`  ${example}`);
  return lines.join('\n');
}

export function generalHelp(): string {
  const lines = ['Usage: node cli.js <command> [options]', '', 'Commands:'];
  for (const name of COMMAND_NAMES) lines.push(`  ${name.padEnd(8)} ${COMMANDS[name].summary}`);
  lines.push(
    '',
    'Run `node cli.js <command> --help` for its options and examples; `node cli.js --version` for the version.',
    '',
    'Settings come from environment variables or a .env file (see README): SYNC_PLATFORM, GARMIN_TOKEN_COM,',
    'GARMIN_EMAIL_COM, GARMIN_PASSWORD_COM, GARMIN_TOKEN_CN, COROS_EMAIL, COROS_PASSWORD, TIMEZONE, …',
    '',
    'Examples:',
    '  node cli.js login --for local     sign in once for local runs',
    '  node cli.js doctor                check settings, hosts and tokens',
    '  node cli.js sync --dry-run        see what a sync would do',
    '  node cli.js undo --dry-run        deleted duplicates that can be restored',
  );
  return lines.join('\n');
}
