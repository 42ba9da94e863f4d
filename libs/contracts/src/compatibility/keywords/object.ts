/**
 * Object keywords: properties, patternProperties, additionalProperties, required,
 * propertyNames, minProperties, maxProperties, dependencies (both forms), dependentRequired,
 * dependentSchemas, unevaluatedProperties (see unevaluated.ts).
 *
 * The writer's constraint on one property name is, in each writer atom, its `properties`
 * entry plus every matching `patternProperties` entry, or `additionalProperties` when neither
 * applies. Names the writer never mentions are compared through patterns and
 * additionalProperties only, and regular expressions are never compared for inclusion: a
 * reader pattern is known to cover a writer pattern only when both are the same text.
 */
import { type Kit, type WriterView } from '../kit';
import { isJsonObject, show } from '../json';
import { type Perspective, type Problem, about, because, count, either, keywordChange, mayWrite } from '../reasons';
import { type SchemaNode, documentNode, keyword, keywordPath, numberKeyword, stringListKeyword, subschema, subschemaIn, subschemaMap } from '../schema-document';
import { compile } from './string';
import { evaluatedProperties, writerUnevaluatedProperties } from './unevaluated';

export function checkObjectKeywords(view: WriterView, reader: SchemaNode, kit: Kit): Problem[] {
  return [
    ...propertiesProblems(view, reader, kit),
    ...patternPropertiesProblems(view, reader, kit),
    ...additionalPropertiesProblems(view, reader, kit),
    ...unevaluatedPropertiesProblems(view, reader, kit),
    ...requiredProblems(view, reader, kit),
    ...propertyNamesProblems(view, reader, kit),
    ...countProblems(view, reader, kit),
    ...dependencyProblems(view, reader, kit),
  ];
}

/** True when the writer cannot produce an object: counts contradict, or a required property is impossible. */
export function objectsContradict(view: WriterView, kit: Kit): boolean {
  const max = writerMaxProperties(view.atoms);
  if (max !== undefined && writerMinProperties(view.atoms) > max) return true;
  return [...guaranteedNames(view.atoms)].some((name) => kit.isEmpty(propertyAtoms(view.atoms, name), { child: true }));
}

/** What the writer atoms say about the value of property `name`. */
function propertyAtoms(atoms: readonly SchemaNode[], name: string): SchemaNode[] {
  return atoms.flatMap((atom) => {
    const named = subschemaIn(atom, 'properties', name);
    const patterned = subschemaMap(atom, 'patternProperties')
      .filter(([pattern]) => compile(pattern)?.test(name) === true)
      .map(([, node]) => node);
    if (named !== undefined || patterned.length > 0) return [...(named ? [named] : []), ...patterned];
    const additional = subschema(atom, 'additionalProperties');
    if (additional !== undefined) return [additional];
    const unevaluated = writerUnevaluatedProperties(atom);
    return unevaluated === undefined || unevaluated.names.has(name) ? [] : [unevaluated.schema];
  });
}

/** Names the writer mentions: its properties and required names. */
function knownNames(atoms: readonly SchemaNode[]): string[] {
  const names = new Set<string>();
  for (const atom of atoms) {
    for (const [name] of subschemaMap(atom, 'properties')) names.add(name);
    for (const name of stringListKeyword(atom, 'required') ?? []) names.add(name);
    // Names something in place might evaluate escape the atom's unevaluatedProperties: by name.
    for (const name of writerUnevaluatedProperties(atom)?.names ?? []) names.add(name);
  }
  return [...names];
}

/** Names every written object has: required ones, and what their dependentRequired brings along. */
function guaranteedNames(atoms: readonly SchemaNode[], assumed: readonly string[] = []): Set<string> {
  const names = new Set([...assumed, ...atoms.flatMap((atom) => stringListKeyword(atom, 'required') ?? [])]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const name of [...names]) {
      for (const implied of atoms.flatMap((atom) => dependentNames(atom, name))) {
        if (!names.has(implied)) {
          names.add(implied);
          grew = true;
        }
      }
    }
  }
  return names;
}

