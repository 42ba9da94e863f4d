/**
 * A schema as a document one can point into: every subschema the checker looks at is a
 * `SchemaNode` (the subschema, its document and its JSON pointer), so that a difference can
 * be reported where it is and a local `$ref` can be resolved within its own document.
 */
import { isJsonObject, pointerToken, unescapePointerToken } from './json';

export type JsonSchema = boolean | { [keyword: string]: unknown };

export interface SchemaDocument {
  /** Distinguishes documents in node keys (cycle detection). */
  readonly id: number;
  readonly root: JsonSchema;
  /**
   * Up to draft-07, keywords next to `$ref` are ignored; from 2019-09 they apply as well.
   * Decided by the root's `$schema`: only an explicit draft-03..07 gets the old behaviour.
   */
  readonly refIgnoresSiblings: boolean;
  /** The root's own `$id`/`id` (without fragment): a `$ref` to it is local. */
  readonly baseIds: ReadonlySet<string>;
  /** Plain-name fragments (`"$id": "#Address"`, `"$anchor": "Address"`) to pointers. */
  readonly anchors: ReadonlyMap<string, string>;
  /** Nested resources (`"$id": "address.json"` on a subschema) to pointers. */
  readonly embedded: ReadonlyMap<string, string>;
}

export interface SchemaNode {
  readonly schema: JsonSchema;
  readonly doc: SchemaDocument;
  /** JSON pointer of this subschema in its document ("" is the root). */
  readonly pointer: string;
}

/** Keywords whose value is a subschema, an array of subschemas or a map of them. */
const SINGLE_SUBSCHEMA = [
  'additionalItems',
  'additionalProperties',
  'contains',
  'propertyNames',
  'not',
  'if',
  'then',
  'else',
  'items',
  'unevaluatedItems',
  'unevaluatedProperties',
  'contentSchema',
];
const SUBSCHEMA_LISTS = ['allOf', 'anyOf', 'oneOf', 'prefixItems', 'items'];
const SUBSCHEMA_MAPS = ['properties', 'patternProperties', 'definitions', '$defs', 'dependentSchemas', 'dependencies'];

let documentCount = 0;

export function isSchema(value: unknown): value is JsonSchema {
  return typeof value === 'boolean' || isJsonObject(value);
}

/** Wraps a whole schema as a document; the checker also builds small synthetic ones. */
export function documentNode(schema: JsonSchema): SchemaNode {
  const anchors = new Map<string, string>();
  const embedded = new Map<string, string>();
  const baseIds = new Set<string>();
  const rootId = isJsonObject(schema) ? idOf(schema) : undefined;
  if (rootId !== undefined && !rootId.startsWith('#')) baseIds.add(stripFragment(rootId));
  walk(schema, '', (subschema, pointer) => {
    if (pointer === '') return;
    const id = idOf(subschema);
    if (id?.startsWith('#')) anchors.set(id.slice(1), pointer);
    else if (id !== undefined) {
      embedded.set(stripFragment(id), pointer);
      const absolute = resolveUri(id, rootId);
      if (absolute !== undefined) embedded.set(stripFragment(absolute), pointer);
    }
    if (typeof subschema.$anchor === 'string') anchors.set(subschema.$anchor, pointer);
  });
  const doc: SchemaDocument = {
    id: ++documentCount,
    root: schema,
    refIgnoresSiblings: isJsonObject(schema) && typeof schema.$schema === 'string' && /draft-0[3-7]\b/.test(schema.$schema),
    baseIds,
    anchors,
    embedded,
  };
  return { schema, doc, pointer: '' };
}

/** Identity of a node across the whole check (documents are numbered). */
export function nodeKey(node: SchemaNode): string {
  return `${node.doc.id}:${node.pointer}`;
}

export function keyword(node: SchemaNode, name: string): unknown {
  return typeof node.schema === 'object' ? node.schema[name] : undefined;
}

export function hasKeyword(node: SchemaNode, name: string): boolean {
  return keyword(node, name) !== undefined;
}

