import { ConfigError } from '../core/errors.ts';
import { registerSecret } from '../core/secrets.ts';

/** Reads a setting by name: an environment variable, a .env entry or an Action input. */
export type Lookup = (name: string) => string | undefined;

/** The trimmed value, or undefined when unset or blank. */
export function readText(lookup: Lookup, name: string): string | undefined {
  const value = lookup(name);
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  return trimmed === '' ? undefined : trimmed;
}

/** Reads a credential and registers it as a secret before anything else can print it. */
export function readSecret(lookup: Lookup, name: string): string | undefined {
  const value = readText(lookup, name);
  registerSecret(value);
  return value;
}

const TRUE = new Set(['1', 'true', 'yes', 'on', 'y']);
const FALSE = new Set(['0', 'false', 'no', 'off', 'n']);

/** true / false for the usual spellings of yes and no; undefined for anything else. */
export function parseYesNo(raw: string): boolean | undefined {
  const lower = raw.trim().toLowerCase();
  if (TRUE.has(lower)) return true;
  if (FALSE.has(lower)) return false;
  return undefined;
}

/** The range of a whole-number setting; `unit` names what it counts ("seconds", "a number of days"). */
export interface WholeNumberRange {
  readonly fallback: number;
  readonly min: number;
  readonly max: number;
  readonly unit: string;
}

/**
 * A whole-number setting (an env var, a .env entry or an Action input, named by `label`): the
 * fallback when unset, else the number, else a one-line error naming the setting and its range.
 */
export function parseWholeNumber(raw: string | undefined, label: string, range: WholeNumberRange): number {
  if (raw === undefined) return range.fallback;
  const fix = `set it to ${range.unit} between ${range.min} and ${range.max} (default ${range.fallback})`;
  if (!/^\d+$/.test(raw)) throw new ConfigError(`${label}="${raw}" is not a whole number; ${fix}`);
  const value = Number(raw);
  if (value < range.min || value > range.max) throw new ConfigError(`${label}=${raw} is out of range; ${fix}`);
  return value;
}

/** A yes/no setting: the fallback when unset, else its value, else a one-line error naming it. */
export function parseFlag(
  raw: string | undefined,
  label: string,
  fallback: boolean,
  spelling = 'use 1 or 0 (true/false also work)',
): boolean {
  if (raw === undefined) return fallback;
  const value = parseYesNo(raw);
  if (value !== undefined) return value;
  throw new ConfigError(`${label}="${raw}" is not a yes/no value; ${spelling}`);
}