/** Names required when `name` is present (`dependencies` array form or `dependentRequired`). */
function dependentNames(atom: SchemaNode, name: string): string[] {
  return ['dependencies', 'dependentRequired'].flatMap((kw) => {
    const map = keyword(atom, kw);
    const list = isJsonObject(map) ? map[name] : undefined;
    return Array.isArray(list) ? list.filter((item): item is string => typeof item === 'string') : [];
  });
}

/**
 * An atom that lists every name it allows: no patternProperties, and additionalProperties
 * false, or an unevaluatedProperties false it can rely on (names from in place included).
 */
function closedNames(atom: SchemaNode): string[] | undefined {
  if (subschemaMap(atom, 'patternProperties').length > 0) return undefined;
  if (subschema(atom, 'additionalProperties')?.schema === false) return subschemaMap(atom, 'properties').map(([name]) => name);
  const unevaluated = writerUnevaluatedProperties(atom);
  return unevaluated?.schema.schema === false ? [...unevaluated.names] : undefined;
}

function propertiesProblems(view: WriterView, reader: SchemaNode, kit: Kit): Problem[] {
  return subschemaMap(reader, 'properties').flatMap(([name, wanted]) => {
    const written = propertyAtoms(view.atoms, name);
    if (wanted.schema === false) {
      return kit.isEmpty(written, { child: true }) ? [] : [{ path: wanted.pointer, reason: forbidden(kit.perspective, name) }];
    }
    const found = kit.check(written, wanted, { child: true });
    if (written.length > 0) return found;
    // The writer says nothing about this name: the nested reasons ("type widened from ...")
    // would not say why.
    return about(kit.perspective.writer === 'old' ? `property ${show(name)} was not described before` : `property ${show(name)} is no longer described`, found);
  });
}

function forbidden(perspective: Perspective, name: string): string {
  const change = perspective.writer === 'old' ? `property ${show(name)} is no longer allowed` : `property ${show(name)} was not allowed by the old schema`;
  return because(change, mayWrite(perspective, 'contain it'));
}

/**
 * For names matching a reader pattern: the names the writer mentions are checked one by one;
 * for the others, some writer atom must constrain every name it does not list at least as
 * strictly: through the same pattern, or through all its patterns and additionalProperties.
 */
function patternPropertiesProblems(view: WriterView, reader: SchemaNode, kit: Kit): Problem[] {
  return subschemaMap(reader, 'patternProperties').flatMap(([pattern, wanted]) => {
    const regex = compile(pattern);
    if (regex === undefined) {
      return [{ path: wanted.pointer, reason: `patternProperties ${show(pattern)} is not a valid ECMAScript regular expression, so no property can be proved to match it or not` }];
    }
    const named = knownNames(view.atoms)
      .filter((name) => regex.test(name))
      .flatMap((name) => about(`property ${show(name)}`, kit.check(propertyAtoms(view.atoms, name), wanted, { child: true })));
    const unnamed = unnamedProblems(view, wanted, kit, (atom) => {
      const same = subschemaIn(atom, 'patternProperties', pattern);
      return same !== undefined ? [same] : [...subschemaMap(atom, 'patternProperties').map(([, node]) => node), additionalOf(atom)];
    });
    if (unnamed.length === 0) return named;
    const change = keywordChange(kit.perspective, 'patternProperties', undefined, pattern);
    // With the same pattern on the writer side, the nested problems say what changed in it.
    const samePattern = view.atoms.some((atom) => subschemaIn(atom, 'patternProperties', pattern) !== undefined);
    if (samePattern) return [...named, ...unnamed];
    return [...named, { path: wanted.pointer, reason: because(change, mayWrite(kit.perspective, `have properties matching ${show(pattern)} that do not fit its schema`)) }];
  });
}

/**
 * additionalProperties applies to names outside the reader's properties and patterns. Writer
 * names are checked one by one; for the names the writer does not list, a writer pattern
 * identical to a reader pattern is known to fall outside additionalProperties.
 */
function additionalPropertiesProblems(view: WriterView, reader: SchemaNode, kit: Kit): Problem[] {
  const wanted = subschema(reader, 'additionalProperties');
  if (wanted === undefined) return [];
  const listed = new Set(subschemaMap(reader, 'properties').map(([name]) => name));
  const patterns = subschemaMap(reader, 'patternProperties').map(([pattern]) => pattern);
  return uncoveredProblems(view, wanted, listed, patterns, kit, 'additional');
}

