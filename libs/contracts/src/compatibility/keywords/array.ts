/**
 * Array keywords: items (one schema, or a draft-04..2019-09 tuple with additionalItems),
 * prefixItems (2020-12 tuple, with items for the rest), minItems, maxItems, uniqueItems,
 * contains, minContains, maxContains, unevaluatedItems (see unevaluated.ts).
 */
import { type Kit, type WriterView } from '../kit';
import { type Problem, about, because, count, keywordChange, mayWrite } from '../reasons';
import { type SchemaNode, documentNode, keyword, keywordPath, numberKeyword, subschema, subschemaList } from '../schema-document';
import { readerEvaluatedItems, writerUnevaluatedItems } from './unevaluated';

/** Items as positions: the tuple's schemas, then one schema for every later position. */
interface Shape {
  readonly prefix: readonly SchemaNode[];
  /** Applies from position `prefix.length` on; undefined = anything. */
  readonly rest: SchemaNode | undefined;
  readonly restKeyword: 'items' | 'additionalItems' | 'unevaluatedItems';
}

export function checkArrayKeywords(view: WriterView, reader: SchemaNode, kit: Kit): Problem[] {
  return [...itemProblems(view, reader, kit), ...countProblems(view, reader, kit), ...uniqueProblems(view, reader, kit), ...containsProblems(view, reader, kit)];
}

/** True when the writer's counts leave no array (minItems above maxItems). */
export function arraysContradict(view: WriterView): boolean {
  const max = writerMaxItems(view.atoms);
  return max !== undefined && writerMinItems(view.atoms) > max;
}

/**
 * The shape does not depend on the declared draft: `items` as an array and `prefixItems`
 * cannot be confused, and additionalItems only ever applies after a tuple.
 */
function shapeOf(node: SchemaNode, side: 'writer' | 'reader'): Shape {
  const own = declaredShape(node);
  if (own.rest !== undefined) return own;
  if (side === 'writer') {
    const unevaluated = writerUnevaluatedItems(node);
    return unevaluated === undefined ? own : { prefix: padded(own.prefix, unevaluated.from), rest: unevaluated.schema, restKeyword: 'unevaluatedItems' };
  }
  // A reader's unevaluatedItems applies after what it certainly evaluates: its own tuple, or
  // a longer one from a $ref or allOf (those positions need nothing from it).
  const unevaluated = subschema(node, 'unevaluatedItems');
  if (unevaluated === undefined) return own;
  const evaluated = readerEvaluatedItems(node);
  if (evaluated.all) return own;
  return { prefix: padded(own.prefix, evaluated.prefix), rest: unevaluated, restKeyword: 'unevaluatedItems' };
}

/** A tuple extended to `length` with positions it says nothing about (another subschema does). */
function padded(prefix: readonly SchemaNode[], length: number): SchemaNode[] {
  return [...prefix, ...Array.from({ length: Math.max(0, length - prefix.length) }, () => documentNode(true))];
}

function declaredShape(node: SchemaNode): Shape {
  const prefixItems = subschemaList(node, 'prefixItems');
  if (prefixItems !== undefined) return { prefix: prefixItems, rest: subschema(node, 'items'), restKeyword: 'items' };
  const tuple = subschemaList(node, 'items');
  if (tuple !== undefined) return { prefix: tuple, rest: subschema(node, 'additionalItems'), restKeyword: 'additionalItems' };
  return { prefix: [], rest: subschema(node, 'items'), restKeyword: 'items' };
}

/** What every writer atom says about position `index`. */
function writerItems(atoms: readonly SchemaNode[], index: number): SchemaNode[] {
  return atoms.flatMap((atom) => {
    const shape = shapeOf(atom, 'writer');
    const item = index < shape.prefix.length ? shape.prefix[index] : shape.rest;
    return item === undefined ? [] : [item];
  });
}

function writerMinItems(atoms: readonly SchemaNode[]): number {
  return Math.max(0, ...atoms.map((atom) => numberKeyword(atom, 'minItems') ?? 0));
}

/** maxItems, or a closed tuple's length (`additionalItems: false`, `items: false` after prefixItems). */
function writerMaxItems(atoms: readonly SchemaNode[]): number | undefined {
  const limits = atoms.flatMap((atom) => {
    const shape = shapeOf(atom, 'writer');
    const max = numberKeyword(atom, 'maxItems');
    return [...(max === undefined ? [] : [max]), ...(shape.rest?.schema === false ? [shape.prefix.length] : [])];
  });
  return limits.length === 0 ? undefined : Math.min(...limits);
}

/**
 * Compares position by position up to the longest tuple on either side, then the rest. A
 * position the writer cannot fill (past its maxItems, or whose item schema is empty) ends the
 * comparison: no written array reaches it.
 */
