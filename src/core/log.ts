import { redact } from './secrets.ts';

/** Where progress goes: the terminal for the CLI, @actions/core for the Action. Everything is redacted. */
export interface Logger {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
  /** Runs `body` inside a collapsible group (Actions) or under a heading (terminal). */
  group<T>(title: string, body: () => Promise<T>): Promise<T>;
}

export interface ConsoleLoggerOptions {
  readonly verbose?: boolean;
  readonly out?: (line: string) => void;
  readonly err?: (line: string) => void;
}

export function consoleLogger(options: ConsoleLoggerOptions = {}): Logger {
  const out = options.out ?? ((line: string) => process.stdout.write(line + '\n'));
  const err = options.err ?? ((line: string) => process.stderr.write(line + '\n'));
  return {
    debug: (message) => {
      if (options.verbose) out(redact(`  · ${message}`));
    },
    info: (message) => out(redact(message)),
    warn: (message) => err(redact(`warning: ${message}`)),
    error: (message) => err(redact(`error: ${message}`)),
    group: async (title, body) => {
      out(redact(`— ${title}`));
      return body();
    },
  };
}

/** Swallows everything; for tests that assert on results rather than output. */
export const silentLogger: Logger = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
  group: (_title, body) => body(),
};
