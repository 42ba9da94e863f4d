/**
 * The engine: a conservative proof that every instance of the writer schema is an instance of
 * the reader schema. "No problem" means proved; anything it cannot prove is a problem.
 *
 * Shape of the proof:
 * 1. The writer becomes a conjunction of subschemas ($ref and allOf opened), split into cases
 *    at its disjunctions (anyOf, oneOf, if/then/else): the writer is the union of its cases.
 * 2. Each case is taken one instance type at a time (null, boolean, number, string, array,
 *    object), since every assertion keyword but the combinators constrains one type only.
 *    A case that is provably empty at a type (false, type mismatch, contradictory bounds,
 *    known values all filtered out, a `not` it cannot escape) needs no proof there.
 * 3. The reader is walked keyword by keyword; each keyword family compares itself with what
 *    the writer's atoms guarantee, recursing into subschemas through a `Kit`.
 */
import { type Kit, type Scope, type WriterView } from './kit';
import { type InstanceType, type Json, INSTANCE_TYPES, show } from './json';
import { type Perspective, type Problem, about, because, describeType, either, mayWrite, readerVersion } from './reasons';
import { type JsonSchema, type SchemaNode, documentNode, isSchema, keyword, keywordPath, nodeKey, resolveRef, stringKeyword, subschema, subschemaList } from './schema-document';
import { arraysContradict, checkArrayKeywords } from './keywords/array';
import { checkEnumKeywords } from './keywords/enum';
import { checkNumberKeywords, numberValueAllowed, numbersContradict, writesIntegersOnly } from './keywords/number';
import { checkObjectKeywords, objectsContradict } from './keywords/object';
import { checkStringKeywords, stringValueAllowed, stringsContradict } from './keywords/string';
import { allowsType, declaredTypes } from './keywords/type';
import { type UnresolvedRef, type Writer, EMPTY_WRITER, cases, conjoin, enumeratedValues, exactNode } from './writer';

/** Keywords that can reject an instance. A reader with none of them accepts everything. */
const ASSERTIONS: ReadonlySet<string> = new Set([
  '$ref',
  '$dynamicRef',
  '$recursiveRef',
  'type',
  'enum',
  'const',
  'allOf',
  'anyOf',
  'oneOf',
  'not',
  'if',
  'minLength',
  'maxLength',
  'pattern',
  'format',
  'contentEncoding',
  'contentMediaType',
  'minimum',
  'maximum',
  'exclusiveMinimum',
  'exclusiveMaximum',
  'multipleOf',
  'properties',
  'patternProperties',
  'additionalProperties',
  'required',
  'propertyNames',
  'minProperties',
  'maxProperties',
  'dependencies',
  'dependentRequired',
  'dependentSchemas',
  'unevaluatedProperties',
  'items',
  'prefixItems',
  'additionalItems',
  'minItems',
  'maxItems',
  'uniqueItems',
  'contains',
  'minContains',
  'maxContains',
  'unevaluatedItems',
]);

/** Assertions this checker does not model: a reader using them is never proved satisfied. */
const UNSUPPORTED = ['$dynamicRef', '$recursiveRef'] as const;

/** Bounds that keep pathological schemas from running away; hitting one is a reported problem. */
const MAX_NESTING = 400;
const MAX_STEPS = 100_000;

interface Run {
  readonly perspective: Perspective;
  /** Questions being answered, with the instance depth at which they were asked. */
  readonly inProgress: Map<string, number>;
  /** One synthetic subschema per constant, so that re-adding it to a writer is a no-op. */
  readonly exactNodes: Map<string, SchemaNode>;
  /** Answers that did not depend on an assumption (see `against`), by question. */
  readonly memo: Map<string, Problem[]>;
  /** Counts answers that depended on where they were asked: recursion assumptions, limits. */
  contextual: number;
  steps: number;
}

interface Frame {
  readonly run: Run;
  /** How deep in the instance (property values, items) the current question is. */
  readonly depth: number;
  readonly nesting: number;
}

