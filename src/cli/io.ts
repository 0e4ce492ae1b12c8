/** What the CLI may touch of its process: environment, output lines, the terminal. */
export interface CliIo {
  readonly env: Readonly<Record<string, string | undefined>>;
  /** One line for stdout: the result (report, JSON document, token). */
  readonly out: (line: string) => void;
  /** One line for stderr: logs, warnings, errors, messages around a result. */
  readonly err: (line: string) => void;
  readonly cwd: string;
  /** True when a person can answer prompts (standard input is a terminal). */
  readonly isTty: boolean;
  /** True when stderr is a terminal: progress redraws one live line. */
  readonly stderrIsTty?: boolean;
  /** Rewrites the live progress line on a terminal (no newline). */
  readonly errLive?: (text: string) => void;
  /** Reads one line from the terminal; `secret` hides what is typed. */
  readonly prompt: (question: string, options: { secret: boolean }) => Promise<string>;
}
