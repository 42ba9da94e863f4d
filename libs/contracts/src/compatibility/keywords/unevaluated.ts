/**
 * What `unevaluatedProperties` and `unevaluatedItems` apply to (2019-09, 2020-12): the
 * properties or items that no adjacent keyword, and no in-place subschema that validated
 * ($ref, allOf, anyOf, oneOf, if/then/else, dependentSchemas), evaluated.
 *
 * Which in-place subschemas validated depends on the instance, so the checker only ever uses
 * a bound that errs on its side:
 * - for a reader, what is *certainly* evaluated: the node's own keywords and those of
 *   subschemas that always apply ($ref, allOf), so the unevaluated keyword is assumed to
 *   apply to everything else (a stricter reader: it may report, never wrongly prove);
 * - for a writer, the unevaluated keyword is used only when nothing in place could
 *   evaluate what it constrains, or only named properties could (those are then checked by
 *   name, unconstrained by it); otherwise it is ignored (a larger writer: safe).
 */
import { type SchemaNode, keyword, nodeKey, resolveRef, stringKeyword, subschema, subschemaList, subschemaMap } from '../schema-document';

/** Properties evaluated by a node and the subschemas applied in place with it. */
export interface EvaluatedProperties {
  readonly names: ReadonlySet<string>;
  readonly patterns: readonly string[];
  /** An additionalProperties or unevaluatedProperties in place: every property is evaluated. */
  readonly all: boolean;
}

const ALWAYS = ['allOf'] as const;
const SOMETIMES = ['allOf', 'anyOf', 'oneOf'] as const;
const SOMETIMES_SINGLE = ['if', 'then', 'else'] as const;

/**
 * The in-place subschemas of `node` (not `node` itself), recursively: those that always
 * apply, or (possibly) every one that may. `undefined` when a `$ref` cannot be resolved and
 * `possibly` is asked: then nothing can be said of what might be evaluated.
 */
function inPlace(node: SchemaNode, possibly: boolean, seen = new Set<string>()): SchemaNode[] | undefined {
  const found: SchemaNode[] = [];
  const visit = (current: SchemaNode): boolean => {
    if (seen.has(nodeKey(current))) return true;
    seen.add(nodeKey(current));
    const next: SchemaNode[] = [];
    const ref = stringKeyword(current, '$ref');
    if (ref !== undefined) {
      const target = resolveRef(current, ref);
      if (target.kind === 'resolved') next.push(target.node);
      else if (possibly) return false;
    }
    for (const name of possibly ? SOMETIMES : ALWAYS) next.push(...(subschemaList(current, name) ?? []));
    if (possibly) {
      for (const name of SOMETIMES_SINGLE) {
        const sub = subschema(current, name);
        if (sub !== undefined) next.push(sub);
      }
      next.push(...subschemaMap(current, 'dependentSchemas').map(([, sub]) => sub));
    }
    for (const sub of next) {
      found.push(sub);
      if (!visit(sub)) return false;
    }
    return true;
  };
  return visit(node) ? found : undefined;
}

/** What `node` and its in-place subschemas evaluate of an object (certainly, or possibly). */
export function evaluatedProperties(node: SchemaNode, possibly: boolean): EvaluatedProperties {
  const subs = inPlace(node, possibly);
  if (subs === undefined) return { names: new Set(), patterns: [], all: true };
  const names = new Set<string>();
  const patterns: string[] = [];
  let all = keyword(node, 'additionalProperties') !== undefined;
  for (const current of [node, ...subs]) {
    for (const [name] of subschemaMap(current, 'properties')) names.add(name);
    for (const [pattern] of subschemaMap(current, 'patternProperties')) patterns.push(pattern);
    if (current !== node && (keyword(current, 'additionalProperties') !== undefined || keyword(current, 'unevaluatedProperties') !== undefined)) all = true;
  }
  return { names, patterns, all };
}

/**
 * A writer atom's unevaluatedProperties, when it can be relied on: it applies to every name
 * outside `names` (names that something in place might evaluate, to be checked one by one).
 */
export function writerUnevaluatedProperties(atom: SchemaNode): { schema: SchemaNode; names: ReadonlySet<string> } | undefined {
  const schema = subschema(atom, 'unevaluatedProperties');
  if (schema === undefined || keyword(atom, 'additionalProperties') !== undefined) return undefined;
  const evaluated = evaluatedProperties(atom, true);
  const ownPatterns = new Set(subschemaMap(atom, 'patternProperties').map(([pattern]) => pattern));
  // A pattern in a subschema would evaluate names the atom does not list: not modelled.
  if (evaluated.all || evaluated.patterns.some((pattern) => !ownPatterns.has(pattern))) return undefined;
  return { schema, names: evaluated.names };
}

/** Items evaluated by a node and its in-place subschemas: the first `prefix` positions, or all. */
export interface EvaluatedItems {
  readonly prefix: number;
  readonly all: boolean;
}

function ownItems(node: SchemaNode): EvaluatedItems {
  const prefix = subschemaList(node, 'prefixItems') ?? subschemaList(node, 'items');
  const rest = subschemaList(node, 'prefixItems') !== undefined || subschemaList(node, 'items') === undefined ? subschema(node, 'items') : subschema(node, 'additionalItems');
  return { prefix: prefix?.length ?? 0, all: rest !== undefined };
}

/** What a reader certainly evaluates of an array: through its own keywords, $ref and allOf. */
export function readerEvaluatedItems(node: SchemaNode): EvaluatedItems {
  const subs = inPlace(node, false) ?? [];
  let prefix = ownItems(node).prefix;
  let all = ownItems(node).all;
  for (const sub of subs) {
    const items = ownItems(sub);
    prefix = Math.max(prefix, items.prefix);
    if (items.all || keyword(sub, 'unevaluatedItems') !== undefined) all = true;
  }
  return { prefix, all };
}

/**
 * A writer atom's unevaluatedItems, when it can be relied on: it applies from position
 * `from` on, after its own tuple or a longer one of a subschema that always applies ($ref,
 * allOf). Nothing else in place (no `contains`, which evaluates the items it matches, no
 * conditional subschema with array keywords) may evaluate items.
 */
export function writerUnevaluatedItems(atom: SchemaNode): { schema: SchemaNode; from: number } | undefined {
  const schema = subschema(atom, 'unevaluatedItems');
  if (schema === undefined || ownItems(atom).all || keyword(atom, 'contains') !== undefined) return undefined;
  const possibly = inPlace(atom, true);
  if (possibly === undefined) return undefined;
  const always = new Set((inPlace(atom, false) ?? []).map(nodeKey));
  const arrayKeywords = ['items', 'prefixItems', 'additionalItems', 'contains', 'unevaluatedItems'];
  let from = ownItems(atom).prefix;
  for (const sub of possibly) {
    if (!arrayKeywords.some((name) => keyword(sub, name) !== undefined)) continue;
    const onlyTuple = ['items', 'additionalItems', 'contains', 'unevaluatedItems'].every((name) => keyword(sub, name) === undefined);
    if (!always.has(nodeKey(sub)) || !onlyTuple) return undefined;
    from = Math.max(from, subschemaList(sub, 'prefixItems')?.length ?? 0);
  }
  return { schema, from };
}
