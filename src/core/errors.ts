/**
 * Errors are named by what the caller must do about them:
 * - ConfigError: the user must fix a setting (exit 2, nothing written).
 * - AuthError: the user must log in again / supply a new token.
 * - RetryableError: transient; try again later (this run or the next).
 * - RejectedError: the service refused this item for good; do not retry the same input.
 * Anything else thrown is a bug in Sports Sync X ('bug'): it is reported as one, with a hint to report it.
 */
export type ErrorKind = 'config' | 'auth' | 'retryable' | 'rejected' | 'bug';

/** Where to report a bug: shown with every error that is none of the named kinds. */
export const BUG_REPORT_HINT =
  'This is a bug in Sports Sync X, not a problem with your settings or the platform: ' +
  'please open an issue in the repository your copy comes from, with this message and the run log.';

export interface SyncErrorOptions {
  readonly status?: number;
  /** Already redacted URL of the request that failed, if any. */
  readonly url?: string;
  /** Seconds the service asked us to wait (Retry-After), if any. */
  readonly retryAfterSec?: number;
  readonly cause?: unknown;
  /** A one-line hint telling the user what to do next. */
  readonly hint?: string;
}

export abstract class SyncError extends Error {
  abstract readonly kind: ErrorKind;
  readonly status: number | undefined;
  readonly url: string | undefined;
  readonly retryAfterSec: number | undefined;
  readonly hint: string | undefined;

  constructor(message: string, options: SyncErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.status = options.status;
    this.url = options.url;
    this.retryAfterSec = options.retryAfterSec;
    this.hint = options.hint;
  }
}

/** The base of the error class of one kind; `name` is spelled out because the bundle is minified. */
function errorOfKind<Kind extends ErrorKind>(kind: Kind, name: string) {
  return class extends SyncError {
    readonly kind = kind;
    override readonly name = name;
  };
}

export class ConfigError extends errorOfKind('config', 'ConfigError') {}
export class AuthError extends errorOfKind('auth', 'AuthError') {}
export class RetryableError extends errorOfKind('retryable', 'RetryableError') {}
export class RejectedError extends errorOfKind('rejected', 'RejectedError') {}

export function isSyncError(error: unknown): error is SyncError {
  return error instanceof SyncError;
}

/** One line describing any thrown value, suitable for logs and the ledger (callers redact). */
export function describeError(error: unknown): string {
  if (error instanceof SyncError) {
    const parts = [error.message];
    if (error.status !== undefined && !error.message.includes(String(error.status)))
      parts.push(`(HTTP ${error.status})`);
    if (error.url && !error.message.includes(error.url)) parts.push(`at ${error.url}`);
    return parts.join(' ');
  }
  if (error instanceof Error) return error.message.split('\n')[0] ?? error.name;
  return String(error).split('\n')[0] ?? 'unknown error';
}

/**
 * Kind of an arbitrary thrown value. Every expected failure (network, HTTP, bad data) is raised as a
 * SyncError by the adapters; anything else is a programming error, never "a temporary problem".
 */
export function errorKind(error: unknown): ErrorKind {
  return error instanceof SyncError ? error.kind : 'bug';
}