function itemProblems(view: WriterView, reader: SchemaNode, kit: Kit): Problem[] {
  const wanted = shapeOf(reader, 'reader');
  const positions = Math.max(wanted.prefix.length, ...view.atoms.map((atom) => shapeOf(atom, 'writer').prefix.length));
  const max = writerMaxItems(view.atoms);
  const problems: Problem[] = [];
  for (let index = 0; index <= positions; index++) {
    if (max !== undefined && index >= max) break;
    const inPrefix = index < wanted.prefix.length;
    const item = inPrefix ? wanted.prefix[index] : wanted.rest;
    const written = writerItems(view.atoms, index);
    if (kit.isEmpty(written, { child: true })) break;
    if (item === undefined) continue;
    if (item.schema === false) return [...problems, tooLong(item, index, kit)];
    const found = kit.check(written, item, { child: true });
    // Past the reader's tuple the pointer (…/additionalItems) does not say which item it is.
    const which = index === positions ? `items from position ${index} on` : `item ${index}`;
    problems.push(...(inPrefix || positions === 0 ? found : about(which, found)));
  }
  return problems;
}

function tooLong(item: SchemaNode, index: number, kit: Kit): Problem {
  const limit = kit.perspective.writer === 'old' ? `arrays are now limited to ${count(index, 'item')}` : `the old schema limits arrays to ${count(index, 'item')}`;
  return { path: item.pointer, reason: because(limit, mayWrite(kit.perspective, `have more than ${count(index, 'item')}`)) };
}

function countProblems(view: WriterView, reader: SchemaNode, kit: Kit): Problem[] {
  const problems: Problem[] = [];
  const min = numberKeyword(reader, 'minItems');
  const writerMin = writerMinItems(view.atoms);
  if (min !== undefined && writerMin < min) {
    problems.push({ path: keywordPath(reader, 'minItems'), reason: because(keywordChange(kit.perspective, 'minItems', writerMin || undefined, min), mayWrite(kit.perspective, `have fewer than ${count(min, 'item')}`)) });
  }
  const max = numberKeyword(reader, 'maxItems');
  const writerMax = writerMaxItems(view.atoms);
  if (max !== undefined && (writerMax === undefined || writerMax > max)) {
    problems.push({ path: keywordPath(reader, 'maxItems'), reason: because(keywordChange(kit.perspective, 'maxItems', writerMax, max), mayWrite(kit.perspective, `have more than ${count(max, 'item')}`)) });
  }
  return problems;
}

function uniqueProblems(view: WriterView, reader: SchemaNode, kit: Kit): Problem[] {
  if (keyword(reader, 'uniqueItems') !== true) return [];
  if (view.atoms.some((atom) => keyword(atom, 'uniqueItems') === true)) return [];
  const max = writerMaxItems(view.atoms);
  if (max !== undefined && max <= 1) return [];
  return [{ path: keywordPath(reader, 'uniqueItems'), reason: because(keywordChange(kit.perspective, 'uniqueItems', undefined, true), mayWrite(kit.perspective, 'repeat an item')) }];
}

/**
 * The reader's `contains` holds when the writer has a `contains` at least as strict (and as
 * many times), or when enough positions the writer always fills match it.
 */
function containsProblems(view: WriterView, reader: SchemaNode, kit: Kit): Problem[] {
  const wanted = subschema(reader, 'contains');
  if (wanted === undefined) return [];
  const problems: Problem[] = [];
  const times = numberKeyword(reader, 'minContains') ?? 1;
  const own = view.atoms.flatMap((atom) => {
    const contains = subschema(atom, 'contains');
    return contains === undefined ? [] : [{ contains, times: numberKeyword(atom, 'minContains') ?? 1, max: numberKeyword(atom, 'maxContains') }];
  });
  if (times > 0) {
    const matchingOwn = own.filter((candidate) => candidate.times >= times && kit.check([candidate.contains], wanted, { child: true }).length === 0);
    const filled = Array.from({ length: writerMinItems(view.atoms) }, (_, index) => writerItems(view.atoms, index));
    const matchingPositions = filled.filter((items) => kit.check(items, wanted, { child: true }).length === 0).length;
    if (matchingOwn.length === 0 && matchingPositions < times) {
      const closest = own[0];
      const nested = closest === undefined ? [] : kit.check([closest.contains], wanted, { child: true });
      if (nested.length > 0) problems.push(...about('contains', nested));
      else if (closest !== undefined) problems.push({ path: keywordPath(reader, 'minContains'), reason: because(keywordChange(kit.perspective, 'minContains', closest.times, times), mayWrite(kit.perspective, `have fewer than ${count(times, 'matching item')}`)) });
      else problems.push({ path: wanted.pointer, reason: because(keywordChange(kit.perspective, 'contains', undefined, wanted.schema), mayWrite(kit.perspective, 'have no item matching it')) });
    }
  }
  const most = numberKeyword(reader, 'maxContains');
  if (most !== undefined) {
    const max = writerMaxItems(view.atoms);
    const bounded = (max !== undefined && max <= most) || own.some((candidate) => candidate.max !== undefined && candidate.max <= most && kit.check([wanted], candidate.contains, { child: true }).length === 0);
    if (!bounded) {
      problems.push({ path: keywordPath(reader, 'maxContains'), reason: because(keywordChange(kit.perspective, 'maxContains', own[0]?.max, most), mayWrite(kit.perspective, `have more than ${count(most, 'item')} matching contains`)) });
    }
  }
  return problems;
}
