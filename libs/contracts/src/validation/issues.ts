import type { ErrorObject } from 'ajv';

/** One problem with a document, precise enough for a person to fix it. */
export interface ValidationIssue {
  /** JSON pointer to the offending value in the document, e.g. /data/amount/currency ("" is the root) */
  pointer: string;
  /** The JSON Schema keyword that failed (required, enum, pattern, …) or one of ours (unknownType, …) */
  keyword: string;
  message: string;
  expected?: unknown;
  actual?: unknown;
}

const MAX_SHOWN = 80;

/** Turns ajv's errors into issues that name the place, what was expected and what was found. */
export function toIssues(errors: readonly ErrorObject[] | null | undefined, document: unknown, prefix = ''): ValidationIssue[] {
  return (errors ?? []).map((error) => toIssue(error, document, prefix));
}

function toIssue(error: ErrorObject, document: unknown, prefix: string): ValidationIssue {
  const at = error.instancePath;
  const params = error.params as Record<string, unknown>;
  const actual = shown(valueAt(document, at));
  switch (error.keyword) {
    case 'required':
      return { pointer: `${prefix}${at}/${escape(String(params.missingProperty))}`, keyword: 'required', message: 'is required but missing' };
    case 'additionalProperties':
      return {
        pointer: `${prefix}${at}/${escape(String(params.additionalProperty))}`,
        keyword: 'additionalProperties',
        message: 'is not a property this schema allows',
      };
    case 'enum':
      return { pointer: prefix + at, keyword: 'enum', message: `must be one of ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`, expected: params.allowedValues, actual };
    case 'const':
      return { pointer: prefix + at, keyword: 'const', message: `must be ${JSON.stringify(params.allowedValue)}`, expected: params.allowedValue, actual };
    case 'type':
      return { pointer: prefix + at, keyword: 'type', message: `must be ${String(params.type)}, not ${typeName(valueAt(document, at))}`, expected: params.type, actual };
    case 'pattern':
      return { pointer: prefix + at, keyword: 'pattern', message: `must match ${String(params.pattern)}`, expected: params.pattern, actual };
    case 'format':
      return { pointer: prefix + at, keyword: 'format', message: `must be a valid ${String(params.format)}`, expected: params.format, actual };
    case 'minLength':
    case 'maxLength':
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
    case 'minItems':
    case 'maxItems':
    case 'multipleOf':
      return { pointer: prefix + at, keyword: error.keyword, message: error.message ?? error.keyword, expected: params.limit ?? params.multipleOf, actual };
    default:
      return { pointer: prefix + at, keyword: error.keyword, message: error.message ?? error.keyword, actual };
  }
}

/** The value a JSON pointer designates, or undefined. */
export function valueAt(document: unknown, pointer: string): unknown {
  if (pointer === '') return document;
  let current: unknown = document;
  for (const raw of pointer.slice(1).split('/')) {
    const key = raw.replaceAll('~1', '/').replaceAll('~0', '~');
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

function escape(segment: string): string {
  return segment.replaceAll('~', '~0').replaceAll('/', '~1');
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

/** Long strings and big structures are cut, so an error never echoes a whole payload. */
function shown(value: unknown): unknown {
  if (typeof value === 'string' && value.length > MAX_SHOWN) return `${value.slice(0, MAX_SHOWN)}…`;
  if (typeof value === 'object' && value !== null) {
    const text = JSON.stringify(value);
    return text.length > MAX_SHOWN ? `${text.slice(0, MAX_SHOWN)}…` : value;
  }
  return value;
}
