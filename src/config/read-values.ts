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