/**
 * unevaluatedProperties applies to names no adjacent keyword or in-place subschema
 * evaluated; taken as those outside what the reader certainly evaluates (its own properties
 * and patterns, and those of its $ref and allOf), which can only make it stricter.
 */
function unevaluatedPropertiesProblems(view: WriterView, reader: SchemaNode, kit: Kit): Problem[] {
  const wanted = subschema(reader, 'unevaluatedProperties');
  if (wanted === undefined) return [];
  const evaluated = evaluatedProperties(reader, false);
  if (evaluated.all) return [];
  return uncoveredProblems(view, wanted, evaluated.names, evaluated.patterns, kit, 'unevaluated');
}

/** `wanted` for every property outside `listed` and `patterns`: additional or unevaluated ones. */
function uncoveredProblems(view: WriterView, wanted: SchemaNode, listed: ReadonlySet<string>, patterns: readonly string[], kit: Kit, which: 'additional' | 'unevaluated'): Problem[] {
  if (wanted.schema === true) return [];
  const regexes = patterns.map(compile);
  const outside = (name: string): boolean => !listed.has(name) && regexes.every((regex) => regex !== undefined && !regex.test(name));

  const named = knownNames(view.atoms)
    .filter(outside)
    .flatMap((name) => {
      const written = propertyAtoms(view.atoms, name);
      if (wanted.schema === false) return kit.isEmpty(written, { child: true }) ? [] : [{ path: wanted.pointer, reason: forbidden(kit.perspective, name) }];
      return about(`property ${show(name)}`, kit.check(written, wanted, { child: true }));
    });
  const unnamed = unnamedProblems(view, wanted, kit, (atom) => [
    ...subschemaMap(atom, 'patternProperties')
      .filter(([pattern]) => !patterns.includes(pattern))
      .map(([, node]) => node),
    additionalOf(atom),
  ]);
  if (unnamed.length === 0) return named;
  if (wanted.schema !== false) return [...named, ...unnamed];
  const known = [...listed];
  const change = kit.perspective.writer === 'old' ? `${which} properties are no longer allowed` : `${which} properties were not allowed by the old schema`;
  const what = known.length === 0 ? 'have properties' : `have properties other than ${either(known.map((name) => show(name)))}`;
  return [...named, { path: wanted.pointer, reason: because(change, mayWrite(kit.perspective, what)) }];
}

/** What a writer atom allows for names it does not list: additionalProperties, else a reliable unevaluatedProperties, else anything. */
function additionalOf(atom: SchemaNode): SchemaNode {
  return subschema(atom, 'additionalProperties') ?? writerUnevaluatedProperties(atom)?.schema ?? documentNode(true);
}

/**
 * Properties the writer does not list by name: fine when some writer atom's alternatives for
 * such a name (from `alternatives`) all satisfy `wanted`. Otherwise the problems found for the
 * first atom, which is the writer's own schema at this place.
 */
function unnamedProblems(view: WriterView, wanted: SchemaNode, kit: Kit, alternatives: (atom: SchemaNode) => SchemaNode[]): Problem[] {
  let first: Problem[] | undefined;
  for (const atom of view.atoms) {
    const problems = alternatives(atom).flatMap((alternative) => kit.check([alternative], wanted, { child: true }));
    if (problems.length === 0) return [];
    first ??= problems;
  }
  return first ?? kit.check([], wanted, { child: true });
}

function requiredProblems(view: WriterView, reader: SchemaNode, kit: Kit): Problem[] {
  const guaranteed = guaranteedNames(view.atoms);
  return (stringListKeyword(reader, 'required') ?? [])
    .filter((name) => !guaranteed.has(name))
    .map((name) => {
      const change = kit.perspective.writer === 'old' ? `property ${show(name)} became required` : `property ${show(name)} is no longer required`;
      return { path: keywordPath(reader, 'required'), reason: because(change, mayWrite(kit.perspective, 'omit it')) };
    });
}

