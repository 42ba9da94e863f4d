/** JSON values and the few operations on them the checker needs. */

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

/**
 * The six kinds of JSON instance. `integer` is not one of them: an integer is a number, and
 * "integer only" is tracked as a constraint on numbers (see keywords/number.ts).
 */
export type InstanceType = 'null' | 'boolean' | 'number' | 'string' | 'array' | 'object';
export const INSTANCE_TYPES: readonly InstanceType[] = ['null', 'boolean', 'number', 'string', 'array', 'object'];

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function instanceTypeOf(value: unknown): InstanceType | undefined {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  switch (typeof value) {
    case 'boolean':
      return 'boolean';
    case 'number':
      return Number.isFinite(value) ? 'number' : undefined;
    case 'string':
      return 'string';
    case 'object':
      return 'object';
    default:
      return undefined;
  }
}

/** JSON equality: key order does not matter, 1 and 1.0 are the same number. */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((item, i) => jsonEqual(item, b[i]));
  }
  if (isJsonObject(a) && isJsonObject(b)) {
    const keys = Object.keys(a);
    return keys.length === Object.keys(b).length && keys.every((key) => key in b && jsonEqual(a[key], b[key]));
  }
  return false;
}

/** Values as a reader of a message would write them: strings quoted, the rest as JSON, long ones cut. */
export function show(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** Unicode code points, which is what minLength and maxLength count (not UTF-16 units). */
export function codePointLength(text: string): number {
  return [...text].length;
}

/** Escapes one reference token of a JSON pointer (RFC 6901). */
export function pointerToken(token: string | number): string {
  return String(token).replace(/~/g, '~0').replace(/\//g, '~1');
}

export function unescapePointerToken(token: string): string {
  return token.replace(/~1/g, '/').replace(/~0/g, '~');
}