export function numberKeyword(node: SchemaNode, name: string): number | undefined {
  const value = keyword(node, name);
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

export function stringKeyword(node: SchemaNode, name: string): string | undefined {
  const value = keyword(node, name);
  return typeof value === 'string' ? value : undefined;
}

export function stringListKeyword(node: SchemaNode, name: string): string[] | undefined {
  const value = keyword(node, name);
  return Array.isArray(value) && value.every((item) => typeof item === 'string') ? value : undefined;
}

/** The subschema under `name` (a single schema; an array value gives undefined). */
export function subschema(node: SchemaNode, name: string): SchemaNode | undefined {
  const value = keyword(node, name);
  return isSchema(value) ? child(node, value, pointerToken(name)) : undefined;
}

export function subschemaList(node: SchemaNode, name: string): SchemaNode[] | undefined {
  const value = keyword(node, name);
  if (!Array.isArray(value)) return undefined;
  return value.flatMap((item, i) => (isSchema(item) ? [child(node, item, `${pointerToken(name)}/${i}`)] : []));
}

/** Entries of a map of subschemas (properties, patternProperties, ...), in document order. */
export function subschemaMap(node: SchemaNode, name: string): Array<[string, SchemaNode]> {
  const value = keyword(node, name);
  if (!isJsonObject(value)) return [];
  return Object.entries(value).flatMap(([key, item]) =>
    isSchema(item) ? [[key, child(node, item, `${pointerToken(name)}/${pointerToken(key)}`)] as [string, SchemaNode]] : [],
  );
}

export function subschemaIn(node: SchemaNode, name: string, key: string): SchemaNode | undefined {
  const value = keyword(node, name);
  if (!isJsonObject(value) || !Object.hasOwn(value, key)) return undefined;
  const item = value[key];
  return isSchema(item) ? child(node, item, `${pointerToken(name)}/${pointerToken(key)}`) : undefined;
}

/** Pointer to a keyword of a node, for reports ("/properties/a" + "maxLength"). */
export function keywordPath(node: SchemaNode, ...tokens: Array<string | number>): string {
  return node.pointer + tokens.map((token) => `/${pointerToken(token)}`).join('');
}

export type RefTarget = { kind: 'resolved'; node: SchemaNode } | { kind: 'unresolvable'; ref: string; why: string };

/**
 * Resolves a `$ref` within the node's own document: "#", "#/json/pointer", "#Anchor", the
 * root's own `$id` with either fragment, or a nested resource's `$id`. Anything else lives in
 * another document, which the checker never fetches.
 */
export function resolveRef(node: SchemaNode, ref: string): RefTarget {
  const hash = ref.indexOf('#');
  const uri = hash === -1 ? ref : ref.slice(0, hash);
  const fragment = hash === -1 ? '' : ref.slice(hash + 1);
  const doc = node.doc;
  const base = uri === '' || doc.baseIds.has(uri) ? '' : doc.embedded.get(uri);
  if (base === undefined) {
    return { kind: 'unresolvable', ref, why: 'it points outside this schema, and the checker never fetches other documents' };
  }
  let decoded: string;
  try {
    decoded = decodeURIComponent(fragment);
  } catch {
    return { kind: 'unresolvable', ref, why: 'its fragment is not valid percent-encoding' };
  }
  const pointer = decoded === '' || decoded.startsWith('/') ? base + decoded : doc.anchors.get(decoded);
  if (pointer === undefined) return { kind: 'unresolvable', ref, why: `no subschema has the anchor "${decoded}"` };
  const target = valueAt(doc.root, pointer);
  if (!isSchema(target)) return { kind: 'unresolvable', ref, why: `nothing at ${pointer || 'the root'} is a schema` };
  return { kind: 'resolved', node: { schema: target, doc, pointer } };
}

function child(parent: SchemaNode, schema: JsonSchema, relative: string): SchemaNode {
  return { schema, doc: parent.doc, pointer: `${parent.pointer}/${relative}` };
}

function valueAt(root: unknown, pointer: string): unknown {
  if (pointer === '') return root;
  let current = root;
  for (const token of pointer.slice(1).split('/').map(unescapePointerToken)) {
    if (Array.isArray(current) && /^(0|[1-9]\d*)$/.test(token)) current = current[Number(token)];
    else if (isJsonObject(current) && Object.hasOwn(current, token)) current = current[token];
    else return undefined;
  }
  return current;
}

function idOf(schema: { [keyword: string]: unknown }): string | undefined {
  // draft-04 spelled it `id`; later drafts `$id`. Both only identify, never constrain.
  const id = schema.$id ?? schema.id;
  return typeof id === 'string' ? id : undefined;
}

function stripFragment(uri: string): string {
  const hash = uri.indexOf('#');
  return hash === -1 ? uri : uri.slice(0, hash);
}

function resolveUri(id: string, base: string | undefined): string | undefined {
  if (base === undefined) return undefined;
  try {
    return new URL(id, base).href;
  } catch {
    return undefined;
  }
}

/** Visits every subschema (not the insides of enum, const, default or examples). */
function walk(schema: unknown, pointer: string, visit: (schema: { [keyword: string]: unknown }, pointer: string) => void): void {
  if (!isJsonObject(schema)) return;
  visit(schema, pointer);
  for (const name of SINGLE_SUBSCHEMA) walk(schema[name], `${pointer}/${pointerToken(name)}`, visit);
  for (const name of SUBSCHEMA_LISTS) {
    const list = schema[name];
    if (Array.isArray(list)) list.forEach((item, i) => walk(item, `${pointer}/${pointerToken(name)}/${i}`, visit));
  }
  for (const name of SUBSCHEMA_MAPS) {
    const map = schema[name];
    if (isJsonObject(map)) {
      for (const [key, item] of Object.entries(map)) walk(item, `${pointer}/${pointerToken(name)}/${pointerToken(key)}`, visit);
    }
  }
}