/** Problems that make some instance of `writer` invalid against `reader`, deduplicated. */
export function findProblems(writer: JsonSchema, reader: JsonSchema, perspective: Perspective): Problem[] {
  // Typed callers cannot get here, JSON.parse callers can.
  const malformed = [writer, reader].flatMap((schema, i) => (isSchema(schema) ? [] : [`the ${i === 0 ? perspective.writer : readerVersion(perspective)} schema is not a JSON Schema (an object or a boolean)`]));
  if (malformed.length > 0) return malformed.map((reason) => ({ path: '', reason }));
  const run: Run = { perspective, inProgress: new Map(), exactNodes: new Map(), memo: new Map(), contextual: 0, steps: 0 };
  const problems = check({ run, depth: 0, nesting: 0 }, [documentNode(writer)], documentNode(reader), INSTANCE_TYPES);
  const seen = new Set<string>();
  return problems.flatMap(({ path, reason, summary }) => {
    const key = summary ? path : `${path}\n${reason}`;
    if (seen.has(key)) return [];
    seen.add(key);
    return [{ path, reason }];
  });
}

function check(frame: Frame, writerNodes: readonly SchemaNode[], reader: SchemaNode, types: readonly InstanceType[]): Problem[] {
  if (!constrains(reader)) return [];
  const { writer, unresolved } = conjoin(EMPTY_WRITER, writerNodes);
  const split = cases(writer);
  const problems = [...unresolved, ...split.unresolved].map((ref) => unresolvedWriterRef(frame.run.perspective, ref));
  for (const writerCase of split.cases) problems.push(...checkCase(frame, writerCase, reader, types));
  return problems;
}

/**
 * One writer case against the reader, type by type. Objects and arrays the writer lists
 * (enum, const) are checked one constant at a time, as exact schemas.
 */
function checkCase(frame: Frame, writer: Writer, reader: SchemaNode, types: readonly InstanceType[]): Problem[] {
  const problems: Problem[] = [];
  const live: InstanceType[] = [];
  for (const type of types) {
    if (isEmptyAt(frame, writer, type)) continue;
    const values = type === 'object' || type === 'array' ? valuesAt(writer.positive, type) : undefined;
    if (values === undefined) live.push(type);
    else for (const value of values) problems.push(...against(frame, conjoin(writer, [exactFor(frame.run, value)]).writer, reader, [type]));
  }
  return [...problems, ...against(frame, writer, reader, live)];
}

/**
 * The reader subschema against a writer case, guarded against endless recursion. Answers
 * are memoized only when no assumption went into them: an answer resting on "assume the
 * question in progress holds" is valid inside that proof, not on its own.
 */
function against(frame: Frame, writer: Writer, reader: SchemaNode, types: readonly InstanceType[]): Problem[] {
  if (types.length === 0 || !constrains(reader)) return [];
  const run = frame.run;
  const key = `${writerKey(writer)}>${nodeKey(reader)}@${types.join(',')}`;
  const known = run.memo.get(key);
  if (known !== undefined) return known;
  if (++run.steps > MAX_STEPS || frame.nesting > MAX_NESTING) {
    run.contextual++;
    return [{ path: reader.pointer, reason: 'the schemas are too large or too deeply nested to compare here within the checker’s limits, so nothing is proved' }];
  }
  const askedAt = run.inProgress.get(key);
  if (askedAt !== undefined) {
    run.contextual++;
    // Met again deeper in the instance: a recursive schema. By induction on the instance's
    // depth the answer may be assumed. Met again at the same depth: a loop, prove nothing.
    return askedAt < frame.depth ? [] : [{ path: reader.pointer, reason: 'this subschema refers back to itself without going deeper into the data, so nothing can be proved about it' }];
  }
  const contextualBefore = run.contextual;
  run.inProgress.set(key, frame.depth);
  try {
    const problems = againstNode(frame, writer, reader, types);
    if (run.contextual === contextualBefore) run.memo.set(key, problems);
    return problems;
  } finally {
    run.inProgress.delete(key);
  }
}

