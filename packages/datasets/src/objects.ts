/** A JSON-like mapping: an object that is neither null nor an array (what YAML and JSON maps parse to). */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
