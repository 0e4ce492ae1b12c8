/** Text read back from a store or a service, as a JSON object; undefined when absent, not JSON or not an object. */
export function jsonObject(text: string | undefined | null): Record<string, unknown> | undefined {
  if (!text) return undefined;
  try {
    const value: unknown = JSON.parse(text);
    return value !== null && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}
