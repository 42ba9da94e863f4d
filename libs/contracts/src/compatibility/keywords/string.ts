/** String keywords: minLength, maxLength, pattern, format, contentEncoding, contentMediaType. */
import { type Kit, type WriterView } from '../kit';
import { codePointLength, show } from '../json';
import { type Problem, because, count, keywordChange, mayWrite } from '../reasons';
import { type SchemaNode, keywordPath, numberKeyword, stringKeyword } from '../schema-document';

/**
 * Keywords compared by equality. Regular expressions are not compared for inclusion (that is
 * undecidable in general for ECMAScript patterns): a changed pattern is an incompatibility
 * unless the writer's instances are known values that match it. Formats and content
 * annotations are treated as assertions, as the registries do.
 */
const EXACT = ['pattern', 'format', 'contentEncoding', 'contentMediaType'] as const;
type ExactKeyword = (typeof EXACT)[number];

export function checkStringKeywords(view: WriterView, reader: SchemaNode, kit: Kit): Problem[] {
  return [...lengthProblems(view, reader, kit, 'minLength'), ...lengthProblems(view, reader, kit, 'maxLength'), ...EXACT.flatMap((name) => exactProblems(view, reader, kit, name))];
}

/** Whether a writer's known value survives the writer's own string keywords. */
export function stringValueAllowed(value: string, atom: SchemaNode): boolean {
  const length = codePointLength(value);
  const min = numberKeyword(atom, 'minLength');
  const max = numberKeyword(atom, 'maxLength');
  if ((min !== undefined && length < min) || (max !== undefined && length > max)) return false;
  const pattern = stringKeyword(atom, 'pattern');
  const regex = pattern === undefined ? undefined : compile(pattern);
  return regex === undefined || regex.test(value);
}

/** True when the writer's length bounds leave no string (minLength above maxLength). */
export function stringsContradict(view: WriterView): boolean {
  const min = writerBound(view, 'minLength');
  const max = writerBound(view, 'maxLength');
  return min !== undefined && max !== undefined && min > max;
}

/** Compiles an ECMA-262 pattern as JSON Schema means it: Unicode-aware, unanchored. */
export function compile(pattern: string): RegExp | undefined {
  try {
    return new RegExp(pattern, 'u');
  } catch {
    return undefined;
  }
}

function lengthProblems(view: WriterView, reader: SchemaNode, kit: Kit, name: 'minLength' | 'maxLength'): Problem[] {
  const limit = numberKeyword(reader, name);
  if (limit === undefined) return [];
  const fits = (length: number): boolean => (name === 'minLength' ? length >= limit : length <= limit);
  const writer = writerBound(view, name);
  if (view.values !== undefined) {
    const misfit = view.values.find((value) => typeof value === 'string' && !fits(codePointLength(value)));
    if (misfit === undefined) return [];
    return [{ path: keywordPath(reader, name), reason: because(keywordChange(kit.perspective, name, writer, limit), mayWrite(kit.perspective, `contain ${show(misfit)}`)) }];
  }
  if (writer !== undefined && fits(writer)) return [];
  const what = name === 'minLength' ? `be shorter than ${count(limit, 'character')}` : `be longer than ${count(limit, 'character')}`;
  return [{ path: keywordPath(reader, name), reason: because(keywordChange(kit.perspective, name, writer, limit), mayWrite(kit.perspective, what)) }];
}

/** The tightest bound all writer atoms impose together. */
function writerBound(view: WriterView, name: 'minLength' | 'maxLength'): number | undefined {
  const bounds = view.atoms.map((atom) => numberKeyword(atom, name)).filter((bound) => bound !== undefined);
  if (bounds.length === 0) return undefined;
  return name === 'minLength' ? Math.max(...bounds) : Math.min(...bounds);
}

function exactProblems(view: WriterView, reader: SchemaNode, kit: Kit, name: ExactKeyword): Problem[] {
  const wanted = stringKeyword(reader, name);
  if (wanted === undefined) return [];
  const stated = view.atoms.map((atom) => stringKeyword(atom, name)).filter((value) => value !== undefined);
  if (stated.includes(wanted)) return [];
  const path = keywordPath(reader, name);
  if (name === 'pattern') {
    const regex = compile(wanted);
    if (regex === undefined) {
      return [{ path, reason: `pattern ${show(wanted)} is not a valid ECMAScript regular expression, so nothing can be proved to match it` }];
    }
    const misfit = view.values?.find((value) => typeof value === 'string' && !regex.test(value));
    if (view.values !== undefined && misfit === undefined) return [];
    const consequence = misfit === undefined ? 'not match it' : `contain ${show(misfit)}`;
    return [{ path, reason: because(keywordChange(kit.perspective, name, stated[0], wanted), mayWrite(kit.perspective, consequence)) }];
  }
  // A format or content annotation the writer does not state cannot be proved, even for
  // known values: the checker does not validate formats.
  const consequence = name === 'format' ? `contain strings that are not ${show(wanted)}` : `contain strings that are not ${show(wanted)} content`;
  return [{ path, reason: because(keywordChange(kit.perspective, name, stated[0], wanted), mayWrite(kit.perspective, consequence)) }];
}
