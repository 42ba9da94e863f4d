/**
 * Number keywords: minimum, maximum, exclusiveMinimum, exclusiveMaximum (draft-04 booleans
 * and draft-06+ numbers alike) and multipleOf, plus "integer only".
 */
import { type Kit, type WriterView } from '../kit';
import { type Problem, because, keywordChange, mayWrite, oldAndNew, textChange } from '../reasons';
import { type SchemaNode, keyword, keywordPath, numberKeyword } from '../schema-document';
import { requiresInteger } from './type';

/** A limit on one side: "≥ 10" is { value: 10, exclusive: false }. */
interface Bound {
  readonly value: number;
  readonly exclusive: boolean;
}

type Side = 'lower' | 'upper';

const KEYWORDS = {
  lower: { inclusive: 'minimum', exclusive: 'exclusiveMinimum' },
  upper: { inclusive: 'maximum', exclusive: 'exclusiveMaximum' },
} as const;

export function checkNumberKeywords(view: WriterView, reader: SchemaNode, kit: Kit): Problem[] {
  return [...boundProblems(view, reader, kit, 'lower'), ...boundProblems(view, reader, kit, 'upper'), ...multipleOfProblems(view, reader, kit)];
}

/** Whether every number the writer can produce is whole. */
export function writesIntegersOnly(view: WriterView): boolean {
  if (view.values !== undefined) return view.values.every((value) => Number.isInteger(value));
  return view.atoms.some((atom) => requiresInteger(atom) || Number.isInteger(numberKeyword(atom, 'multipleOf')));
}

/** Whether a writer's known value survives the writer's own number keywords. */
export function numberValueAllowed(value: number, atom: SchemaNode): boolean {
  if (requiresInteger(atom) && !Number.isInteger(value)) return false;
  const point: Bound = { value, exclusive: false };
  const meets = (side: Side): boolean => boundsOf(atom, side).every((bound) => implies(point, bound, side));
  const multipleOf = numberKeyword(atom, 'multipleOf');
  return meets('lower') && meets('upper') && (multipleOf === undefined || isMultiple(value, multipleOf));
}

/** True when the writer's bounds leave no number between them. */
export function numbersContradict(view: WriterView): boolean {
  const lower = writerBound(view, 'lower');
  const upper = writerBound(view, 'upper');
  if (lower === undefined || upper === undefined) return false;
  return lower.value > upper.value || (lower.value === upper.value && (lower.exclusive || upper.exclusive));
}

/**
 * Each reader keyword is checked on its own, so the report points at the one that rejects:
 * with draft-04 `exclusiveMinimum: true`, at `minimum` when the limit moved and at
 * `exclusiveMinimum` when only the exclusivity did.
 */
function boundProblems(view: WriterView, reader: SchemaNode, kit: Kit, side: Side): Problem[] {
  const writer = writerBound(view, side);
  return readerBounds(reader, side).flatMap(({ bound, keyword: name }) => {
    const holds = view.values !== undefined ? view.values.every((value) => implies({ value: value as number, exclusive: false }, bound, side)) : writer !== undefined && implies(writer, bound, side);
    if (holds) return [];
    const pointed = boundKeyword(name, side, writer, bound);
    const path = keywordPath(reader, pointed);
    const change = boundChange(kit, side, pointed, writer, bound);
    const beyond = side === 'lower' ? (bound.exclusive ? `be ${bound.value} or less` : `be less than ${bound.value}`) : bound.exclusive ? `be ${bound.value} or more` : `be greater than ${bound.value}`;
    return [{ path, reason: because(change, mayWrite(kit.perspective, beyond)) }];
  });
}

/**
 * The keyword to point at. With draft-04's `exclusiveMinimum: true`, the limit itself sits in
 * `minimum`: point there when the limit moved, at the flag when only the exclusivity did.
 */
function boundKeyword(name: ReaderBound['keyword'], side: Side, writer: Bound | undefined, bound: Bound): string {
  if (name === 'inclusive') return KEYWORDS[side].inclusive;
  if (name === 'exclusive') return KEYWORDS[side].exclusive;
  return writer !== undefined && writer.value === bound.value ? KEYWORDS[side].exclusive : KEYWORDS[side].inclusive;
}

/**
 * "minimum raised from 5 to 10" when only the number moved; "lower bound changed from > 10 to
 * ≥ 10" when the exclusivity did (a draft-04 flag or a switch between keywords).
 */