function againstNode(frame: Frame, writer: Writer, reader: SchemaNode, types: readonly InstanceType[]): Problem[] {
  const perspective = frame.run.perspective;
  if (reader.schema === false) return [{ path: reader.pointer, reason: rejectsEverything(perspective) }];
  const inner = { ...frame, nesting: frame.nesting + 1 };
  const problems: Problem[] = [];

  const ref = stringKeyword(reader, '$ref');
  if (ref !== undefined) {
    const target = resolveRef(reader, ref);
    if (target.kind === 'resolved') problems.push(...against(inner, writer, target.node, types));
    else problems.push({ path: keywordPath(reader, '$ref'), reason: because(`$ref ${show(ref)} cannot be resolved (${target.why})`, `nothing can be proved about what the ${readerVersion(perspective)} schema accepts here`) });
    if (reader.doc.refIgnoresSiblings) return problems;
  }
  for (const member of subschemaList(reader, 'allOf') ?? []) problems.push(...against(inner, writer, member, types));

  const { accepted, rejected } = splitByType(writer, reader, types);
  // Rejecting only non-integers still keeps some numbers: a narrowing, not a change of type.
  const narrowed = accepted.length > 0 || rejected.includes('non-integer');
  if (rejected.length > 0) problems.push({ path: keywordPath(reader, 'type'), reason: typeReason(perspective, reader, rejected, narrowed) });
  const kit = kitFor(inner);
  for (const type of accepted) {
    const view = viewOf(writer, type);
    problems.push(
      ...checkEnumKeywords(view, reader, kit),
      ...familyProblems(view, reader, kit),
      ...oneOfProblems(inner, writer, reader, type),
      ...notProblems(inner, writer, reader, type),
      ...conditionalProblems(inner, writer, reader, type),
    );
  }
  problems.push(...anyOfProblems(inner, writer, reader, accepted));
  for (const name of UNSUPPORTED) {
    if (keyword(reader, name) !== undefined && keyword(reader, name) !== true) {
      problems.push({ path: keywordPath(reader, name), reason: `${name} is not supported by this checker, so it cannot prove that data written with the ${perspective.writer} schema passes it` });
    }
  }
  return problems;
}

function familyProblems(view: WriterView, reader: SchemaNode, kit: Kit): Problem[] {
  switch (view.type) {
    case 'null':
    case 'boolean':
      return []; // only type, enum and const apply, checked already
    case 'number':
      return checkNumberKeywords(view, reader, kit);
    case 'string':
      return checkStringKeywords(view, reader, kit);
    case 'array':
      return checkArrayKeywords(view, reader, kit);
    case 'object':
      return checkObjectKeywords(view, reader, kit);
    default: {
      const unexpected: never = view.type;
      return unexpected;
    }
  }
}

/** Which of the writer's types the reader's `type` keeps; numbers need whole values for `integer`. */
function splitByType(writer: Writer, reader: SchemaNode, types: readonly InstanceType[]): { accepted: InstanceType[]; rejected: Array<InstanceType | 'non-integer'> } {
  const declared = declaredTypes(reader);
  if (declared === undefined) return { accepted: [...types], rejected: [] };
  const accepted: InstanceType[] = [];
  const rejected: Array<InstanceType | 'non-integer'> = [];
  for (const type of types) {
    if (declared.has(type)) accepted.push(type);
    else if (type !== 'number' || !declared.has('integer')) rejected.push(type);
    else if (writesIntegersOnly(viewOf(writer, type))) accepted.push(type);
    else rejected.push('non-integer');
  }
  return { accepted, rejected };
}

function typeReason(perspective: Perspective, reader: SchemaNode, rejected: ReadonlyArray<InstanceType | 'non-integer'>, someAccepted: boolean): string {
  const stated = show(keyword(reader, 'type'));
  const change = perspective.writer === 'old' ? `type ${someAccepted ? 'narrowed' : 'changed'} to ${stated}` : `type ${someAccepted ? 'widened' : 'changed'} from ${stated}`;
  return because(change, mayWrite(perspective, `be ${either(rejected.map(describeType))}`));
}

/**
 * anyOf: for each type, one branch must accept the whole case (the writer was split into
 * cases already, so a writer anyOf meets the reader's branch by branch).
 */
