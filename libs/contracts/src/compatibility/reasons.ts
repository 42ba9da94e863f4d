/**
 * How problems are worded. The check itself only knows a writer and a reader schema; the
 * person reading the report knows an old and a new version. Backward checks read old data
 * with the new schema (writer = old), forward checks read new data with the old schema
 * (writer = new): every sentence tells the change from old to new, then its consequence.
 */
import { type InstanceType, show } from './json';

export interface Problem {
  /** JSON pointer into the schema holding the constraint that may reject data. */
  readonly path: string;
  readonly reason: string;
  /**
   * A summary (oneOf, not) that writer cases and types would otherwise repeat with small
   * variations: one per path is enough.
   */
  readonly summary?: boolean;
}

export interface Perspective {
  /** Which version wrote the data; the reader is the other one. */
  readonly writer: 'old' | 'new';
}

export function readerVersion(perspective: Perspective): 'old' | 'new' {
  return perspective.writer === 'old' ? 'new' : 'old';
}

/**
 * The consequence half of a reason: "data written with the old schema may be longer than 6
 * characters" or, reading new data with the old schema, "..., which the old schema rejects".
 */
export function mayWrite(perspective: Perspective, what: string): string {
  return perspective.writer === 'old'
    ? `data written with the old schema may ${what}`
    : `data written with the new schema may ${what}, which the old schema rejects`;
}

/**
 * The change half of a reason, from old to new: "maxLength lowered from 10 to 6",
 * "pattern "^a" added", "format "date" removed". `writerValue` undefined = the writer does not
 * state the keyword. `ordered` false for numbers that are not limits (multipleOf).
 */
export function keywordChange(perspective: Perspective, name: string, writerValue: unknown, readerValue: unknown, ordered = true): string {
  const [before, after] = oldAndNew(perspective, writerValue, readerValue);
  if (ordered && typeof before === 'number' && typeof after === 'number' && before !== after) {
    return `${name} ${after > before ? 'raised' : 'lowered'} from ${before} to ${after}`;
  }
  return textChange(name, before === undefined ? undefined : show(before), after === undefined ? undefined : show(after));
}

/** Like keywordChange, for values already worded ("≥ 10"): "lower bound changed from > 10 to ≥ 10". */
export function textChange(name: string, before: string | undefined, after: string | undefined): string {
  if (before === undefined) return `${name} ${after} added`;
  if (after === undefined) return `${name} ${before} removed`;
  return `${name} changed from ${before} to ${after}`;
}

/** Orders a writer/reader pair as old/new. */
export function oldAndNew<T>(perspective: Perspective, writerValue: T, readerValue: T): [T, T] {
  return perspective.writer === 'old' ? [writerValue, readerValue] : [readerValue, writerValue];
}

export function because(change: string, consequence: string): string {
  return `${change}: ${consequence}`;
}

/** "a string", "null", "a non-integer number": what an instance of that type is called. */
export function describeType(type: InstanceType | 'non-integer'): string {
  switch (type) {
    case 'null':
      return 'null';
    case 'boolean':
      return 'a boolean';
    case 'number':
      return 'a number';
    case 'non-integer':
      return 'a non-integer number';
    case 'string':
      return 'a string';
    case 'array':
      return 'an array';
    case 'object':
      return 'an object';
    default: {
      const unexpected: never = type;
      return unexpected;
    }
  }
}

/** "1 item", "2 items", "2 properties". */
export function count(n: number, noun: string, plural = `${noun}s`): string {
  return `${n} ${n === 1 ? noun : plural}`;
}

/** "a, b or c". */
export function either(items: readonly string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} or ${items[items.length - 1]}`;
}

/** Prefixes nested reasons with what they are about, e.g. `property "bar": ...`. */
export function about(subject: string, problems: readonly Problem[]): Problem[] {
  return problems.map((problem) => ({ ...problem, reason: `${subject}: ${problem.reason}` }));
}