function boundChange(kit: Kit, side: Side, pointed: string, writer: Bound | undefined, bound: Bound): string {
  if (writer === undefined || writer.exclusive === bound.exclusive) return keywordChange(kit.perspective, pointed, writer?.value, bound.value);
  const [before, after] = oldAndNew(kit.perspective, describe(writer, side), describe(bound, side));
  return textChange(side === 'lower' ? 'lower bound' : 'upper bound', before, after);
}

/** "≥ 10", "> 10", "≤ 5", "< 5". */
function describe(bound: Bound, side: Side): string {
  const sign = side === 'lower' ? (bound.exclusive ? '>' : '≥') : bound.exclusive ? '<' : '≤';
  return `${sign} ${bound.value}`;
}

/** Whether every number within `tighter` is within `looser` (same side). */
function implies(tighter: Bound, looser: Bound, side: Side): boolean {
  const further = side === 'lower' ? tighter.value > looser.value : tighter.value < looser.value;
  return further || (tighter.value === looser.value && (tighter.exclusive || !looser.exclusive));
}

type ReaderBound = { bound: Bound; keyword: 'inclusive' | 'exclusive' | 'exclusive-flag' };

function readerBounds(node: SchemaNode, side: Side): ReaderBound[] {
  const names = KEYWORDS[side];
  const inclusive = numberKeyword(node, names.inclusive);
  const exclusive = keyword(node, names.exclusive);
  const bounds: ReaderBound[] = [];
  if (inclusive !== undefined) {
    // draft-04: `exclusiveMinimum: true` turns `minimum` itself exclusive.
    bounds.push({ bound: { value: inclusive, exclusive: exclusive === true }, keyword: exclusive === true ? 'exclusive-flag' : 'inclusive' });
  }
  if (typeof exclusive === 'number' && Number.isFinite(exclusive)) bounds.push({ bound: { value: exclusive, exclusive: true }, keyword: 'exclusive' });
  return bounds;
}

function boundsOf(node: SchemaNode, side: Side): Bound[] {
  return readerBounds(node, side).map(({ bound }) => bound);
}

/** The tightest bound of all writer atoms; whole numbers turn an exclusive bound inclusive. */
function writerBound(view: WriterView, side: Side): Bound | undefined {
  let tightest: Bound | undefined;
  for (const bound of view.atoms.flatMap((atom) => boundsOf(atom, side))) {
    if (tightest === undefined || implies(bound, tightest, side)) tightest = bound;
  }
  if (tightest === undefined || !writesIntegersOnly(view)) return tightest;
  // Integers above 9.5 are at least 10; integers above 10 (exclusive) are at least 11.
  const whole = side === 'lower' ? (tightest.exclusive ? Math.floor(tightest.value) + 1 : Math.ceil(tightest.value)) : tightest.exclusive ? Math.ceil(tightest.value) - 1 : Math.floor(tightest.value);
  return { value: whole, exclusive: false };
}

/**
 * The reader's multipleOf holds when some writer multipleOf is itself a multiple of it
 * (10 → 5 is fine, 7 → 13 is not), or when the writer writes whole numbers and the reader's
 * divides 1 (multipleOf 0.5).
 */
function multipleOfProblems(view: WriterView, reader: SchemaNode, kit: Kit): Problem[] {
  const wanted = numberKeyword(reader, 'multipleOf');
  if (wanted === undefined || wanted <= 0) return [];
  if (view.values !== undefined && view.values.every((value) => isMultiple(value as number, wanted))) return [];
  const stated = view.atoms.map((atom) => numberKeyword(atom, 'multipleOf')).filter((value) => value !== undefined);
  if (stated.some((value) => isMultiple(value, wanted))) return [];
  if (writesIntegersOnly(view) && isMultiple(1, wanted)) return [];
  const writer = stated[0];
  const what = writer === undefined ? `be a number that is not a multiple of ${wanted}` : `be a multiple of ${writer} that is not a multiple of ${wanted}`;
  return [{ path: keywordPath(reader, 'multipleOf'), reason: because(keywordChange(kit.perspective, 'multipleOf', writer, wanted, false), mayWrite(kit.perspective, what)) }];
}

/** Multiple within floating-point noise (0.3 is a multiple of 0.1). */
function isMultiple(value: number, divisor: number): boolean {
  const quotient = value / divisor;
  return Math.abs(quotient - Math.round(quotient)) <= 1e-9 * Math.max(1, Math.abs(quotient));
}
