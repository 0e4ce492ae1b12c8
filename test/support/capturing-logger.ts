import type { Logger } from '../../src/core/log.ts';
import { redact } from '../../src/core/secrets.ts';

export interface CapturingLogger extends Logger {
  readonly lines: string[];
}

/** A logger that keeps every line as the real ones would print it: redacted, group titles included. */
export function capturingLogger(): CapturingLogger {
  const lines: string[] = [];
  const push = (level: string) => (message: string) => {
    lines.push(redact(`${level}: ${message}`));
  };
  return {
    lines,
    debug: push('debug'),
    info: push('info'),
    warn: push('warn'),
    error: push('error'),
    group: async (title, body) => {
      lines.push(redact(title));
      return body();
    },
  };
}