function anyOfProblems(frame: Frame, writer: Writer, reader: SchemaNode, types: readonly InstanceType[]): Problem[] {
  const branches = subschemaList(reader, 'anyOf');
  if (branches === undefined) return [];
  const failing = types.flatMap((type) => {
    const results = branches.map((branch) => against(frame, writer, branch, [type]));
    if (results.some((problems) => problems.length === 0)) return [];
    return [{ type, results, relevant: results.filter((_, i) => allowsType(branches[i] as SchemaNode, type)) }];
  });
  if (failing.length === 0) return [];
  // When each type leaves a single branch, that branch's own problems say best what to fix.
  if (failing.every(({ relevant }) => relevant.length === 1)) return failing.flatMap(({ relevant }) => relevant[0] as Problem[]);
  const closest = (failing[0]?.results ?? []).reduce((best, problems) => (problems.length < best.length ? problems : best));
  const what = `be ${either(failing.map(({ type }) => describeType(type)))} matching none of the anyOf branches`;
  return [{ path: keywordPath(reader, 'anyOf'), reason: `${mayWrite(frame.run.perspective, what)} (closest: ${closest[0]?.path}: ${closest[0]?.reason})`, summary: true }];
}

/**
 * oneOf: either the writer has the same oneOf (same branches up to order and equivalence),
 * or the case fits one branch and provably matches none of the others.
 */
function oneOfProblems(frame: Frame, writer: Writer, reader: SchemaNode, type: InstanceType): Problem[] {
  const branches = subschemaList(reader, 'oneOf');
  if (branches === undefined) return [];
  if (writer.positive.some((atom) => sameBranches(frame, subschemaList(atom, 'oneOf'), branches, type))) return [];
  let overlap: { fits: number; also: number } | undefined;
  for (const [i, branch] of branches.entries()) {
    if (against(frame, writer, branch, [type]).length > 0) continue;
    const also = branches.findIndex((other, j) => j !== i && !isEmptyWith(frame, writer, other, type));
    if (also === -1) return [];
    overlap ??= { fits: i, also };
  }
  const detail = overlap === undefined ? 'no branch accepts all of it' : `it fits ${keywordPath(reader, 'oneOf', overlap.fits)} but may also match ${keywordPath(reader, 'oneOf', overlap.also)}`;
  return [{ path: keywordPath(reader, 'oneOf'), reason: `${mayWrite(frame.run.perspective, 'match none, or more than one, of the oneOf branches')} (${detail})`, summary: true }];
}

function sameBranches(frame: Frame, mine: readonly SchemaNode[] | undefined, theirs: readonly SchemaNode[], type: InstanceType): boolean {
  if (mine === undefined || mine.length !== theirs.length) return false;
  const used = new Set<number>();
  return mine.every((branch) => {
    const match = theirs.findIndex((other, j) => !used.has(j) && equivalent(frame, branch, other, type));
    used.add(match);
    return match !== -1;
  });
}

function equivalent(frame: Frame, a: SchemaNode, b: SchemaNode, type: InstanceType): boolean {
  return check(frame, [a], b, [type]).length === 0 && check(frame, [b], a, [type]).length === 0;
}

/** not: the case must provably never match the negated subschema. */
function notProblems(frame: Frame, writer: Writer, reader: SchemaNode, type: InstanceType): Problem[] {
  const negated = subschema(reader, 'not');
  if (negated === undefined || isEmptyWith(frame, writer, negated, type)) return [];
  const perspective = frame.run.perspective;
  const change = perspective.writer === 'old' ? 'the new schema excludes more through "not"' : 'the old schema excluded more through "not"';
  return [{ path: negated.pointer, reason: because(change, mayWrite(perspective, 'match the subschema under "not"')), summary: true }];
}

/**
 * if/then/else reads as (if → then) ∧ (¬if → else). `then` is needed unless the case never
 * matches `if`; `else` unless the case always matches `if`.
 */
function conditionalProblems(frame: Frame, writer: Writer, reader: SchemaNode, type: InstanceType): Problem[] {
  const condition = subschema(reader, 'if');
  if (condition === undefined) return [];
  const problems: Problem[] = [];
  const then = subschema(reader, 'then');
  const otherwise = subschema(reader, 'else');
  if (then !== undefined) {
    const found = against(frame, writer, then, [type]);
    if (found.length > 0 && !isEmptyWith(frame, writer, condition, type)) problems.push(...about('when "if" matches', found));
  }
  if (otherwise !== undefined) {
    const found = against(frame, writer, otherwise, [type]);
    if (found.length > 0 && against(frame, writer, condition, [type]).length > 0) problems.push(...about('when "if" does not match', found));
  }
  return problems;
}

