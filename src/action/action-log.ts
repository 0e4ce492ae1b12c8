import * as core from '@actions/core';
import type { Logger } from '../core/log.ts';
import { redact } from '../core/secrets.ts';

/** The Logger on Actions: groups per phase, warnings and errors as annotations, everything redacted. */
export function actionsLogger(): Logger {
  return {
    debug: (message) => core.debug(redact(message)),
    info: (message) => core.info(redact(message)),
    warn: (message) => core.warning(redact(message)),
    error: (message) => core.error(redact(message)),
    group: (title, body) => core.group(redact(title), body),
  };
}