/**
 * Names are strings: either the writer lists every name it allows (checked one by one), or
 * its own propertyNames must be at least as strict.
 */
function propertyNamesProblems(view: WriterView, reader: SchemaNode, kit: Kit): Problem[] {
  const wanted = subschema(reader, 'propertyNames');
  if (wanted === undefined) return [];
  for (const atom of view.atoms) {
    const names = closedNames(atom);
    if (names === undefined) continue;
    const problems = names.flatMap((name) => kit.check([documentNode({ const: name })], wanted, { types: ['string'], child: true }));
    if (problems.length === 0) return [];
  }
  const own = view.atoms.flatMap((atom) => subschema(atom, 'propertyNames') ?? []);
  return about('property names', kit.check(own, wanted, { types: ['string'], child: true }));
}

function writerMinProperties(atoms: readonly SchemaNode[]): number {
  return Math.max(guaranteedNames(atoms).size, ...atoms.map((atom) => numberKeyword(atom, 'minProperties') ?? 0));
}

function writerMaxProperties(atoms: readonly SchemaNode[]): number | undefined {
  const limits = atoms.flatMap((atom) => [numberKeyword(atom, 'maxProperties'), closedNames(atom)?.length].filter((limit) => limit !== undefined));
  return limits.length === 0 ? undefined : Math.min(...limits);
}

function countProblems(view: WriterView, reader: SchemaNode, kit: Kit): Problem[] {
  const problems: Problem[] = [];
  const min = numberKeyword(reader, 'minProperties');
  const writerMin = writerMinProperties(view.atoms);
  if (min !== undefined && writerMin < min) {
    const stated = Math.max(0, ...view.atoms.map((atom) => numberKeyword(atom, 'minProperties') ?? 0));
    problems.push({ path: keywordPath(reader, 'minProperties'), reason: because(keywordChange(kit.perspective, 'minProperties', stated || undefined, min), mayWrite(kit.perspective, `have fewer than ${count(min, 'property', 'properties')}`)) });
  }
  const max = numberKeyword(reader, 'maxProperties');
  const writerMax = writerMaxProperties(view.atoms);
  if (max !== undefined && (writerMax === undefined || writerMax > max)) {
    problems.push({ path: keywordPath(reader, 'maxProperties'), reason: because(keywordChange(kit.perspective, 'maxProperties', writerMax, max), mayWrite(kit.perspective, `have more than ${count(max, 'property', 'properties')}`)) });
  }
  return problems;
}

/**
 * A reader dependency on `name` holds when the writer never writes `name`, or when the writer,
 * knowing `name` is present (with its own dependencies on it), meets what the reader asks.
 */
function dependencyProblems(view: WriterView, reader: SchemaNode, kit: Kit): Problem[] {
  const problems: Problem[] = [];
  for (const kw of ['dependencies', 'dependentRequired', 'dependentSchemas']) {
    const map = keyword(reader, kw);
    if (!isJsonObject(map)) continue;
    for (const [name, dependency] of Object.entries(map)) {
      if (kit.isEmpty(propertyAtoms(view.atoms, name), { child: true })) continue;
      if (Array.isArray(dependency)) {
        const guaranteed = guaranteedNames(view.atoms, [name]);
        const missing = dependency.filter((item): item is string => typeof item === 'string' && !guaranteed.has(item));
        if (missing.length === 0) continue;
        const change = keywordChange(kit.perspective, `${kw} of ${show(name)}`, undefined, missing);
        problems.push({ path: keywordPath(reader, kw, name), reason: because(change, mayWrite(kit.perspective, `have ${show(name)} without ${either(missing.map((item) => show(item)))}`)) });
      } else {
        const wanted = subschemaIn(reader, kw, name);
        if (wanted === undefined) continue;
        const own = view.atoms.flatMap((atom) => [subschemaIn(atom, 'dependencies', name), subschemaIn(atom, 'dependentSchemas', name)].filter((node) => node !== undefined));
        const present = documentNode({ required: [name] });
        problems.push(...about(`when ${show(name)} is present`, kit.check([...view.atoms, ...own, present], wanted, { types: ['object'], child: false })));
      }
    }
  }
  return problems;
}