/** Whether no instance of `type` satisfies the writer case together with `extra`. */
function isEmptyWith(frame: Frame, writer: Writer, extra: SchemaNode, type: InstanceType): boolean {
  return cases(conjoin(writer, [extra]).writer).cases.every((writerCase) => isEmptyAt(frame, writerCase, type));
}

/**
 * A proof that the case has no instance of `type`; false when unsure. A `not` on the writer
 * side empties the case when the rest of the case is inside the negated subschema.
 */
function isEmptyAt(frame: Frame, writer: Writer, type: InstanceType): boolean {
  if (writer.positive.some((atom) => atom.schema === false || !allowsType(atom, type))) return true;
  const view = viewOf(writer, type);
  if (view.values !== undefined && view.values.length === 0) return true;
  if (contradicts(view, kitFor(frame))) return true;
  const positiveOnly: Writer = { ...writer, negative: [] };
  return writer.negative.some((negated) => against({ ...frame, nesting: frame.nesting + 1 }, positiveOnly, negated, [type]).length === 0);
}

function contradicts(view: WriterView, kit: Kit): boolean {
  switch (view.type) {
    case 'null':
    case 'boolean':
      return false;
    case 'number':
      return numbersContradict(view);
    case 'string':
      return stringsContradict(view);
    case 'array':
      return arraysContradict(view);
    case 'object':
      return objectsContradict(view, kit);
    default: {
      const unexpected: never = view.type;
      return unexpected;
    }
  }
}

function viewOf(writer: Writer, type: InstanceType): WriterView {
  return { atoms: writer.positive, type, values: valuesAt(writer.positive, type) };
}

/** The writer's listed values of `type` that also pass its own string and number keywords. */
function valuesAt(atoms: readonly SchemaNode[], type: InstanceType): Json[] | undefined {
  return enumeratedValues(atoms, type)?.filter((value) =>
    atoms.every((atom) => (typeof value === 'string' ? stringValueAllowed(value, atom) : typeof value === 'number' ? numberValueAllowed(value, atom) : true)),
  );
}

function exactFor(run: Run, value: Json): SchemaNode {
  const key = JSON.stringify(value);
  let node = run.exactNodes.get(key);
  if (node === undefined) {
    node = exactNode(value);
    run.exactNodes.set(key, node);
  }
  return node;
}

function kitFor(frame: Frame): Kit {
  const enter = (scope: Scope): Frame => ({ run: frame.run, depth: frame.depth + (scope.child ? 1 : 0), nesting: frame.nesting + 1 });
  return {
    perspective: frame.run.perspective,
    check: (writer, reader, scope) => check(enter(scope), writer, reader, scope.types ?? INSTANCE_TYPES),
    isEmpty: (writer, scope) => {
      const inner = enter(scope);
      const split = cases(conjoin(EMPTY_WRITER, writer).writer);
      return split.cases.every((writerCase) => (scope.types ?? INSTANCE_TYPES).every((type) => isEmptyAt(inner, writerCase, type)));
    },
  };
}

function constrains(reader: SchemaNode): boolean {
  if (typeof reader.schema === 'boolean') return !reader.schema;
  return Object.keys(reader.schema).some((name) => ASSERTIONS.has(name));
}

function writerKey(writer: Writer): string {
  return `${writer.positive.map(nodeKey).sort().join(',')}!${writer.negative.map(nodeKey).sort().join(',')}`;
}

function rejectsEverything(perspective: Perspective): string {
  const change = perspective.writer === 'old' ? 'this subschema became false (accepts nothing)' : 'this subschema was false (accepts nothing) in the old schema';
  return because(change, mayWrite(perspective, 'have a value here'));
}

function unresolvedWriterRef(perspective: Perspective, ref: UnresolvedRef): Problem {
  return { path: ref.path, reason: because(`$ref ${show(ref.ref)} in the ${perspective.writer} schema cannot be resolved (${ref.why})`, 'nothing can be proved about what data written with it contains here') };
}
