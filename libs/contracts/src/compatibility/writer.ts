/**
 * The writer side of a check, as a conjunction: every written instance satisfies all
 * `positive` subschemas and none of the `negative` ones. Dropping a writer constraint only
 * lets the writer write more, so whatever the checker cannot use on this side it may ignore
 * and stay sound. The reader side gets no such freedom (see subschema.ts).
 */
import { type InstanceType, type Json, type JsonObject, instanceTypeOf, isJsonObject, jsonEqual } from './json';
import { type SchemaNode, documentNode, keyword, nodeKey, resolveRef, stringKeyword, subschema, subschemaList } from './schema-document';

export interface Writer {
  readonly positive: readonly SchemaNode[];
  readonly negative: readonly SchemaNode[];
  /** Disjunctions already replaced by one of their cases, as `<node key>#<keyword>`. */
  readonly opened: ReadonlySet<string>;
}

export interface UnresolvedRef {
  /** Pointer of the `$ref` keyword in the writer's document. */
  readonly path: string;
  readonly ref: string;
  readonly why: string;
}

export const EMPTY_WRITER: Writer = { positive: [], negative: [], opened: new Set() };

/** Above this many cases, further writer disjunctions stay closed (ignored: still sound). */
const MAX_CASES = 64;

/**
 * Adds subschemas to a writer, opening `$ref` and `allOf` (plain conjunctions) and moving
 * `not` to the negative side. anyOf, oneOf and if/then/else stay for `cases` to split.
 */
export function conjoin(writer: Writer, nodes: readonly SchemaNode[]): { writer: Writer; unresolved: UnresolvedRef[] } {
  const positive = [...writer.positive];
  const negative = [...writer.negative];
  const seen = new Set(positive.map(nodeKey));
  const unresolved: UnresolvedRef[] = [];

  const add = (node: SchemaNode): void => {
    if (node.schema === true || seen.has(nodeKey(node))) return; // A ∧ A = A, which also ends $ref cycles
    seen.add(nodeKey(node));
    const ref = stringKeyword(node, '$ref');
    if (ref !== undefined) {
      const target = resolveRef(node, ref);
      if (target.kind === 'resolved') add(target.node);
      else unresolved.push({ path: `${node.pointer}/$ref`, ref, why: target.why });
      if (node.doc.refIgnoresSiblings) return;
    }
    positive.push(node);
    for (const member of subschemaList(node, 'allOf') ?? []) add(member);
    const not = subschema(node, 'not');
    if (not !== undefined) negative.push(not);
  };
  nodes.forEach(add);
  return { writer: { positive, negative, opened: writer.opened }, unresolved };
}

/**
 * Splits the writer's disjunctions into cases whose union is the writer: one case per anyOf
 * branch; oneOf is read as anyOf (its instances are among anyOf's, so this over-approximates
 * the writer, which is sound); if/then/else gives (if ∧ then) and (¬if ∧ else).
 */
export function cases(writer: Writer): { cases: Writer[]; unresolved: UnresolvedRef[] } {
  const done: Writer[] = [];
  const unresolved: UnresolvedRef[] = [];
  const pending: Writer[] = [writer];
  while (pending.length > 0) {
    const current = pending.pop() as Writer;
    const next = done.length + pending.length < MAX_CASES ? openOne(current) : undefined;
    if (next === undefined) {
      done.push(current);
      continue;
    }
    for (const split of next) unresolved.push(...split.unresolved);
    pending.push(...next.map((split) => split.writer));
  }
  return { cases: done.reverse(), unresolved };
}

function openOne(writer: Writer): Array<{ writer: Writer; unresolved: UnresolvedRef[] }> | undefined {
  for (const atom of writer.positive) {
    for (const name of ['anyOf', 'oneOf'] as const) {
      const mark = `${nodeKey(atom)}#${name}`;
      const branches = subschemaList(atom, name);
      if (branches === undefined || writer.opened.has(mark)) continue;
      const opened = new Set(writer.opened).add(mark);
      return branches.map((branch) => conjoin({ ...writer, opened }, [branch]));
    }
    const mark = `${nodeKey(atom)}#if`;
    const condition = subschema(atom, 'if');
    const then = subschema(atom, 'then');
    const otherwise = subschema(atom, 'else');
    if (condition === undefined || (then === undefined && otherwise === undefined) || writer.opened.has(mark)) continue;
    const opened = new Set(writer.opened).add(mark);
    const whenTrue = conjoin({ ...writer, opened }, [condition, ...(then ? [then] : [])]);
    const whenFalse = conjoin({ ...writer, opened, negative: [...writer.negative, condition] }, otherwise ? [otherwise] : []);
    return [whenTrue, whenFalse];
  }
  return undefined;
}

/**
 * The finitely many values the writer may produce at `type`, before its other constraints
 * filter them: the intersection of its enum/const lists; null has one value and booleans two.
 * Undefined when unbounded.
 */
export function enumeratedValues(atoms: readonly SchemaNode[], type: InstanceType): Json[] | undefined {
  let values: Json[] | undefined;
  for (const atom of atoms) {
    const listed = listedValues(atom);
    if (listed === undefined) continue;
    values = values === undefined ? listed : values.filter((value) => listed.some((other) => jsonEqual(value, other)));
  }
  if (values === undefined && type === 'null') values = [null];
  if (values === undefined && type === 'boolean') values = [true, false];
  return values?.filter((value) => instanceTypeOf(value) === type);
}

/** The values an `enum` or `const` allows, or undefined when the subschema has neither. */
export function listedValues(node: SchemaNode): Json[] | undefined {
  if (typeof node.schema === 'object' && Object.hasOwn(node.schema, 'const')) return [keyword(node, 'const') as Json];
  const list = keyword(node, 'enum');
  return Array.isArray(list) ? (list as Json[]) : undefined;
}

/**
 * A subschema accepting exactly one object or array value, so that the structural rules
 * (properties, items, ...) can judge a constant the same way as a schema.
 */
export function exactNode(value: Json): SchemaNode {
  return documentNode({ ...(exactSchema(value) as JsonObject), const: value });
}

function exactSchema(value: Json): Json {
  if (Array.isArray(value)) {
    const distinct = value.every((item, i) => value.findIndex((other) => jsonEqual(item, other)) === i);
    return {
      type: 'array',
      prefixItems: value.map(exactSchema),
      items: false,
      minItems: value.length,
      ...(distinct ? { uniqueItems: true } : {}),
    };
  }
  if (isJsonObject(value)) {
    return {
      type: 'object',
      properties: Object.fromEntries(Object.entries(value).map(([key, item]) => [key, exactSchema(item)])),
      required: Object.keys(value),
      additionalProperties: false,
    };
  }
  return { const: value };
}
